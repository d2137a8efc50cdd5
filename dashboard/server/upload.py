"""The import page (``/import/``): upload a file, get the same validation as the command line,
read the report, download every quarantined row, open the dataset.

The upload is limited on the server (the request size limit of the page's
Flask server) and in the browser (``dcc.Upload.max_size``). The file is
written to a temporary file whose name the app builds, never from the
uploaded name; the dataset name is checked like the command line checks it.
"""
from __future__ import annotations

import base64
import binascii
import re
import tempfile
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, dash_table, dcc, html, no_update

from dashboard import ids
from dashboard.config import Config
from dashboard.figures.basemap import ASSETS
from dashboard.server.compression import compress_responses
from dashboard.server.security import install_security
from geodata.catalog import CatalogSettings
from geodata.catalog.protocol import MAX_NAME_LENGTH, NAME_PATTERN, check_name, is_valid_name, name_from_text
from geodata.ingest import ingest_file, reports_root
from geodata.model.errors import GeodataError, SchemaError, UnreadableFileError

MAX_UPLOAD_BYTES = 50_000_000
FORMAT_LABELS = {
    "acled": "ACLED export (CSV)", "ucdp": "UCDP GED (CSV)", "hxl": "HXL-tagged table (CSV)",
    "hnap": "OCHA/HNAP IDP workbook (XLSX/CSV)",
    "boundaries": "Admin boundaries (GeoJSON, GeoPackage, zipped shapefile)",
}
SUFFIXES = {".csv", ".xlsx", ".geojson", ".json", ".gpkg", ".zip"}
SHOWN_PROBLEMS = 20


def _safe_suffix(filename: Any) -> str:
    suffix = Path(filename).suffix.lower() if isinstance(filename, str) else ""
    return suffix if suffix in SUFFIXES else ".csv"


def dataset_name(text: Any, filename: Any) -> str:
    """The dataset name for an upload, by the one naming rule (:func:`geodata.catalog.protocol.check_name`).

    A typed name must pass the rule as typed (GeodataError saying why, shown
    on the page): it is never silently changed into another dataset's name.
    With nothing typed, the name is derived from the file's name through the
    same rule (:func:`~geodata.catalog.protocol.name_from_text`), so
    ``reports.csv`` or ``boundaries.parquet`` can never name the store's own files.
    """
    if isinstance(text, str) and text.strip():
        return check_name(text.strip())
    stem = Path(filename).stem if isinstance(filename, str) and "\0" not in filename else ""
    return name_from_text(stem)


def hxl_defaults(fmt: Any, source: Any, source_url: Any, country: Any) -> dict[str, str]:
    """The page's source, source address and country fields as defaults for an HXL file (other formats:
    none; ACLED and UCDP name them in every row). Text only, trimmed, at most 500 characters each."""
    if fmt != "hxl":
        return {}
    given = {"source": source, "source_url": source_url, "country": country}
    return {k: v.strip()[:500] for k, v in given.items() if isinstance(v, str) and v.strip()}


