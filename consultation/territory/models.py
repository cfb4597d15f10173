"""The territory: communes (by INSEE code) and their quartiers, and the official geography
(communes, IRIS, EPCI, départements, régions, France) that indicators are given for."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analyse.territories import LEVEL_LABELS, LEVELS

from ..accounts.models import utcnow
from ..extensions import db


class Commune(db.Model):
    __tablename__ = "commune"

    # INSEE code as text: leading zeros and Corsica's 2A/2B must survive.
    insee_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    quartiers: Mapped[list["Quartier"]] = relationship(
        back_populates="commune", order_by="Quartier.name"
    )


class Quartier(db.Model):
    __tablename__ = "quartier"
    __table_args__ = (UniqueConstraint("commune_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.insee_code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    commune: Mapped[Commune] = relationship(back_populates="quartiers")


class Territory(db.Model):
    """A territory of the official geography, shared by every study: a commune, an IRIS, an
    EPCI, a département, a région or France, in the one that contains it (`parent`).

    Communes keep their own table (`Commune`: the tablet, paper entry and a study's choice of
    communes use it); the territory of level « commune » with the same INSEE code is the same
    place, seen as reference data for indicators."""

    __tablename__ = "territory"
    __table_args__ = (
        UniqueConstraint("level", "code"),
        CheckConstraint(
            "level IN (" + ", ".join(f"'{level}'" for level in LEVELS) + ")", name="known_level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    # Text, never a number (leading zeros, 2A/2B); 9 characters at most (IRIS, SIREN).
    code: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"), index=True)
    parent: Mapped["Territory | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    # A commune's EPCI, from INSEE's « composition communale des EPCI » (`import-cog`): its
    # code does not say it, and an EPCI may straddle départements, so it is not the parent.
    epci_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"), index=True)
    epci: Mapped["Territory | None"] = relationship(remote_side=[id], foreign_keys=[epci_id])

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


class TerritoryContour(db.Model):
    """A territory's outline for the maps: a GeoJSON polygon or multipolygon in longitude and
    latitude, simplified on import (analyse/maps.py), and the file it came from."""

    __tablename__ = "territory_contour"

    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territory.id", ondelete="CASCADE"), primary_key=True
    )
    geometry: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    territory: Mapped[Territory] = relationship()
