"""Issuing, finding and revoking device tokens. Services flush; the caller commits."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import String, bindparam, case, cast, func, select, update

from ..extensions import db
from ..studies.audit import record
from ..studies.models import Membership
from ..submissions.models import Assignment
from .devices import DeviceToken
from .models import User, utcnow
from .roles import ADMIN

# last_used_at is a hint for the admin page, not an audit trail: writing it on every sync would
# turn each read-mostly request into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    user: User, device_label: str = "", study_id: int | None = None
) -> tuple[DeviceToken, str]:
    """A new token for `user` on one device, for one study (that of the request unless said);
    the clear token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    device_token = DeviceToken(
        user_id=user.id,
        study_id=study_id,
        device_label=device_label.strip()[:100],
        token_hash=token_digest(token),
    )
    db.session.add(device_token)
    db.session.flush()
    record(
        "device_token",
        device_token.id,
        "create",
        study_id=device_token.study_id,
        by=user,
        after={"personne": user.email, "appareil": device_token.device_label},
    )
    return device_token, token


@dataclass(frozen=True)
class ActiveToken:
    """What a request needs of its device token and of the user behind it."""

    id: int
    device_label: str
    last_used_at: datetime | None
    user_id: int
    # The user's role in the token's study (None: no longer a member), "admin" for an admin.
    role: str | None
    study_id: int
    # The questionnaires of the study currently assigned to the user, comma-separated.
    assigned: str | None = None

    @property
    def assigned_questionnaires(self) -> frozenset[int]:
        return frozenset(int(part) for part in (self.assigned or "").split(",") if part)


def find_active_token(token: str) -> ActiveToken | None:
    """The unrevoked token of an active user, or None. One prepared query, columns only: every
    sync request starts here."""
    if not token or len(token) > 200:
        return None
    # On the session's connection, not through the ORM session: its per-statement machinery
    # (ORM compile state, the study scope's hook) cost four times the query itself. Nothing to
    # scope here: the token is looked up before its study is known, and names it.
    row = (
        db.session.connection()
        .execute(_active_token_statement(), {"digest": token_digest(token)})
        .first()
    )
    return ActiveToken(*row) if row is not None else None


@lru_cache(maxsize=1)
def _active_token_statement():
    # The assignments come with the token, in the same round trip: every sync checks them.
    assigned = (
        select(func.aggregate_strings(cast(Assignment.questionnaire_id, String), ","))
        .where(Assignment.enumerator_id == User.id, Assignment.study_id == DeviceToken.study_id)
        .scalar_subquery()
    )
    role = (
        select(Membership.role)
        .where(Membership.user_id == User.id, Membership.study_id == DeviceToken.study_id)
        .scalar_subquery()
    )
    return (
        select(
            DeviceToken.id,
            DeviceToken.device_label,
            DeviceToken.last_used_at,
            User.id,
            case((User.is_admin.is_(True), ADMIN), else_=role),
            DeviceToken.study_id,
            assigned,
        )
        .join(User, User.id == DeviceToken.user_id)
        .where(
            DeviceToken.token_hash == bindparam("digest"),
            DeviceToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    )


def left_study_of_token(token: str) -> bool:
    """Whether the token's owner is no longer a member of the token's study (removing a member
    also revokes their tokens). Read only for a refused token, to tell the tablet why."""
    if not token or len(token) > 200:
        return False
    row = db.session.execute(
        select(DeviceToken.study_id, User.id, User.is_admin)
        .join(User, User.id == DeviceToken.user_id)
        .where(DeviceToken.token_hash == token_digest(token))
        .execution_options(all_studies=True)
    ).first()
    if row is None or row.is_admin:
        return False
    member = select(Membership.id).where(
        Membership.study_id == row.study_id, Membership.user_id == row.id
    )
    return db.session.scalar(member) is None


def mark_used(active_token: ActiveToken) -> None:
    now = utcnow()
    last = active_token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_PRECISION:
        db.session.execute(
            update(DeviceToken).where(DeviceToken.id == active_token.id).values(last_used_at=now)
        )


def revoke_token(device_token: DeviceToken, by) -> None:
    """`by`: whoever revokes (anything with an `id`), or None."""
    if device_token.revoked_at is None:
        device_token.revoked_at = utcnow()
        device_token.revoked_by_id = by.id if by is not None else None
        db.session.flush()
        record(
            "device_token",
            device_token.id,
            "revoke",
            study_id=device_token.study_id,
            by=by,
            after={"appareil": device_token.device_label},
        )


def revoke_user_tokens(user_id: int, by) -> int:
    """Revokes every active token of a user (« se déconnecter partout »); returns how many."""
    result = db.session.execute(
        update(DeviceToken)
        .where(DeviceToken.user_id == user_id, DeviceToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=by.id if by is not None else None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        record(
            "account",
            user_id,
            "tokens_revoked",
            study_id=None,
            by=by,
            after={"tablettes": result.rowcount},
        )
    return result.rowcount


def last_revocation(user_id: int) -> datetime | None:
    """When a token of this user was last revoked (in UTC), or None."""
    moment = db.session.scalar(
        select(func.max(DeviceToken.revoked_at)).where(DeviceToken.user_id == user_id)
    )
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def list_tokens(include_revoked: bool = True) -> list[DeviceToken]:
    query = select(DeviceToken).order_by(
        DeviceToken.revoked_at.is_not(None), DeviceToken.created_at.desc()
    )
    if not include_revoked:
        query = query.where(DeviceToken.revoked_at.is_(None))
    return list(db.session.scalars(query))
