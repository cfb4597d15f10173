"""Importing a form whose communes come from an attached CSV file (35,000 rows, every commune of
France, saved by Excel in Windows-1252 with semicolons), against the same 35,000 choices written
in the form's own choices sheet, as a form without attached files has to hold them.

Measured in the same run: `load_xlsform(form, {"communes.csv": …})` (ours) and `load_xlsform` of
the workbook holding the list (baseline), best of 5 each, then their export (`xlsform_bytes` plus
`choice_files` for ours, `xlsform_bytes` for the baseline). `import_ratio` and `export_ratio` are
ours / baseline. Last line: JSON.
"""

import io
import json
import sys
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from questionnaires.xlsform import choice_files, load_xlsform, xlsform_bytes  # noqa: E402

COMMUNES = 35_000
ROUNDS = 5
SURVEY = [
    ["type", "name", "label", "choice_filter"],
    ["select_one departements", "departement", "Département", None],
]


def communes() -> list[tuple[str, str, str]]:
    rows = []
    for index in range(COMMUNES):
        departement = f"{index % 95 + 1:02d}"
        rows.append((f"{departement}{index:03d}", f"Saint-Étienne-lès-Forêts {index}", departement))
    return rows


def workbook(survey, choices) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    for row in choices:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def best(function) -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main():
    rows = communes()
    departements = [["list_name", "name", "label"]] + [
        ["departements", f"{number:02d}", f"Département {number:02d}"] for number in range(1, 96)
    ]
    with_file = workbook(
        SURVEY
        + [["select_one_from_file communes.csv", "commune", "Commune", "dep = ${departement}"]],
        departements,
    )
    attached = {
        "communes.csv": (
            "name;label;dep\r\n" + "".join(f"{a};{b};{c}\r\n" for a, b, c in rows)
        ).encode("cp1252")
    }
    # the header of the choices sheet holds the extra column
    in_sheet = workbook(
        SURVEY + [["select_one communes", "commune", "Commune", "dep = ${departement}"]],
        [["list_name", "name", "label", "dep"]]
        + [row + [None] for row in departements[1:]]
        + [["communes", a, b, c] for a, b, c in rows],
    )
    ours = load_xlsform(with_file, attached)
    baseline = load_xlsform(in_sheet)
    assert ours.errors == [] and baseline.errors == [], (ours.errors[:3], baseline.errors[:3])
    assert len(ours.questionnaire.choice_lists["communes.csv"].choices) == COMMUNES
    assert len(baseline.questionnaire.choice_lists["communes"].choices) == COMMUNES

    import_ours = best(lambda: load_xlsform(with_file, attached))
    import_baseline = best(lambda: load_xlsform(in_sheet))
    model, base_model = ours.questionnaire, baseline.questionnaire
    export_ours = best(lambda: (xlsform_bytes(model), choice_files(model)))
    export_baseline = best(lambda: xlsform_bytes(base_model))
    print(f"import, file attached   : {import_ours:.3f} s")
    print(f"import, choices sheet   : {import_baseline:.3f} s")
    print(f"export, form and file   : {export_ours:.3f} s")
    print(f"export, choices sheet   : {export_baseline:.3f} s")
    print(
        json.dumps(
            {
                "name": "choice_files",
                "communes": COMMUNES,
                "import_file_s": round(import_ours, 3),
                "import_sheet_s": round(import_baseline, 3),
                "import_ratio": round(import_ours / import_baseline, 2),
                "export_file_s": round(export_ours, 3),
                "export_sheet_s": round(export_baseline, 3),
                "export_ratio": round(export_ours / export_baseline, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
