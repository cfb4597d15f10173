"""`consultation notifications envoyer`: the e-mail digest of unread notifications, one e-mail
per person. Meant for cron (the job queue has no periodic tasks), e.g. every morning:
`0 7 * * * consultation notifications envoyer --base-url https://abs.exemple.fr`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..main.addresses import site_base_url
from ..transaction import begin_writing, commit, rollback


@click.group("notifications")
def notifications_group():
    """Notifications des membres des études."""


@notifications_group.command("envoyer")
@click.option(
    "--base-url",
    default="",
    help="Adresse du site dans les liens des e-mails (https://consultation.exemple.fr) ; "
    "par défaut SERVER_NAME et PREFERRED_URL_SCHEME.",
)
@with_appcontext
def send(base_url: str):
    """Envoie à chaque personne un e-mail avec ses notifications non lues pas encore envoyées.

    Chaque personne est enregistrée dès son e-mail parti : relancer la commande n'envoie
    jamais deux fois la même notification."""
    from .notifications import digest_recipients, send_digest

    base_url = site_base_url(base_url)
    recipients = digest_recipients()
    rollback()  # the reading transaction ends: each person gets one of their own
    sent = told = failed = 0
    for user_id in recipients:
        begin_writing()
        try:
            count = send_digest(user_id, base_url)
        except Exception as error:  # noqa: BLE001 — one failed address must not stop the others
            rollback()
            failed += 1
            current_app.logger.warning(
                "Résumé des notifications non envoyé (compte %s) : %s", user_id, error
            )
            continue
        commit()
        if count:
            sent += 1
            told += count
    click.echo(f"{sent} e-mail(s) envoyé(s), {told} notification(s).")
    if failed:
        click.echo(
            f"{failed} e-mail(s) non envoyé(s) : ils partiront à la prochaine exécution.", err=True
        )
        raise SystemExit(1)


COMMANDS = [notifications_group]
