"""Invitations to a study: a chargé d'étude invites an e-mail address with a role; the person
follows an expiring, single-use link to create their account (or, with an account at that
address, logs in with it) and becomes a member.

The link's secret is shown only in the link (and the e-mail): the database keeps its sha256, so
a copy of the database opens nothing. Services flush; the request commits; the e-mail leaves
after the commit, so that an invitation rolled back sends nothing."""

import hashlib
import secrets
import smtplib
from datetime import datetime, timedelta, timezone

from email_validator import EmailNotValidError, validate_email
from flask import current_app, flash, has_request_context, url_for
from sqlalchemy import select, update

from ..accounts.models import User, utcnow
from ..accounts.roles import ROLE_LABELS
from ..accounts.services import AccountError, create_user, find_user
from ..extensions import db
from ..mail import send_mail
from ..submissions.local_time import local_text
from ..transaction import after_commit
from .audit import record
from .models import Invitation, Membership, Study
from .services import StudyError, add_member, check_role, membership

DEFAULT_DAYS = 7
# Same words for a forged link and an unknown one: whoever guesses learns nothing.
NOT_VALID = (
    "Ce lien d'invitation n'est pas valide ou a expiré : vérifiez que vous l'avez copié en "
    "entier, ou demandez une nouvelle invitation à la personne qui vous a invité·e."
)


class InvitationError(StudyError):
    """An invitation that cannot be made or accepted; the message is French and shown as is."""


class AlreadyMember(InvitationError):
    """The address belongs to a member already: change their role instead."""

    def __init__(self, message: str, user: User, role: str):
        super().__init__(message)
        self.user = user
        self.role = role


class InvitationUnusable(InvitationError):
    """A link that no longer opens anything. `status`: 404 for an unknown (or forged) link, 410
    for one that existed (its holder may learn why: expired, used or revoked)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def as_utc(moment: datetime | None) -> datetime | None:
    """Stored moments come back naive (UTC) from the database."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def normalise_email(email: str) -> str:
    typed = (email or "").strip()
    if not typed:
        raise InvitationError("Indiquez l'adresse e-mail de la personne à inviter.")
    try:
        checked = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        raise InvitationError(
            f"Adresse e-mail invalide : « {typed} » (attendu : prenom.nom@exemple.fr)."
        ) from None
    return checked.normalized.lower()


