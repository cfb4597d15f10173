"""Opening a questionnaire to residents, invitation codes, drafts and the final submission.

Services take plain arguments, flush and never commit. A resident's submission goes through
submissions.services.store_submission exactly as a tablet's does (channel « en_ligne »)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import func, select, update

from ..accounts.models import utcnow
from ..extensions import db
from ..questionnaire_store.definitions import PublishedVersion
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..studies.audit import record
from ..studies.models import Study
from ..submissions.assignments import AGE_BANDS_BY_PUBLIC, AGE_BANDS_NEEDING_PARENTAL_CONSENT
from ..submissions.events import purging
from ..submissions.models import AGE_BANDS, PUBLICS, SEXES, Submission
from ..submissions.services import (
    Consent,
    Profile,
    Stored,
    SubmissionConflict,
    SubmissionInvalid,
    content_hash,
    store_submission,
)
from ..territory.models import Commune, Quartier
from .models import PublicCode, PublicDraft, PublicLink, new_invitation_code, normal_code

# The bands some public offers (not the old « 15–17 », kept only to read stored answers); online,
# nobody is there to take a parent's consent: the youngest band is not offered.
ONLINE_AGE_BANDS = {
    key: label
    for key, label in AGE_BANDS.items()
    if any(key in bands for bands in AGE_BANDS_BY_PUBLIC.values())
    and key not in AGE_BANDS_NEEDING_PARENTAL_CONSENT
}
MAX_CODES_AT_ONCE = 5_000
USED_CODE = (
    "Ce code a déjà servi : un code ne permet de répondre qu'une fois. Si vous n'avez pas "
    "répondu vous-même, contactez l'organisme qui vous a écrit."
)
MAX_INTRODUCTION = 5_000


class PublicError(ValueError):
    """Why a resident cannot go on, in French, shown on the page as is."""

    def __init__(self, message: str, written: bool = False):
        super().__init__(message)
        self.message = message
        # Raised after something was written: the request must be rolled back.
        self.written = written


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- the chargé d'étude's side ------------------------------------------------------------------


def link_of(questionnaire: Questionnaire) -> PublicLink | None:
    return db.session.scalar(
        select(PublicLink).where(PublicLink.questionnaire_id == questionnaire.id)
    )


def _state(link: PublicLink) -> dict:
    return {
        "version_id": link.version_id,
        "open_link": link.open_link,
        "uses_codes": link.uses_codes,
        "active": link.active,
        "opens_at": link.opens_at.isoformat() if link.opens_at else None,
        "closes_at": link.closes_at.isoformat() if link.closes_at else None,
        "quotas": dict(link.quotas or {}),
    }


def save_link(questionnaire: Questionnaire, values: dict, by) -> PublicLink:
    """Opens (or changes the opening of) `questionnaire` online. `values`: version (a published
    version of it), open_link, uses_codes, active, opens_at, closes_at (aware or None),
    introduction, quotas {public: int}. Every problem raises SettingsInvalid, nothing changed."""
    errors: dict[str, str] = {}
    version = values.get("version")
    if (
        version is None
        or version.questionnaire_id != questionnaire.id
        or version.status != PUBLISHED
    ):
        errors["version"] = "Choisissez une version publiée de ce questionnaire."
    if not values.get("open_link") and not values.get("uses_codes"):
        errors["open_link"] = (
            "Choisissez au moins une façon de répondre : le lien ouvert ou les codes d'invitation."
        )
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = "La date de fermeture doit venir après la date d'ouverture."
    quotas = {}
    for public, count in (values.get("quotas") or {}).items():
        if public not in PUBLICS:
            errors["quotas"] = "Public inconnu dans les quotas."
        elif count is not None:
            if not isinstance(count, int) or count < 1:
                errors[f"quota_{public}"] = "Un quota est un nombre entier de 1 ou plus."
            else:
                quotas[public] = count
    introduction = (values.get("introduction") or "").strip()
    if len(introduction) > MAX_INTRODUCTION:
        errors["introduction"] = f"L'introduction dépasse {MAX_INTRODUCTION} caractères."
    if errors:
        raise SettingsInvalid(errors)
    link = link_of(questionnaire)
    before = _state(link) if link is not None else None
    if link is None:
        link = PublicLink(
            questionnaire_id=questionnaire.id,
            study_id=questionnaire.study_id,
            version_id=version.id,
            created_by_id=by.id if by is not None else None,
        )
        db.session.add(link)
    link.version_id = version.id
    link.open_link = bool(values.get("open_link"))
    link.uses_codes = bool(values.get("uses_codes"))
    link.active = bool(values.get("active", True))
    link.opens_at = _naive_utc(opens_at)
    link.closes_at = _naive_utc(closes_at)
    link.introduction = introduction
    link.quotas = quotas
    db.session.flush()
    record(
        "public_link",
        link.id,
        "create" if before is None else "update",
        study_id=questionnaire.study_id,
        by=by,
        before=before,
        after=_state(link),
    )
    return link


def generate_codes(link: PublicLink, count: int, by) -> list[PublicCode]:
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES_AT_ONCE:
        raise SettingsInvalid(
            {"count": f"Nombre de codes : entre 1 et {MAX_CODES_AT_ONCE} à la fois."}
        )
    existing = set(
        db.session.scalars(select(PublicCode.code).where(PublicCode.public_link_id == link.id))
    )
    codes = []
    while len(codes) < count:
        code = new_invitation_code()
        if code in existing:
            continue
        existing.add(code)
        codes.append(PublicCode(public_link_id=link.id, code=code))
    db.session.add_all(codes)
    db.session.flush()
    record(
        "public_link",
        link.id,
        "codes",
        study_id=link.study_id,
        by=by,
        after={"codes_generated": count},
    )
    return codes


def codes_of(link: PublicLink) -> list[PublicCode]:
    return list(
        db.session.scalars(
            select(PublicCode).where(PublicCode.public_link_id == link.id).order_by(PublicCode.id)
        )
    )


def online_counts(link: PublicLink) -> dict[str, int]:
    """Answers received online for the questionnaire, by public."""
    rows = db.session.execute(
        select(Submission.public, func.count())
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Submission.questionnaire_version_id)
        .where(
            QuestionnaireVersion.questionnaire_id == link.questionnaire_id,
            Submission.channel == "en_ligne",
        )
        .group_by(Submission.public)
        .execution_options(all_studies=True)
    )
    return {public: count for public, count in rows}


def open_links(study_id: int | None = None) -> list[PublicLink]:
    """The links a resident may use now (active, within their dates, by open link)."""
    query = (
        select(PublicLink)
        .where(PublicLink.active.is_(True), PublicLink.open_link.is_(True))
        .order_by(PublicLink.id)
        .execution_options(all_studies=True)
    )
    if study_id is not None:
        query = query.where(PublicLink.study_id == study_id)
    now = _naive_utc(utcnow())
    return [
        link
        for link in db.session.scalars(query)
        if not link.questionnaire.archived
        and (link.opens_at is None or link.opens_at <= now)
        and (link.closes_at is None or now < link.closes_at)
    ]


# --- the resident's side ------------------------------------------------------------------------


def find_link(token: str) -> PublicLink | None:
    if not token or len(token) > 40:
        return None
    return db.session.scalar(
        select(PublicLink).where(PublicLink.token == token).execution_options(all_studies=True)
    )


def study_of(link: PublicLink) -> Study:
    return db.session.get(Study, link.study_id)


def check_open(link: PublicLink, now: datetime | None = None) -> None:
    """Raises PublicError when the questionnaire cannot be answered now."""
    now = _naive_utc(now or utcnow())
    if not link.active or link.questionnaire.archived:
        raise PublicError("Ce questionnaire n'est plus ouvert aux réponses en ligne.")
    if link.opens_at is not None and now < link.opens_at:
        raise PublicError(
            "Ce questionnaire n'est pas encore ouvert : revenez à partir du "
            f"{_local_text(link.opens_at)}."
        )
    if link.closes_at is not None and now >= link.closes_at:
        raise PublicError(
            f"Ce questionnaire est fermé depuis le {_local_text(link.closes_at)} : "
            "il n'est plus possible d'y répondre. Merci de votre intérêt."
        )


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find_draft(secret: str) -> PublicDraft | None:
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(
        select(PublicDraft).where(PublicDraft.token_hash == hash_secret(secret))
    )


def start(link: PublicLink, typed_code: str, language: str) -> tuple[PublicDraft | None, str]:
    """A new draft and the secret of its private link. With an invitation code already started,
    its draft is given back instead (secret None): the code is the key to that draft."""
    check_open(link)
    code = None
    typed_code = (typed_code or "").strip()
    if typed_code or not link.open_link:
        code = _usable_code(link, typed_code)
        if code.draft_id is not None:
            return db.session.get(PublicDraft, code.draft_id), ""
    secret = secrets.token_urlsafe(32)
    draft = PublicDraft(
        public_link_id=link.id,
        token_hash=hash_secret(secret),
        client_uuid=str(uuid.uuid4()),
        language=language or "",
        consent_at=utcnow(),
        started_at=utcnow(),
    )
    db.session.add(draft)
    db.session.flush()
    if code is not None:
        code.draft_id = draft.id
        db.session.flush()
    return draft, secret


def renew_secret(draft: PublicDraft) -> str:
    """A code's holder back on a started draft gets a new private link (the old one stops)."""
    secret = secrets.token_urlsafe(32)
    draft.token_hash = hash_secret(secret)
    db.session.flush()
    return secret


