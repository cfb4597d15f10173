"""JSON errors of the API: `{code, message, errors: {path: [messages]}}`, always in French."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..main.headers import allowed_methods
from ..submissions.schemas import flatten_messages

HTTP_MESSAGES = {
    400: "Requête invalide : le corps doit être un objet JSON valide.",
    401: "Jeton d'appareil manquant, invalide ou révoqué : reconnectez la tablette.",
    403: "Votre rôle ne permet pas cette action.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée ici.",
    409: "Conflit avec une ressource existante.",
    413: "Requête trop volumineuse (2 Mo au plus).",
    415: "Le corps de la requête doit être du JSON (Content-Type: application/json).",
    422: "La requête contient des erreurs.",
    429: "Trop de requêtes : réessayez dans une minute.",
    500: "Erreur interne : rien n'a été enregistré. Réessayez plus tard.",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str | None = None,
        errors: dict | None = None,
        code=None,
        **extra,
    ):
        super().__init__(message or HTTP_MESSAGES.get(status, ""))
        self.status = status
        self.message = message or HTTP_MESSAGES.get(status, "Erreur.")
        self.errors = errors or {}
        self.code = code or status
        self.extra = extra


def error_response(
    status: int, message: str, errors: dict | None = None, code=None, headers=None, **extra
):
    body = {"code": code or status, "message": message, "errors": errors or {}} | extra
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="consultation"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(bp) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.message, error.errors, error.code, **error.extra)

    @bp.errorhandler(RecursionError)
    def nested_too_deep(error: RecursionError):
        # "[[[[…" thousands deep: the JSON parser gives up before any schema sees the body.
        return error_response(400, "Requête invalide : JSON imbriqué trop profondément.")

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        errors = {}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if status == 422 and messages:
            # webargs nests the body's messages under its location ("json").
            errors = flatten_messages(messages.get("json", messages))
        return error_response(
            status,
            HTTP_MESSAGES.get(status, error.description or "Erreur."),
            errors,
            headers=allowed_methods(error),
        )