def run_import(contents: Any, filename: Any, fmt: Any, dataset: Any, catalog,
               settings: CatalogSettings | None = None, defaults: dict[str, str] | None = None) -> dict:
    """Decode an upload, import it into ``catalog`` and describe the outcome as plain data.

    Never raises for bad input: the answer has ``ok`` False and a one-line ``error``.
    """
    if fmt not in FORMAT_LABELS:
        return {"ok": False, "error": "Choose the file's format."}
    if not isinstance(contents, str) or "," not in contents:
        return {"ok": False, "error": "Choose a file to upload."}
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return {"ok": False, "error": "The upload was damaged in transit; try again."}
    if len(data) > MAX_UPLOAD_BYTES:
        return {"ok": False, "error": f"The file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB."}
    try:
        name = dataset_name(dataset, filename)
    except GeodataError as exc:
        return {"ok": False, "error": f"Nothing was imported: {exc}"}
    shown_name = filename if isinstance(filename, str) else "the file"
    with tempfile.TemporaryDirectory(prefix="conflict-map-upload-") as folder:
        path = Path(folder) / f"upload{_safe_suffix(filename)}"
        path.write_bytes(data)
        try:
            outcome = ingest_file(path, fmt, catalog, dataset=name, title=name,
                                  report_root=reports_root(catalog, settings), defaults=defaults)
        except (UnreadableFileError, SchemaError, GeodataError) as exc:
            message = str(exc).replace(str(path), shown_name)
            return {"ok": False, "error": f"Nothing was imported: {message}"}
    report = outcome.result.report
    return {
        "ok": True, "dataset": outcome.dataset, "version": outcome.version, "file": shown_name,
        "rows_in": report.rows_in, "imported": report.imported, "quarantined": report.quarantined,
        "duplicates": report.duplicates, "changes": outcome.changes.to_dict(),
        "change_lines": (outcome.changes.lines() if outcome.version is not None else [])
        + ([f"Re-assigned p-codes of {outcome.reassigned[0]} dataset(s) ({outcome.reassigned[1]:,} rows)"]
           if outcome.reassigned[0] else []),
        "problems": [{"line": p.line, "column": p.column, "reason": p.reason, "value": p.value}
                     for p in report.problems[:SHOWN_PROBLEMS]],
        "warnings": [str(w).replace(str(path), shown_name) for w in report.warnings[:10]],
        "report_id": outcome.report_path.stem if outcome.report_path else None,
    }


REPORT_ID = re.compile(r"^\d{8}T\d{6,12}Z$")


def quarantine_file(catalog, answer: Any, settings: CatalogSettings | None = None) -> Path | None:
    """The quarantine CSV of an import the page reported, or None.

    The client only names the dataset and the report's time stamp, both
    checked against strict patterns; the path itself is built here.
    """
    if not isinstance(answer, dict):
        return None
    name, report_id = answer.get("dataset"), answer.get("report_id")
    if not isinstance(name, str) or not isinstance(report_id, str) or not REPORT_ID.match(report_id):
        return None
    if name != "boundaries" and not is_valid_name(name):  # boundary imports report under "boundaries"
        return None
    path = reports_root(catalog, settings) / "reports" / name / f"{report_id}.quarantine.csv"
    return path if path.is_file() else None


def report_view(answer: dict | None) -> list:
    """The import report as page content (all text escaped by Dash's components)."""
    if not answer:
        return []
    if not answer.get("ok"):
        return [html.P(answer.get("error", "Import failed."), className="import-error", role="alert")]
    counts = (f"{answer['file']}: {answer['rows_in']:,} rows in · {answer['imported']:,} imported · "
              f"{answer['quarantined']:,} quarantined · {answer['duplicates']:,} duplicates")
    children: list = [html.P(counts, id=ids.IMPORT_COUNTS, className=ids.IMPORT_COUNTS)]
    children += [html.P(line, className="import-changes") for line in answer.get("change_lines", [])]
    if answer["dataset"] != "boundaries":
        children.append(html.A(f"Open dataset {answer['dataset']} on the map", id=ids.IMPORT_OPEN,
                               href=f"../datasets/{answer['dataset']}/"))
    if answer["problems"]:
        children += [
            html.H3(f"First {len(answer['problems'])} quarantined rows (line, column, reason)"),
            dash_table.DataTable(id=ids.IMPORT_PROBLEMS, data=answer["problems"],
                                 columns=[{"name": c, "id": c} for c in ("line", "column", "reason", "value")],
                                 style_cell={"textAlign": "left", "whiteSpace": "normal"}, page_size=20),
            html.Button("Download every quarantined row (CSV)", id=ids.IMPORT_DOWNLOAD_QUARANTINE),
        ]
    if answer["warnings"]:
        children += [html.H3("Warnings"), html.Ul([html.Li(w) for w in answer["warnings"]])]
    return children