def _usable_code(link: PublicLink, typed: str) -> PublicCode:
    if not link.uses_codes:
        raise PublicError("Ce questionnaire ne demande pas de code : laissez le champ vide.")
    if not typed:
        raise PublicError(
            "Indiquez le code d'invitation reçu par courrier (par exemple K7M2-QX9D)."
        )
    wanted = normal_code(typed)
    code = db.session.scalar(
        select(PublicCode).where(PublicCode.code == wanted, PublicCode.public_link_id == link.id)
    )
    if code is None:
        raise PublicError(
            f"Le code « {typed[:20]} » n'est pas reconnu : vérifiez-le sur votre courrier "
            "(les lettres O et I n'y figurent pas)."
        )
    if code.used_at is not None:
        raise PublicError(USED_CODE)
    return code


def profile_errors(link: PublicLink, values: dict) -> dict[str, str]:
    study = study_of(link)
    errors = {}
    if values.get("public") not in PUBLICS:
        errors["public"] = "Indiquez à quel public vous appartenez."
    if values.get("age_band") not in ONLINE_AGE_BANDS:
        errors["age_band"] = "Indiquez votre tranche d'âge."
    elif "public" not in errors and values["age_band"] not in AGE_BANDS_BY_PUBLIC.get(
        values["public"], ONLINE_AGE_BANDS
    ):
        # The publics are defined by their ages, as on the tablet.
        errors["age_band"] = (
            f"La tranche « {AGE_BANDS[values['age_band']]} » ne correspond pas au public "
            f"« {PUBLICS[values['public']]} » : choisissez l'une de ses tranches d'âge."
        )
    if values.get("sex", "") not in SEXES:
        errors["sex"] = "Choisissez une réponse de la liste, ou aucune."
    communes = {commune.insee_code for commune in territory_communes(study)}
    commune = values.get("commune") or ""
    if communes and commune not in communes:
        errors["commune"] = "Choisissez votre commune dans la liste."
    quartier = values.get("quartier") or ""
    if quartier:
        found = (
            db.session.get(Quartier, int(quartier))
            if quartier.isdigit() and len(quartier) < 10
            else None
        )
        if found is None or found.commune_code != commune:
            errors["quartier"] = "Choisissez un quartier de votre commune, ou « Je ne sais pas »."
    if "public" not in errors and quota_reached(link, values["public"]):
        errors["public"] = quota_message(values["public"])
    return errors


