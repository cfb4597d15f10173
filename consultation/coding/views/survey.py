"""« Chiffres de l'enquête »: the closed questions of a questionnaire, counted and cross-tabbed,
and their export as CSV or XLSX."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request

from ...accounts.roles import READ_RESULTS, role_required
from .. import bp, survey_figures
from .common import _is_coder, _questionnaire

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _grouping() -> str:
    grouping = request.args.get("par", "public")
    return grouping if grouping in survey_figures.GROUPINGS else "public"


def _figures(questionnaire, grouping: str):
    minimum = current_app.config["SMALL_CELL_MINIMUM"]
    # Small counts could single out a resident: hidden from those who are not the study's team.
    masked = not _is_coder()
    figures, respondents = survey_figures.survey_figures(
        questionnaire, grouping, masked=masked, minimum=minimum
    )
    return figures, respondents, masked, minimum


@bp.route("/<int:questionnaire_id>/chiffres")
@role_required(*READ_RESULTS)
def survey_page(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    grouping = _grouping()
    figures, respondents, masked, minimum = _figures(questionnaire, grouping)
    return render_template(
        "coding/survey_figures.html",
        questionnaire=questionnaire,
        figures=figures,
        respondents=respondents,
        grouping=grouping,
        groupings={key: label for key, (_, label) in survey_figures.GROUPINGS.items()},
        masked=masked,
        minimum=minimum,
    )


@bp.route("/<int:questionnaire_id>/chiffres.<fmt>")
@role_required(*READ_RESULTS)
def survey_file(questionnaire_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    questionnaire = _questionnaire(questionnaire_id)
    grouping = _grouping()
    figures, _, _, minimum = _figures(questionnaire, grouping)
    lines = survey_figures.export_rows(figures, minimum)
    if fmt == "csv":
        content, mimetype = survey_figures.csv_bytes(lines), "text/csv; charset=utf-8"
    else:
        content, mimetype = survey_figures.xlsx_bytes(lines), XLSX
    filename = f"chiffres-{questionnaire.id}-par-{grouping}.{fmt}"
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
