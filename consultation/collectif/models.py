"""The collectif projet's work on a study: the discussion of themes (comments, stances, the
verbatims the coders chose to represent a theme), préconisations tied to their evidence and followed
year after year, the collectif's meetings, and what a member follows and is told about.

A theme is a `Theme` row on a code of one of the study's codebooks (coding/models.py). A
préconisation belongs to the study and answers themes of any of its questionnaires."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned

STANCES = {
    "accord": "D'accord",
    "reserve": "Avec des réserves",
    "desaccord": "Pas d'accord",
}
RECOMMENDATION_STATUSES = {
    "proposee": "Proposée",
    "retenue": "Retenue",
    "en_cours": "En cours",
    "realisee": "Réalisée",
    "abandonnee": "Abandonnée",
}
PRIORITIES = {"haute": "Haute", "moyenne": "Moyenne", "basse": "Basse"}
# The working groups an ABS usually sets up; a study may name others (the field is free text).
COMMITTEES = (
    "Accès aux droits",
    "Vie sociale",
    "Insertion",
    "Autonomie des personnes âgées et handicapées",
    "Participation des habitants",
    "Petite enfance, jeunesse, parentalité",
    "Cadre de vie",
)
EVIDENCE_KINDS = {
    "verbatim": "Verbatim",
    "figure": "Chiffre de l'enquête",
    "indicator": "Indicateur",
}


def _in(column: str, values) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")",
        name=f"known_{column}",
    )


class ThemeComment(db.Model):
    """A member's comment in a theme's discussion. A removed comment keeps its place in the
    thread (« commentaire retiré ») with its text emptied."""

    __tablename__ = "theme_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]

    author = relationship("User")


class ThemeStance(db.Model):
    """Whether a member agrees with a theme as it stands: one stance per member and theme."""

    __tablename__ = "theme_stance"
    __table_args__ = (UniqueConstraint("theme_id", "user_id"), _in("stance", STANCES))

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    stance: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User")


class ThemeVerbatim(db.Model):
    """An answer a coder chose to represent a theme on the board, the report and the public page
    (shown pseudonymised beyond the coders, and only once its pseudonymisation is validated
    where the page is public). It hangs from its submission: erasing the submission removes it."""

    __tablename__ = "theme_verbatim"
    __table_args__ = (UniqueConstraint("theme_id", "submission_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)


recommendation_theme = Table(
    "recommendation_theme",
    db.metadata,
    Column(
        "recommendation_id",
        Integer,
        ForeignKey("recommendation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("theme_id", Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Recommendation(StudyOwned, db.Model):
    """A préconisation: what the collectif proposes to the élus, the themes it answers, the
    evidence it rests on, the working group in charge, and its status over the years (the dated
    entries of `RecommendationEntry`). `version` rejects a stale edit; the next edition of the
    study carries it over (`carried_from_id`)."""

    __tablename__ = "recommendation"
    __table_args__ = (_in("status", RECOMMENDATION_STATUSES), _in("priority", PRIORITIES))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    committee: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[str] = mapped_column(String(20), default="moyenne")
    status: Mapped[str] = mapped_column(String(20), default="proposee")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    themes = relationship("Theme", secondary=recommendation_theme)
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="recommendation", order_by="Evidence.position", cascade="all, delete-orphan"
    )
    entries: Mapped[list["RecommendationEntry"]] = relationship(
        back_populates="recommendation",
        order_by="RecommendationEntry.at",
        cascade="all, delete-orphan",
    )
    carried_from: Mapped["Recommendation | None"] = relationship(remote_side="Recommendation.id")
    created_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return RECOMMENDATION_STATUSES[self.status]

    @property
    def priority_label(self) -> str:
        return PRIORITIES[self.priority]


class Evidence(db.Model):
    """What a préconisation rests on, as a link that opens it: a verbatim (an answer of a
    submission), a survey figure (a closed question of a questionnaire), or an indicator of the
    glossary. A verbatim link keeps the submission's id without a foreign key and no text of the
    answer: when the person's answers are erased the link says it is gone, and nothing of them
    stays here. `label` is what the link pointed at when it was made (a question's or an
    indicator's label, never a resident's words)."""

    __tablename__ = "evidence"
    __table_args__ = (_in("kind", EVIDENCE_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    submission_id: Mapped[int | None] = mapped_column(Integer, index=True)  # verbatim
    path: Mapped[str] = mapped_column(String(200), default="")  # verbatim
    questionnaire_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="SET NULL")
    )  # verbatim, figure
    question: Mapped[str] = mapped_column(String(200), default="")  # figure: closed question name
    indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator.id", ondelete="SET NULL")
    )  # indicator
    label: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="evidence")
    indicator = relationship("Indicator")

    @property
    def kind_label(self) -> str:
        return EVIDENCE_KINDS[self.kind]


class RecommendationEntry(db.Model):
    """A dated line of a préconisation's follow-up: its status from that day, and what was done
    or decided. `year` is the study's year (the edition) the line was written in."""

    __tablename__ = "recommendation_entry"
    __table_args__ = (_in("status", RECOMMENDATION_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    year: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="entries")
    author = relationship("User")

    @property
    def status_label(self) -> str:
        return RECOMMENDATION_STATUSES[self.status]


class Meeting(StudyOwned, db.Model):
    """A meeting of the collectif: when and where, who was there, its agenda (items on themes
    and préconisations) and the decisions recorded against each item."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendees: Mapped[list["MeetingAttendee"]] = relationship(
        back_populates="meeting", order_by="MeetingAttendee.id", cascade="all, delete-orphan"
    )
    items: Mapped[list["MeetingItem"]] = relationship(
        back_populates="meeting", order_by="MeetingItem.position", cascade="all, delete-orphan"
    )


class MeetingAttendee(db.Model):
    """Someone invited to or present at a meeting: a member of the study, or a person named
    (an élu, a partner) who has no account."""

    __tablename__ = "meeting_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    present: Mapped[bool] = mapped_column(default=False, server_default=false())

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    user = relationship("User")


class MeetingItem(db.Model):
    """An item of a meeting's agenda — a theme, a préconisation, or a free title — and the
    decision recorded against it."""

    __tablename__ = "meeting_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300), default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    theme = relationship("Theme")
    recommendation = relationship("Recommendation")


class Follow(db.Model):
    """A member follows a theme, a préconisation, or the study's meetings (both ids empty)."""

    __tablename__ = "follow"
    __table_args__ = (
        CheckConstraint("theme_id IS NULL OR recommendation_id IS NULL", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """What a member is told in the app about what they follow (a new comment, a theme
    validated, a meeting scheduled); the e-mail digest sends the unread ones not yet mailed."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    # The page it opens, as a path of this site (/etudes/<slug>/…).
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
