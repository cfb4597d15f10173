from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter, login_manager
from ..transaction import abandon
from . import bp
from .forms import AccountForm, EndSessionsForm, LoginForm, PasswordChangeForm, UserForm
from .models import User
from .roles import ADMIN, role_required
from .services import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    reset_password,
    update_account,
)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"

LOGIN_LIMIT_MESSAGE = "Trop de tentatives de connexion : réessayez dans une minute."


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Called on every request that carries a session or "remember me" cookie."""
    user_id, _, session_key = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A deactivated account, a session opened before a logout or « se déconnecter partout », or
    # before the password changed: logged out.
    if user is None or not user.active or session_key != user.session_key:
        return None
    return user


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a link send a user elsewhere after login.
    # Browsers read "/\\host" like "//host", and control characters can hide either.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.index")


def _login_failed(response) -> bool:
    # Only failed attempts count: a team of enquêteurs logging in from one office is not an attack.
    return response.status_code != 302


def _client_address() -> str:
    # The real client's address: behind a reverse proxy, PROXY_FIX_X_FOR makes ProxyFix put it
    # in remote_addr (see config.py); without it every client would share the proxy's limit.
    return request.remote_addr or "inconnue"


def _client_and_account() -> str:
    # Per account AND address: failures typed at the admin's address from elsewhere do not lock
    # the admin out. No limit per account alone: anyone could use it to lock any account out;
    # argon2 and passwords of 10 characters or more make guessing from many addresses slow.
    return f"compte:{_client_address()}:" + (request.form.get("email") or "").strip().lower()


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(
    "20 per minute",
    methods=["POST"],
    key_func=_client_address,
    deduct_when=_login_failed,
    error_message=LOGIN_LIMIT_MESSAGE,
)
@limiter.limit(
    "5 per minute",
    methods=["POST"],
    key_func=_client_and_account,
    deduct_when=_login_failed,
    error_message=LOGIN_LIMIT_MESSAGE,
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Adresse e-mail ou mot de passe incorrect.")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    # A session cookie is only signed, not stored: a copy taken before the logout (a shared
    # computer, a proxy log) would open the account afterwards. Raising the account's session
    # version ends every session of the account, on this device and the others. Device tokens
    # stay: a tablet keeps sending the interviews it holds, and is cut off on its own page or
    # with « se déconnecter partout ».
    current_user.end_sessions()
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("accounts.login"))


def _end_sessions_everywhere(user: User) -> int:
    """Ends every session of `user` and revokes their tablets' device tokens: « partout » is
    what one asks after losing a tablet or a phone, and a token opens the API as a session
    opens the pages. The interviews a tablet holds stay on it until a password login."""
    from .tokens import revoke_user_tokens

    user.end_sessions()
    return revoke_user_tokens(user.id, current_user)


@bp.route("/deconnecter-partout", methods=["POST"])
@login_required
def logout_everywhere():
    form = EndSessionsForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    revoked = _end_sessions_everywhere(user)
    # This device stays logged in, under the new session version.
    login_user(user, fresh=True)
    flash(_ended_message("Vos autres sessions ont été fermées", revoked), "success")
    return redirect(url_for("accounts.password"))


def _ended_message(sentence: str, revoked: int) -> str:
    if revoked:
        sentence += f" et {revoked} tablette(s) déconnectée(s) : une connexion avec le mot de passe réautorise chacune"
    return sentence + "."


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except AccountError as error:
            abandon()
            target = form.current_password if "actuel" in str(error) else form.new_password
            target.errors = list(target.errors) + [str(error)]
        else:
            # The session id names the password: log in again under the new one, others end.
            login_user(current_user._get_current_object(), fresh=True)
            flash("Mot de passe changé. Vos autres sessions ont été fermées.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form, end_sessions_form=EndSessionsForm())


@bp.route("/utilisateurs", methods=["GET", "POST"])
@role_required(ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            create_user(
                form.email.data,
                form.password.data,
                form.name.data or "",
                is_admin=form.is_admin.data,
            )
        except AccountError as error:
            abandon()
            form.email.errors.append(str(error))
        else:
            flash("Compte créé.", "success")
            return redirect(url_for("accounts.users"))
    all_users = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("accounts/users.html", form=form, users=all_users)


@bp.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = AccountForm(obj=user) if request.method == "GET" else AccountForm()
    if form.validate_on_submit():
        try:
            update_account(
                user,
                is_admin=form.is_admin.data,
                active=form.active.data,
                name=form.name.data or "",
                acting=current_user,
            )
            if form.new_password.data:
                reset_password(user, form.new_password.data)
        except AccountError as error:
            abandon()
            form.form_errors = [str(error)]
        else:
            flash(f"Compte {user.email} enregistré.", "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/user.html", form=form, user=user, end_sessions_form=EndSessionsForm()
    )


@bp.route("/utilisateurs/<int:user_id>/deconnecter-partout", methods=["POST"])
@role_required(ADMIN)
def end_user_sessions(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EndSessionsForm()
    if not form.validate_on_submit():
        abort(400)
    revoked = _end_sessions_everywhere(user)
    if user.id == current_user.id:
        login_user(user, fresh=True)
    flash(_ended_message(f"Les sessions de {user.email} ont été fermées", revoked), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/journal")
@role_required(ADMIN)
def journal():
    """The platform's journal: logins, succeeded and failed (lines of no study)."""
    from ..studies.audit_views import render_journal

    return render_journal(None, "accounts.journal", "accounts.journal_export")


@bp.route("/journal/export.csv")
@role_required(ADMIN)
def journal_export():
    from ..studies.audit_views import journal_download

    return journal_download(None)
