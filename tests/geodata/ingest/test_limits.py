"""Files that ask for more than the machine should give are refused before the work, quickly, in bounded memory."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest

from geodata.ingest import limits
from geodata.ingest.limits import LimitError
from geodata.ingest.readers.encoding import read_csv_cells
from geodata.ingest.readers.excel import read_sheet_cells, read_workbook_cells
from tests.support import REPO

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{RELS}"><sheets><sheet name="Kenya" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        '</Relationships>'),
}


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_xlsx(path, rows_xml, dimension: str | None = None):
    """A workbook written by hand: one sheet whose <sheetData> is ``rows_xml`` (text, or an iterable of chunks)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in [rows_xml] if isinstance(rows_xml, str) else rows_xml:
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


CORNERS = f'<row r="1">{_cell("A1", "admin1")}</row><row r="1048576">{_cell("XFD1048576", "x")}</row>'


def test_a_plain_handmade_workbook_reads(tmp_path):
    rows = "".join(f'<row r="{i}">{_cell(f"A{i}", f"Turkana {i}")}{_cell(f"B{i}", str(i))}</row>'
                   for i in range(1, 6))
    cells = read_sheet_cells(write_xlsx(tmp_path / "ok.xlsx", rows, "A1:B5"))
    assert cells.shape == (5, 2) and cells.iloc[4, 0] == "Turkana 5" and cells.iloc[2, 1] == "3"


def test_declared_dimension_bomb_is_refused_before_reading(tmp_path):
    path = write_xlsx(tmp_path / "corners.xlsx", CORNERS, "A1:XFD1048576")
    assert path.stat().st_size < 10_000
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"corners\.xlsx: .*declared width of sheet 'Kenya'.*16,384.*MAX_COLUMNS"):
        read_workbook_cells(path)
    assert time.perf_counter() - start < 2


def test_a_lying_dimension_is_caught_while_streaming(tmp_path):
    path = write_xlsx(tmp_path / "liar.xlsx", CORNERS, "A1:A1")
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"liar\.xlsx: .*width of sheet 'Kenya'.*row 1,?048,?576.*MAX_COLUMNS"):
        read_sheet_cells(path)
    assert time.perf_counter() - start < 15


def test_the_cell_budget_holds_whatever_the_shape(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEET_CELLS", 5_000)
    rows = "".join(f'<row r="{i}">' + "".join(_cell(f"{c}{i}", "v") for c in "ABCDEFGHIJ") + "</row>"
                   for i in range(1, 1001))
    with pytest.raises(LimitError, match=r"size of sheet 'Kenya' \(cells.*at row 501\).*MAX_SHEET_CELLS"):
        read_sheet_cells(write_xlsx(tmp_path / "cells.xlsx", rows))


def _compressible_rows(megabytes: int):
    row = f"<row r=\"{{i}}\">{_cell('A{i}', 'Ngong Road ' * 400)}</row>"
    size = 0
    i = 1
    while size < megabytes * 1_000_000:
        chunk = "".join(row.format(i=i + k) for k in range(2000))
        i += 2000
        size += len(chunk)
        yield chunk


@pytest.mark.parametrize("megabytes, limit", [(120, "MAX_XLSX_MEMBER_BYTES"), (30, "MAX_COMPRESSION_RATIO")])
def test_highly_compressed_sheet_xml_is_refused_from_the_zip_directory(tmp_path, megabytes, limit):
    path = write_xlsx(tmp_path / "deflate.xlsx", _compressible_rows(megabytes))
    assert path.stat().st_size < megabytes * 1_000_000 / 50
    start = time.perf_counter()
    with pytest.raises(LimitError, match=rf"deflate\.xlsx: .*sheet1\.xml.*{limit}"):
        read_workbook_cells(path)
    assert time.perf_counter() - start < 1


MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from geodata.ingest.formats import read_source
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        read_source(sys.argv[1], sys.argv[2], **json.loads(sys.argv[3]))
        outcome = "read"
    except Exception as exc:
        outcome = type(exc).__name__ + ": " + str(exc)
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome,
                      "grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
""")


def measure(path, fmt: str, **options) -> dict:
    """Read ``path`` in a fresh process: seconds, outcome and how much the peak memory grew (MB)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path), fmt, json.dumps(options)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_workbook_bomb_through_the_format_reader_is_quick_and_small(tmp_path):
    result = measure(write_xlsx(tmp_path / "corners.xlsx", CORNERS, "A1:A1"), "hnap")
    assert "LimitError" in result["outcome"] and "MAX_COLUMNS" in result["outcome"]
    assert result["seconds"] < 15 and result["grew_mb"] < 300, result


def wide_csv(path, columns: int):
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + "," * (columns - 1) + "\n", encoding="utf-8")
    return path


def test_a_csv_with_100k_columns_is_refused_before_parsing(tmp_path):
    path = wide_csv(tmp_path / "wide.csv", 100_001)
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"wide\.csv: .*columns in the header line is 100,001.*MAX_COLUMNS"):
        read_csv_cells(path)
    assert time.perf_counter() - start < 1


