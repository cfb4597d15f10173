"""« Chiffres de l'enquête »: the closed questions of a questionnaire, counted and cross-tabbed,
and their export as CSV or XLSX."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from ...accounts.roles import DESIGN, READ_RESULTS, has_role, role_required
from ...submissions.exports import table_csv_bytes, table_xlsx_bytes
from .. import bp, survey_figures, weighting
from ..survey_maps import survey_map
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
    mapped, survey_map = _survey_map(figures, grouping, minimum)
    return render_template(
        "coding/survey_figures.html",
        mapped=mapped,
        survey_map=survey_map,
        questionnaire=questionnaire,
        figures=figures,
        respondents=respondents,
        grouping=grouping,
        groupings={key: label for key, (_, label) in survey_figures.GROUPINGS.items()},
        masked=masked,
        minimum=minimum,
        weighted=_weighted(questionnaire, grouping),
        weighting_set=bool(weighting.used_codes(weighting.setting_of(questionnaire.id))),
        may_weigh=has_role(*DESIGN),
    )


def _survey_map(figures, grouping: str, minimum: int):
    """(question name, row) asked for the map (`?carte=<question>&reponse=<n>`, figures by
    commune) and its map, or (None, None)."""
    name, row = request.args.get("carte", ""), request.args.get("reponse", "")
    if grouping != "commune" or not name or not row.isdecimal() or len(row) > 4:
        return None, None
    question = next((q for q in figures if q.name == name), None)
    if question is None:
        return None, None
    return (name, int(row)), survey_map(question, int(row), minimum, "carte-chiffre")


def _weighted(questionnaire, grouping: str):
    """The weighted shares, when asked (`?pondere=1`) and a weighting is set."""
    if request.args.get("pondere") != "1":
        return None
    return weighting.weigh(questionnaire, survey_figures.GROUPINGS[grouping][0])


@bp.route("/<int:questionnaire_id>/chiffres.<fmt>")
@role_required(*READ_RESULTS)
def survey_file(questionnaire_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    questionnaire = _questionnaire(questionnaire_id)
    grouping = _grouping()
    figures, _, _, minimum = _figures(questionnaire, grouping)
    lines = survey_figures.export_rows(figures, minimum)
    headers = survey_figures.EXPORT_HEADERS
    if fmt == "csv":
        content, mimetype = table_csv_bytes(headers, lines), "text/csv; charset=utf-8"
    else:
        content, mimetype = table_xlsx_bytes([("chiffres", headers, lines)]), XLSX
    filename = f"chiffres-{questionnaire.id}-par-{grouping}.{fmt}"
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- weighting ----------------------------------------------------------------------------------


def _weighting_form(choices):
    """A select per age band × sex cell and one for the communes, among the indicators with
    values for communes."""
    from flask_wtf import FlaskForm
    from wtforms import IntegerField, SelectChoice, SelectField
    from wtforms.validators import NumberRange, Optional

    options = [SelectChoice("", "—")] + [
        SelectChoice(code, f"{code} — {label}" if label != code else code)
        for code, label in choices
    ]

    class WeightingForm(FlaskForm):
        commune = SelectField("Population par commune", choices=options, default="")
        year = IntegerField(
            "Millésime",
            validators=[Optional(), NumberRange(1900, 2100, "Une année entre 1900 et 2100.")],
        )
        cap = SelectField(
            "Plafond des poids",
            choices=[SelectChoice(value, label) for value, label in CAPS],
            default="",
        )

    for key, label in weighting.cells():
        setattr(WeightingForm, _field_name(key), SelectField(label, choices=options, default=""))
    return WeightingForm()


# The caps survey practitioners use: none, or no weight above 3, 5 or 8 times the mean.
CAPS = [("", "Aucun"), ("3", "3 fois le poids moyen"), ("5", "5 fois le poids moyen"),
        ("8", "8 fois le poids moyen")]  # fmt: skip


def _cap_value(cap: float | None) -> str:
    return "" if not cap else f"{cap:g}"


def _field_name(key: str) -> str:
    return "cell_" + key.replace("|", "__")


@bp.route("/<int:questionnaire_id>/chiffres/ponderation", methods=["GET", "POST"])
@role_required(*DESIGN)
def survey_weighting(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    form = _weighting_form(weighting.available_indicators())
    setting = weighting.setting_of(questionnaire.id)
    if request.method == "GET" and setting is not None:
        margins = setting.margins or {}
        for key, code in (margins.get(weighting.AGE_SEX) or {}).items():
            field = getattr(form, _field_name(key), None)
            if field is not None:
                field.data = code
        form.commune.data = margins.get(weighting.COMMUNE_MARGIN) or ""
        form.year.data = setting.year
        form.cap.data = _cap_value(setting.cap)
    if form.validate_on_submit():
        age_sex = {key: getattr(form, _field_name(key)).data for key, _ in weighting.cells()}
        weighting.save_setting(
            questionnaire.id,
            age_sex,
            form.commune.data,
            form.year.data,
            float(form.cap.data) if form.cap.data else None,
        )
        flash("Pondération enregistrée.", "success")
        return redirect(url_for("coding.survey_page", questionnaire_id=questionnaire.id, pondere=1))
    return render_template(
        "coding/survey_weighting.html",
        questionnaire=questionnaire,
        form=form,
        cell_fields=[getattr(form, _field_name(key)) for key, _ in weighting.cells()],
    )


WEIGHTED_HEADERS = [
    "Question",
    "Libellé de la question",
    "Réponse",
    "Groupe",
    "Non pondéré (%)",
    "Pondéré (%)",
]


def _weighted_lines(figures, weighted, minimum: int) -> list[list]:
    """The weighted beside the unweighted share of each answer, for all respondents and each
    group of the figures' columns; a share masked unweighted is masked weighted too; then the
    weights' spread."""
    lines = []
    for question in figures:
        if question.kind == "numeric":
            continue
        shares = weighted.shares.get(question.name, {})
        for answer, cells in question.rows:
            for (key, label), cell in zip(question.columns, cells):
                head = [question.name, question.label, answer, label]
                if cell.masked:
                    lines.append(head + [f"< {minimum}", "masqué"])
                else:
                    weighted_share = shares.get(key, {}).get(answer, 0.0)
                    lines.append(head + [round(cell.percent, 1), round(weighted_share, 1)])
    spread = weighted.spread
    lines.append([])
    lines.append(
        ["Marges", ", ".join(weighted.codes), "Millésimes", ", ".join(map(str, weighted.years))]
    )
    lines.append(["Répondants pondérés", spread.weighted, "Hors des marges", spread.left_out])
    if spread.weighted:
        lines.append(
            ["Poids minimal", round(spread.minimum, 3), "Poids maximal", round(spread.maximum, 3)]
        )
        lines.append(
            ["Effet de plan (Kish)", round(spread.design_effect, 3)]
            + ["Taille effective", round(spread.effective_size, 1)]
        )
    return lines


@bp.route("/<int:questionnaire_id>/chiffres-ponderes.<fmt>")
@role_required(*READ_RESULTS)
def survey_weighted_file(questionnaire_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    questionnaire = _questionnaire(questionnaire_id)
    grouping = _grouping()
    weighted = weighting.weigh(questionnaire, survey_figures.GROUPINGS[grouping][0])
    if weighted is None:
        abort(404)
    figures, _, _, minimum = _figures(questionnaire, grouping)
    lines = _weighted_lines(figures, weighted, minimum)
    if fmt == "csv":
        content, mimetype = table_csv_bytes(WEIGHTED_HEADERS, lines), "text/csv; charset=utf-8"
    else:
        content, mimetype = table_xlsx_bytes([("pondéré", WEIGHTED_HEADERS, lines)]), XLSX
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="chiffres-{questionnaire.id}-ponderes.{fmt}"'
        },
    )
