"""Writing indicators and their values: the import of a file's table, all or nothing."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from analyse.indicator_files import MISSING, SECRET, VALUE, FileProblem, IndicatorTable
from analyse.territories import LEVEL_LABELS

from ..extensions import db
from ..territory.services import ensure_territories, territories_by_code
from .models import Indicator, IndicatorValue

CODE_LENGTH = Indicator.__table__.c.code.type.length
NAME_LENGTH = 200  # territory.name


class ImportRefused(Exception):
    """Nothing may be imported; `problems` says every reason, by line and column."""

    def __init__(self, problems: list[FileProblem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class IndicatorCount:
    code: str
    label: str
    created: bool
    years: list[int]
    counts: Counter = field(default_factory=Counter)
    replaced: int = 0


@dataclass
class ImportReport:
    indicators: list[IndicatorCount]
    territories_created: int
    rejected: list[FileProblem]


def indicators_by_code(codes) -> dict[str, Indicator]:
    codes = set(codes)
    if not codes:
        return {}
    found = db.session.scalars(select(Indicator).where(Indicator.code.in_(codes)))
    return {indicator.code: indicator for indicator in found}


def _existing_values(table, indicators, territories) -> dict[tuple, int]:
    """(indicator code, territory code, year) → id of the values already stored for this file."""
    if not indicators or not territories:
        return {}
    code_of_indicator = {indicator.id: code for code, indicator in indicators.items()}
    code_of_territory = {territory.id: code for code, territory in territories.items()}
    # By indicator and year only, then kept to the file's territories here: a commune file can
    # hold 35,000 codes, more than a database accepts in one IN list.
    rows = db.session.execute(
        select(
            IndicatorValue.id,
            IndicatorValue.indicator_id,
            IndicatorValue.territory_id,
            IndicatorValue.year,
        ).where(
            IndicatorValue.indicator_id.in_(code_of_indicator),
            IndicatorValue.year.in_(set(table.years.values())),
        )
    )
    return {
        (code_of_indicator[indicator_id], code_of_territory[territory_id], year): value_id
        for value_id, indicator_id, territory_id, year in rows
        if territory_id in code_of_territory
    }


def _already_imported(table: IndicatorTable, existing: dict) -> list[FileProblem]:
    problems = []
    for row in table.rows:
        for column in table.indicator_columns:
            key = (column, row.code, table.years[column])
            if key in existing:
                problems.append(
                    FileProblem(
                        f"une valeur de {column} pour le territoire {row.code} en "
                        f"{table.years[column]} est déjà importée.",
                        row.line,
                        column,
                    )
                )
    return problems


def already_imported(table: IndicatorTable) -> list[FileProblem]:
    """The values of the file already stored for the same indicator, territory and year (the
    preview lists them and offers to replace them)."""
    if table.errors:
        return []
    indicators = indicators_by_code(table.indicator_columns)
    territories = territories_by_code(table.level, {row.code for row in table.rows})
    return _already_imported(table, _existing_values(table, indicators, territories))


def import_indicator_table(table: IndicatorTable, replace: bool = False) -> ImportReport:
    """Stores the values of a file read by `analyse.indicator_files`: creates the indicators it
    does not know (label = the column's header) and the well-formed territories not known yet
    (named from the label column), then one value per indicator, territory and year. A value
    already stored for the same indicator, territory and year refuses the whole import unless
    `replace`. Raises ImportRefused before writing anything when the table has errors. Flushes."""
    if table.errors:
        raise ImportRefused(table.errors)
    too_long = [
        FileProblem(
            "nom de colonne trop long pour un code d'indicateur (100 caractères au plus).",
            None,
            column,
        )
        for column in table.indicator_columns
        if len(column) > CODE_LENGTH
    ]
    if too_long:
        raise ImportRefused(too_long)
    indicators = indicators_by_code(table.indicator_columns)
    territories = territories_by_code(table.level, {row.code for row in table.rows})
    existing = _existing_values(table, indicators, territories)
    if existing and not replace:
        raise ImportRefused(_already_imported(table, existing))

    before = len(territories)
    territories = ensure_territories(
        table.level, {row.code: row.label[:NAME_LENGTH] for row in table.rows}
    )
    report = ImportReport([], len(territories) - before, list(table.rejected))
    for column in table.indicator_columns:
        indicator = indicators.get(column)
        created = indicator is None
        if created:
            indicator = Indicator(code=column, label=column[:300], level=table.level)
            db.session.add(indicator)
        year = table.years[column]
        if indicator.millesime is None or indicator.millesime < year:
            indicator.millesime = year
        report.indicators.append(IndicatorCount(column, indicator.label, created, [year]))
    db.session.flush()
    indicators = indicators_by_code(table.indicator_columns)

    replaced_ids = list(existing.values())
    for start in range(0, len(replaced_ids), 1000):
        db.session.execute(
            delete(IndicatorValue).where(IndicatorValue.id.in_(replaced_ids[start : start + 1000]))
        )
    replaced_by_column = Counter(key[0] for key in existing)
    values = []
    by_column = {count.code: count for count in report.indicators}
    for row in table.rows:
        territory_id = territories[row.code].id
        for column, cell in row.cells.items():
            values.append(
                {
                    "indicator_id": indicators[column].id,
                    "territory_id": territory_id,
                    "year": table.years[column],
                    "value": cell.value,
                    "status": cell.status,
                }
            )
            by_column[column].counts[cell.status] += 1
    for column, count in by_column.items():
        count.replaced = replaced_by_column.get(column, 0)
    for start in range(0, len(values), 5000):
        db.session.execute(insert(IndicatorValue), values[start : start + 5000])
    db.session.flush()
    return report


def describe_count(count: IndicatorCount) -> str:
    """One line of the import's summary, in French."""
    text = (
        f"{count.code} ({count.years[0]}) : {count.counts[VALUE]} valeurs numériques, "
        f"{count.counts[SECRET]} secrètes, {count.counts[MISSING]} manquantes"
    )
    if count.replaced:
        text += f", {count.replaced} remplacées"
    if count.created:
        text += " — nouvel indicateur"
    return text


def values_of(indicator: Indicator) -> list[IndicatorValue]:
    """The indicator's values, by year (latest first) then territory code, territories loaded."""
    from sqlalchemy.orm import selectinload

    from ..territory.models import Territory

    return list(
        db.session.scalars(
            select(IndicatorValue)
            .join(Territory)
            .options(selectinload(IndicatorValue.territory))
            .where(IndicatorValue.indicator_id == indicator.id)
            .order_by(IndicatorValue.year.desc(), Territory.level, Territory.code)
        )
    )


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, "")
