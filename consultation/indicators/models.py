"""Indicators (the glossary) and their values, per territory and year."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analyse.indicator_files import MISSING, SECRET, VALUE

from ..accounts.models import utcnow
from ..extensions import db
from ..territory.models import Territory

SOURCES = {
    "insee": "INSEE",
    "caf": "CAF",
    "cpam": "CPAM",
    "france_travail": "France Travail",
    "departement": "Département",
    "enquete": "Enquête (l'étude elle-même)",
    "autre": "Autre",
}
FREQUENCIES = {
    "annuelle": "Annuelle",
    "trimestrielle": "Trimestrielle",
    "mensuelle": "Mensuelle",
    "pluriannuelle": "Pluriannuelle",
    "ponctuelle": "Ponctuelle",
}
STATUSES = (VALUE, SECRET, MISSING)


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class Indicator(db.Model):
    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint(f"source = '' OR {_in('source', SOURCES)}", name="known_source"),
        CheckConstraint(
            f"update_frequency = '' OR {_in('update_frequency', FREQUENCIES)}",
            name="known_frequency",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The column name in the publications (P20_POP, TX_COUV_RSA…): how an import finds it again.
    code: Mapped[str] = mapped_column(String(100), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    # For a ratio: what is counted over what.
    numerator_label: Mapped[str] = mapped_column(String(300), default="")
    denominator_label: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(30), default="")
    millesime: Mapped[int | None] = mapped_column()
    level: Mapped[str] = mapped_column(String(20), default="")
    update_frequency: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, "")

    @property
    def frequency_label(self) -> str:
        return FREQUENCIES.get(self.update_frequency, "")


class IndicatorValue(db.Model):
    """One figure: a number, or a value withheld by statistical secrecy, or a missing one; a
    secret or missing value is never a zero."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "territory_id", "year"),
        CheckConstraint(_in("status", STATUSES), name="known_status"),
        CheckConstraint(
            f"(status = '{VALUE}') = (value IS NOT NULL)", name="value_only_when_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id"), index=True)
    year: Mapped[int] = mapped_column()
    value: Mapped[float | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10))
    indicator: Mapped[Indicator] = relationship()
    territory: Mapped[Territory] = relationship()


class ImportTemplate(db.Model):
    """A named mapping of the web import (code column, level, indicator columns, year…), saved
    to be applied again to next year's file of the same publication."""

    __tablename__ = "indicator_import_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IndicatorUpload(db.Model):
    """A file uploaded for import, kept in the instance folder (`stored_name`) from the upload
    to the end of its import job, then deleted; only the person who uploaded it sees it."""

    __tablename__ = "indicator_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
