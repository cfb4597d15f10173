"""The sync API: tablets send interviews (idempotent on their UUID) and download the published
questionnaires; a logged-in page obtains a device token."""

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.devices import DeviceToken
from ..accounts.roles import ADMIN, CHARGE_ETUDE, INTERVIEW
from ..accounts.tokens import issue_token, last_revocation, revoke_token
from ..extensions import csrf, db
from ..questionnaire_store.definitions import published_version
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..studies.scope import role_in
from ..submissions.assignments import is_assigned, may_send
from ..submissions.corrections import CorrectionRefused, correct_submission
from ..submissions.models import Assignment
from ..submissions.schemas import MAX_INT, SubmissionIn
from ..submissions.services import (
    Consent,
    Profile,
    SubmissionConflict,
    SubmissionInvalid,
    content_hash,
    store_submission,
)
from . import LOGIN_AT_KEY, bp
from .auth import api_auth, bearer_token, study_of_session_caller, touch_token
from .errors import ApiError, register_error_handlers
from .schemas import ErrorOut, QuestionnaireOut, SubmissionOut, TokenIn, TokenOut, VersionOut

register_error_handlers(bp)

TOKEN_SECURITY = [{"jetonAppareil": []}]
# A device token opens the study it was issued for; a logged-in session names its study.
STUDY_PARAMETER = {
    "name": "study",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "maxLength": 80},
    "description": "Identifiant de l'étude (celui de ses adresses /etudes/…), pour une session "
    "connectée membre de plusieurs études ; inutile avec un jeton d'appareil, qui ouvre l'étude "
    "pour laquelle il a été créé.",
}


def _published_version(questionnaire_id: int, number: int) -> QuestionnaireVersion | None:
    if not (0 < questionnaire_id <= MAX_INT and 0 < number <= MAX_INT):
        return None  # beyond the database's integers: cannot exist
    # Through its questionnaire: a version belongs to the study of its questionnaire.
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.number == number,
            QuestionnaireVersion.status == PUBLISHED,
        )
    )


