"""Notifications: the header's bell counts the unread ones of the study, the list opens each one
(it is then read), following the meetings is switched from there, and the e-mail digest sends
each person one e-mail with what they have not read nor been sent, once, after it left."""

import html
import re
import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from security_records import fast_user, session_client

from consultation.collectif.following import follow, is_following, notify_followers
from consultation.collectif.models import Notification
from consultation.studies.models import Membership
from consultation.studies.services import create_study, remove_member

pytestmark = pytest.mark.storage

NOTIFICATIONS = "/etudes/etude-test/collectif/notifications"


def _text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def _bell(response) -> str:
    found = re.search(
        r'<a class="bell[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', response.get_data(as_text=True), re.S
    )
    if found is None:
        return ""
    return (
        found.group(1) + " " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(2))).strip()
    )


@pytest.fixture()
def members(app, db, the_study):
    alice = fast_user(db, "collectif", "Alice Membre", study_id=the_study.id)
    lucie = fast_user(db, "charge_etude", "Lucie Martin", study_id=the_study.id)
    for user in (alice, lucie):
        follow(user.id, the_study.id)
    db.session.commit()
    return {"alice": alice, "lucie": lucie, "client": session_client(app, alice)}


def _tell(study_id, message, url="/etudes/etude-test/collectif/reunions", **kwargs):
    notify_followers(study_id, "reunion", message, url, **kwargs)
    from consultation.extensions import db

    db.session.commit()


def test_the_bell_counts_unread_notifications_and_opening_one_reads_it(db, the_study, members):
    client = members["client"]
    _tell(the_study.id, "Réunion du collectif programmée le 12/01/2027 à 18:30")
    _tell(the_study.id, "Réunion du collectif déplacée", url="https://ailleurs.exemple/piege")
    home = client.get("/etudes/etude-test/")
    assert _bell(home) == f"{NOTIFICATIONS} Notifications : 2 non lues"

    page = client.get(NOTIFICATIONS)
    text = _text(page)
    assert text.index("Réunion du collectif déplacée") < text.index("programmée le 12/01/2027")
    assert "Non lue : Réunion du collectif programmée" in text
    first = db.session.scalars(
        db.select(Notification).where(
            Notification.user_id == members["alice"].id, Notification.message.like("%programmée%")
        )
    ).one()
    opened = client.post(f"{NOTIFICATIONS}/{first.id}/ouvrir")
    assert (
        opened.status_code == 302
        and opened.headers["Location"] == "/etudes/etude-test/collectif/reunions"
    )
    assert _bell(client.get("/etudes/etude-test/")) == f"{NOTIFICATIONS} Notifications : 1 non lue"
    # A notification pointing elsewhere than this site opens the list instead.
    other = db.session.scalars(
        db.select(Notification).where(
            Notification.user_id == members["alice"].id, Notification.read_at.is_(None)
        )
    ).one()
    assert (
        client.post(f"{NOTIFICATIONS}/{other.id}/ouvrir")
        .headers["Location"]
        .endswith("/collectif/notifications")
    )
    assert _bell(client.get("/etudes/etude-test/")) == f"{NOTIFICATIONS} Notifications : 0 non lue"
    # Another person's notification: not found, and not read.
    lucies = db.session.scalars(
        db.select(Notification).where(Notification.user_id == members["lucie"].id)
    ).first()
    assert client.post(f"{NOTIFICATIONS}/{lucies.id}/ouvrir").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, lucies.id).read_at is None


def test_outside_a_study_the_bell_shows_only_when_something_is_unread(db, the_study, members):
    client = members["client"]
    assert _bell(client.get("/accueil")) == ""
    _tell(the_study.id, "Réunion du collectif programmée")
    assert _bell(client.get("/accueil")) == f"{NOTIFICATIONS} Notifications : 1 non lue"
    # A former member is no longer told of the study's notifications.
    remove_member(the_study, members["alice"])
    db.session.commit()
    assert _bell(client.get("/accueil")) == ""


def test_mark_all_read_and_follow_or_unfollow_the_meetings(db, the_study, members):
    client = members["client"]
    _tell(the_study.id, "Réunion A")
    _tell(the_study.id, "Réunion B")
    assert "Tout marquer comme lu (2)" in _text(client.get(NOTIFICATIONS))
    client.post(f"{NOTIFICATIONS}/tout-lu")
    assert _bell(client.get(NOTIFICATIONS)).endswith("0 non lue")

    assert "Vous suivez les réunions du collectif" in _text(client.get(NOTIFICATIONS))
    client.post(f"{NOTIFICATIONS}/reunions", data={"suivre": "0"})
    assert not is_following(members["alice"].id, the_study.id)
    assert "Vous ne suivez pas les réunions du collectif" in _text(client.get(NOTIFICATIONS))
    client.post(f"{NOTIFICATIONS}/reunions", data={"suivre": "1"})
    assert is_following(members["alice"].id, the_study.id)


