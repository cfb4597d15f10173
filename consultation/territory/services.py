"""Reading the territory: every list of communes the pages and the tablet show goes through here."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Commune


def communes() -> list[Commune]:
    """The communes by name, their quartiers loaded with them (the tablet and paper entry list
    both)."""
    return list(
        db.session.scalars(
            select(Commune).options(selectinload(Commune.quartiers)).order_by(Commune.name)
        )
    )