def quota_message(public: str) -> str:
    return (
        f"Nous avons reçu toutes les réponses attendues du public « {PUBLICS[public]} » : "
        "merci de votre intérêt, il n'est plus possible de répondre pour ce public."
    )


def quota_reached(link: PublicLink, public: str) -> bool:
    limit = (link.quotas or {}).get(public)
    return limit is not None and online_counts(link).get(public, 0) >= limit


def territory_communes(study: Study) -> list[Commune]:
    return list(study.communes)


def territory_quartiers(study: Study) -> list[Quartier]:
    chosen = list(study.quartiers)
    if chosen:
        return chosen
    codes = [commune.insee_code for commune in study.communes]
    if not codes:
        return []
    return list(
        db.session.scalars(
            select(Quartier).where(Quartier.commune_code.in_(codes)).order_by(Quartier.name)
        )
    )


@dataclass
class Refused:
    """Answers refused at the final step: where to send the resident, and why."""

    step: int
    errors: dict[str, list[str]]


def submit(
    draft: PublicDraft, version: PublishedVersion, answers: dict, min_seconds: float
) -> Stored:
    """Stores the draft as a submission, once. Raises PublicError (nothing stored) when the
    questionnaire closed, the quota is reached, the code was used, or the answers came too fast
    for a person; SubmissionInvalid with the errors of the answers."""
    link = draft.public_link
    if draft.submission_id is not None:
        return Stored(draft.submission_id, False)
    check_open(link)
    elapsed = (_naive_utc(utcnow()) - _naive_utc(draft.started_at)).total_seconds()
    if elapsed < min_seconds:
        raise PublicError(
            "Vos réponses sont arrivées trop vite pour avoir été saisies par une personne : "
            "attendez quelques secondes, puis cliquez de nouveau sur « Envoyer mes réponses »."
        )
    profile_values = draft.profile or {}
    public = profile_values.get("public", "")
    if public in PUBLICS and quota_reached(link, public):
        raise PublicError(quota_message(public))
    code = db.session.scalar(select(PublicCode).where(PublicCode.draft_id == draft.id))
    if code is not None and code.used_at is not None:
        raise PublicError(USED_CODE)
    profile = Profile(
        public=public,
        age_band=profile_values.get("age_band", ""),
        sex=profile_values.get("sex", ""),
        commune=profile_values.get("commune") or None,
        quartier=profile_values.get("quartier") or None,
    )
    consent = Consent(given=True, recorded_by="Formulaire en ligne", at=draft.consent_at)
    digest = content_hash({"answers": answers, "profile": profile_values, "channel": "en_ligne"})
    try:
        stored = store_submission(
            version=version,
            client_uuid=draft.client_uuid,
            answers=answers,
            profile=profile,
            consent=consent,
            content_hash=digest,
            channel="en_ligne",
            started_at=draft.started_at,
            completed_at=utcnow(),
        )
    except SubmissionConflict as conflict:
        # The same draft sent twice with different answers between the two: the first stays.
        stored = Stored(conflict.existing.id, False)
    if code is not None:
        taken = db.session.execute(
            update(PublicCode)
            .where(PublicCode.id == code.id, PublicCode.used_at.is_(None))
            .values(used_at=utcnow(), submission_id=stored.id)
        ).rowcount
        db.session.refresh(code)
        if not taken and code.submission_id != stored.id:
            raise PublicError(USED_CODE, written=True)
    draft.submission_id = stored.id
    draft.submitted_at = utcnow()
    # The answers now live in the submission: the draft keeps nothing personal.
    draft.answers = {}
    draft.profile = {}
    db.session.flush()
    return stored


