"""« Rapport de synthèse »: the versions of a study's report, building a new one (a background
job with its progress bar), reading one as a page, a PDF or an XLSX, and publishing the public
restitution (publication_views.py for the public page itself)."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..accounts.roles import DECIDE, READ_RESULTS, has_role, role_required
from ..extensions import db
from ..jobs.queue import enqueue
from ..studies.audit import audit_link, int_ids
from ..submissions.local_time import local_text
from . import bp
from .publication import public_snapshot, publication_of, publish, unpublish
from .report import gather, number
from .report_job import last_report_job, report_in_progress, start_report
from .report_models import Publication, Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def _report_or_404(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


@bp.route("/rapport")
@role_required(*READ_RESULTS)
def reports():
    versions = db.session.scalars(select(Report).order_by(Report.id.desc())).all()
    running = report_in_progress()
    last = last_report_job()
    return render_template(
        "collectif/reports.html",
        versions=versions,
        running=running,
        failed=last if last is not None and last.status == "failed" else None,
        publication=publication_of(g.study.id),
        can_decide=has_role(*DECIDE),
        form=ActionForm(),
        local_text=local_text,
    )


@bp.route("/rapport", methods=["POST"])
@role_required(*DECIDE)
def build():
    if not ActionForm().validate_on_submit():
        abort(400)
    if report_in_progress() is not None:
        flash("Un rapport est déjà en cours de construction : attendez qu'il soit prêt.", "error")
        return redirect(url_for("collectif.reports"))
    enqueue(start_report(current_user.id))
    flash("Construction du rapport lancée.", "success")
    return redirect(url_for("collectif.reports"))


@bp.route("/rapport/<int:report_id>")
@role_required(*READ_RESULTS)
def report_page(report_id: int):
    report = _report_or_404(report_id)
    # Versions are numbered within the study (ids run across every study).
    number = db.session.scalar(select(func.count(Report.id)).where(Report.id <= report.id))
    return render_template(
        "collectif/report.html", report=report, number=number, local_text=local_text
    )


def _file_name(report: Report, extension: str) -> str:
    return f"rapport-{g.study.slug}-{report.id}-{report.short_fingerprint}.{extension}"


@bp.route("/rapport/<int:report_id>.pdf")
@role_required(*READ_RESULTS)
def report_pdf(report_id: int):
    report = _report_or_404(report_id)
    if not report.pdf:
        abort(404)
    return Response(
        report.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_file_name(report, "pdf")}"'},
    )


@bp.route("/rapport/<int:report_id>.xlsx")
@role_required(*READ_RESULTS)
def report_xlsx(report_id: int):
    report = _report_or_404(report_id)
    if not report.xlsx:
        abort(404)
    return Response(
        report.xlsx,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, "xlsx")}"'},
    )


@bp.route("/restitution/publier", methods=["POST"])
@role_required(*DECIDE)
def publish_restitution():
    if not ActionForm().validate_on_submit():
        abort(400)
    publication = publish(g.study, current_user)
    count = len(publication.snapshot["themes"])
    flash(
        f"Restitution publiée ({count} thème(s) validé(s)) : la page publique montre ces "
        "données jusqu'à la prochaine publication.",
        "success",
    )
    return redirect(url_for("collectif.reports") + "#restitution")


@bp.route("/restitution/depublier", methods=["POST"])
@role_required(*DECIDE)
def unpublish_restitution():
    if not ActionForm().validate_on_submit():
        abort(400)
    if unpublish(g.study) is None:
        flash("La restitution n'était pas publiée.", "success")
    else:
        flash("Restitution retirée : sa page publique n'existe plus.", "success")
    return redirect(url_for("collectif.reports") + "#restitution")


@audit_link("report")
def report_links(ids: list[str]) -> dict[str, str]:
    """The journal's line of a built report opens that version while it exists."""
    found = db.session.scalars(select(Report.id).where(Report.id.in_(int_ids(ids))))
    return {
        str(report_id): url_for("collectif.report_page", report_id=report_id) for report_id in found
    }


@audit_link("publication")
def publication_links(ids: list[str]) -> dict[str, str]:
    found = db.session.scalars(select(Publication.id).where(Publication.id.in_(int_ids(ids))))
    return {
        str(publication_id): url_for("collectif.reports") + "#restitution"
        for publication_id in found
    }


@bp.route("/restitution/apercu")
@role_required(*DECIDE)
def preview_restitution():
    """What the public page would show if published now, before publishing it."""
    snapshot = public_snapshot(gather(g.study, minimum=current_app.config["SMALL_CELL_MINIMUM"]))
    return render_template(
        "collectif/restitution.html",
        study=g.study,
        snapshot=snapshot,
        publication=None,
        preview=True,
        number=number,
    )
