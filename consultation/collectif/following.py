"""What a member follows (a theme, a préconisation, the study's meetings) and the in-app
notifications written for the followers when something happens there. Services of the board,
préconisations and meetings call `notify_followers` in their own transaction; the e-mail digest
reads the notifications later. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..accounts.models import User
from ..extensions import db
from ..studies.models import Membership
from .models import Follow, Notification

MESSAGE_LENGTH = 500


def _target(theme_id: int | None, recommendation_id: int | None):
    return (
        Follow.theme_id.is_(None) if theme_id is None else Follow.theme_id == theme_id,
        Follow.recommendation_id.is_(None)
        if recommendation_id is None
        else Follow.recommendation_id == recommendation_id,
    )


def is_following(
    user_id: int,
    study_id: int,
    *,
    theme_id: int | None = None,
    recommendation_id: int | None = None,
) -> bool:
    return (
        db.session.scalar(
            select(Follow.id).where(
                Follow.user_id == user_id,
                Follow.study_id == study_id,
                *_target(theme_id, recommendation_id),
            )
        )
        is not None
    )


def follow(
    user_id: int,
    study_id: int,
    *,
    theme_id: int | None = None,
    recommendation_id: int | None = None,
) -> bool:
    """Follows the target (the study's meetings when both ids are None). Returns False when the
    member already followed it (nothing changes)."""
    if is_following(user_id, study_id, theme_id=theme_id, recommendation_id=recommendation_id):
        return False
    db.session.add(
        Follow(
            user_id=user_id,
            study_id=study_id,
            theme_id=theme_id,
            recommendation_id=recommendation_id,
        )
    )
    db.session.flush()
    return True


def unfollow(
    user_id: int,
    study_id: int,
    *,
    theme_id: int | None = None,
    recommendation_id: int | None = None,
) -> None:
    db.session.execute(
        delete(Follow).where(
            Follow.user_id == user_id,
            Follow.study_id == study_id,
            *_target(theme_id, recommendation_id),
        )
    )


def followers(
    study_id: int, *, theme_id: int | None = None, recommendation_id: int | None = None
) -> list[int]:
    """Ids of the study's current members (and administrators who followed) following the
    target; a former member who still has a follow row is left out."""
    members = select(Membership.user_id).where(Membership.study_id == study_id)
    admins = select(User.id).where(User.is_admin.is_(True))
    return list(
        db.session.scalars(
            select(Follow.user_id)
            .where(
                Follow.study_id == study_id,
                *_target(theme_id, recommendation_id),
                Follow.user_id.in_(members.union(admins)),
            )
            .distinct()
        )
    )


def notify_followers(
    study_id: int,
    kind: str,
    message: str,
    url: str,
    *,
    theme_id: int | None = None,
    recommendation_id: int | None = None,
    exclude_user_id: int | None = None,
) -> int:
    """One notification for each follower of the target (the study's meetings when both ids are
    None), except the person who acted. `kind` names the event (« commentaire », « theme_valide »,
    « reunion »…), `url` is the path the notification opens. Returns how many were written."""
    users = [
        user_id
        for user_id in followers(study_id, theme_id=theme_id, recommendation_id=recommendation_id)
        if user_id != exclude_user_id
    ]
    for user_id in users:
        db.session.add(
            Notification(
                user_id=user_id,
                study_id=study_id,
                kind=kind,
                message=message[:MESSAGE_LENGTH],
                url=url,
            )
        )
    db.session.flush()
    return len(users)
