"""An indicator's map: its latest value for each territory of a list that has a contour, as a
choropleth with its legend and the table of the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from analyse.charts import french_number
from analyse.indicator_files import STATUS_LABELS, VALUE
from analyse.maps import Choropleth

from ..extensions import db
from ..territory.contours import territory_map
from ..territory.models import Territory, TerritoryContour
from .models import Indicator, IndicatorValue

# Beyond this many territories the map is a grey blur and the page heavy: the table stays.
MAX_MAPPED = 600


@dataclass
class MapRow:
    territory: Territory
    status: str | None  # VALUE, SECRET, MISSING, or None when nothing was imported
    value: float | None
    year: int | None

    def shown(self, unit: str) -> str:
        if self.status == VALUE:
            return f"{french_number(self.value)}{(' ' + unit) if unit else ''}"
        return STATUS_LABELS[self.status] if self.status else "pas de donnée"


@dataclass
class MapLine:
    """A line of the table beside a map."""

    name: str
    code: str
    shown: str
    year: int | None = None


@dataclass
class IndicatorMap:
    """A map ready for the page's macro (templates/indicators/_map.html): the drawing, what it
    shows, and the table of the same figures."""

    label: str
    unit: str
    choropleth: Choropleth
    lines: list[MapLine]
    years: list[int]  # the millésimes shown (one, unless territories differ)


def _latest(indicator: Indicator, territory_ids: list[int]) -> dict[int, IndicatorValue]:
    latest: dict[int, IndicatorValue] = {}
    for value in db.session.scalars(
        select(IndicatorValue)
        .where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.territory_id.in_(territory_ids),
        )
        .order_by(IndicatorValue.year.desc())
    ):
        latest.setdefault(value.territory_id, value)
    return latest


def indicator_map(
    indicator: Indicator, territories: list[Territory], map_id: str
) -> IndicatorMap | None:
    """The map of the indicator's latest value over `territories`; None when fewer than two of
    them have a contour, none has a value, or they are too many to draw."""
    if not territories or len(territories) > MAX_MAPPED:
        return None
    latest = _latest(indicator, [territory.id for territory in territories])
    rows = [
        MapRow(
            territory,
            value.status if value else None,
            value.value if value else None,
            value.year if value else None,
        )
        for territory in territories
        for value in [latest.get(territory.id)]
    ]
    values = {row.territory.code: row.value if row.status == VALUE else None for row in rows}
    notes = {row.territory.code: row.shown(indicator.unit) for row in rows if row.status != VALUE}
    years = sorted({row.year for row in rows if row.year is not None}, reverse=True)
    title = f"{indicator.label}" + (f" ({', '.join(map(str, years))})" if years else "")
    drawn = territory_map(
        map_id, title, territories, values, unit=indicator.unit, notes=notes, what=indicator.label
    )
    if drawn is None:
        return None
    lines = [
        MapLine(row.territory.name or row.territory.code, row.territory.code,
                row.shown(indicator.unit), row.year)
        for row in rows
    ]  # fmt: skip
    return IndicatorMap(indicator.label, indicator.unit, drawn, lines, years)


def mapped_territories_of(indicator: Indicator, level: str) -> list[Territory]:
    """The territories of `level` that have both a contour and a value of the indicator: what
    its glossary page maps."""
    return list(
        db.session.scalars(
            select(Territory)
            .join(TerritoryContour, TerritoryContour.territory_id == Territory.id)
            .where(
                Territory.level == level,
                Territory.id.in_(
                    select(IndicatorValue.territory_id).where(
                        IndicatorValue.indicator_id == indicator.id
                    )
                ),
            )
            .order_by(Territory.name, Territory.code)
            .limit(MAX_MAPPED + 1)
        )
    )
