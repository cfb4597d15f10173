"""What belongs to a study carries its `study_id`; the scope (studies/scope.py) filters every ORM
query on these tables by the study of the request, so that a view cannot forget it."""

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import Mapped, mapped_column


class StudyOwned:
    """Mixin of the tables a URL reaches directly (questionnaires, submissions, codebooks, device
    tokens, jobs, assignments). What hangs below them (versions, codings, suggestions, memos,
    pseudonymised answers) belongs to the study of its parent and is reached through it."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)

    def parent_study_id(self, connection) -> int | None:
        """The study of the object this one hangs from (a submission's questionnaire…), read at
        insert when the caller did not say, so that a child lands in its parent's study; None
        for a root (which takes the study of the request)."""
        return None


@event.listens_for(StudyOwned, "before_insert", propagate=True)
def _fill_study(mapper, connection, target) -> None:
    if target.study_id is None:
        from .scope import current_study_id

        target.study_id = target.parent_study_id(connection) or current_study_id()
    if target.study_id is None and not mapper.columns["study_id"].nullable:
        raise LookupError(f"{type(target).__name__} sans étude : ouvrez une étude d'abord.")
