"""Reading the territory: every list of communes the pages and the tablet show goes through here."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from analyse.territories import (
    COMMUNE,
    DEPARTEMENT,
    EPCI,
    FRANCE,
    FRANCE_CODE,
    REGION,
    parent_code,
)

from ..extensions import db
from .models import Commune, Quartier, Territory


def communes(whole_platform: bool = False) -> list[Commune]:
    """The communes by name, their quartiers loaded with them (the tablet and paper entry list
    both): those of the study of the request when it chose its territory, else every one
    (`whole_platform`: every one, to choose a study's territory from)."""
    from ..studies.scope import current_study_id

    query = select(Commune).options(selectinload(Commune.quartiers)).order_by(Commune.name)
    study_id = None if whole_platform else current_study_id()
    if study_id is not None:
        from ..studies.models import study_commune

        chosen = select(study_commune.c.commune_code).where(study_commune.c.study_id == study_id)
        if db.session.scalar(select(chosen.exists())):
            query = query.where(Commune.insee_code.in_(chosen))
    return list(db.session.scalars(query))


def communes_by_code(codes) -> dict[str, Commune]:
    """The communes among `codes`, by INSEE code (unknown codes are simply absent)."""
    codes = set(codes)
    if not codes:
        return {}
    found = db.session.scalars(select(Commune).where(Commune.insee_code.in_(codes)))
    return {commune.insee_code: commune for commune in found}


def quartiers_by_id(ids) -> dict[int, Quartier]:
    """The quartiers among `ids`, by id, their commune loaded with them."""
    ids = set(ids)
    if not ids:
        return {}
    found = db.session.scalars(
        select(Quartier).options(selectinload(Quartier.commune)).where(Quartier.id.in_(ids))
    )
    return {quartier.id: quartier for quartier in found}


def territories_by_code(level: str, codes) -> dict[str, Territory]:
    """The territories of `level` among `codes`, by code (unknown codes are simply absent)."""
    codes = set(codes)
    if not codes:
        return {}
    found = db.session.scalars(
        select(Territory).where(Territory.level == level, Territory.code.in_(codes))
    )
    return {territory.code: territory for territory in found}


def ensure_territories(level: str, names_by_code: dict[str, str]) -> dict[str, Territory]:
    """The territories of `level` for these codes (already checked for their form), created when
    not known yet and named from `names_by_code` (an empty name is filled in when a later file
    brings one); each new one is put in the territory its code says it lies in (an IRIS in its
    commune, a commune in its département…), created too. Flushes."""
    known = territories_by_code(level, names_by_code)
    missing = {code: name for code, name in names_by_code.items() if code not in known}
    for territory in known.values():
        if not territory.name and names_by_code.get(territory.code):
            territory.name = names_by_code[territory.code]
    if missing:
        parents = {}
        for code in missing:
            parent = parent_code(code, level)
            if parent is not None:
                parents.setdefault(parent[0], {})[parent[1]] = ""
        parent_territories = {
            parent_level: ensure_territories(parent_level, codes)
            for parent_level, codes in parents.items()
        }
        for code, name in missing.items():
            parent = parent_code(code, level)
            territory = Territory(
                level=level,
                code=code,
                name=name or _default_name(level, code),
                parent=parent_territories[parent[0]][parent[1]] if parent else None,
            )
            db.session.add(territory)
            known[code] = territory
        db.session.flush()
    return known


def _default_name(level: str, code: str) -> str:
    return "France" if level == FRANCE else ""


def _by_code(level: str) -> dict[str, Territory]:
    """Every territory of a level: a COG file names them all (35,000 communes), more than one IN
    list holds."""
    found = db.session.scalars(select(Territory).where(Territory.level == level))
    return {territory.code: territory for territory in found}


@dataclass
class GeographyReport:
    created: Counter = field(default_factory=Counter)
    named: Counter = field(default_factory=Counter)
    nested: int = 0


def import_geography(places) -> GeographyReport:
    """Names and nests the territories of an official geography file (analyse/cog.py): each
    commune in its département (and its EPCI when the file says it), each département in its
    région, each région and EPCI in France; territories not known yet are created. The file's
    names replace the names guessed before (from an indicator file's LIBGEO). Flushes."""
    report = GeographyReport()
    known = {level: _by_code(level) for level in (COMMUNE, DEPARTEMENT, REGION, EPCI, FRANCE)}
    placed: dict[int, Territory] = {}  # territory (by identity) → the parent given in this run

    def territory(level: str, code: str, name: str = "", parent=None) -> Territory:
        found = known[level].get(code)
        if found is None:
            found = Territory(level=level, code=code, name=name or _default_name(level, code))
            db.session.add(found)
            known[level][code] = found
            report.created[level] += 1
        elif name and found.name != name:
            found.name = name
            report.named[level] += 1
        # By id, not through the relationship: reading `found.parent` would load it, one query
        # per commune of a 35,000-line file.
        if parent is not None and placed.get(id(found)) is not parent:
            if parent.id is None or found.parent_id != parent.id:
                found.parent = parent
                report.nested += 1
            placed[id(found)] = parent
        return found

    france = territory(FRANCE, FRANCE_CODE, "France")
    for place in places:
        region = territory(REGION, place.region, parent=france) if place.region else None
        if place.level == REGION:
            territory(REGION, place.code, place.name, france)
        elif place.level == DEPARTEMENT:
            territory(DEPARTEMENT, place.code, place.name, region)
        else:
            departement = territory(DEPARTEMENT, place.departement, parent=region)
            commune = territory(COMMUNE, place.code, place.name, departement)
            if place.epci:
                epci = territory(EPCI, place.epci, place.epci_name, france)
                if epci.id is None or commune.epci_id != epci.id:
                    commune.epci = epci
                    report.nested += 1
    db.session.flush()
    return report
