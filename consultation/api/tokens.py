"""Issuing, finding and revoking device tokens. Services flush; the caller commits."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User, utcnow
from ..extensions import db
from .models import DeviceToken

# last_used_at is a hint for the admin page, not an audit trail: writing it on every sync would
# turn each read-mostly request into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User, device_label: str = "") -> tuple[DeviceToken, str]:
    """A new token for `user` on one device; the clear token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    device_token = DeviceToken(
        user_id=user.id, device_label=device_label.strip()[:100], token_hash=token_digest(token)
    )
    db.session.add(device_token)
    db.session.flush()
    return device_token, token


def find_active_token(token: str) -> DeviceToken | None:
    """The unrevoked token of an active user, or None."""
    if not token or len(token) > 200:
        return None
    # One round trip for the token and its user: every sync request starts here.
    device_token = db.session.scalar(
        select(DeviceToken)
        .join(DeviceToken.user)
        .options(contains_eager(DeviceToken.user))
        .where(DeviceToken.token_hash == token_digest(token))
    )
    if device_token is None or device_token.revoked_at is not None:
        return None
    if not device_token.user.active:
        return None
    return device_token


def mark_used(device_token: DeviceToken) -> None:
    now = utcnow()
    last = device_token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_PRECISION:
        device_token.last_used_at = now


def revoke_token(device_token: DeviceToken, by: User | None) -> None:
    if device_token.revoked_at is None:
        device_token.revoked_at = utcnow()
        device_token.revoked_by_id = by.id if by is not None else None
        db.session.flush()


def list_tokens(include_revoked: bool = True) -> list[DeviceToken]:
    query = select(DeviceToken).order_by(DeviceToken.revoked_at.is_not(None), DeviceToken.created_at.desc())
    if not include_revoked:
        query = query.where(DeviceToken.revoked_at.is_(None))
    return list(db.session.scalars(query))
