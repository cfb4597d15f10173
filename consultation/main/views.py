from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from analyse.charts import french_number

from . import bp
from .headers import allowed_methods
from .navigation import nav_items
from .request_bodies import UnstorableText

ERROR_TEXTS = {
    400: (
        "Requête invalide",
        "La demande n'a pas pu être comprise. Rechargez la page et réessayez.",
    ),
    403: ("Accès refusé", "Votre rôle ne permet pas d'ouvrir cette page."),
    404: ("Page introuvable", "Cette page n'existe pas ou a été supprimée."),
    405: ("Méthode non autorisée", "Cette action n'est pas possible ici."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée (10 Mo)."),
    429: ("Trop de tentatives", "Trop de demandes en peu de temps : réessayez dans une minute."),
    500: (
        "Erreur interne",
        "Une erreur est survenue ; rien n'a été enregistré. Réessayez plus tard.",
    ),
}


# 1 234,5 in every page that writes a figure.
bp.add_app_template_filter(french_number, "nombre")


@bp.app_context_processor
def inject_navigation():
    return {"nav_items": nav_items}


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("main.home"))


@bp.route("/accueil")
@login_required
def home():
    from ..studies.views import my_studies
    from ..studies.waiting import waiting_in

    studies = [(study, role, waiting_in(study, role)) for study, role in my_studies()]
    return render_template("main/home.html", studies=studies)


# The features' addresses before they moved under /etudes/<slug>/ (bookmarks, tablets' home
# screens): a person with one study is taken there, others choose the study.
BEFORE_STUDIES = "<any(questionnaires, entretiens, reponses, analyse, travaux):feature>"


@bp.route(f"/{BEFORE_STUDIES}/", defaults={"rest": ""})
@bp.route(f"/{BEFORE_STUDIES}/<path:rest>")
@login_required
def before_studies(feature: str, rest: str):
    from ..studies.views import my_studies

    mine = my_studies()
    if len(mine) != 1:
        flash("Ces pages sont désormais rangées par étude : choisissez l'étude.", "info")
        return redirect(url_for("main.home"))
    target = f"/etudes/{mine[0][0].slug}/{feature}/{rest}"
    if request.query_string:
        target += "?" + request.query_string.decode("utf-8", "replace")
    return redirect(target)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    code = error.code or 500
    title, message = ERROR_TEXTS.get(code, (error.name, error.description))
    if isinstance(error, UnstorableText):
        message = error.description
    elif code == 400 and "CSRF" in (error.description or ""):
        message = "Le formulaire a expiré ou son jeton de sécurité manque : rechargez la page et réessayez."
    headers = allowed_methods(error)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"code": code, "message": message, "errors": {}}), code, headers
    return render_template("errors/error.html", title=title, message=message), code, headers


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    # Any unexpected error: nothing half-written stays in the session, the user gets French text.
    from flask import current_app

    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    current_app.logger.exception("Erreur inattendue")
    title, message = ERROR_TEXTS[500]
    if request.path.startswith("/api/"):
        return jsonify({"code": 500, "message": message, "errors": {}}), 500
    return render_template("errors/error.html", title=title, message=message), 500
