"""Questionnaires and their versions. A published version is immutable; answers point at it."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from questionnaires import Questionnaire as QuestionnaireModel

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned

DRAFT = "draft"
PUBLISHED = "published"
STATUS_LABELS = {DRAFT: "Brouillon", PUBLISHED: "Publiée"}


class PublishedVersionChanged(Exception):
    """Raised when code tries to change the definition of a published version."""

    def __init__(self, version: "QuestionnaireVersion"):
        super().__init__(
            f"La version {version.number} est publiée : elle ne peut plus être modifiée."
        )
        self.version = version


class Questionnaire(StudyOwned, db.Model):
    __tablename__ = "questionnaire"
    # Unique within a study: the next edition keeps the form_id of the questionnaire it copies.
    __table_args__ = (UniqueConstraint("study_id", "form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # The XLSForm form_id of its versions; unique in the study so that exports and tablets never
    # confuse two forms.
    form_id: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived: Mapped[bool] = mapped_column(default=False)

    versions: Mapped[list["QuestionnaireVersion"]] = relationship(
        back_populates="questionnaire",
        order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def latest(self) -> "QuestionnaireVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def published_versions(self) -> list["QuestionnaireVersion"]:
        return [version for version in self.versions if version.status == PUBLISHED]

    @property
    def draft(self) -> "QuestionnaireVersion | None":
        latest = self.latest
        return latest if latest is not None and latest.status == DRAFT else None

    @property
    def current_published(self) -> "QuestionnaireVersion | None":
        published = self.published_versions
        return published[-1] if published else None


class QuestionnaireVersion(db.Model):
    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number"),
        CheckConstraint("status IN ('draft', 'published')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # questionnaires.Questionnaire.to_dict(); frozen once published.
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The version of the previous edition this one was copied from (« Préparer l'édition
    # suivante »), so that two editions' answers can be compared question by question.
    copied_from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_version.id")
    )

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @validates("definition", "number")
    def _frozen_once_published(self, key, value):
        # Answers point at a published version: changing it would change what they mean. Only a
        # version stored as published is frozen, so one may still be built published in one go.
        state = inspect(self)
        if state.persistent and state.committed_state.get("status", self.status) == PUBLISHED:
            raise PublishedVersionChanged(self)
        return value

    def model(self) -> QuestionnaireModel:
        return QuestionnaireModel.from_dict(self.definition)
