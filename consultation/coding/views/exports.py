"""The coding exports: segments (CSV, XLSX) and REFI-QDA codebook and project."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ...accounts.roles import CODE, role_required
from .. import bp, exports
from .common import (
    _codebook,
    _questionnaire,
)


@bp.route("/<int:questionnaire_id>/export")
@role_required(*CODE)
def export(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _codebook(questionnaire)
    return render_template("coding/export.html", questionnaire=questionnaire)


@bp.route("/<int:questionnaire_id>/export/<name>")
@role_required(*CODE)
def export_file(questionnaire_id: int, name: str):
    from analyse.refiqda import RefiQdaError

    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    pseudonymised = request.args.get("originaux") != "1"
    stem = f"codage-{questionnaire.id}" + ("" if pseudonymised else "-originaux")
    try:
        if name in ("segments.csv", "segments.xlsx"):
            file_format = name.rsplit(".", 1)[1]
            content = exports.segments_file(book, file_format, pseudonymised=pseudonymised)
            mimetype = (
                "text/csv; charset=utf-8"
                if file_format == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        elif name == "livre.qdc":
            content, mimetype, stem = (
                exports.codebook_file(book),
                "application/xml",
                f"livre-de-codes-{questionnaire.id}",
            )
        elif name == "projet.qdpx":
            content, mimetype = (
                exports.project_file(book, pseudonymised=pseudonymised),
                "application/zip",
            )
        else:
            abort(404)
    except RefiQdaError as error:
        flash(f"Export impossible : {error}", "error")
        return redirect(url_for("coding.export", questionnaire_id=questionnaire.id))
    extension = name.rsplit(".", 1)[1]
    filename = (
        f"{stem}-{name.rsplit('.', 1)[0]}.{extension}"
        if name.startswith("segments")
        else f"{stem}.{extension}"
    )
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
