"""The journal links the lines of a meeting to its page while it exists."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..studies.audit import audit_link, int_ids
from .models import Meeting


@audit_link("meeting")
def meeting_links(ids: list[str]) -> dict[str, str]:
    # Meetings belong to the study: another study's id is not found.
    found = db.session.scalars(select(Meeting.id).where(Meeting.id.in_(int_ids(ids))))
    return {
        str(meeting_id): url_for("collectif.meeting", meeting_id=meeting_id) for meeting_id in found
    }
