"""The residents' pages: anonymous, server-rendered, usable without JavaScript.

/q/<link_token>                      welcome: introduction, RGPD notice, code, consent, « Commencer »
/reponse/<secret>                    the private link: back where the resident stopped
/reponse/<secret>/etape/<n>          step 0 is the profile, then one page per group
/reponse/<secret>/plus-tard          the private link to come back later
/reponse/<secret>/merci              confirmation with the receipt code
/accessibilite                       the accessibility statement

Each page finds its study from the link or the draft it shows (never from the URL)."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ..extensions import limiter
from ..main.views import http_error
from ..questionnaire_store.definitions import published_version
from ..studies.scope import enter_study
from ..submissions.models import PUBLICS, SEXES
from ..submissions.services import SubmissionInvalid
from ..transaction import abandon
from . import pages as paging
from . import respond_bp as bp
from .services import (
    ONLINE_AGE_BANDS,
    PublicError,
    check_open,
    find_draft,
    find_link,
    min_fill_seconds,
    profile_errors,
    renew_secret,
    start,
    study_of,
    submission_of,
    submit,
    territory_communes,
    territory_quartiers,
)

HONEYPOT = "site_web"
# Controls of the page forms that are not answers.
CONTROLS = {"csrf_token", "action", "client_uuid", HONEYPOT, "vus", "lang"}


def _rate_limit() -> str:
    return current_app.config.get("PUBLIC_RATE_LIMIT", "60 per minute")


@bp.url_value_preprocessor
def _small_bodies(_endpoint, _values):
    # A page of answers is a few kilobytes; the longest answer accepted is 50,000 characters.
    # Set before any before_request runs: the CSRF check reads the form first.
    request.max_content_length = current_app.config.get("PUBLIC_MAX_CONTENT_LENGTH", 512 * 1024)


@bp.after_request
def _private(response):
    # The private link is in the address: no cache keeps these pages, no referrer carries it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.errorhandler(413)
def _too_large(error):
    if _wants_json():
        return http_error(error)
    return render_template(
        "public/message.html",
        heading="Envoi trop volumineux",
        message=(
            "Ce que vous avez envoyé est trop long pour être enregistré (une réponse compte "
            "50 000 caractères au plus) : rien n'a été enregistré de cette page. Revenez en "
            "arrière, raccourcissez votre réponse et envoyez de nouveau."
        ),
    ), 413


@bp.errorhandler(400)
def _bad_request(error):
    if _wants_json():
        return http_error(error)
    expired = "CSRF" in (getattr(error, "description", "") or "")
    return render_template(
        "public/message.html",
        heading="Page expirée" if expired else "Envoi incompris",
        message=(
            "Le formulaire a expiré ou son jeton de sécurité manque : rien n'a été enregistré "
            "de cette page. Rechargez-la (ou rouvrez votre lien privé) et envoyez de nouveau ; "
            "vos réponses des pages précédentes sont conservées."
            if expired
            else "Ce qui a été envoyé n'a pas pu être compris : rien n'a été enregistré de "
            "cette page. Rechargez-la et réessayez."
        ),
    ), 400


@bp.errorhandler(429)
def _too_many(error):
    if _wants_json():
        return http_error(error)
    return render_template(
        "public/message.html",
        heading="Trop de demandes",
        message=(
            "Trop de demandes sont venues de votre connexion en peu de temps : attendez une "
            "minute puis réessayez. Vos réponses déjà enregistrées sont conservées."
        ),
    ), 429


# --- the questionnaire of a link ----------------------------------------------------------------


class _Context:
    """What every page of a link needs: its study (entered), version, model and pages."""

    def __init__(self, link, language: str = ""):
        self.link = link
        self.study = study_of(link)
        enter_study(self.study, None)
        self.version = published_version(link.questionnaire_id, link.version.number)
        if self.version is None:
            abort(404)
        self.model = self.version.model
        self.pages = paging.build_pages(self.model)
        languages = self.model.languages or [self.model.default_language]
        self.languages = languages
        self.language = language if language in languages else self.model.default_language
        self.direction = paging.text_direction(self.language)

    def template_values(self, **extra) -> dict:
        return {
            "link": self.link,
            "study": self.study,
            "model": self.model,
            "title": self.link.questionnaire.title,
            "language": self.language,
            "languages": [(code, paging.language_name(code)) for code in self.languages],
            "direction": self.direction,
            **extra,
        }


def _link_or_404(token: str):
    link = find_link(token)
    if link is None:
        abort(404)
    return link


def _draft_or_404(secret: str):
    draft = find_draft(secret)
    if draft is None:
        abort(404)
    return draft


def _refused(context: _Context | None, message: str, status: int = 200):
    abandon()
    values = context.template_values() if context else {}
    return render_template(
        "public/message.html", heading="Réponse impossible", message=message, **values
    ), status


@bp.route("/q/<link_token>", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def welcome(link_token: str):
    link = _link_or_404(link_token)
    context = _Context(link, request.values.get("lang", ""))
    try:
        check_open(link)
    except PublicError as error:
        return _refused(context, error.message)
    errors: dict[str, str] = {}
    typed_code = request.values.get("code", "")
    if request.method == "POST":
        if request.form.get(HONEYPOT):
            return _refused(
                context,
                "Votre envoi n'a pas pu être enregistré : un champ réservé aux robots a été "
                "rempli. Si vous êtes une personne, rechargez la page et recommencez.",
            )
        if request.form.get("consentement") != "oui":
            errors["consentement"] = (
                "Pour répondre, cochez la case qui indique que vous avez lu la notice."
            )
        if not errors:
            try:
                draft, secret = start(link, typed_code, context.language)
            except PublicError as error:
                abandon()
                errors["code"] = error.message
            else:
                if draft.submission_id is not None:
                    abandon()
                    errors["code"] = (
                        "Ce code a déjà servi : un code ne permet de répondre qu'une fois."
                    )
                else:
                    if not secret:
                        secret = renew_secret(draft)
                        flash(
                            "Vous aviez déjà commencé avec ce code : vous reprenez où vous en "
                            "étiez. Le lien privé a changé : gardez le nouveau.",
                            "info",
                        )
                    return redirect(url_for("respond.resume", secret=secret))
        else:
            abandon()
    return render_template(
        "public/welcome.html",
        errors=errors,
        typed_code=typed_code,
        **context.template_values(),
    ), (200 if not errors else 422)


@bp.route("/reponse/<secret>")
def resume(secret: str):
    draft = _draft_or_404(secret)
    if draft.submission_id is not None:
        return redirect(url_for("respond.thanks", secret=secret))
    return redirect(url_for("respond.step", secret=secret, number=draft.furthest))


@bp.route("/reponse/<secret>/plus-tard")
def later(secret: str):
    draft = _draft_or_404(secret)
    context = _Context(draft.public_link, draft.language)
    return render_template(
        "public/later.html",
        resume_url=url_for("respond.resume", secret=secret, _external=True),
        back_url=url_for("respond.step", secret=secret, number=draft.furthest),
        **context.template_values(),
    )


@bp.route("/reponse/<secret>/merci")
def thanks(secret: str):
    draft = _draft_or_404(secret)
    if draft.submission_id is None:
        return redirect(url_for("respond.resume", secret=secret))
    context = _Context(draft.public_link, draft.language)
    submission = submission_of(draft)
    return render_template(
        "public/thanks.html",
        submission=submission,
        **context.template_values(),
    )


@bp.route("/accessibilite")
def accessibility():
    return render_template("public/accessibility.html")


# --- the steps --------------------------------------------------------------------------------


@bp.route("/reponse/<secret>/etape/<int:number>", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def step(secret: str, number: int):
    draft = _draft_or_404(secret)
    if draft.submission_id is not None:
        return redirect(url_for("respond.thanks", secret=secret))
    language = request.values.get("lang", "")
    if language and language != draft.language:
        draft.language = language[:20]
    context = _Context(draft.public_link, draft.language)
    if draft.language not in context.languages:
        draft.language = context.language
    try:
        check_open(context.link)
    except PublicError as error:
        return _refused(context, error.message + " Vos réponses n'ont pas été envoyées.")
    if number > draft.furthest or number > len(context.pages):
        return redirect(url_for("respond.step", secret=secret, number=draft.furthest))
    if request.method == "POST" and request.form.get(HONEYPOT):
        return _refused(
            context,
            "Votre envoi n'a pas pu être enregistré : un champ réservé aux robots a été rempli.",
        )
    if number == 0:
        return _profile_step(draft, secret, context)
    return _questions_step(draft, secret, context, number)


def _progress(context: _Context, cleaned: dict, number: int) -> tuple[int, int]:
    """(this step, number of steps): the profile, then the pages relevant so far."""
    relevant = paging.relevant_pages(context.model, context.pages, cleaned)
    position = 1 + sum(1 for index in relevant if index < number - 1) + (1 if number else 0)
    return position, 1 + len(relevant)


def _profile_step(draft, secret: str, context: _Context):
    errors: dict[str, str] = {}
    values = dict(draft.profile or {})
    if request.method == "POST":
        values = {
            name: (request.form.get(name) or "").strip()[:20]
            for name in ("public", "age_band", "sex", "commune", "quartier")
        }
        if request.form.get("action") == "plus_tard":
            # Kept as it is, checked when the resident goes on.
            draft.profile = values
            return redirect(url_for("respond.later", secret=secret))
        errors = profile_errors(context.link, values)
        if not errors:
            draft.profile = values
            draft.furthest = max(draft.furthest, 1)
            following = _next(context, draft, 0) or 1
            return redirect(url_for("respond.step", secret=secret, number=following))
        abandon()
    cleaned = paging.check(context.model, draft.answers or {}).answers
    position, total = _progress(context, cleaned, 0)
    return render_template(
        "public/profile.html",
        secret=secret,
        draft=draft,
        values=values,
        errors=errors,
        publics=PUBLICS,
        age_bands=ONLINE_AGE_BANDS,
        sexes={key: label for key, label in SEXES.items() if key},
        communes=territory_communes(context.study),
        quartiers=territory_quartiers(context.study),
        position=position,
        total=total,
        number=0,
        **context.template_values(),
    ), (422 if errors else 200)


def _next(context: _Context, draft, number: int) -> int | None:
    """The next step after `number` whose page is relevant with the draft's answers."""
    cleaned = paging.check(context.model, draft.answers or {}).answers
    for index in paging.relevant_pages(context.model, context.pages, cleaned):
        if index + 1 > number:
            return index + 1
    return None