@bp.route("/submissions", methods=["POST"])
@bp.doc(
    security=TOKEN_SECURITY,
    summary="Envoyer un entretien",
    description="Idempotent sur `uuid` : un renvoi identique répond 200 avec la réponse déjà "
    "enregistrée ; un contenu différent sous le même `uuid`, ou une réponse d'un autre enquêteur, "
    "répond 409. Un enquêteur envoie les entretiens des questionnaires qui lui sont attribués, et "
    "ceux menés pendant une affectation retirée depuis.\n\n"
    "**Corriger un entretien déjà envoyé** : renvoyer le même `uuid` avec les réponses et le "
    "profil corrigés, et `corrects` égal au `content_hash` répondu lors du dernier envoi accepté. "
    "La correction remplace les réponses et le profil (vérifiés contre la version de "
    "l'entretien), garde l'avant et l'après dans l'historique de la réponse, et les codages "
    "suivent le texte corrigé ; elle répond 200 avec `corrected` vrai et la nouvelle empreinte. "
    "La même correction envoyée deux fois est enregistrée une fois. Refusée sans rien modifier : "
    "409 `correction_introuvable` (aucun entretien de cet enquêteur sous cet `uuid`), 409 "
    "`correction_perimee` (l'entretien a été modifié depuis, par exemple par la chargée "
    "d'étude), 409 `correction_close` (déjà validé ou rejeté), 422 (réponses invalides).",
)
@api_auth()
@bp.arguments(SubmissionIn(), location="json")
@bp.response(201, SubmissionOut, description="Réponse enregistrée")
@bp.alt_response(
    200,
    schema=SubmissionOut,
    description="Déjà reçue avec le même contenu, ou correction enregistrée",
)
@bp.alt_response(400, schema=ErrorOut, description="JSON invalide")
@bp.alt_response(401, schema=ErrorOut, description="Jeton manquant ou révoqué")
@bp.alt_response(
    409,
    schema=ErrorOut,
    description="Identifiant déjà utilisé pour un autre contenu ; correction refusée (entretien "
    "introuvable, modifié depuis, validé ou rejeté)",
)
@bp.alt_response(413, schema=ErrorOut, description="Requête trop volumineuse")
@bp.alt_response(
    422,
    schema=ErrorOut,
    description="Réponse invalide, erreurs par champ ; ou questionnaire "
    "inconnu, non publié, ou non attribué à l'enquêteur",
)
def create_submission(payload):
    version = published_version(payload["questionnaire_id"], payload["version"])
    if version is None or not _may_send(payload):
        # The same answer whether the questionnaire does not exist or is not the enquêteur's:
        # its existence does not leak.
        raise ApiError(
            422,
            "Cette version du questionnaire n'existe pas, n'est pas publiée ou ne vous est pas attribuée.",
            {
                "version": [
                    f"Version {payload['version']} introuvable pour le questionnaire {payload['questionnaire_id']}."
                ]
            },
            code="version_inconnue",
        )
    digest = content_hash(request.get_json())
    try:
        if payload["corrects"] is not None:
            stored = correct_submission(
                version=version,
                client_uuid=str(payload["uuid"]),
                corrects=payload["corrects"],
                answers=payload["answers"],
                profile=Profile(**payload["profile"]),
                consent=Consent(**payload["consent"]),
                content_hash=digest,
                enumerator_id=g.api_user.id,
            )
        else:
            stored = store_submission(
                version=version,
                client_uuid=str(payload["uuid"]),
                answers=payload["answers"],
                profile=Profile(**payload["profile"]),
                consent=Consent(**payload["consent"]),
                content_hash=digest,
                channel=payload["channel"],
                enumerator_id=g.api_user.id,
                device_id=payload["device_id"]
                or (g.device_token.device_label if g.device_token else ""),
                started_at=payload["started_at"],
                completed_at=payload["completed_at"],
                receipt_code=payload["receipt_code"],
            )
    except SubmissionInvalid as error:
        raise ApiError(422, error.message, error.errors, code="reponse_invalide") from None
    except SubmissionConflict as error:
        # No id: the submission holding this UUID may be another enquêteur's.
        raise ApiError(409, str(error), code="conflit_uuid") from None
    except CorrectionRefused as error:
        raise ApiError(409, error.message, code=error.code) from None
    touch_token()
    # The receipt code goes back so that a tablet that did not draw one can still show it.
    body = {
        "id": stored.id,
        "uuid": str(payload["uuid"]),
        "state": stored.state,
        "receipt_code": stored.receipt_code,
        # What the tablet sends back in `corrects` to correct this interview later.
        "content_hash": digest,
        "corrected": payload["corrects"] is not None,
    }
    return body, (201 if stored.created else 200)


def _supervises() -> bool:
    """Admins and chargés d'étude use every questionnaire; an enquêteur only those assigned."""
    return g.api_user.role in (ADMIN, CHARGE_ETUDE)


def _assigned(questionnaire_id: int) -> bool:
    assigned = g.api_user.assigned_questionnaires
    if assigned is not None:
        return questionnaire_id in assigned  # read with the token
    return is_assigned(g.api_user.id, questionnaire_id)


def _may_send(payload) -> bool:
    if _supervises():
        return True
    if payload["questionnaire_id"] in (g.api_user.assigned_questionnaires or ()):
        return True  # the usual case, known from the token lookup: no query
    # Otherwise: a current assignment not read with the token, or an ended one.
    return may_send(
        g.api_user.id, payload["questionnaire_id"], payload["started_at"] or payload["completed_at"]
    )


@bp.route("/questionnaires", methods=["GET"])
@bp.doc(
    security=TOKEN_SECURITY,
    summary="Questionnaires publiés utilisables par l'enquêteur",
    description="Ceux de l'étude qui lui sont attribués ; tous ceux de l'étude pour un chargé "
    "d'étude ou un administrateur.",
    parameters=[STUDY_PARAMETER],
)
@api_auth(allow_session=True)
@bp.response(200, QuestionnaireOut(many=True))
@bp.alt_response(401, schema=ErrorOut, description="Jeton manquant ou révoqué")
def list_questionnaires():
    query = (
        select(Questionnaire)
        .where(Questionnaire.archived.is_(False))
        .options(selectinload(Questionnaire.versions).defer(QuestionnaireVersion.definition))
        .order_by(Questionnaire.title)
    )
    if not _supervises():
        # An enquêteur sees the questionnaires assigned to them, as on the tablet's home page.
        query = query.join(Assignment, Assignment.questionnaire_id == Questionnaire.id).where(
            Assignment.enumerator_id == g.api_user.id
        )
    questionnaires = db.session.scalars(query).all()
    listed = []
    for questionnaire in questionnaires:
        published = questionnaire.published_versions
        if not published:
            continue
        listed.append(
            {
                "id": questionnaire.id,
                "title": questionnaire.title,
                "current_version": published[-1].number,
                "versions": [
                    {"number": v.number, "published_at": v.published_at} for v in published
                ],
            }
        )
    return listed


