"""Invitations: the chargé d'étude invites and revokes on the « Membres » page; the invited
person accepts at /invitations/<token>, a public page outside any study."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from ..accounts.roles import ROLE_LABELS, role_required
from ..accounts.services import find_user
from ..submissions.local_time import local_text
from ..transaction import abandon
from .forms import AcceptForm, EmptyForm, InviteForm
from .invitations import (
    AlreadyMember,
    InvitationError,
    InvitationUnusable,
    accept_as,
    accept_with_new_account,
    find_invitation,
    invitation_of_study,
    invite,
    lookup_invitation,
    pending_invitations,
    revoke_invitation,
)
from .scope import current_study
from .services import StudyError
from .views import MANAGE, bp, render_members

accept_bp = Blueprint("invitations", __name__, url_prefix="/invitations")


def invitation_context(study, invite_form: InviteForm | None = None, already_member=None) -> dict:
    """What the « Membres » page shows of invitations."""
    return {
        # Prefixed: the page's other form has fields of the same names.
        "invite_form": invite_form or InviteForm(prefix="invitation", formdata=None),
        "invitations": pending_invitations(study),
        "revoke_invitation_form": EmptyForm(),
        "already_member": already_member,
        "invitation_days": current_app.config.get("INVITATION_DAYS"),
    }


@bp.route("/<study>/invitations", methods=["POST"], endpoint="invite")
@role_required(*MANAGE)
def invite_view():
    study = current_study()
    form = InviteForm(prefix="invitation")
    already_member = None
    if form.validate_on_submit():
        try:
            invitation, _secret = invite(study, form.email.data, form.role.data, current_user)
        except AlreadyMember as error:
            abandon()
            form.email.errors.append(str(error))
            already_member = (error.user, form.role.data, error.role)
        except StudyError as error:
            abandon()
            target = form.role if "Rôle" in str(error) else form.email
            target.errors = list(target.errors) + [str(error)]
        else:
            until = local_text(invitation.expires_at, "%d/%m/%Y à %H:%M")
            where = (
                "envoyée par e-mail"
                if current_app.config.get("MAIL_SERVER")
                else "écrite dans le journal de l'application (aucun serveur d'envoi configuré)"
            )
            flash(
                f"Invitation de {invitation.email} ({ROLE_LABELS[invitation.role]}) {where} ; "
                f"le lien fonctionne jusqu'au {until}.",
                "success",
            )
            return redirect(url_for("studies.members"))
    return render_members(study, **invitation_context(study, form, already_member))


@bp.route(
    "/<study>/invitations/<int:invitation_id>/revoquer",
    methods=["POST"],
    endpoint="revoke_invitation",
)
@role_required(*MANAGE)
def revoke_invitation_view(invitation_id: int):
    study = current_study()
    invitation = invitation_of_study(study, invitation_id)
    if invitation is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        revoke_invitation(study, invitation, current_user)
    except InvitationError as error:
        abandon()
        flash(str(error), "error")
    else:
        flash(
            f"Invitation de {invitation.email} révoquée : son lien ne fonctionne plus.", "success"
        )
    return redirect(url_for("studies.members"))


def _unusable(error: InvitationUnusable):
    return render_template("studies/invitation_unusable.html", message=str(error)), error.status


@accept_bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = lookup_invitation(token)
    if (
        invitation is not None
        and invitation.used_at is not None
        and current_user.is_authenticated
        and invitation.used_by_id == current_user.id
    ):
        # The person who accepted, back on the link (a second click, the e-mail opened again).
        flash(f"Vous avez déjà rejoint l'étude « {invitation.study.name} ».", "info")
        return redirect(url_for("main.home"))
    try:
        invitation = find_invitation(token)
    except InvitationUnusable as error:
        return _unusable(error)
    if current_user.is_authenticated:
        return _accept_logged_in(invitation)
    if find_user(invitation.email) is not None:
        # The link alone never opens an existing account: its owner logs in first.
        return render_template(
            "studies/invitation.html",
            invitation=invitation,
            mode="login",
            login_url=url_for("accounts.login", next=request.path),
        )
    return _accept_with_new_account(invitation)


def _accept_logged_in(invitation):
    mine = current_user.email.lower() == invitation.email.lower()
    form = EmptyForm()
    if mine and form.validate_on_submit():
        try:
            joined = accept_as(invitation, current_user)
        except InvitationUnusable as error:
            abandon()
            return _unusable(error)
        except InvitationError as error:
            abandon()
            flash(str(error), "error")
        else:
            return _welcome(invitation, joined.role)
    return render_template(
        "studies/invitation.html",
        invitation=invitation,
        mode="accept" if mine else "other_account",
        form=form,
    )


def _accept_with_new_account(invitation):
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            user = accept_with_new_account(invitation, form.name.data, form.password.data)
        except InvitationUnusable as error:
            abandon()
            return _unusable(error)
        except InvitationError as error:
            abandon()
            target = form.password if "mot de passe" in str(error) else form.name
            target.errors = list(target.errors) + [str(error)]
        else:
            login_user(user)
            return _welcome(invitation, invitation.role)
    return render_template(
        "studies/invitation.html", invitation=invitation, mode="create", form=form
    )


def _welcome(invitation, role: str):
    study = invitation.study
    flash(f"Bienvenue dans l'étude « {study.name} » ({ROLE_LABELS[role]}).", "success")
    return redirect(url_for("studies.home", study=study.slug))
