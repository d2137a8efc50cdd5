"""An HNAP-shaped IDP movements workbook for Sudan (May 2023), for tests that need flows not from Syria.

Synthetic figures in the workbook's real layout: a community sheet
(``Mohafaza ... Community PCODE, IDP_Flow_Estimation``) and an origin x
destination matrix ("Table-Origin_vs_Departure"). With
``tests/data/sudan_states_flows.geojson`` (three state boxes: Khartoum SD01,
West Darfur SD02, Aj Jazirah SD15; not the real outlines) most ends are
placed by p-code; White Nile has no boundary (its communities' points stand
for it, when the import can place them) and Blue Nile appears only as an
origin, with no p-code, boundary or community: its flow cannot be drawn.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.support import REPO

BOUNDARIES = REPO / "tests" / "data" / "sudan_states_flows.geojson"
#: The month's file name, which tells the reader the month.
FILE_NAME = "hnap_sudan_idp_movements_{month}_workbook.xlsx"
COMMUNITIES = (
    # Mohafaza, code, Mantika, code, Nahya, code, Community, code, IDP arrivals
    ("Khartoum", "SD01", "Omdurman", "SD0102", "Omdurman", "SD010201", "Omdurman", "C-SD-0001", 8_000),
    ("Aj Jazirah", "SD15", "Medani Al Kubra", "SD1501", "Wad Madani", "SD150101", "Wad Madani", "C-SD-0002", 90_000),
    ("Aj Jazirah", "SD15", "Al Hasahisa", "SD1502", "Al Hasahisa", "SD150201", "Al Hasahisa", "C-SD-0003", 32_350),
    ("White Nile", "SD07", "Kosti", "SD0701", "Kosti", "SD070101", "Kosti", "C-SD-0004", 47_500),
    ("West Darfur", "SD02", "El Geneina", "SD0201", "El Geneina", "SD020101", "El Geneina", "C-SD-0005", 1_200),
)
DESTINATIONS = ("Aj Jazirah", "Khartoum", "West Darfur", "White Nile")
#: origin -> people per destination, in DESTINATIONS order (0: no flow)
MATRIX = (
    ("Khartoum", (120_000, 8_000, 0, 45_000)),
    ("West Darfur", (0, 1_200, 0, 0)),
    ("Aj Jazirah", (2_000, 0, 0, 2_500.5)),
    ("Blue Nile", (350, 0, 0, 0)),
)
#: (origin, destination) -> people, as the matrix gives them
FLOWS = {(o, d): float(p) for o, row in MATRIX for d, p in zip(DESTINATIONS, row, strict=True) if p}


def write_workbook(folder: Path, month: str = "2023-05", scale: float = 1.0) -> Path:
    """The workbook of ``month`` (YYYY-MM), every figure times ``scale``, written to ``folder``; its path."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "May_IDPflow"
    sheet.append(["Mohafaza", "Mohafaza PCODE", "Mantika", "Mantika PCODE", "Nahya", "Nahya PCODE", "Community",
                  "Community PCODE", "IDP_Flow_Estimation"])
    for row in COMMUNITIES:
        sheet.append([*row[:-1], row[-1] * scale])
    matrix = book.create_sheet("Table-Origin_vs_Departure")
    matrix.append(["Origin", *DESTINATIONS, "Grand Total"])
    for origin, people in MATRIX:
        matrix.append([origin, *(p * scale for p in people), sum(people) * scale])
    matrix.append(["Grand Total", *(sum(r[1][i] for r in MATRIX) * scale for i in range(len(DESTINATIONS))), None])
    path = Path(folder) / FILE_NAME.format(month=month)
    book.save(path)
    return path