def create_import_app(catalog, config: Config | None = None) -> Dash:
    """The ``/import/`` page over ``catalog`` (the same store the command line writes to)."""
    config = config or Config()
    app = Dash(__name__, title="conflict-map: import", url_base_pathname="/import/", assets_folder=str(ASSETS),
               serve_locally=True, update_title=None)
    app.layout = html.Div(className="import-page", children=[
        html.H1("Import your own data"),
        html.P("ACLED and UCDP exports, HXL-tagged tables, HNAP workbooks and admin boundaries. Every row is "
               "checked: valid rows are imported, bad rows are kept aside with the reason, nothing is dropped "
               "silently. Importing again into the same dataset updates events by id."),
        html.Label("Format", htmlFor=ids.IMPORT_FORMAT),
        dcc.Dropdown(id=ids.IMPORT_FORMAT, options=[{"label": v, "value": k} for k, v in FORMAT_LABELS.items()],
                     value="acled", clearable=False),
        html.Label(f"Dataset name (ASCII letters, digits, - and _; at most {MAX_NAME_LENGTH}; empty: from the "
                   "file's name)", htmlFor=ids.IMPORT_DATASET),
        dcc.Input(id=ids.IMPORT_DATASET, type="text", maxLength=MAX_NAME_LENGTH, pattern=NAME_PATTERN,
                  placeholder="e.g. acled-syria-2020"),
        html.Fieldset([
            html.Legend("For HXL files whose rows do not name them"),
            html.Label("Source", htmlFor=ids.IMPORT_SOURCE),
            dcc.Input(id=ids.IMPORT_SOURCE, type="text", maxLength=500, placeholder="e.g. OCHA Colombia"),
            html.Label("Source address", htmlFor=ids.IMPORT_SOURCE_URL),
            dcc.Input(id=ids.IMPORT_SOURCE_URL, type="url", maxLength=500, placeholder="https://..."),
            html.Label("Country (name or ISO code)", htmlFor=ids.IMPORT_COUNTRY),
            dcc.Input(id=ids.IMPORT_COUNTRY, type="text", maxLength=100, placeholder="e.g. Colombia or COL"),
        ]),
        dcc.Upload(id=ids.IMPORT_UPLOAD, max_size=MAX_UPLOAD_BYTES, className=ids.IMPORT_UPLOAD,
                   children=html.Div(["Drop a file here or ", html.A("choose one")])),
        dcc.Loading(html.Div(id=ids.IMPORT_REPORT, className=ids.IMPORT_REPORT)),
        dcc.Store(id=ids.IMPORT_ANSWER),
        dcc.Download(id=ids.IMPORT_DOWNLOAD),
        html.P(html.A("← Back to the map", href="../")),
    ])

    @app.callback(Output(ids.IMPORT_ANSWER, "data"), Input(ids.IMPORT_UPLOAD, "contents"),
                  State(ids.IMPORT_UPLOAD, "filename"), State(ids.IMPORT_FORMAT, "value"),
                  State(ids.IMPORT_DATASET, "value"), State(ids.IMPORT_SOURCE, "value"),
                  State(ids.IMPORT_SOURCE_URL, "value"), State(ids.IMPORT_COUNTRY, "value"),
                  prevent_initial_call=True)
    def _import(contents, filename, fmt, dataset, source, source_url, country):
        return run_import(contents, filename, fmt, dataset, catalog, config.catalog,
                          defaults=hxl_defaults(fmt, source, source_url, country))

    @app.callback(Output(ids.IMPORT_REPORT, "children"), Input(ids.IMPORT_ANSWER, "data"))
    def _report(answer):
        return report_view(answer)

    @app.callback(Output(ids.IMPORT_DOWNLOAD, "data"), Input(ids.IMPORT_DOWNLOAD_QUARANTINE, "n_clicks"),
                  State(ids.IMPORT_ANSWER, "data"), prevent_initial_call=True)
    def _download(clicks, answer):
        path = quarantine_file(catalog, answer, config.catalog)
        if not clicks or path is None:
            return no_update
        return dcc.send_file(str(path), filename=f"{path.parent.name}-quarantine.csv")

    app.config.suppress_callback_exceptions = True
    # base64 makes an upload a third larger than the file.
    compress_responses(app.server)
    install_security(app, config, max_request_bytes=max(config.max_request_bytes, MAX_UPLOAD_BYTES * 4 // 3 + 100_000))
    return app
