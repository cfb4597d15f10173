"""« Thèmes »: the overview of a questionnaire's themes (their weight by public, their key
indicator) and the side-by-side page of one theme — the territory's indicators against the
comparison levels, the survey's related closed questions by public, the coded verbatims and the
theme's word cloud. The chargés d'étude mark codes as themes and set each theme's questions."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from analyse.charts import bar_chart, french_number, grouped_bar_chart
from analyse.indicator_files import STATUS_LABELS, VALUE
from analyse.territories import LEVEL_LABELS

from ...accounts.roles import CODE, READ_RESULTS, role_required
from ...indicators.maps import indicator_map
from ...indicators.models import SOURCES
from ...submissions.models import PUBLICS
from ...transaction import abandon
from .. import bp, results, survey_figures, themes
from ..clouds import cloud_path
from ..forms import ActionForm
from ..services import active_codes, code_label, codebook_of
from .common import _clouds, _codebook, _is_coder, _questionnaire

VERBATIMS_SHOWN = 20  # on the theme page; the verbatims page has them all


def _filters() -> tuple[str, str]:
    """(public, commune) from the query string; a value the study does not know is ignored."""
    public = request.args.get("public", "")
    commune = request.args.get("commune", "")
    communes = {c.insee_code for c in g.study.communes}
    return (public if public in PUBLICS else ""), (commune if commune in communes else "")


def _commune_name(code: str) -> str:
    return next((c.name for c in g.study.communes if c.insee_code == code), code)


@bp.route("/<int:questionnaire_id>/themes")
@role_required(*READ_RESULTS)
def themes_overview(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    _, commune = _filters()
    context = {
        "questionnaire": questionnaire,
        "codebook": book,
        "commune": commune,
        "commune_name": _commune_name(commune) if commune else "",
        "communes": g.study.communes,
        "publics": PUBLICS,
    }
    if book is None:
        return render_template("coding/themes.html", themes=[], **context)
    theme_list = themes.themes_of(book)
    weights = themes.theme_weights(book, theme_list, commune)
    keys = themes.key_indicators(theme_list)
    columns = themes.indicator_columns(g.study)[:1]  # the study's own territory
    key_figures = {}
    for theme in theme_list:
        indicator = keys[theme.id]
        if indicator is not None:
            key_figures[theme.id] = themes.indicator_blocks([indicator], columns)[0]
    chart = None
    if theme_list:
        chart = grouped_bar_chart(
            "poids-themes",
            "Poids des thèmes par public",
            "Part des répondants de chaque public, parmi ceux qui ont écrit au moins une "
            "réponse libre, dont une réponse est codée avec le thème"
            + (f", commune : {context['commune_name']}" if commune else "")
            + ". Les chiffres sont dans le tableau qui suit.",
            [theme.code.name for theme in theme_list],
            {
                label: [weights[theme.id][public].percent for theme in theme_list]
                for public, label in PUBLICS.items()
                # A public nobody of belongs to would only add empty bars.
                if any(weights[theme.id][public].base for theme in theme_list)
            },
            unit="%",
        )
    return render_template(
        "coding/themes.html",
        themes=theme_list,
        weights=weights,
        key_figures=key_figures,
        chart=chart,
        codes=active_codes(book) if _is_coder() else [],
        marked={theme.code_id for theme in theme_list},
        form=ActionForm(),
        territory=g.study.territory,
        number=french_number,
        **context,
    )


@bp.route("/<int:questionnaire_id>/themes", methods=["POST"])
@role_required(*CODE)
def themes_choose(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    raw = request.form.getlist("codes")
    if not all(value.isdecimal() and len(value) < 12 for value in raw):
        abandon()
        flash("Code inconnu dans ce livre de codes : rechargez la page.", "error")
        return redirect(url_for("coding.themes_overview", questionnaire_id=questionnaire.id))
    try:
        added, removed = themes.set_themes(book, {int(value) for value in raw})
    except themes.ThemeInvalid as error:
        abandon()
        flash(str(error), "error")
    else:
        if added or removed:
            flash(
                f"Thèmes enregistrés : {len(added)} ajouté(s), {len(removed)} retiré(s).",
                "success",
            )
        else:
            flash("Aucune modification.", "success")
    return redirect(url_for("coding.themes_overview", questionnaire_id=questionnaire.id))


def _theme_or_404(book, key: str):
    theme = themes.theme_by_key(book, key[:64])
    if theme is None:
        abort(404)
    return theme


def _indicator_chart(block, index: int) -> str:
    indicator = block.indicator
    labels = [figure.column.label for figure in block.figures]
    values = [figure.value if figure.status == VALUE else None for figure in block.figures]
    notes = [figure.text for figure in block.figures]
    described = "; ".join(
        f"{figure.column.label} : "
        + (
            f"{french_number(figure.value)}{(' ' + indicator.unit) if indicator.unit else ''}"
            f" ({figure.year})"
            if figure.status == VALUE
            else figure.text
        )
        for figure in block.figures
    )
    return bar_chart(
        f"indicateur-{index}",
        indicator.label,
        f"{indicator.label}, par territoire : {described}.",
        labels,
        values,
        unit=indicator.unit,
        notes=notes,
    )


@bp.route("/<int:questionnaire_id>/themes/<key>")
@role_required(*READ_RESULTS)
def theme_page(questionnaire_id: int, key: str):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    theme = _theme_or_404(book, key)
    public, commune = _filters()
    originals = _is_coder()

    indicators = themes.theme_indicators(theme)
    columns = themes.indicator_columns(g.study, commune)
    blocks = themes.indicator_blocks(indicators, columns, theme.key_indicator_id)
    charts = [_indicator_chart(block, index) for index, block in enumerate(blocks, start=1)]
    mapped = themes.map_territories(g.study)
    maps = [
        indicator_map(block.indicator, mapped, f"carte-indicateur-{index}")
        for index, block in enumerate(blocks, start=1)
    ]

    minimum = current_app.config["SMALL_CELL_MINIMUM"]
    masked = not originals
    where = {
        key_: value for key_, value in (("public", public), ("commune_code", commune)) if value
    }
    figures, respondents = (
        survey_figures.survey_figures(
            questionnaire,
            "public",
            masked=masked,
            minimum=minimum,
            only=theme.questions,
            where=where,
        )
        if theme.questions
        else ([], 0)
    )

    family = results.code_family(book, theme.code)
    weights = themes.theme_weights(book, [theme], commune)[theme.id]
    total, visible = results.verbatim_counts(book, family, public=public, commune=commune)
    rows = results.rows_coded_with(
        book, family, public=public, commune=commune, limit=VERBATIMS_SHOWN
    )
    shown, _ = results.verbatims(book, rows, theme.code, originals)
    answers = results.coded_answer_count(book, family, public=public, commune=commune)

    clouds = _clouds(book, code=theme.code.key)
    audience = "coders" if originals else "readers"
    cloud_ready = cloud_path(clouds, audience, "code", theme.code.key, "svg") is not None

    closed = [
        (closed_question.name, label)
        for closed_question, label in _closed_question_labels(questionnaire)
    ]
    return render_template(
        "coding/theme.html",
        questionnaire=questionnaire,
        theme=theme,
        label=code_label(theme.code),
        public=public,
        commune=commune,
        commune_name=_commune_name(commune) if commune else "",
        communes=g.study.communes,
        publics=PUBLICS,
        blocks=blocks,
        charts=charts,
        maps=maps,
        columns=columns,
        territory=g.study.territory,
        comparison_levels=g.study.comparison_levels,
        level_labels=LEVEL_LABELS,
        sources=SOURCES,
        status_labels=STATUS_LABELS,
        figures=figures,
        respondents=respondents,
        masked=masked,
        minimum=minimum,
        weights=weights,
        verbatims=shown,
        verbatim_total=total,
        verbatim_visible=visible,
        answers=answers,
        originals=originals,
        cloud_ready=cloud_ready,
        cloud_drawing=clouds["drawing"],
        closed_questions=closed,
        indicators=indicators,
        form=ActionForm(),
        number=french_number,
    )


def _closed_question_labels(questionnaire):
    from questionnaires import label_in

    model = survey_figures.reference_model(questionnaire)
    if model is None:
        return []
    return [
        (closed, label_in(question.label, "fr") or question.name)
        for closed, question in survey_figures.closed_questions(model)
    ]


@bp.route("/<int:questionnaire_id>/themes/<key>/reglages", methods=["POST"])
@role_required(*CODE)
def theme_settings(questionnaire_id: int, key: str):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    theme = _theme_or_404(book, key)
    if not ActionForm().validate_on_submit():
        abort(400)
    indicator = request.form.get("indicateur_cle", "")
    version = request.form.get("version", "")
    names = [name for name, _ in ((c.name, c) for c, _ in _closed_question_labels(questionnaire))]
    try:
        if (indicator and not indicator.isdecimal()) or (version and not version.isdecimal()):
            raise themes.ThemeInvalid("Réglages illisibles : rechargez la page.")
        themes.update_theme(
            theme,
            request.form.getlist("questions"),
            int(indicator) if indicator else None,
            closed_question_names=names,
            version=int(version) if version else None,
        )
    except themes.ThemeInvalid as error:
        abandon()
        flash(str(error), "error")
    else:
        flash("Réglages du thème enregistrés.", "success")
    return redirect(
        url_for("coding.theme_page", questionnaire_id=questionnaire.id, key=theme.code.key)
        + "#reglages"
    )
