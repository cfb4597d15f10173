"""The glossary and an indicator's values as CSV or XLSX, with the conventions of the submission
exports (submissions/exports.py: BOM, semicolons, decimal commas, formula-like text neutralised)."""

from __future__ import annotations

from analyse.indicator_files import STATUS_LABELS, VALUE

from ..submissions.exports import table_csv_bytes, table_xlsx_bytes
from .models import Indicator
from .services import level_label, values_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GLOSSARY_HEADERS = [
    "Code",
    "Libellé",
    "Définition",
    "Numérateur",
    "Dénominateur",
    "Unité",
    "Source",
    "Millésime",
    "Niveau géographique",
    "Fréquence de mise à jour",
    "Disponibilité et fiabilité",
]
VALUES_HEADERS = [
    "Indicateur",
    "Année",
    "Niveau",
    "Code du territoire",
    "Territoire",
    "Valeur",
    "Statut",
]


def glossary_lines(indicators: list[Indicator]) -> list[list]:
    return [
        [
            indicator.code,
            indicator.label,
            indicator.definition,
            indicator.numerator_label,
            indicator.denominator_label,
            indicator.unit,
            indicator.source_label,
            indicator.millesime,
            level_label(indicator.level),
            indicator.frequency_label,
            indicator.notes,
        ]
        for indicator in indicators
    ]


def values_lines(indicator: Indicator) -> list[list]:
    """A secret or missing value is an empty cell with its status, never a zero."""
    return [
        [
            indicator.code,
            value.year,
            level_label(value.territory.level),
            value.territory.code,
            value.territory.name,
            value.value if value.status == VALUE else None,
            STATUS_LABELS[value.status],
        ]
        for value in values_of(indicator)
    ]


def table_file(fmt: str, sheet: str, headers: list[str], lines: list[list]) -> tuple[bytes, str]:
    """(content, mimetype) of one table as CSV or XLSX."""
    if fmt == "csv":
        return table_csv_bytes(headers, lines), "text/csv; charset=utf-8"
    return table_xlsx_bytes([(sheet, headers, lines)]), XLSX