def test_a_header_line_without_end_is_refused(tmp_path):
    path = tmp_path / "endless.csv"
    path.write_bytes(b"a" * 2_000_000)
    with pytest.raises(LimitError, match=r"endless\.csv: .*header line.*MAX_HEADER_BYTES"):
        read_csv_cells(path)


def test_row_and_cell_budgets_for_csv(tmp_path, monkeypatch):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "1,2\n" * 5000, encoding="utf-8")
    assert len(read_csv_cells(path)[0]) == 5000
    monkeypatch.setattr(limits, "MAX_ROWS", 1000)
    with pytest.raises(LimitError, match=r"long\.csv: .*number of lines.*MAX_ROWS"):
        read_csv_cells(path)
    monkeypatch.setattr(limits, "MAX_ROWS", 10_000)
    monkeypatch.setattr(limits, "MAX_CELLS", 5000)
    with pytest.raises(LimitError, match="MAX_CELLS"):
        read_csv_cells(path)


@pytest.mark.slow
def test_a_wide_csv_through_the_importer_is_quick_and_small(tmp_path):
    result = measure(wide_csv(tmp_path / "wide.csv", 1_000_000), "acled")
    assert "LimitError" in result["outcome"], result
    assert result["seconds"] < 5 and result["grew_mb"] < 100, result


def _squares_geojson(path, features: int, vertices_each: int = 5):
    """``features`` small polygons in Kenya (a ring of ``vertices_each`` points each)."""
    import math

    shapes = []
    for i in range(features):
        x, y = 36.0 + (i % 300) * 0.01, -1.0 + (i // 300) * 0.01
        ring = [[x + 0.004 * math.cos(2 * math.pi * k / (vertices_each - 1)),
                 y + 0.004 * math.sin(2 * math.pi * k / (vertices_each - 1))] for k in range(vertices_each - 1)]
        shapes.append({"type": "Feature", "properties": {"adm1_pcode": f"KE{i:06d}", "adm1_name": f"Area {i}"},
                       "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": shapes}), encoding="utf-8")
    return path


def test_boundaries_over_the_vertex_limit_are_refused(tmp_path, monkeypatch):
    from geodata.ingest.readers.boundaries import read_boundaries

    path = _squares_geojson(tmp_path / "ken_adm1.geojson", 20, vertices_each=501)
    assert len(read_boundaries(path).frame) == 20
    monkeypatch.setattr(limits, "MAX_BOUNDARY_VERTICES", 5_000)
    with pytest.raises(LimitError, match=r"ken_adm1\.geojson: .*vertices is 10,020.*MAX_BOUNDARY_VERTICES"):
        read_boundaries(path)


@pytest.mark.slow
def test_boundaries_over_the_feature_limit_are_refused_before_their_shapes_are_read(tmp_path):
    from geodata.ingest.readers.boundaries import read_boundaries

    path = _squares_geojson(tmp_path / "ken_adm3.geojson", limits.MAX_BOUNDARY_FEATURES + 1)
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"features is 50,001.*MAX_BOUNDARY_FEATURES"):
        read_boundaries(path)
    assert time.perf_counter() - start < 5


def test_the_stored_total_is_checked_too(tmp_path, monkeypatch):
    """Two imports each under the limit must not add up to boundaries every dataset page would choke on."""
    from geodata.catalog.parquet import DataDirectory
    from geodata.ingest.readers.boundaries import read_boundaries

    frame = read_boundaries(_squares_geojson(tmp_path / "ken_adm1.geojson", 30)).frame
    store = DataDirectory(tmp_path / "data")
    monkeypatch.setattr(limits, "MAX_BOUNDARY_FEATURES", 20)
    with pytest.raises(LimitError, match=r"boundaries\.parquet: .*features is 30.*MAX_BOUNDARY_FEATURES"):
        store.save_boundaries(frame)
    assert not store.boundaries_path.exists()


def test_stored_boundaries_over_the_limit_are_refused_when_read(tmp_path, monkeypatch):
    """Boundaries stored before the limits existed: a clear error naming the file, not a 33-second page."""
    from geodata.catalog.parquet import DataDirectory
    from geodata.ingest.readers.boundaries import read_boundaries

    store = DataDirectory(tmp_path / "data")
    store.save_boundaries(read_boundaries(_squares_geojson(tmp_path / "ken_adm1.geojson", 30, 41)).frame)
    assert len(store.boundaries()) == 30
    monkeypatch.setattr(limits, "MAX_BOUNDARY_VERTICES", 1_000)
    with pytest.raises(LimitError, match=r"boundaries\.parquet: .*vertices is 1,230.*MAX_BOUNDARY_VERTICES"):
        store.boundaries()
    monkeypatch.setattr(limits, "MAX_BOUNDARY_FEATURES", 10)
    with pytest.raises(LimitError, match=r"boundaries\.parquet: .*features is 30.*MAX_BOUNDARY_FEATURES"):
        store.boundaries()
