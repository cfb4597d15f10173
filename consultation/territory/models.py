"""The study's territory: communes (by INSEE code) and their quartiers."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
