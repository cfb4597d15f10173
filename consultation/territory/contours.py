"""Territory contours for the maps: imported from a GeoJSON file (analyse/maps.py reads, checks
and simplifies it), one outline per territory, replaced by a later file; and the choropleth of a
figure over the territories that have one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from analyse.maps import Choropleth, ContourFile, choropleth

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.audit import record
from .models import Territory, TerritoryContour
from .services import ensure_territories

# Fewer territories than this make no map worth reading: the table says it all.
MIN_MAPPED = 2


@dataclass
class ContoursReport:
    created: int  # territories not known before (their code was well formed)
    added: int  # contours for territories that had none
    replaced: int  # contours replaced by this file's
    repaired: int  # invalid polygons made valid


def import_contours(contours: ContourFile, level: str, source: str) -> ContoursReport:
    """Stores the file's contours (already read and checked), creating the territories not known
    yet (named from the file); a territory that had a contour gets this one. Flushes."""
    names = {contour.code: contour.name for contour in contours.contours}
    before = set(
        db.session.scalars(
            select(Territory.code).where(Territory.level == level, Territory.code.in_(names))
        )
    )
    territories = ensure_territories(level, names)
    existing = {
        row.territory_id: row
        for row in db.session.scalars(
            select(TerritoryContour).where(
                TerritoryContour.territory_id.in_([t.id for t in territories.values()])
            )
        )
    }
    added = replaced = 0
    for contour in contours.contours:
        territory = territories[contour.code]
        row = existing.get(territory.id)
        if row is None:
            db.session.add(
                TerritoryContour(
                    territory_id=territory.id, geometry=contour.geometry, source=source[:300]
                )
            )
            added += 1
        else:
            row.geometry = contour.geometry
            row.source = source[:300]
            row.imported_at = utcnow()
            replaced += 1
    db.session.flush()
    report = ContoursReport(len(names) - len(before), added, replaced, contours.repaired)
    record(
        "territory_contours",
        level,
        "import",
        after={"source": source[:300], "added": added, "replaced": replaced},
    )
    return report


def contour_counts() -> Counter:
    """How many territories of each level have a contour."""
    return Counter(
        dict(
            db.session.execute(
                select(Territory.level, func.count())
                .join(TerritoryContour, TerritoryContour.territory_id == Territory.id)
                .group_by(Territory.level)
            ).all()
        )
    )


def shapes_of(territories: list[Territory]) -> list[tuple[str, str, dict]]:
    """(code, name, geometry) of those of `territories` that have a contour, in their order."""
    if not territories:
        return []
    geometries = dict(
        db.session.execute(
            select(TerritoryContour.territory_id, TerritoryContour.geometry).where(
                TerritoryContour.territory_id.in_([t.id for t in territories])
            )
        ).all()
    )
    return [
        (territory.code, territory.name or territory.code, geometries[territory.id])
        for territory in territories
        if territory.id in geometries
    ]


def territory_map(
    map_id: str,
    title: str,
    territories: list[Territory],
    values: dict[str, float | None],
    *,
    unit: str = "",
    notes: dict[str, str] | None = None,
    what: str = "",
) -> Choropleth | None:
    """The choropleth of `values` (by territory code) over those of `territories` that have a
    contour; None when fewer than two have one, or none has a value. `what` says in the map's
    description what the figure is."""
    shapes = shapes_of(territories)
    if len(shapes) < MIN_MAPPED or not any(values.get(code) is not None for code, _, _ in shapes):
        return None
    with_value = sum(1 for code, _, _ in shapes if values.get(code) is not None)
    description = (
        f"Carte de {what or title} pour {len(shapes)} territoires, dont {with_value} avec une "
        "valeur ; les territoires hachurés n'ont pas de donnée. Les classes et les chiffres "
        "sont dans la légende et le tableau qui suivent."
    )
    return choropleth(map_id, title, description, shapes, values, unit=unit, notes=notes)
