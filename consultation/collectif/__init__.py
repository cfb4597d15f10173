"""The collectif projet's work on a study: the theme board and its discussion, préconisations
tied to their evidence, meetings, the synthesis report and its publication, notifications."""

from flask import Blueprint

bp = Blueprint("collectif", __name__, url_prefix="/collectif")

from . import (  # noqa: E402, F401
    audit_links,
    board_views,
    editions,
    meeting_audit_links,
    meeting_views,
    notification_views,
    recommendation_views,
    report_rights,
    report_views,
)
