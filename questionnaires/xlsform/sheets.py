"""Reading one worksheet as text, row by row, without loading a huge sheet whole.

A formula is never evaluated: a cell holding one is read as the value Excel or LibreOffice last
computed and saved with it (with a warning naming the cell), or refused when there is none.
Values are returned as trimmed text: XLSForm is text, even where Excel typed a number, a boolean
or a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils import get_column_letter

from .issues import SheetIssue

MAX_ROWS = 50_000
MAX_COLUMNS = 500


@dataclass
class SheetRow:
    number: int  # as Excel shows it, from 1
    cells: dict[int, str]  # 0-based column index -> non-empty text


@dataclass
class SheetTable:
    title: str
    headers: list[str] = field(default_factory=list)  # trimmed header per column index
    rows: list[SheetRow] = field(default_factory=list)  # non-empty rows after the header
    # (row number, 0-based column) of cells holding a formula, to be read as their cached value.
    formula_cells: list[tuple[int, int]] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        if index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return get_column_letter(index + 1)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def read_sheet(worksheet, errors: list[SheetIssue]) -> SheetTable:
    """The header row and every non-empty row of a read-only worksheet.

    The declared dimensions are ignored (they can claim a million rows); rows stream from the XML,
    a row beyond MAX_ROWS holding anything stops the reading with an error.
    """
    table = SheetTable(worksheet.title)
    worksheet.reset_dimensions()
    padding = None  # openpyxl yields one shared object for every missing row
    wide_row_reported = False
    # Without max_col, each row is only as wide as its last cell: a sheet declaring 16,384
    # columns costs nothing unless its rows really reach that far.
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        if row is padding:
            continue
        if len(row) > MAX_COLUMNS:
            beyond = set(map(id, row[MAX_COLUMNS:]))
            if not wide_row_reported and beyond != {id(EMPTY_CELL)}:
                wide_row_reported = True
                errors.append(
                    SheetIssue(
                        table.title,
                        number,
                        None,
                        f"Des valeurs se trouvent au-delà de la colonne {get_column_letter(MAX_COLUMNS)} "
                        f"({MAX_COLUMNS}e colonne) : elles ne sont pas lues ; rapprochez-les des autres "
                        "colonnes ou supprimez-les.",
                    )
                )
            row = row[:MAX_COLUMNS]
        present = [(index, cell) for index, cell in enumerate(row) if cell is not EMPTY_CELL]
        if not present:
            padding = row
            continue
        if number > MAX_ROWS:
            errors.append(
                SheetIssue(
                    table.title,
                    number,
                    None,
                    f"La feuille contient des données au-delà de la ligne {MAX_ROWS:,}".replace(
                        ",", " "
                    )
                    + " : ce n'est pas un questionnaire ordinaire, la lecture s'arrête là. "
                    "Supprimez les lignes inutiles en fin de feuille.",
                )
            )
            break
        cells: dict[int, str] = {}
        for index, cell in present:
            if cell.value is None:
                continue
            if cell.data_type == "f":
                table.formula_cells.append((number, index))
                continue
            text = cell_text(cell.value)
            if text:
                cells[index] = text
        if number == 1:
            table.headers = [cells.get(index, "") for index in range(max(cells, default=-1) + 1)]
            continue
        if cells:
            table.rows.append(SheetRow(number, cells))
    return table


def read_formula_values(
    table: SheetTable, cached_sheet, errors: list[SheetIssue], warnings: list[SheetIssue]
) -> None:
    """Puts in `table` the values saved with its formula cells, read from the same worksheet
    opened with openpyxl's data_only. The formula itself is neither shown nor run: a form's cell
    could hold anything, and only what its author saw on screen is meant."""
    wanted = set(table.formula_cells)
    last_row = max(number for number, _ in wanted)
    cached: dict[tuple[int, int], object] = {}
    cached_sheet.reset_dimensions()
    for number, row in enumerate(cached_sheet.iter_rows(max_row=last_row), start=1):
        for index, cell in enumerate(row[:MAX_COLUMNS]):
            if (number, index) in wanted and cell is not EMPTY_CELL:
                cached[(number, index)] = cell.value
    rows = {row.number: row for row in table.rows}
    for number, index in table.formula_cells:
        reference = f"{get_column_letter(index + 1)}{number}"
        value = cached.get((number, index))
        if value is None:
            errors.append(
                SheetIssue(
                    table.title,
                    number,
                    table.column_name(index),
                    f"La cellule {reference} contient une formule Excel sans valeur calculée "
                    "enregistrée : ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le, "
                    "ou remplacez la formule par le texte voulu.",
                )
            )
            continue
        warnings.append(
            SheetIssue(
                table.title,
                number,
                table.column_name(index),
                f"La cellule {reference} contient une formule Excel : sa dernière valeur calculée "
                "est lue à sa place, la formule n'est ni gardée ni recalculée.",
            )
        )
        text = cell_text(value)
        if not text:
            continue
        if number == 1:
            table.headers += [""] * (index + 1 - len(table.headers))
            table.headers[index] = text
        elif number in rows:
            rows[number].cells[index] = text
        else:
            rows[number] = SheetRow(number, {index: text})
            table.rows.append(rows[number])
    table.rows.sort(key=lambda row: row.number)
