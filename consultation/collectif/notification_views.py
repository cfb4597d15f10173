"""« Notifications »: a study's notifications for the person (newest first), opening one (it is
then read), marking them all read, following the study's meetings, and the e-mail digest on or
off. The header's bell (`notification_bell`) counts the unread ones."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.roles import DISCUSS, READ_RESULTS, has_role, role_required
from ..studies.scope import current_study
from ..submissions.local_time import local_text
from . import bp, notifications
from .following import follow, is_following, unfollow


@bp.app_template_global()
def notification_bell() -> notifications.Bell | None:
    """The header's bell: in a study, for those who read its results; elsewhere, when something
    is unread in one of the person's studies."""
    study = current_study()
    if study is not None and not has_role(*READ_RESULTS):
        return None
    return notifications.header_bell(study.slug if study is not None else None)


@bp.route("/notifications")
@role_required(*READ_RESULTS)
def notifications_page():
    study = current_study()
    listed = notifications.notifications_of(current_user.id, study.id)
    return render_template(
        "collectif/notifications.html",
        notifications=listed,
        unread=sum(1 for notification in listed if notification.read_at is None),
        following_meetings=is_following(current_user.id, study.id),
        can_follow=has_role(*DISCUSS),
        digest=current_user.notification_digest,
        local_text=local_text,
    )


@bp.route("/notifications/<int:notification_id>/ouvrir", methods=["POST"])
@role_required(*READ_RESULTS)
def open_notification(notification_id: int):
    notification = notifications.open_notification(
        current_user.id, current_study().id, notification_id
    )
    if notification is None:
        abort(404)
    target = notifications.safe_target(notification.url)
    return redirect(target or url_for("collectif.notifications_page"))


@bp.route("/notifications/tout-lu", methods=["POST"])
@role_required(*READ_RESULTS)
def mark_all_read():
    count = notifications.mark_all_read(current_user.id, current_study().id)
    flash(
        f"{count} notification(s) marquée(s) comme lue(s)." if count else "Tout était déjà lu.",
        "success",
    )
    return redirect(url_for("collectif.notifications_page"))


@bp.route("/notifications/reunions", methods=["POST"])
@role_required(*DISCUSS)
def follow_meetings():
    study = current_study()
    if request.form.get("suivre") == "1":
        follow(current_user.id, study.id)
        flash("Vous suivez les réunions de l'étude : vous serez averti·e de chacune.", "success")
    else:
        unfollow(current_user.id, study.id)
        flash("Vous ne suivez plus les réunions de l'étude.", "success")
    return redirect(url_for("collectif.notifications_page"))


@bp.route("/notifications/resume", methods=["POST"])
@role_required(*READ_RESULTS)
def digest_setting():
    wanted = request.form.get("resume") == "1"
    notifications.set_digest(current_user, wanted)
    flash(
        "Vous recevrez un résumé par e-mail de vos notifications non lues."
        if wanted
        else "Vous ne recevrez plus de résumé par e-mail.",
        "success",
    )
    return redirect(url_for("collectif.notifications_page"))