def _previous(context: _Context, draft, number: int) -> int:
    cleaned = paging.check(context.model, draft.answers or {}).answers
    earlier = [
        index + 1
        for index in paging.relevant_pages(context.model, context.pages, cleaned)
        if index + 1 < number
    ]
    return earlier[-1] if earlier else 0


def _questions_step(draft, secret: str, context: _Context, number: int):
    page = context.pages[number - 1]
    raw = dict(draft.answers or {})
    notices: list[str] = []
    show_errors = request.args.get("verifier") == "1"
    if request.method == "POST":
        action = request.form.get("action", "suivant")
        if action == "envoyer" and request.form.get("client_uuid") != draft.client_uuid:
            return _refused(
                context,
                "Le formulaire envoyé a été modifié : il ne correspond pas à votre questionnaire. "
                "Rien n'a été envoyé ; rouvrez votre lien privé pour continuer.",
                400,
            )
        known = paging.page_paths(context.model, page, raw)
        unknown = [name for name in request.form if name not in known and name not in CONTROLS]
        if unknown:
            # Flashed: shown on whichever page comes next.
            flash("Des champs qui ne font pas partie de cette page ont été ignorés.", "info")
        before = paging.check(context.model, raw).answers
        shown_before = {
            name for name in request.form.get("vus", "").split() if name in known
        } or paging.shown_questions(
            paging.page_items(context.model, page, raw, before, context.language)
        )
        raw, _posted = paging.read_page(context.model, page, raw, request.form)
        if action.startswith(("ajouter:", "retirer:")):
            raw = paging.resize_repeat(page, raw, action)
        result = paging.check(context.model, raw)
        raw = paging.size_fixed_repeats(context.model, page, raw, result.answers)
        result = paging.check(context.model, raw)
        dropped = paging.dropped_answers(raw, result.answers, result)
        if dropped:
            labels = [_label(context, name) for name in dropped if name in known]
            raw = paging.prune_draft(raw, dropped)
            if labels:
                flash(
                    "Ces réponses ont été retirées, la question ne vous concernant pas d'après "
                    "vos autres réponses : " + ", ".join(f"« {label} »" for label in labels) + ".",
                    "info",
                )
        draft.answers = raw
        if action == "plus_tard":
            return redirect(url_for("respond.later", secret=secret))
        if action == "precedent":
            return redirect(
                url_for("respond.step", secret=secret, number=_previous(context, draft, number))
            )
        if action.startswith(("ajouter:", "retirer:")):
            return redirect(url_for("respond.step", secret=secret, number=number) + "#contenu")
        errors = paging.errors_on_page(context.pages, number - 1, result)
        items = paging.page_items(context.model, page, raw, result.answers, context.language)
        appeared = paging.shown_questions(items) - shown_before
        appeared = {path for path in appeared if paging.answer_missing(raw, path)}
        if not errors and not appeared:
            following = _next(context, draft, number)
            if following is not None:
                draft.furthest = max(draft.furthest, following)
                return redirect(url_for("respond.step", secret=secret, number=following))
            if action == "envoyer":
                return _send(draft, secret, context, number, raw)
            notices.append("C'était la dernière page : vérifiez vos réponses, puis envoyez-les.")
        elif appeared and not errors:
            notices.append(
                "De nouvelles questions sont apparues d'après vos réponses : répondez-y si vous "
                "le souhaitez, puis continuez."
            )
        return _render_page(draft, secret, context, number, raw, result, errors, notices)
    result = paging.check(context.model, raw)
    if not paging.page_relevant(context.model, page, result.answers):
        following = _next(context, draft, number)
        return redirect(
            url_for(
                "respond.step", secret=secret, number=following or _previous(context, draft, number)
            )
        )
    errors = paging.errors_on_page(context.pages, number - 1, result) if show_errors else {}
    return _render_page(draft, secret, context, number, raw, result, errors, notices)