def test_a_reader_sees_the_page_but_cannot_follow(app, db, the_study):
    lecteur = session_client(app, fast_user(db, "lecteur", "Léa Lectrice", study_id=the_study.id))
    db.session.commit()
    page = _text(lecteur.get(NOTIFICATIONS))
    assert "Aucune notification pour l'instant." in page and "Suivre les réunions" not in page
    assert lecteur.post(f"{NOTIFICATIONS}/reunions", data={"suivre": "1"}).status_code == 403
    # An enquêteur has no results to read: no bell.
    enqueteur = session_client(app, fast_user(db, "enqueteur", "Karim", study_id=the_study.id))
    db.session.commit()
    assert _bell(enqueteur.get("/etudes/etude-test/")) == ""


# --- the e-mail digest --------------------------------------------------------------------------


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp_server(app, monkeypatch):
    """A real SMTP server on this machine; the digest is sent to it."""
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "ABS Tours <abs@exemple.fr>")
    yield mailbox
    controller.stop()


def _mail(envelope) -> tuple[str, str]:
    message = message_from_bytes(envelope.original_content)
    subject = str(make_header(decode_header(message["Subject"])))
    return subject, message.get_payload(decode=True).decode(message.get_content_charset())


def _send(runner):
    return runner.invoke(args=["notifications", "envoyer", "--base-url", "https://abs.exemple.fr"])


def test_the_digest_sends_each_person_their_unread_notifications_once(
    db, runner, the_study, members, smtp_server
):
    other = create_study("Consultation La Riche", 2026, slug="la-riche")
    db.session.commit()
    follow(members["alice"].id, other.id)
    db.session.add(Membership(study_id=other.id, user_id=members["alice"].id, role="collectif"))
    db.session.commit()
    _tell(the_study.id, "Réunion du collectif programmée le 12/01/2027 à 18:30")
    _tell(other.id, "Réunion de La Riche programmée", url="/etudes/la-riche/collectif/reunions")
    _tell(the_study.id, "Déjà lue")
    db.session.execute(
        db.update(Notification)
        .where(Notification.message == "Déjà lue")
        .values(read_at=db.func.now())
    )
    members["lucie"].notification_digest = False  # she turned it off
    db.session.commit()

    result = _send(runner)
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) envoyé(s), 2 notification(s)." in result.output
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [members["alice"].email]
    subject, body = _mail(envelope)
    assert subject == "Consultation : 2 nouvelles notifications"
    assert "Bonjour Alice Membre," in body
    assert "Étude de test" in body and "Consultation La Riche" in body
    assert "Réunion du collectif programmée le 12/01/2027 à 18:30" in body
    assert "https://abs.exemple.fr/etudes/etude-test/collectif/reunions" in body
    assert "Déjà lue" not in body
    db.session.expire_all()
    mailed = db.session.scalars(
        db.select(Notification).where(Notification.emailed_at.is_not(None))
    ).all()
    assert sorted(n.message for n in mailed) == [
        "Réunion de La Riche programmée",
        "Réunion du collectif programmée le 12/01/2027 à 18:30",
    ]
    # Mailed, still unread in the app.
    assert all(n.read_at is None for n in mailed)

    # Run again: nothing new, nothing sent.
    assert "0 e-mail(s) envoyé(s)" in _send(runner).output
    assert len(smtp_server.messages) == 1
    # Something new: only it is sent.
    _tell(the_study.id, "Réunion du collectif déplacée")
    _send(runner)
    assert len(smtp_server.messages) == 2
    subject, body = _mail(smtp_server.messages[1])
    assert subject == "Consultation : 1 nouvelle notification"
    assert "déplacée" in body and "12/01/2027" not in body


def test_a_failed_send_marks_nothing_and_the_next_run_sends_it(
    app, db, runner, the_study, members, monkeypatch, smtp_server
):
    _tell(the_study.id, "Réunion du collectif programmée", exclude_user_id=members["lucie"].id)
    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nobody listens there
    result = _send(runner)
    assert result.exit_code == 1
    assert "ils partiront à la prochaine exécution" in result.output
    db.session.expire_all()
    assert db.session.scalars(db.select(Notification.emailed_at)).all() == [None]

    monkeypatch.setitem(app.config, "MAIL_PORT", port)  # the server is back
    result = _send(runner)
    assert result.exit_code == 0 and "1 e-mail(s) envoyé(s)" in result.output
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [members["alice"].email]
    db.session.expire_all()
    assert db.session.scalars(db.select(Notification.emailed_at)).one() is not None


def test_a_person_turns_the_digest_off_from_the_page(db, the_study, members, runner):
    client = members["client"]
    assert "Vous recevez un résumé par e-mail" in _text(client.get(NOTIFICATIONS))
    client.post(f"{NOTIFICATIONS}/resume", data={"resume": "0"})
    assert "Vous ne recevez pas de résumé par e-mail." in _text(client.get(NOTIFICATIONS))
    _tell(the_study.id, "Réunion du collectif programmée", exclude_user_id=members["lucie"].id)
    assert "0 e-mail(s) envoyé(s)" in _send(runner).output
    client.post(f"{NOTIFICATIONS}/resume", data={"resume": "1"})
    assert "1 e-mail(s) envoyé(s)" in _send(runner).output


def test_without_an_address_for_the_links_the_command_says_so(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    result = runner.invoke(args=["notifications", "envoyer"])
    assert result.exit_code != 0 and "Adresse du site inconnue" in result.output
