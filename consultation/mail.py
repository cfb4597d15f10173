"""Sending e-mail (invitations): by SMTP through Flask-Mailman when MAIL_SERVER is set; otherwise
each message, link included, is written to the app's log at INFO, so that a demo or a machine
without a mail server still lets the chargé d'étude pass the link on by hand."""

import logging

from flask import Flask, current_app
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

from .extensions import mail

LOGGER_NAME = "mail"


def init_mail(app: Flask) -> None:
    mail.init_app(app)
    # A child of the app's logger: its lines go through the app's handlers, and INFO shows even
    # though the app's logger itself stays at WARNING.
    app.logger.getChild(LOGGER_NAME).setLevel(logging.INFO)


class LogEmailBackend(BaseEmailBackend):
    """Writes each message into the app's log instead of sending it."""

    def send_messages(self, email_messages) -> int:
        logger = current_app.logger.getChild(LOGGER_NAME)
        for message in email_messages:
            logger.info(
                "E-mail non envoyé (MAIL_SERVER n'est pas configuré) à %s — %s\n%s",
                ", ".join(message.to),
                message.subject,
                message.body,
            )
        return len(email_messages)


def _connection():
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return mail.get_connection(backend=LogEmailBackend)
    # Read here rather than from Flask-Mailman's copy made at start-up: one source, app.config.
    return mail.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config.get("MAIL_PORT") or 25,
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        timeout=config.get("MAIL_TIMEOUT", 20),
    )


def send_mail(to: str, subject: str, body: str) -> None:
    """Sends one plain-text message; raises OSError or smtplib.SMTPException when the SMTP server
    cannot be reached or refuses it."""
    EmailMessage(
        subject,
        body,
        current_app.config.get("MAIL_DEFAULT_SENDER"),
        [to],
        connection=_connection(),
    ).send()
