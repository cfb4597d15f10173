"""Reading the territory: every list of communes the pages and the tablet show goes through here."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Commune, Quartier


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