def pending_invitations(study: Study) -> list[Invitation]:
    """Invitations neither used, revoked nor expired, the newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.study_id == study.id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _state(invitation: Invitation) -> dict:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "expires_at": as_utc(invitation.expires_at).isoformat(timespec="seconds"),
    }


def invite(study: Study, email: str, role: str, by: User | None) -> tuple[Invitation, str]:
    """A new invitation and its secret. A pending invitation of the same address to the same
    study is revoked: only the newest link works. The e-mail leaves after the commit."""
    check_role(role)
    email = normalise_email(email)
    existing_user = find_user(email)
    if existing_user is not None:
        current = membership(study, existing_user)
        if current is not None:
            raise AlreadyMember(
                f"{email} est déjà membre de l'étude ({ROLE_LABELS[current.role]}) : "
                "changez plutôt son rôle.",
                existing_user,
                current.role,
            )
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(
            Invitation.study_id == study.id,
            Invitation.email == email,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = now
        record("invitation", old.id, "replace", study=study, by=by, before=_state(old))
    secret = secrets.token_urlsafe(32)
    days = current_app.config.get("INVITATION_DAYS") or DEFAULT_DAYS
    invitation = Invitation(
        study_id=study.id,
        email=email,
        role=role,
        token_hash=hash_token(secret),
        invited_by_id=by.id if by is not None else None,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    record("invitation", invitation.id, "create", study=study, by=by, after=_state(invitation))
    link = url_for("invitations.accept", token=secret, _external=True)
    subject, body = invitation_message(study, invitation, by, link)
    after_commit(lambda: _send_after_commit(email, subject, body))
    return invitation, secret


def invitation_message(
    study: Study, invitation: Invitation, by: User | None, link: str
) -> tuple[str, str]:
    """The e-mail, in French: who invites, to which study, with which role, until when."""
    inviter = (by.name or by.email) if by is not None else "L'équipe de la plateforme"
    inviter_address = f" ({by.email})" if by is not None and by.name else ""
    until = local_text(invitation.expires_at, "%d/%m/%Y à %H:%M")
    subject = f"Invitation à rejoindre l'étude « {study.name} »"
    body = (
        "Bonjour,\n\n"
        f"{inviter}{inviter_address} vous invite à rejoindre l'étude « {study.name} » "
        f"avec le rôle « {ROLE_LABELS[invitation.role]} ».\n\n"
        f"Pour accepter, ouvrez ce lien avant le {until} (heure de Paris) ; "
        "il ne sert qu'une fois :\n"
        f"{link}\n\n"
        "Si vous n'avez pas encore de compte, vous le créerez en suivant le lien (votre nom et "
        f"un mot de passe). Si vous avez déjà un compte à l'adresse {invitation.email}, "
        "connectez-vous avec ce compte puis acceptez l'invitation.\n\n"
        "Si vous ne vous attendiez pas à cette invitation, ignorez ce message : "
        "sans vous, elle expirera d'elle-même.\n"
    )
    return subject, body


def _send_after_commit(email: str, subject: str, body: str) -> None:
    # The invitation is committed: a mail server that does not answer must not turn the
    # response into an error page. The inviter is told, and can invite again (a new link).
    try:
        send_mail(email, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("Invitation non envoyée à %s : %s", email, error)
        if not has_request_context():
            raise
        flash(
            f"L'invitation est enregistrée mais l'e-mail n'a pas pu partir vers {email} "
            f"(serveur d'envoi : {error}). Réessayez plus tard avec « Inviter » : "
            "un nouveau lien remplacera celui-ci.",
            "error",
        )


def revoke_invitation(study: Study, invitation: Invitation, by: User | None) -> None:
    if invitation.used_at is not None:
        raise InvitationError(f"L'invitation de {invitation.email} a déjà été acceptée.")
    if invitation.revoked_at is not None:
        raise InvitationError(f"L'invitation de {invitation.email} est déjà révoquée.")
    invitation.revoked_at = utcnow()
    db.session.flush()
    record("invitation", invitation.id, "revoke", study=study, by=by, before=_state(invitation))


def invitation_of_study(study: Study, invitation_id: int) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.study_id == study.id)
    )


def lookup_invitation(secret: str) -> Invitation | None:
    """The invitation of a link, whatever its state."""
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(secret)))


def find_invitation(secret: str) -> Invitation:
    """The invitation of a link that still works; InvitationUnusable otherwise. Only the holder
    of the secret reaches an existing invitation, so telling them why it no longer works (expired,
    used, revoked) reveals nothing to anyone else."""
    invitation = lookup_invitation(secret)
    if invitation is None:
        raise InvitationUnusable(NOT_VALID, 404)
    problem = unusable_because(invitation)
    if problem:
        raise InvitationUnusable(problem, 410)
    return invitation


def unusable_because(invitation: Invitation) -> str | None:
    if invitation.used_at is not None:
        return (
            f"Cette invitation a déjà servi (le {local_text(invitation.used_at, '%d/%m/%Y à %H:%M')}) : "
            f"un lien d'invitation ne sert qu'une fois. Connectez-vous avec le compte "
            f"{invitation.email}."
        )
    if invitation.revoked_at is not None:
        return (
            "Cette invitation a été annulée, ou remplacée par une invitation plus récente : "
            "utilisez le dernier lien reçu, ou demandez une nouvelle invitation."
        )
    if as_utc(invitation.expires_at) <= utcnow():
        return (
            f"Ce lien d'invitation a expiré le {local_text(invitation.expires_at, '%d/%m/%Y à %H:%M')} : "
            "demandez une nouvelle invitation à la personne qui vous a invité·e."
        )
    return None


def _claim(invitation: Invitation, user_id: int | None) -> None:
    """Marks the invitation used, if nobody did in between: one conditional UPDATE, so that two
    submissions of the same link at once make one member, not two (the second waits for the
    first's row lock, then finds the invitation used)."""
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .values(used_at=utcnow(), used_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(invitation)
        raise InvitationUnusable(unusable_because(invitation) or NOT_VALID, 410)
    db.session.refresh(invitation)


def accept_as(invitation: Invitation, user: User) -> Membership:
    """A logged-in person accepts an invitation sent to their own address: the link alone never
    links an account, the login with it does."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(
            f"Cette invitation est adressée à {invitation.email} ; vous êtes connecté·e en tant "
            f"que {user.email}. Déconnectez-vous, puis ouvrez de nouveau le lien."
        )
    _claim(invitation, user.id)
    return _make_member(invitation, user)


def accept_with_new_account(invitation: Invitation, name: str, password: str) -> User:
    """Creates the account of the invited address (argon2 through create_user), then the
    membership. An address that has an account must log in instead."""
    name = (name or "").strip()
    if not name:
        raise InvitationError("Indiquez votre nom.")
    if find_user(invitation.email) is not None:
        raise InvitationError(
            f"Un compte existe déjà pour {invitation.email} : connectez-vous avec ce compte, "
            "puis acceptez l'invitation."
        )
    _claim(invitation, None)
    try:
        user = create_user(invitation.email, password, name)
    except AccountError as error:
        raise InvitationError(str(error)) from None
    invitation.used_by_id = user.id
    db.session.flush()
    _make_member(invitation, user, created=True)
    return user


def _make_member(invitation: Invitation, user: User, created: bool = False) -> Membership:
    study = invitation.study
    # Someone made a member in between keeps the role given then: a link must not lower it.
    joined = membership(study, user) or add_member(study, user, invitation.role, by=user)
    record(
        "invitation",
        invitation.id,
        "accept",
        study=study,
        by=user,
        before=_state(invitation),
        after={"email": user.email, "role": joined.role, "account_created": created},
    )
    return joined
