"""The journal links a submission's lines to its page while it exists."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..studies.audit import audit_link, int_ids
from ..submissions.models import Submission


@audit_link("submission")
def submission_links(ids: list[str]) -> dict[str, str]:
    found = db.session.scalars(select(Submission.id).where(Submission.id.in_(int_ids(ids))))
    return {str(id_): url_for("review.submission", submission_id=id_) for id_ in found}
