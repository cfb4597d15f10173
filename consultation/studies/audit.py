"""The audit log: one line per change, written by the service that makes it, in the same
transaction (a change rolled back leaves no line)."""

from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from .models import AuditEntry


def _acting_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def record(
    object_type: str,
    object_id,
    action: str,
    *,
    study=None,
    study_id: int | None = None,
    by=None,
    user_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """`by`: who acts (defaults to the logged-in person); `study` or `study_id`: where (defaults to
    the study of the request)."""
    from .scope import current_study_id

    by = by if by is not None else _acting_user()
    if study is not None:
        study_id = study.id
    entry = AuditEntry(
        user_id=getattr(by, "id", None),
        user_label=user_label or getattr(by, "email", "") or "",
        study_id=study_id if study_id is not None else current_study_id(),
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        action=action,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
