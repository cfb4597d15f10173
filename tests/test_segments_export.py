"""Coded segments exported to CSV and XLSX, with formulas neutralised."""

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from analyse.segments_export import segments_csv, segments_xlsx

SEGMENTS = [
    {
        "submission_id": 12,
        "question": "besoins",
        "public": "âgé",
        "commune": "Tours",
        "code_path": ["Mobilité", "Bus"],
        "start": 4,
        "end": 20,
        "segment": "le bus ne passe plus",
        "coder": "camille@exemple.fr",
        "coded_at": datetime(2025, 3, 4, 10, 30),
        "memo": "",
    },
    {
        "submission_id": 13,
        "question": "loisirs",
        "public": "jeune",
        "commune": "Joué-lès-Tours",
        "code_path": "Loisirs",
        "start": 0,
        "end": 30,
        "segment": '=HYPERLINK("http://x";"clic")',
        "coder": "yanis@exemple.fr",
        "coded_at": None,
        "memo": "@voir avec Léa",
        "to_review": True,
    },
]


def test_csv_opens_in_french_excel_and_formulas_are_text():
    raw = segments_csv(SEGMENTS)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Réponse",
        "Question",
        "Public",
        "Commune",
        "Code",
        "Début",
        "Fin",
        "Segment",
        "Codeur",
        "Codé le",
        "Mémo",
        "À revoir",
    ]
    assert rows[1][4] == "Mobilité > Bus" and rows[1][9] == "2025-03-04 10:30:00"
    assert rows[2][7] == '\'=HYPERLINK("http://x";"clic")'
    assert rows[2][10] == "'@voir avec Léa"
    assert (rows[1][11], rows[2][11]) == ("", "oui")


def test_xlsx_has_text_cells_not_formulas():
    sheet = load_workbook(io.BytesIO(segments_xlsx(SEGMENTS))).active
    assert sheet["H1"].value == "Segment"
    assert sheet["H3"].value.startswith("'=") and sheet["H3"].data_type == "s"
    assert sheet["A2"].value == 12 and sheet["E2"].value == "Mobilité > Bus"
