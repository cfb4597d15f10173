"""The weighting chosen for a questionnaire's figures: which imported population indicators give
the margins of the raking (coding/weighting.py)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned
from .models import _study_of_questionnaire


class SurveyWeighting(StudyOwned, db.Model):
    """`margins`: {"age_sex": {"<age band>|<sex>": indicator code}, "commune": indicator code};
    `year`: the millésime of the values read (the latest when None); `cap`: the highest weight,
    as a multiple of the mean weight."""

    __tablename__ = "survey_weighting"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE"), unique=True
    )
    margins: Mapped[dict] = mapped_column(JSON, default=dict)
    year: Mapped[int | None] = mapped_column()
    # No weight above cap × the mean (None: weights as the raking gives them).
    cap: Mapped[float | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def parent_study_id(self, connection) -> int | None:
        return _study_of_questionnaire(connection, self.questionnaire_id)
