"""The territories a study's figures are compared with: found among the parents of the study's
territory (a commune in its EPCI, the EPCI in its département…), level by level."""

from __future__ import annotations

from sqlalchemy import select

from analyse.territories import FRANCE, FRANCE_CODE, LEVELS

from ..extensions import db
from .models import Territory

# The levels a study may compare with, from the nearest to the widest.
COMPARISON_LEVELS = tuple(level for level in LEVELS if level not in ("commune", "iris"))


def ancestors(territory: Territory) -> list[Territory]:
    """The territories containing this one, nearest first (a loop in the data stops the walk)."""
    found, seen, current = [], {territory.id}, territory.parent
    while current is not None and current.id not in seen:
        found.append(current)
        seen.add(current.id)
        current = current.parent
    return found


def comparison_territories(
    territory: Territory | None, levels
) -> list[tuple[str, Territory | None]]:
    """(level, the territory of that level containing `territory`, or None when it is not known
    to contain it) for each level asked, in COMPARISON_LEVELS order. France is France even when
    the chain of parents does not reach it."""
    wanted = [level for level in COMPARISON_LEVELS if level in set(levels or ())]
    by_level: dict[str, Territory] = {}
    for parent in ancestors(territory) if territory is not None else []:
        by_level.setdefault(parent.level, parent)
    if FRANCE in wanted and FRANCE not in by_level:
        france = db.session.scalar(
            select(Territory).where(Territory.level == FRANCE, Territory.code == FRANCE_CODE)
        )
        if france is not None:
            by_level[FRANCE] = france
    return [
        (level, by_level.get(level))
        for level in wanted
        if level != getattr(territory, "level", None)
    ]


def territory_choices(commune_codes=(), current_id: int | None = None) -> list[Territory]:
    """What a study may take as its territory, by level then name: the territories above the
    communes, and among the communes those the study interviews in (the official list holds
    35,000) and the one it has already."""
    order = {level: index for index, level in enumerate(LEVELS)}
    query = select(Territory).where(
        Territory.level.not_in(("iris", "commune"))
        | ((Territory.level == "commune") & Territory.code.in_(list(commune_codes)))
        | (Territory.id == (current_id or -1))
    )
    territories = db.session.scalars(query).all()
    return sorted(territories, key=lambda t: (order[t.level], t.name, t.code))


def commune_territory(insee_code: str) -> Territory | None:
    return db.session.scalar(
        select(Territory).where(Territory.level == "commune", Territory.code == insee_code)
    )
