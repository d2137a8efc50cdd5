"""Random messy ACLED exports (seeded; the seed is printed): the streamed import, with random batch and
read-block sizes, gives exactly the one-table import's rows, quarantine, warnings and report.

What varies per seed: bad dates (impossible, words, other formats), bad and fractional fatalities, swapped
and out-of-range coordinates, blank, padded and repeated ids, exact duplicates near and far, non-ASCII
text (Arabic, French, emoji), quoted commas and quotes, empty cells, long notes, CR LF line ends, a byte
order mark.
"""
from __future__ import annotations

import random

import pandas as pd
import pytest
from test_streamed_import import mali_rows, refuse_one_table, write_export

from geodata.ingest.readers.acled import COLUMNS, read_acled
from geodata.ingest.stream import import_acled_stream
from geodata.ingest.validate import import_table

SEEDS = [11, 23, 37, 41, 59, 67]
NOTES = ("Attaque près de Ségou, 3 morts", "هجوم على قرية", 'He said "enough", then left', "a, b, c",
         "🔥 market burned", "x" * 700, "", "  padded  ")


def messy_rows(rng: random.Random, n: int) -> list[dict[str, str]]:
    rows = mali_rows(n, seed=rng.randrange(1000))
    for row in rows:
        row["notes"] = rng.choice(NOTES) if rng.random() < 0.3 else row["notes"]
    for _ in range(rng.randrange(5, 40)):  # damage
        i = rng.randrange(n)
        kind = rng.randrange(10)
        if kind == 0:
            rows[i]["event_date"] = rng.choice(["2023-02-30", "yesterday", "2023/02/03", "", "31 February 2023"])
        elif kind == 1:
            rows[i]["fatalities"] = rng.choice(["-1", "1.5", "many", "", "1e3"])
        elif kind == 2:
            rows[i]["latitude"], rows[i]["longitude"] = rows[i]["longitude"], rows[i]["latitude"]
        elif kind == 3:
            rows[i]["latitude"] = rng.choice(["95.2", "", "abc", "-91"])
        elif kind == 4:
            rows[i]["event_id_cnty"] = rng.choice(["", "  ", f"  {rows[rng.randrange(n)]['event_id_cnty']} "])
        elif kind == 5:
            rows[i] = dict(rows[rng.randrange(n)])  # an exact duplicate of a row before or after
        elif kind == 6:
            rows[i] = {**rows[rng.randrange(n)], "notes": "edited"}  # a repeated id, other content
        elif kind == 7:
            rows[i]["geo_precision"] = rng.choice(["4", "", "2"])
        elif kind == 8:
            rows[i]["event_type"] = rng.choice(["", "Riots", "Not a type"])
        else:
            rows[i]["time_precision"] = rng.choice(["7", "", "3"])
    return rows


@pytest.mark.parametrize("seed", SEEDS)
def test_random_messy_exports_stream_to_the_one_table_result(tmp_path, monkeypatch, seed):
    from geodata.ingest import stream

    rng = random.Random(seed)
    print(f"seed {seed}")
    rows = messy_rows(rng, rng.randrange(800, 2_500))
    path = write_export(tmp_path / "mali.csv", rows, COLUMNS)
    if rng.random() < 0.4:  # Excel's export: byte order mark and CR LF
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(stream, "READ_BYTES", rng.choice([97, 4_096, 65_536, 1 << 22]))
    batch = rng.choice([101, 333, 1_000, 100_000])
    fix = rng.random() < 0.5
    whole = import_table(read_acled(path), fix_swapped=fix)
    refuse_one_table(monkeypatch)  # nothing here needs it: the batches themselves are compared
    batched = import_acled_stream(path, batch_rows=batch, fix_swapped=fix)
    assert batched.report == whole.report, f"seed {seed}"
    pd.testing.assert_frame_equal(batched.quarantine, whole.quarantine)
    pd.testing.assert_frame_equal(batched.frame, whole.frame)
    assert [(w.line, w.column, w.reason) for w in batched.warnings] == \
        [(w.line, w.column, w.reason) for w in whole.warnings]
    assert batched.rows_in == len(rows) == batched.imported + batched.quarantined + batched.duplicates
