"""The theme board (/etudes/<slug>/collectif/) and a theme's discussion page: members read the
themes by status, comment, take a stance and follow a theme; the coders choose its representative
verbatims; the chargé d'étude sets its status, renames, merges and splits it."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from analyse.charts import french_number
from analyse.territories import LEVEL_LABELS

from ..accounts.roles import CODE, DECIDE, DISCUSS, READ_RESULTS, has_role, role_required
from ..coding import themes as coding_themes
from ..coding.forms import ActionForm
from ..coding.models import THEME_STATUSES, Code
from ..extensions import db
from ..indicators.models import SOURCES
from ..submissions.models import PUBLICS
from ..transaction import abandon
from . import board, bp
from .following import follow as follow_target
from .following import is_following, unfollow
from .models import STANCES, ThemeComment

VERBATIMS_ON_CARD = 2
ANSWERS_PAGE = 20  # coded answers per page, where the coders choose and the split ticks
EXCERPT = 280  # characters of a verbatim on the board


def _discussion_url(theme) -> str:
    return url_for("collectif.theme", theme_id=theme.id)


def _theme_or_404(theme_id: int):
    theme = board.theme_in_study(theme_id)
    if theme is None:
        abort(404)
    return theme


def _is_coder() -> bool:
    return has_role(*CODE)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdecimal() and len(raw) < 10 else None


def _refused(error, theme, anchor: str = ""):
    abandon()
    flash(str(error), "error")
    return redirect(_discussion_url(theme) + anchor)


def _checked_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _key_figures(themes: list) -> dict:
    keys = coding_themes.key_indicators(themes)
    columns = coding_themes.indicator_columns(g.study)[:1]  # the study's own territory
    return {
        theme.id: coding_themes.indicator_blocks([indicator], columns)[0]
        for theme in themes
        for indicator in [keys[theme.id]]
        if indicator is not None
    }


@bp.route("/")
@role_required(*READ_RESULTS)
def board_page():
    originals = _is_coder()
    cards = []
    for entry in board.study_themes():
        if not entry.themes:
            continue
        weights = coding_themes.theme_weights(entry.codebook, entry.themes)
        communes = board.commune_counts(entry.codebook, entry.themes)
        talks = board.discussions([theme.id for theme in entry.themes])
        figures = _key_figures(entry.themes)
        for theme in entry.themes:
            verbatims, hidden = board.chosen_verbatims(theme, originals)
            cards.append(
                {
                    "theme": theme,
                    "questionnaire": entry.questionnaire,
                    "weights": weights[theme.id],
                    "answers": sum(weight.answers for weight in weights[theme.id].values()),
                    "respondents": sum(weight.respondents for weight in weights[theme.id].values()),
                    "communes": communes[theme.id],
                    "discussion": talks[theme.id],
                    "key_figure": figures.get(theme.id),
                    "verbatims": verbatims[:VERBATIMS_ON_CARD],
                    "more_verbatims": max(len(verbatims) - VERBATIMS_ON_CARD, 0),
                    "hidden_verbatims": hidden,
                }
            )
    columns = [
        (status, label, [card for card in cards if card["theme"].status == status])
        for status, label in THEME_STATUSES.items()
    ]
    return render_template(
        "collectif/board.html",
        columns=columns,
        count=len(cards),
        questionnaires=len({card["questionnaire"].id for card in cards}),
        publics=PUBLICS,
        stances=STANCES,
        originals=originals,
        excerpt=EXCERPT,
    )


@bp.route("/themes/<int:theme_id>")
@role_required(*READ_RESULTS)
def theme(theme_id: int):
    found = _theme_or_404(theme_id)
    current = board.current_theme(found)
    if current.id != found.id:
        flash(
            f"Ce thème a été fusionné dans « {current.code.name} » : voici sa discussion.",
            "warning",
        )
        return redirect(_discussion_url(current))
    if found.code.merged_into_id is not None:
        abort(404)  # merged into a code that is no theme: nothing left to discuss here
    return _render_theme(found)


def _render_theme(theme, *, draft: str = "", comment_error: str = "", status: int = 200):
    questionnaire = board.questionnaire_of(theme)
    codebook = theme.code.codebook
    originals = _is_coder()
    weights = coding_themes.theme_weights(codebook, [theme])[theme.id]
    indicators = coding_themes.theme_indicators(theme)
    key = coding_themes.key_indicators([theme])[theme.id]
    key_block = (
        coding_themes.indicator_blocks([key], coding_themes.indicator_columns(g.study))[0]
        if key is not None
        else None
    )
    verbatims, hidden = board.chosen_verbatims(theme, originals)
    chosen_keys = {(item.row.submission.id, item.row.path) for item in verbatims}
    page, pages, answers, answer_total = 1, 1, [], 0
    if originals:
        pages = max((board.coded_answer_total(theme) + ANSWERS_PAGE - 1) // ANSWERS_PAGE, 1)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        answers, answer_total = board.coded_answers(
            theme, limit=ANSWERS_PAGE, offset=(page - 1) * ANSWERS_PAGE
        )
    user_id = current_user.id
    closed = {name: label for name, label in _closed_labels(questionnaire)}
    return render_template(
        "collectif/theme.html",
        theme=theme,
        questionnaire=questionnaire,
        weights=weights,
        publics=PUBLICS,
        communes=board.weight_by_commune(codebook, theme),
        indicators=indicators,
        key_block=key_block,
        level_labels=LEVEL_LABELS,
        sources=SOURCES,
        questions=[(name, closed.get(name, name)) for name in theme.questions or []],
        verbatims=verbatims,
        hidden_verbatims=hidden,
        chosen_keys=chosen_keys,
        answers=answers,
        answer_total=answer_total,
        page=page,
        pages=pages,
        comments=board.thread(theme),
        discussion=board.discussions([theme.id])[theme.id],
        stances=STANCES,
        my_stance=board.stance_of(theme, user_id),
        following=is_following(user_id, g.study.id, theme_id=theme.id),
        statuses=THEME_STATUSES,
        targets=board.merge_targets(theme) if has_role(*DECIDE) else [],
        subcodes=board.subcodes(theme) if has_role(*DECIDE) else [],
        originals=originals,
        comment_length=board.COMMENT_LENGTH,
        form=ActionForm(),
        number=french_number,
        draft=draft,
        comment_error=comment_error,
    ), status


def _closed_labels(questionnaire):
    from questionnaires import label_in

    from ..coding import survey_figures

    model = survey_figures.reference_model(questionnaire)
    if model is None:
        return []
    return [
        (closed.name, label_in(question.label, "fr") or question.name)
        for closed, question in survey_figures.closed_questions(model)
    ]


# --- the discussion ------------------------------------------------------------------------------


@bp.route("/themes/<int:theme_id>/commentaires", methods=["POST"])
@role_required(*DISCUSS)
def comment(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    try:
        _, target = board.post_comment(
            theme, current_user, request.form.get("commentaire", ""), url_of=_discussion_url
        )
    except board.BoardError as error:
        abandon()
        # The page again, with what was written still in the field: nothing lost.
        return _render_theme(
            board.current_theme(theme),
            draft=request.form.get("commentaire", "")[:100_000],
            comment_error=str(error),
            status=422,
        )
    if target.id != theme.id:
        flash(
            f"Ce thème a été fusionné dans « {target.code.name} » pendant que vous écriviez : "
            "votre commentaire y a été ajouté.",
            "warning",
        )
    else:
        flash("Commentaire publié. Vous suivez maintenant ce thème.", "success")
    return redirect(_discussion_url(target) + "#discussion")


def _comment_or_404(theme, comment_id: int) -> ThemeComment:
    found = db.session.get(ThemeComment, comment_id) if 0 < comment_id < 2**31 else None
    if found is None or found.theme_id != board.current_theme(theme).id:
        abort(404)
    return found


@bp.route("/themes/<int:theme_id>/commentaires/<int:comment_id>/modifier", methods=["POST"])
@role_required(*DISCUSS)
def edit_comment(theme_id: int, comment_id: int):
    theme = _theme_or_404(theme_id)
    found = _comment_or_404(theme, comment_id)
    _checked_form()
    try:
        board.edit_comment(found, current_user, request.form.get("commentaire", ""))
    except board.BoardError as error:
        return _refused(error, theme, f"#commentaire-{found.id}")
    flash("Commentaire modifié.", "success")
    return redirect(_discussion_url(theme) + f"#commentaire-{found.id}")


@bp.route("/themes/<int:theme_id>/commentaires/<int:comment_id>/retirer", methods=["POST"])
@role_required(*DISCUSS)
def remove_comment(theme_id: int, comment_id: int):
    theme = _theme_or_404(theme_id)
    found = _comment_or_404(theme, comment_id)
    _checked_form()
    try:
        board.remove_comment(found, current_user, moderator=has_role(*DECIDE))
    except board.BoardError as error:
        return _refused(error, theme, f"#commentaire-{found.id}")
    flash("Commentaire retiré.", "success")
    return redirect(_discussion_url(theme) + f"#commentaire-{found.id}")


@bp.route("/themes/<int:theme_id>/position", methods=["POST"])
@role_required(*DISCUSS)
def stance(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    try:
        target = board.set_stance(theme, current_user, request.form.get("position", ""))
    except board.BoardError as error:
        return _refused(error, theme, "#position")
    flash("Votre position est enregistrée.", "success")
    return redirect(_discussion_url(target) + "#position")


@bp.route("/themes/<int:theme_id>/suivre", methods=["POST"])
@role_required(*DISCUSS)
def follow(theme_id: int):
    theme = board.current_theme(_theme_or_404(theme_id))
    _checked_form()
    if request.form.get("suivre") == "non":
        unfollow(current_user.id, g.study.id, theme_id=theme.id)
        flash("Vous ne suivez plus ce thème.", "success")
    else:
        follow_target(current_user.id, g.study.id, theme_id=theme.id)
        flash("Vous suivez ce thème : vous serez prévenu·e de ce qui s'y passe.", "success")
    return redirect(_discussion_url(theme))


# --- representative verbatims (coders) -----------------------------------------------------------

VERBATIM_ACTIONS = {"retenir", "retirer", "monter", "descendre"}


@bp.route("/themes/<int:theme_id>/verbatims", methods=["POST"])
@role_required(*CODE)
def verbatim(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    action = request.form.get("action", "")
    submission = request.form.get("submission_id", "")
    path = request.form.get("path", "")[:200]
    page = request.form.get("page", "")
    back = url_for(
        "collectif.theme", theme_id=theme.id, page=int(page) if page.isdecimal() else None
    )
    try:
        if action not in VERBATIM_ACTIONS or not submission.isdecimal() or len(submission) > 10:
            raise board.BoardError("Verbatim : demande illisible ; rechargez la page.")
        submission_id = int(submission)
        if action == "retenir":
            board.choose_verbatim(theme, submission_id, path, current_user)
            flash("Verbatim retenu comme représentatif du thème.", "success")
        elif action == "retirer":
            board.drop_verbatim(theme, submission_id, path)
            flash("Verbatim retiré des verbatims représentatifs.", "success")
        else:
            board.move_verbatim(theme, submission_id, path, -1 if action == "monter" else 1)
    except board.BoardError as error:
        abandon()
        flash(str(error), "error")
    return redirect(back + "#verbatims")


# --- the chargé d'étude's decisions --------------------------------------------------------------


@bp.route("/themes/<int:theme_id>/statut", methods=["POST"])
@role_required(*DECIDE)
def status(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    try:
        changed = board.set_status(
            theme, request.form.get("statut", ""), _version(), url_of=_discussion_url
        )
    except board.BoardError as error:
        return _refused(error, theme, "#decisions")
    if changed:
        flash(f"Statut du thème : {theme.status_label}.", "success")
    else:
        flash("Aucune modification.", "success")
    return redirect(_discussion_url(theme) + "#decisions")


@bp.route("/themes/<int:theme_id>/nom", methods=["POST"])
@role_required(*DECIDE)
def rename(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    try:
        changed = board.rename_theme(theme, request.form.get("nom", ""), _version())
    except board.BoardError as error:
        return _refused(error, theme, "#decisions")
    flash("Thème renommé." if changed else "Aucune modification.", "success")
    return redirect(_discussion_url(theme) + "#decisions")


@bp.route("/themes/<int:theme_id>/fusion", methods=["POST"])
@role_required(*DECIDE)
def merge(theme_id: int):
    theme = _theme_or_404(theme_id)
    _checked_form()
    raw = request.form.get("cible", "")
    target = board.theme_in_study(int(raw)) if raw.isdecimal() and len(raw) < 10 else None
    try:
        if target is None:
            raise board.BoardError("Fusion : choisissez le thème dans lequel fusionner celui-ci.")
        moved = board.merge_themes(theme, target, _version(), url_of=_discussion_url)
    except board.BoardError as error:
        return _refused(error, theme, "#decisions")
    flash(
        f"« {theme.code.name} » est fusionné dans « {target.code.name} » : "
        f"{moved['codages']} codage(s), {moved['commentaires']} commentaire(s) et "
        f"{moved['verbatims']} verbatim(s) déplacés.",
        "success",
    )
    return redirect(_discussion_url(target))


@bp.route("/themes/<int:theme_id>/scinder", methods=["GET", "POST"])
@role_required(*DECIDE)
def split(theme_id: int):
    theme = _theme_or_404(theme_id)
    if board.current_theme(theme).id != theme.id:
        return redirect(_discussion_url(board.current_theme(theme)))
    form = ActionForm()
    name = ""
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        name = request.form.get("nom", "")[:300]
        try:
            if request.form.get("mode") == "sous_code":
                raw = request.form.get("sous_code", "")
                code = db.session.get(Code, int(raw)) if raw.isdecimal() and len(raw) < 10 else None
                if code is None or code.codebook_id != theme.code.codebook_id:
                    raise board.BoardError("Scinder : choisissez un sous-code du thème.")
                new_theme = board.promote_subcode(theme, code, _version())
            else:
                answers = []
                for value in request.form.getlist("reponses"):
                    submission, _, path = value.partition(":")
                    if not submission.isdecimal() or len(submission) > 10 or not path:
                        raise board.BoardError("Scinder : réponse cochée illisible ; rechargez.")
                    answers.append((int(submission), path[:200]))
                new_theme = board.split_theme(theme, name, answers, _version())
        except board.BoardError as error:
            abandon()
            flash(str(error), "error")
        else:
            flash(
                f"Nouveau thème « {new_theme.code.name} » créé à partir de « {theme.code.name} ».",
                "success",
            )
            return redirect(_discussion_url(new_theme))
    total = board.coded_answer_total(theme, own_code_only=True)
    pages = max((total + ANSWERS_PAGE - 1) // ANSWERS_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    answers, _ = board.coded_answers(
        theme, limit=ANSWERS_PAGE, offset=(page - 1) * ANSWERS_PAGE, own_code_only=True
    )
    return render_template(
        "collectif/split.html",
        theme=theme,
        answers=answers,
        total=total,
        page=page,
        pages=pages,
        subcodes=board.subcodes(theme),
        name=name,
        ticked=set(request.form.getlist("reponses")),
        form=form,
    )
