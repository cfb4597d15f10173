"""The `consultation` command: thin wrappers around the same services the views call."""

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .transaction import command_transaction


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """Consultation : analyse des besoins sociaux."""


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--debug/--no-debug", default=False)
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Lance aussi la file de travaux (analyses longues) dans un second processus.",
)
def serve(host: str, port: int, debug: bool, worker: bool):
    """Sert l'application (serveur de développement) et sa file de travaux."""
    import socket
    import subprocess
    import sys

    from . import create_app

    # Checked before anything starts: a second `make run` should say so in French, not start a
    # worker and then fail with werkzeug's English message.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            click.echo(
                f"Le port {port} est déjà utilisé : l'application tourne peut-être déjà sur "
                f"http://{host}:{port} ; arrêtez-la (Ctrl+C dans son terminal) ou choisissez un autre port avec --port.",
                err=True,
            )
            raise SystemExit(1) from None
    import os
    import signal

    from .jobs.commands import PARENT_ENV

    # SIGTERM (systemd, docker stop, kill) and SIGHUP (terminal closed) end us like Ctrl+C does, so
    # that the `finally` below stops the worker too; by default they end the process on the spot.
    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    worker_process = None
    if worker:
        # The consumer needs its own main thread (signal handlers): a child process, ended with us.
        # In its own session, so that Ctrl+C reaches only us and we stop it, once, the same way
        # as on SIGTERM; it also stops by itself if we are killed (PARENT_ENV).
        worker_process = subprocess.Popen(
            [sys.executable, "-c", "from consultation.cli import main; main()", "worker"],
            env={**os.environ, PARENT_ENV: str(os.getpid())},
            start_new_session=True,
        )
    try:
        # werkzeug directly: Flask's app.run() refuses to block inside a `flask` CLI command.
        from werkzeug.serving import run_simple

        run_simple(
            host,
            port,
            create_app(serving=True),
            use_debugger=debug,
            use_reloader=False,
            threaded=True,
        )
    finally:
        if worker_process is not None:
            _stop_worker(worker_process)


def _stop_worker(process) -> None:
    """SIGTERM: the consumer stops without waiting for a long job (marked interrupted); SIGKILL if
    it has not stopped after 10 s."""
    import subprocess

    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@click.command("init-db")
@with_appcontext
@command_transaction
def init_db():
    """Crée ou met à jour le schéma de la base (migrations)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Base de données à jour.")


@click.command("create-user")
@click.argument("email")
@click.option("--admin", "is_admin", is_flag=True, help="Administrateur de la plateforme.")
@click.option("--study", "study_slug", default=None, help="Étude dont le compte devient membre.")
@click.option(
    "--role",
    default=None,
    help="Rôle dans l'étude : charge_etude, enqueteur, collectif ou lecteur.",
)
@click.option("--name", default="")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Lit le mot de passe sur la première ligne de l'entrée standard (scripts).",
)
@with_appcontext
@command_transaction
def create_user_command(
    email: str,
    is_admin: bool,
    study_slug: str | None,
    role: str | None,
    name: str,
    password_stdin: bool,
):
    """Crée un compte. Le mot de passe est demandé deux fois, sauf avec --password-stdin ou la
    variable d'environnement CONSULTATION_PASSWORD (jamais en argument : il resterait dans l'historique)."""
    import os
    import sys

    from .accounts.roles import ADMIN
    from .accounts.services import AccountError, create_user
    from .studies.services import StudyError, add_member, check_role, find_study

    if role == ADMIN:
        is_admin, role = True, None
    study = None
    try:
        if role is not None or study_slug is not None:
            if role is None or study_slug is None:
                raise StudyError(
                    "--study et --role vont ensemble : l'étude et le rôle qu'on y tient."
                )
            check_role(role)
            study = find_study(study_slug)
            if study is None:
                raise StudyError(f"Aucune étude « {study_slug} » (consultation list-studies).")
        elif not is_admin:
            raise StudyError(
                "Indiquez --admin, ou une étude et un rôle (--study SLUG --role ROLE)."
            )
    except StudyError as error:
        click.echo(f"Compte non créé : {error}", err=True)
        raise SystemExit(1) from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get("CONSULTATION_PASSWORD"):
        password = os.environ["CONSULTATION_PASSWORD"]
    else:
        password = click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
        )
    try:
        user = create_user(email, password, name, is_admin=is_admin)
    except AccountError as error:
        click.echo(f"Compte non créé : {error}", err=True)
        raise SystemExit(1) from None
    if study is not None:
        add_member(study, user, role)
        click.echo(f"Compte créé : {user.email} ({role} dans « {study.name} »).")
    else:
        click.echo(f"Compte créé : {user.email} (administrateur).")


COMMANDS = [init_db, create_user_command]


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
    for command in _feature_commands():
        app.cli.add_command(command)


def _feature_commands():
    """Commands that live with their feature (designer, demo, analysis…)."""
    commands = []
    from importlib import import_module

    for module_name in FEATURE_COMMAND_MODULES:
        module = import_module(module_name, __package__)
        commands.extend(getattr(module, "COMMANDS", []))
    return commands


# Each module lists its click commands in COMMANDS.
FEATURE_COMMAND_MODULES: list[str] = [
    ".studies.commands",
    ".designer.commands",
    ".demo.commands",
    ".jobs.commands",
    ".analysis_commands",
    ".submissions.commands",
    ".indicators.commands",
    ".territory.commands",
    ".public.commands",
    ".collectif.notification_commands",
]
