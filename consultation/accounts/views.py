from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter, login_manager
from . import bp
from .forms import LoginForm, UserForm
from .models import User
from .roles import ADMIN, role_required
from .services import AccountError, authenticate, create_user

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a link send a user elsewhere after login.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], error_message="Trop de tentatives de connexion : réessayez dans une minute.")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Adresse e-mail ou mot de passe incorrect.")
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()  # a rehashed password is kept
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/utilisateurs", methods=["GET", "POST"])
@role_required(ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            create_user(form.email.data, form.role.data, form.password.data, form.name.data or "")
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash("Compte créé.", "success")
            return redirect(url_for("accounts.users"))
    all_users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", form=form, users=all_users)