def submission_of(draft: PublicDraft) -> Submission | None:
    if draft.submission_id is None:
        return None
    return db.session.scalar(
        select(Submission)
        .where(Submission.id == draft.submission_id)
        .execution_options(all_studies=True)
    )


def forget_abandoned_drafts(days: int, now: datetime | None = None, *, dry_run=False) -> int:
    """Deletes the drafts left unsent for more than `days` days (answers typed and never sent
    are personal data kept for nothing), and frees the codes they held. Returns how many (with
    `dry_run`, how many would go, and nothing is deleted)."""
    from datetime import timedelta

    from sqlalchemy import delete, func

    limit = _naive_utc(now or utcnow()) - timedelta(days=days)
    stale = select(PublicDraft.id).where(
        PublicDraft.submission_id.is_(None), PublicDraft.updated_at < limit
    )
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(stale.subquery())) or 0
    db.session.execute(
        update(PublicCode)
        .where(PublicCode.draft_id.in_(stale), PublicCode.used_at.is_(None))
        .values(draft_id=None)
    )
    # Sent drafts keep only their link to the submission: their codes keep pointing at them.
    count = db.session.execute(
        delete(PublicDraft).where(
            PublicDraft.id.in_(stale),
            ~PublicDraft.id.in_(
                select(PublicCode.draft_id).where(PublicCode.draft_id.is_not(None))
            ),
        )
    ).rowcount
    db.session.flush()
    return count


def min_fill_seconds() -> float:
    return float(current_app.config.get("PUBLIC_MIN_FILL_SECONDS", 5))


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _local_text(moment: datetime) -> str:
    from ..submissions.local_time import local_text

    return local_text(moment, "%d/%m/%Y à %H:%M")


__all__ = [
    "PublicError",
    "SettingsInvalid",
    "SubmissionInvalid",
]


# An unsent draft is kept this long after its last change: long enough to come back to a
# questionnaire left half-way, not so long that answers nobody sent stay on the server.
ABANDONED_DRAFT_DAYS = 30


@purging.connect
def _forget_drafts_when_purging(_sender, dry_run: bool = False) -> str:
    count = forget_abandoned_drafts(ABANDONED_DRAFT_DAYS, dry_run=dry_run)
    if dry_run:
        return (
            f"Brouillons de réponse en ligne non envoyés depuis plus de {ABANDONED_DRAFT_DAYS} "
            f"jours : {count} seraient effacés — rien n'a été effacé (--dry-run)."
        )
    return (
        f"Brouillons de réponse en ligne non envoyés depuis plus de {ABANDONED_DRAFT_DAYS} "
        f"jours : {count} effacé(s)."
    )
