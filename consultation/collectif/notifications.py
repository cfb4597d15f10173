"""Reading the notifications `following.notify_followers` wrote: the header's count, a study's
list, opening one (it is then read), and the e-mail digest.

A notification belongs to a study (what it tells of happened there): the list is a page of the
study, and only the notifications of the studies a person is still a member of are counted or
mailed (an administrator sees every study). The header's count is one query, cached for the
request.

The digest sends each person one e-mail with their unread notifications not yet mailed. Each
person is a transaction of its own, ended by the caller (`consultation notifications envoyer`):
their rows are locked, the e-mail is sent, then they are marked `emailed_at`; a failed send
rolls back and they wait for the next run, a successful one is committed at once, so a crash
later in the run never sends them again. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import func, or_, select, update

from ..accounts.models import User, utcnow
from ..extensions import db
from ..mail import send_mail
from ..studies.models import Membership, Study
from ..submissions.local_time import local_text
from .models import Notification

LISTED = 200  # on a study's page, newest first
DIGEST_LISTED = 50  # in one e-mail; the rest are counted


@dataclass(frozen=True)
class Bell:
    count: int
    slug: str | None  # the study whose list the bell opens


def _visible_to(user_id: int, is_admin: bool):
    """Notifications of the studies the person is still in."""
    conditions = [Notification.user_id == user_id]
    if not is_admin:
        conditions.append(
            Notification.study_id.in_(
                select(Membership.study_id).where(Membership.user_id == user_id)
            )
        )
    return conditions


def unread_by_study(user: User) -> list[tuple[str, int]]:
    """(study slug, unread count), the study with the latest unread first: one query."""
    rows = db.session.execute(
        select(Study.slug, func.count(Notification.id))
        .join(Study, Study.id == Notification.study_id)
        .where(*_visible_to(user.id, user.is_admin), Notification.read_at.is_(None))
        .group_by(Study.slug)
        .order_by(func.max(Notification.created_at).desc())
    )
    return [(slug, count) for slug, count in rows]


def header_bell(study_slug: str | None) -> Bell | None:
    """For the header: inside a study its unread count, elsewhere every study's; None for
    nobody logged in, or outside a study when nothing is unread."""
    if not current_user.is_authenticated:
        return None
    if "notification_bell" not in g:
        counts = unread_by_study(current_user)
        if study_slug is not None:
            bell = Bell(dict(counts).get(study_slug, 0), study_slug)
        elif counts:
            bell = Bell(sum(count for _, count in counts), counts[0][0])
        else:
            bell = None
        g.notification_bell = bell
    return g.notification_bell


def notifications_of(user_id: int, study_id: int, limit: int = LISTED) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.study_id == study_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def safe_target(url: str) -> str | None:
    """The notification's page when it is a path of this site; never another site."""
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return None


def open_notification(user_id: int, study_id: int, notification_id: int) -> Notification | None:
    """The person's notification of this study, marked read; None when there is none."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == user_id,
            Notification.study_id == study_id,
        )
    )
    if notification is not None and notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user_id: int, study_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.study_id == study_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def set_digest(user: User, wanted: bool) -> None:
    user.notification_digest = wanted
    db.session.flush()


# --- the e-mail digest --------------------------------------------------------------------------


def _pending(user_id: int, is_admin: bool):
    return (
        *_visible_to(user_id, is_admin),
        Notification.read_at.is_(None),
        Notification.emailed_at.is_(None),
    )


def digest_recipients() -> list[int]:
    """Ids of the active people who want the digest and have something to be told."""
    pending = (
        select(Notification.id)
        .where(
            Notification.user_id == User.id,
            Notification.read_at.is_(None),
            Notification.emailed_at.is_(None),
            or_(
                User.is_admin.is_(True),
                Notification.study_id.in_(
                    select(Membership.study_id).where(Membership.user_id == User.id)
                ),
            ),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(User.id)
            .where(User.active.is_(True), User.notification_digest.is_(True), pending)
            .order_by(User.id)
        )
    )


def digest_body(user: User, notifications: list[Notification], base_url: str) -> str:
    names = dict(
        db.session.execute(
            select(Study.id, Study.name).where(
                Study.id.in_({notification.study_id for notification in notifications})
            )
        ).all()
    )
    lines = [f"Bonjour {user.name or user.email},", "", "Du nouveau dans ce que vous suivez :"]
    current_study = None
    for notification in notifications[:DIGEST_LISTED]:
        if notification.study_id != current_study:
            current_study = notification.study_id
            lines += ["", names.get(current_study, ""), ""]
        when = local_text(notification.created_at, "%d/%m/%Y %H:%M")
        lines.append(f"- {when} — {notification.message}")
        target = safe_target(notification.url)
        if target:
            lines.append(f"  {base_url}{target}")
    if len(notifications) > DIGEST_LISTED:
        lines += ["", f"… et {len(notifications) - DIGEST_LISTED} autre(s) dans l'application."]
    lines += [
        "",
        "Ces notifications restent dans l'application, sous la cloche de l'en-tête.",
        "Pour ne plus recevoir ce résumé : page « Notifications » d'une étude, "
        "bouton « Ne plus recevoir de résumé par e-mail ».",
    ]
    return "\n".join(lines)


def send_digest(user_id: int, base_url: str) -> int:
    """Sends the person's digest and marks what it told as mailed; returns how many it told (0:
    nothing sent). Raises what `send_mail` raises, the rows then unmarked: the caller rolls
    back. The rows are locked first (PostgreSQL): a second run at the same time waits, then
    finds them mailed."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.notification_digest:
        return 0
    notifications = list(
        db.session.scalars(
            select(Notification)
            .where(*_pending(user.id, user.is_admin))
            .order_by(Notification.study_id, Notification.created_at, Notification.id)
            .with_for_update()
        )
    )
    if not notifications:
        return 0
    count = len(notifications)
    subject = (
        "Consultation : 1 nouvelle notification"
        if count == 1
        else f"Consultation : {count} nouvelles notifications"
    )
    send_mail(user.email, subject, digest_body(user, notifications, base_url.rstrip("/")))
    now = utcnow()
    for notification in notifications:
        notification.emailed_at = now
    db.session.flush()
    return count
