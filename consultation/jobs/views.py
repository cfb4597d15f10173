from flask import abort, jsonify
from flask_login import current_user, login_required

from ..extensions import db
from . import bp
from .models import Job
from .recovery import reap_if_gone


@bp.route("/<int:job_id>")
@login_required
def status(job_id: int):
    """Polled by the progress bar (static/js/job-progress.js)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.created_by_id != current_user.id and not current_user.is_admin:
        abort(403)
    reap_if_gone(job)
    return jsonify(job.as_dict())
