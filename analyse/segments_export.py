"""Coded segments as CSV (for Excel: UTF-8 with BOM, `;`) and XLSX, one row per coding.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) are prefixed with an apostrophe: an answer typed as « =HYPERLINK(...) » stays text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime

COLUMNS = (
    ("submission_id", "Réponse"),
    ("question", "Question"),
    ("public", "Public"),
    ("commune", "Commune"),
    ("code_path", "Code"),
    ("start", "Début"),
    ("end", "Fin"),
    ("segment", "Segment"),
    ("coder", "Codeur"),
    ("coded_at", "Codé le"),
    ("memo", "Mémo"),
    # « oui » when the answer was edited inside the coded words since they were coded.
    ("to_review", "À revoir"),
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A value safe to put in a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else ""
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):  # a code path given as its parts
        return " > ".join(map(str, value))
    return neutralise(value) if isinstance(value, str) else value


def _rows(segments: Iterable[Mapping]) -> Iterable[list]:
    for segment in segments:
        yield [_cell(segment.get(key)) for key, _ in COLUMNS]


def segments_csv(segments: Iterable[Mapping], *, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([label for _, label in COLUMNS])
    for row in _rows(segments):
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def segments_xlsx(segments: Iterable[Mapping], *, title: str = "Segments codés") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(segments):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    widths = {"Segment": 80, "Code": 30, "Mémo": 40, "Question": 20, "Codé le": 20, "À revoir": 10}
    for index, (_, label) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(label, 14)
    segment_column = [label for _, label in COLUMNS].index("Segment") + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=segment_column, max_col=segment_column):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