def _label(context: _Context, name: str) -> str:
    node = context.model.find(name)
    if node is None:
        return name
    from questionnaires import label_in

    return label_in(node.label, context.language, context.model.default_language) or name


def _render_page(draft, secret, context, number, raw, result, errors, notices):
    page = context.pages[number - 1]
    items = paging.page_items(context.model, page, raw, result.answers, context.language, errors)
    position, total = _progress(context, result.answers, number)
    is_last = _next(context, draft, number) is None
    error_list = [
        (question.dom_id, question.label, message)
        for item in items
        for question in item.questions()
        for message in question.errors
    ] + [
        (item.dom_id, item.label, message)
        for item in items
        if item.kind == "repeat"
        for message in item.errors
    ]
    heading = (
        paging.Rules(context.model, result.answers, context.language).text(page.group.label, None)
        if page.group is not None
        else "Questions"
    ) or "Questions"
    return render_template(
        "public/page.html",
        secret=secret,
        draft=draft,
        items=items,
        heading=heading,
        position=position,
        total=total,
        number=number,
        is_last=is_last,
        errors=error_list,
        notices=notices,
        shown=" ".join(sorted(paging.shown_questions(items))),
        definition=context.version.model.to_dict(),
        answers=result.answers,
        **context.template_values(),
    )  # 200 even with errors: the answers typed so far are kept in the draft (committed)


def _send(draft, secret: str, context: _Context, number: int, raw: dict):
    result = paging.check(context.model, raw)
    if result.errors:
        first = min(
            (paging.page_of_path(context.pages, error.path) or 0) for error in result.errors
        )
        flash("Certaines réponses sont à compléter ou à corriger avant l'envoi.", "error")
        return redirect(
            url_for("respond.step", secret=secret, number=first + 1, verifier="1") + "#erreurs"
        )
    try:
        submit(draft, context.version, raw, min_fill_seconds())
    except PublicError as error:
        if error.written:
            abandon()
        flash(error.message, "error")
        # Nothing was stored: the resident is back on the last page, answers kept as they were.
        return redirect(url_for("respond.step", secret=secret, number=number))
    except SubmissionInvalid as invalid:
        abandon()
        profile = any(path.startswith(("profile.", "consent.")) for path in invalid.errors)
        flash(
            "Vos réponses n'ont pas pu être enregistrées : "
            + " ".join(message for messages in invalid.errors.values() for message in messages),
            "error",
        )
        return redirect(
            url_for("respond.step", secret=secret, number=0 if profile else number, verifier="1")
        )
    return redirect(url_for("respond.thanks", secret=secret))
