"""The studies' pages: my studies, a study's home, its members."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..accounts.models import User
from ..accounts.roles import ADMIN, CHARGE_ETUDE, ROLE_LABELS, has_role, role_required
from ..accounts.services import find_user
from ..extensions import db
from ..transaction import abandon
from .forms import EmptyForm, MemberForm, RoleForm, StudyForm
from .scope import current_study
from .services import (
    StudyError,
    add_member,
    create_study,
    members,
    membership,
    remove_member,
    studies_of,
)
from .waiting import waiting_in

bp = Blueprint("studies", __name__, url_prefix="/etudes")
MANAGE = (ADMIN, CHARGE_ETUDE)


def my_studies() -> list:
    """For the header's study switcher (cached for the request)."""
    if not current_user.is_authenticated:
        return []
    if "my_studies" not in g:
        g.my_studies = studies_of(current_user)
    return g.my_studies


@bp.route("/")
@login_required
def index():
    return redirect(url_for("main.home"))


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(ADMIN)
def create():
    form = StudyForm()
    if form.validate_on_submit():
        try:
            study = create_study(
                form.name.data,
                form.year.data,
                kind=form.kind.data,
                slug=form.slug.data or None,
                state=form.state.data,
                description=form.description.data or "",
                by=current_user,
            )
        except StudyError as error:
            abandon()
            target = form.slug if "identifiant" in str(error) else form.name
            target.errors = list(target.errors) + [str(error)]
        else:
            flash(f"Étude « {study.name} » créée.", "success")
            return redirect(url_for("studies.members", study=study.slug))
    return render_template("studies/create.html", form=form)


@bp.route("/<study>/")
@login_required
def home():
    from .editions import editions_of
    from .settings import notice_missing

    study = current_study()
    return render_template(
        "studies/home.html",
        study=study,
        waiting=waiting_in(study),
        # Only those who can write the notice are told it is missing.
        notice_missing=notice_missing(study) if has_role(*MANAGE) else None,
        editions=editions_of(study, current_user),
    )


@bp.route("/<study>/membres", methods=["GET", "POST"], endpoint="members")
@role_required(*MANAGE)
def members_page():
    study = current_study()
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            form.email.errors.append(
                f"Aucun compte pour {form.email.data} : invitez cette personne "
                "(elle créera son compte en suivant le lien)."
            )
        else:
            add_member(study, user, form.role.data)
            flash(f"{user.email} : {ROLE_LABELS[form.role.data]} dans l'étude.", "success")
            return redirect(url_for("studies.members"))
    return render_members(study, form, **invitation_views.invitation_context(study))


def render_members(study, form: MemberForm | None = None, **invitations):
    """The « Membres » page; `invitations`: what invitation_views adds (its form, the pending
    invitations)."""
    return render_template(
        "studies/members.html",
        study=study,
        form=form or MemberForm(formdata=None),
        memberships=members(study),
        role_form=RoleForm(),
        remove_form=EmptyForm(),
        **invitations,
    )


def _member_or_404(user_id: int):
    user = db.session.get(User, user_id)
    found = membership(current_study(), user) if user is not None else None
    if found is None:
        abort(404)
    return user, found


@bp.route("/<study>/membres/<int:user_id>/role", methods=["POST"])
@role_required(*MANAGE)
def change_role(user_id: int):
    user, _ = _member_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Rôle inconnu : choisissez-en un dans la liste.", "error")
        return redirect(url_for("studies.members"))
    if user.id == current_user.id and form.role.data != CHARGE_ETUDE and not current_user.is_admin:
        flash(
            "Vous ne pouvez pas changer votre propre rôle : demandez-le à un autre chargé d'étude.",
            "error",
        )
        return redirect(url_for("studies.members"))
    add_member(current_study(), user, form.role.data)
    flash(f"{user.email} : {ROLE_LABELS[form.role.data]}.", "success")
    return redirect(url_for("studies.members"))


@bp.route("/<study>/membres/<int:user_id>/retirer", methods=["POST"])
@role_required(*MANAGE)
def remove(user_id: int):
    user, _ = _member_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id and not current_user.is_admin:
        flash("Vous ne pouvez pas vous retirer vous-même de l'étude.", "error")
        return redirect(url_for("studies.members"))
    try:
        remove_member(current_study(), user)
    except StudyError as error:
        abandon()
        flash(str(error), "error")
    else:
        flash(
            f"{user.email} n'est plus membre de l'étude ; ses tablettes sont déconnectées.",
            "success",
        )
    return redirect(url_for("studies.members"))


# Pages of their own modules, on the same blueprint (imported last: they need `bp`).
from . import audit_views, invitation_views, settings_views  # noqa: E402,F401
