"""Questionnaires and their versions. A published version is immutable; answers point at it."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires import Questionnaire as QuestionnaireModel

from ..accounts.models import utcnow
from ..extensions import db

DRAFT = "draft"
PUBLISHED = "published"


class Questionnaire(db.Model):
    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
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
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    def model(self) -> QuestionnaireModel:
        return QuestionnaireModel.from_dict(self.definition)
