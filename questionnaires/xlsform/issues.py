"""What an XLSForm import reports: problems located by sheet, row and column, in French."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Questionnaire


@dataclass(frozen=True)
class SheetIssue:
    """One problem of an imported file. `sheet` is "" for the file as a whole; rows count from 1
    as in the spreadsheet; `column` is the header as written (or the column letter without one)."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return f"Fichier : {self.message}"
        attached = self.sheet.lower().endswith((".csv", ".xml"))
        place = f"{'Fichier joint' if attached else 'Feuille'} « {self.sheet} »"
        if self.row is not None:
            place += f", ligne {self.row}"
        if self.column:
            place += f", colonne « {self.column} »"
        return f"{place} : {self.message}"


@dataclass
class ImportResult:
    """The questionnaire when the file has no error, else None; every error and warning found."""

    questionnaire: Questionnaire | None
    errors: list[SheetIssue] = field(default_factory=list)
    warnings: list[SheetIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