@bp.route("/questionnaires/<int:questionnaire_id>/versions/<int:number>", methods=["GET"])
@bp.doc(
    security=TOKEN_SECURITY,
    summary="Définition d'une version publiée",
    description="Pour un enquêteur, seulement celles des questionnaires de l'étude qui lui sont "
    "attribués.",
    parameters=[STUDY_PARAMETER],
)
@api_auth(allow_session=True)
@bp.response(200, VersionOut)
@bp.alt_response(401, schema=ErrorOut, description="Jeton manquant ou révoqué")
@bp.alt_response(404, schema=ErrorOut, description="Version introuvable ou non publiée")
def get_version(questionnaire_id: int, number: int):
    version = _published_version(questionnaire_id, number)
    if (
        version is None
        or version.questionnaire.archived
        or not (_supervises() or _assigned(questionnaire_id))
    ):
        # 404 also for a questionnaire not assigned to the enquêteur: its existence does not leak.
        raise ApiError(404, "Cette version du questionnaire n'existe pas ou n'est pas publiée.")
    return {
        "id": version.id,
        "questionnaire_id": version.questionnaire_id,
        "number": version.number,
        "title": version.questionnaire.title,
        "published_at": version.published_at,
        "definition": version.definition,
    }


@bp.route("/tokens", methods=["POST"])
@bp.doc(
    summary="Créer un jeton d'appareil",
    description="Réservé à une session connectée (enquêteur, chargé d'étude, administrateur), "
    "avec l'en-tête X-CSRFToken. Le jeton ouvre une seule étude (paramètre `study`, "
    "facultatif pour qui n'est membre que d'une). Il n'est renvoyé qu'une fois.",
    parameters=[STUDY_PARAMETER],
)
@bp.arguments(TokenIn(), location="json", required=False)
@bp.response(201, TokenOut)
@bp.alt_response(400, schema=ErrorOut, description="Jeton CSRF manquant")
@bp.alt_response(
    401,
    schema=ErrorOut,
    description="Session non connectée, ou connectée avant la révocation d'un jeton",
)
@bp.alt_response(403, schema=ErrorOut, description="Rôle insuffisant")
def create_token(payload):
    if bearer_token() is not None or not current_user.is_authenticated:
        # A device token must not mint other tokens: only a person who logged in may.
        raise ApiError(401, "Connectez-vous pour enregistrer cette tablette.")
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError:
            raise ApiError(400, "Jeton CSRF manquant ou expiré : rechargez la page.") from None
    study = study_of_session_caller()
    role = role_in(study.id, current_user)
    if role != "admin" and role not in INTERVIEW:
        raise ApiError(403)
    revoked_at = last_revocation(current_user.id)
    logged_in_at = session.get(LOGIN_AT_KEY)
    if revoked_at is not None and (logged_in_at is None or logged_in_at < revoked_at.timestamp()):
        # A lost tablet keeps its session cookie: only typing the password again re-authorises it.
        raise ApiError(
            401,
            "Le jeton de cette tablette a été révoqué : reconnectez-vous avec votre mot de passe "
            "pour l'autoriser de nouveau.",
            code="reconnexion_requise",
        )
    device_token, token = issue_token(
        current_user, (payload or {}).get("device_label", ""), study_id=study.id
    )
    body = {"id": device_token.id, "token": token}
    return body, 201


@bp.route("/tokens/current", methods=["DELETE"])
@bp.doc(security=TOKEN_SECURITY, summary="Révoquer le jeton utilisé (déconnexion de la tablette)")
@api_auth()
@bp.response(204)
@bp.alt_response(401, schema=ErrorOut, description="Jeton manquant ou révoqué")
def revoke_current_token():
    device_token = db.session.get(DeviceToken, g.device_token.id)
    revoke_token(device_token, g.api_user)
    return None
