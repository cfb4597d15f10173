"""A classification of free-text answers into emerging themes (Reinert's method), kept with the
parameters it was computed with and a fingerprint of the answers it read, so that the page can say
when the answers changed since."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned
from .models import _study_of_questionnaire


class EmergentClassification(StudyOwned, db.Model):
    """The result keeps no answer text: segments are (answer, start, end) into the answer table's
    text of the stored hash, so that an erased answer leaves nothing here to read."""

    __tablename__ = "emergent_classification"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    # sha256 of the (submission, path, text hash) of the answers read, in order.
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def parent_study_id(self, connection) -> int | None:
        return _study_of_questionnaire(connection, self.questionnaire_id)
