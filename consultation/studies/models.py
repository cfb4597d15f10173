"""Studies (études): the unit of work. A study has members, each with one role in it; an
administrator is global. Invitations bring new members; the audit log says who changed what."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..accounts.roles import STUDY_ROLES
from ..extensions import db

KIND_LABELS = {
    "abs": "Analyse des besoins sociaux",
    "consultation": "Consultation",
    "autre": "Autre",
}
STATE_LABELS = {
    "preparation": "En préparation",
    "en_cours": "En cours",
    "close": "Close",
    "archivee": "Archivée",
}
# The RGPD notice, written once per study and shown by each of its questionnaires.
NOTICE_FIELDS = {
    "notice_controller": "Responsable du traitement",
    "notice_purpose": "Finalité",
    "notice_legal_basis": "Base légale",
    "notice_retention": "Durée de conservation",
    "notice_recipients": "Destinataires",
    "notice_rights": "Vos droits",
    "notice_dpo": "Contact du délégué à la protection des données",
}


def _in(column: str, values) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")",
        name=f"known_{column}",
    )


study_commune = Table(
    "study_commune",
    db.metadata,
    Column("study_id", Integer, ForeignKey("study.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_code", String(5), ForeignKey("commune.insee_code"), primary_key=True),
)
study_quartier = Table(
    "study_quartier",
    db.metadata,
    Column("study_id", Integer, ForeignKey("study.id", ondelete="CASCADE"), primary_key=True),
    Column("quartier_id", Integer, ForeignKey("quartier.id"), primary_key=True),
)


class Study(db.Model):
    __tablename__ = "study"
    __table_args__ = (
        _in("kind", KIND_LABELS),
        _in("state", STATE_LABELS),
        CheckConstraint(
            "retention_months IS NULL OR (retention_months >= 1 AND retention_months <= 240)",
            name="retention_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # In every URL of the study (/etudes/<slug>/…).
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="abs")
    year: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="preparation")
    description: Mapped[str] = mapped_column(default="")
    notice_controller: Mapped[str] = mapped_column(default="")
    notice_purpose: Mapped[str] = mapped_column(default="")
    notice_legal_basis: Mapped[str] = mapped_column(default="")
    notice_retention: Mapped[str] = mapped_column(default="")
    notice_recipients: Mapped[str] = mapped_column(default="")
    notice_rights: Mapped[str] = mapped_column(default="")
    notice_dpo: Mapped[str] = mapped_column(default="")
    # Months a submission is kept after it was received; `consultation purge` then erases it.
    # None: no period set yet (nothing is purged, and the settings page asks for one).
    retention_months: Mapped[int | None]
    # Fieldwork targets: {"publics": {"jeune": 150, …}, "communes": {"37261": 200, …}}.
    targets: Mapped[dict | None] = mapped_column(JSON)
    # The edition this one continues (« Préparer l'édition suivante »).
    previous_edition_id: Mapped[int | None] = mapped_column(ForeignKey("study.id"))
    # The territory the study describes (a commune, an EPCI…) and the levels its indicators are
    # compared with (« departement », « region », « france »), found among its parents.
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"))
    comparison_levels: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    communes = relationship("Commune", secondary=study_commune, order_by="Commune.name")
    quartiers = relationship("Quartier", secondary=study_quartier, order_by="Quartier.name")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="study", cascade="all, delete-orphan"
    )
    previous_edition: Mapped["Study | None"] = relationship(remote_side="Study.id")
    territory = relationship("Territory")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def notice(self) -> list[tuple[str, str]]:
        """The RGPD notice as (heading, text) pairs, in order, the empty ones left out."""
        return [
            (label, getattr(self, name))
            for name, label in NOTICE_FIELDS.items()
            if getattr(self, name)
        ]

    def __repr__(self) -> str:
        return f"<Study {self.slug}>"


class Membership(db.Model):
    """One role per person per study."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("study_id", "user_id"), _in("role", STUDY_ROLES))

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship(back_populates="memberships")
    user = relationship("User")


class Invitation(db.Model):
    """An expiring, single-use link that makes its holder a member with `role`. Only the sha256
    of the link's secret is stored."""

    __tablename__ = "invitation"
    __table_args__ = (_in("role", STUDY_ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]

    study: Mapped[Study] = relationship()
    invited_by = relationship("User", foreign_keys=[invited_by_id])


class AuditEntry(db.Model):
    """Who did what, when, to which object, with the object's state before and after. Written by
    the services in the transaction of the change: a change rolled back leaves no line."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The e-mail address as typed, for failed logins of unknown accounts.
    user_label: Mapped[str] = mapped_column(String(254), default="")
    study_id: Mapped[int | None] = mapped_column(ForeignKey("study.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User")
