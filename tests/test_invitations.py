"""Invitations to a study: the chargé d'étude invites an address with a role, the e-mail leaves
(by SMTP, or into the log), the link makes an account and a member once, and every bad link
says so in French without writing anything."""

import html
import logging
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from consultation.accounts.models import User, utcnow
from consultation.accounts.services import find_user
from consultation.studies.invitations import hash_token, invite
from consultation.studies.models import AuditEntry, Invitation, Membership
from consultation.studies.services import create_study, membership, remove_member
from consultation.transaction import commit, rollback

pytestmark = pytest.mark.storage

STUDY = "/etudes/etude-test"
PASSWORD = "un-mot-de-passe-solide"
LINK = re.compile(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_\-]+)")


@pytest.fixture()
def mail_log(caplog):
    caplog.set_level(logging.INFO, logger="consultation.mail")
    return caplog


def _invite(client, email: str, role: str = "enqueteur"):
    return client.post(
        f"{STUDY}/invitations", data={"invitation-email": email, "invitation-role": role}
    )


def _link_in_log(mail_log, email: str) -> str:
    messages = [r.getMessage() for r in mail_log.records if email in r.getMessage()]
    assert messages, f"aucun e-mail pour {email} dans le journal"
    return LINK.search(messages[-1]).group(1)


def _text(response) -> str:
    """The page as a person reads it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audit_actions(db, invitation_id=None) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.object_type == "invitation")
    if invitation_id is not None:
        query = query.where(AuditEntry.object_id == str(invitation_id))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_an_invitation_creates_the_account_and_the_membership(app, db, login, the_study, mail_log):
    charge = login("charge_etude", name="Lucie Martin")
    response = _invite(charge, "Nadia.Haddad@Exemple.fr", "enqueteur")
    assert response.status_code == 302
    page = _text(charge.get(f"{STUDY}/membres"))
    assert "Invitation de nadia.haddad@exemple.fr (Enquêteur·rice) écrite dans le journal" in page
    # The pending invitation, with who invited, until when, and how to revoke it.
    pending = page.split("Invitations en attente")[1]
    assert "nadia.haddad@exemple.fr" in pending and "Lucie Martin" in pending
    assert "Révoquer" in pending

    link = _link_in_log(mail_log, "nadia.haddad@exemple.fr")
    # Only the hash is stored: the secret is in the link and nowhere in the database.
    secret = link.rsplit("/", 1)[1]
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.token_hash == hash_token(secret) and secret not in invitation.token_hash

    visitor = app.test_client()
    shown = _text(visitor.get(link))
    assert "Étude de test" in shown and "Enquêteur·rice" in shown
    assert "Créer votre compte" in shown
    response = visitor.post(
        link, data={"name": "Nadia Haddad", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{STUDY}/")
    home = visitor.get(f"{STUDY}/")
    assert home.status_code == 200
    assert "Bienvenue dans l'étude « Étude de test » (Enquêteur·rice)" in _text(home)

    user = find_user("nadia.haddad@exemple.fr")
    assert user.name == "Nadia Haddad" and user.password_hash.startswith("$argon2")
    assert membership(the_study, user).role == "enqueteur"
    assert _audit_actions(db) == ["create", "accept"]
    db.session.refresh(invitation)
    assert invitation.used_by_id == user.id
    # Accepted: no longer pending.
    assert (
        "nadia.haddad"
        not in _text(charge.get(f"{STUDY}/membres")).split("Invitations en attente")[1]
    )


def test_the_email_says_who_invites_where_with_which_role_until_when(app, db, login, mail_log):
    charge = login("charge_etude", name="Lucie Martin")
    _invite(charge, "samir@exemple.fr", "collectif")
    message = next(r.getMessage() for r in mail_log.records if "samir@exemple.fr" in r.getMessage())
    assert "Invitation à rejoindre l'étude « Étude de test »" in message
    assert "Lucie Martin" in message and "« Membre du collectif »" in message
    expires = db.session.scalars(select(Invitation.expires_at)).one()
    # Seven days from now, in Paris time.
    assert re.search(r"avant le \d\d/\d\d/\d{4} à \d\d:\d\d", message)
    assert (
        timedelta(days=6, hours=23) < expires - utcnow().replace(tzinfo=None) <= timedelta(days=7)
    )


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
    """A real SMTP server on this machine; the app sends to it."""
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "ABS Tours <abs@exemple.fr>")
    yield mailbox
    controller.stop()


def test_with_mail_server_the_invitation_leaves_by_smtp(app, db, login, smtp_server, mail_log):
    charge = login("charge_etude", name="Lucie Martin")
    response = _invite(charge, "ines@exemple.fr", "lecteur")
    assert response.status_code == 302
    assert "envoyée par e-mail" in _text(charge.get(f"{STUDY}/membres"))
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["ines@exemple.fr"] and envelope.mail_from == "abs@exemple.fr"
    from email import message_from_bytes
    from email.header import decode_header, make_header

    message = message_from_bytes(envelope.original_content)
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert subject == "Invitation à rejoindre l'étude « Étude de test »"
    assert "Lucie Martin" in body and "« Lecteur·rice »" in body
    link = LINK.search(body).group(1)
    assert app.test_client().get(link).status_code == 200
    # Sent, not logged.
    assert not [r for r in mail_log.records if "ines@exemple.fr" in r.getMessage()]


def test_an_unreachable_mail_server_keeps_the_invitation_and_says_so(app, db, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nobody listens there
    charge = login("charge_etude")
    response = _invite(charge, "ines@exemple.fr")
    assert response.status_code == 302
    page = _text(charge.get(f"{STUDY}/membres"))
    assert "l'e-mail n'a pas pu partir vers ines@exemple.fr" in page
    assert _count(db, Invitation) == 1


def test_an_invitation_rolled_back_sends_nothing(app, db, make_user, the_study, mail_log):
    charge = make_user("charge_etude")
    with app.test_request_context():
        invite(the_study, "personne@exemple.fr", "lecteur", charge)
        rollback()
        commit()
    assert _count(db, Invitation) == 0
    assert not [r for r in mail_log.records if "personne@exemple.fr" in r.getMessage()]


def test_an_existing_account_is_linked_only_after_logging_in_as_it(
    app, db, login, make_user, the_study, mail_log
):
    other_study = create_study("Consultation La Riche", 2026, slug="la-riche")
    camille = make_user("lecteur", email="camille@exemple.fr", study=other_study)
    charge = login("charge_etude")
    _invite(charge, "camille@exemple.fr", "collectif")
    link = _link_in_log(mail_log, "camille@exemple.fr")

    # The link alone: asked to log in, and a POST makes nobody a member.
    visitor = app.test_client()
    page = _text(visitor.get(link))
    assert "Un compte existe déjà à l'adresse camille@exemple.fr" in page
    assert "Créer votre compte" not in page
    visitor.post(link, data={"name": "Intrus", "password": PASSWORD, "password_again": PASSWORD})
    assert membership(the_study, camille) is None
    assert _count(db, User, User.email == "camille@exemple.fr") == 1

    # Logged in as another account: said plainly, and accepting does nothing.
    page = _text(charge.get(link))
    assert f"Vous êtes connecté·e en tant que <strong>{charge.user.email}</strong>" in page
    assert "adressée à <strong>camille@exemple.fr</strong>" in page
    charge.post(link)
    assert membership(the_study, camille) is None

    # Logged in as the invited account: accept.
    response = visitor.post(
        f"/compte/connexion?next={link}",
        data={"email": "camille@exemple.fr", "password": "motdepasse-solide-42"},
    )
    assert response.headers["Location"] == link
    assert "Accepter l'invitation" in _text(visitor.get(link))
    response = visitor.post(link)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{STUDY}/")
    assert membership(the_study, camille).role == "collectif"
    assert visitor.get(f"{STUDY}/").status_code == 200
    # Back on the link: already done, not an error.
    again = visitor.get(link)
    assert again.status_code == 302
    assert "déjà rejoint" in _text(visitor.get(again.headers["Location"]))


def _pending(app, db, the_study, email="nadia@exemple.fr", role="enqueteur", by=None):
    with app.test_request_context():
        invitation, secret = invite(the_study, email, role, by)
    db.session.commit()
    return invitation, f"/invitations/{secret}"


def _create_account(client, link, name="Nadia Haddad"):
    return client.post(link, data={"name": name, "password": PASSWORD, "password_again": PASSWORD})


def test_an_expired_link_says_so_and_writes_nothing(app, db, the_study):
    invitation, link = _pending(app, db, the_study)
    invitation.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 410
    assert "Ce lien d'invitation a expiré le" in _text(page)
    response = _create_account(visitor, link)
    assert response.status_code == 410
    assert find_user("nadia@exemple.fr") is None


def test_a_used_link_works_once_even_when_the_form_is_sent_twice(app, db, the_study):
    _invitation, link = _pending(app, db, the_study)
    first, second = app.test_client(), app.test_client()
    assert _create_account(first, link).status_code == 302
    # The same form sent again (a double click, the back button, another device).
    response = _create_account(second, link, name="Nadia H.")
    assert response.status_code == 410
    assert "Cette invitation a déjà servi" in _text(response)
    assert _count(db, User, User.email == "nadia@exemple.fr") == 1
    assert find_user("nadia@exemple.fr").name == "Nadia Haddad"
    assert _count(db, Membership, Membership.study_id == the_study.id) == 1
    assert _audit_actions(db).count("accept") == 1


def test_a_revoked_link_stops_working(app, db, login, the_study):
    charge = login("charge_etude")
    invitation, link = _pending(app, db, the_study)
    response = charge.post(f"{STUDY}/invitations/{invitation.id}/revoquer")
    assert response.status_code == 302
    assert "révoquée : son lien ne fonctionne plus" in _text(charge.get(f"{STUDY}/membres"))
    page = app.test_client().get(link)
    assert page.status_code == 410 and "a été annulée" in _text(page)
    # Revoking twice: said, nothing changes.
    charge.post(f"{STUDY}/invitations/{invitation.id}/revoquer")
    assert "déjà révoquée" in _text(charge.get(f"{STUDY}/membres"))
    assert _audit_actions(db, invitation.id) == ["create", "revoke"]


def test_inviting_again_replaces_the_previous_link(app, db, login, the_study, mail_log):
    charge = login("charge_etude")
    _invite(charge, "nadia@exemple.fr", "lecteur")
    old_link = _link_in_log(mail_log, "nadia@exemple.fr")
    _invite(charge, "nadia@exemple.fr", "enqueteur")
    new_link = _link_in_log(mail_log, "nadia@exemple.fr")
    assert old_link != new_link
    assert app.test_client().get(old_link).status_code == 410
    assert "Enquêteur·rice" in _text(app.test_client().get(new_link))
    pending = _text(charge.get(f"{STUDY}/membres")).split("en attente")[1]
    assert pending.count("<td>nadia@exemple.fr</td>") == 1
    assert _audit_actions(db) == ["create", "replace", "create"]


@pytest.mark.parametrize("token", ["inconnu", "x" * 43, "A" * 500, "'; drop table invitation;--"])
def test_an_unknown_or_forged_link_gets_the_same_message(app, db, the_study, token):
    _pending(app, db, the_study)  # a real one exists: it must not matter
    visitor = app.test_client()
    for response in (
        visitor.get(f"/invitations/{token}"),
        _create_account(visitor, f"/invitations/{token}"),
    ):
        assert response.status_code == 404
        assert "Ce lien d'invitation n'est pas valide ou a expiré" in _text(response)
    assert find_user("nadia@exemple.fr") is None


def test_a_link_holding_a_nul_is_no_page(app, db, the_study):
    """A NUL in an address names no page, whatever the page (main/request_bodies.py)."""
    _pending(app, db, the_study)
    visitor = app.test_client()
    for response in (
        visitor.get("/invitations/ab%00cd"),
        _create_account(visitor, "/invitations/ab%00cd"),
    ):
        assert response.status_code == 404
        assert "Cette page n'existe pas" in _text(response)
    assert find_user("nadia@exemple.fr") is None


def test_bad_input_when_inviting_is_said_in_french_and_writes_nothing(
    app, db, login, make_user, mail_log
):
    charge = login("charge_etude")
    cases = {
        ("pas-une-adresse", "lecteur"): "Adresse e-mail invalide",
        ("", "lecteur"): "Indiquez l'adresse e-mail",
        ("nadia@exemple.fr", "directeur"): "Rôle inconnu « directeur »",
        ("nadia@exemple.fr", "admin"): "Rôle inconnu « admin »",
    }
    for (email, role), message in cases.items():
        response = _invite(charge, email, role)
        assert response.status_code == 200
        assert message in _text(response), (email, role)
    assert _count(db, Invitation) == 0 and _audit_actions(db) == []
    assert not [r for r in mail_log.records if "Invitation" in r.getMessage()]


def test_inviting_a_member_offers_to_change_their_role(app, db, login, make_user, the_study):
    charge = login("charge_etude")
    reader = make_user("lecteur", email="lea@exemple.fr")
    response = _invite(charge, "LEA@exemple.fr", "enqueteur")
    page = _text(response)
    assert response.status_code == 200
    assert (
        "lea@exemple.fr est déjà membre de l'étude (Lecteur·rice) : changez plutôt son rôle."
        in page
    )
    assert "Donner le rôle « Enquêteur·rice » à lea@exemple.fr" in page
    assert _count(db, Invitation) == 0
    charge.post(f"{STUDY}/membres/{reader.id}/role", data={"role": "enqueteur"})
    assert membership(the_study, reader).role == "enqueteur"


def test_a_reader_cannot_invite_and_another_study_does_not_exist(app, db, login, make_user):
    assert _invite(login("lecteur"), "nadia@exemple.fr").status_code == 403
    other = create_study("Consultation La Riche", 2026, slug="la-riche")
    outsider = login("charge_etude", study=other)
    assert _invite(outsider, "nadia@exemple.fr").status_code == 404
    assert outsider.get(f"{STUDY}/membres").status_code == 404
    assert _count(db, Invitation) == 0


def test_an_invitation_of_another_study_cannot_be_revoked_from_this_one(
    app, db, login, make_user, the_study
):
    other = create_study("Consultation La Riche", 2026, slug="la-riche")
    theirs, link = _pending(app, db, other)
    charge = login("charge_etude")
    assert charge.post(f"{STUDY}/invitations/{theirs.id}/revoquer").status_code == 404
    assert app.test_client().get(link).status_code == 200


def test_a_member_removed_while_logged_in_loses_the_study_at_the_next_request(
    app, db, login, the_study
):
    reader = login("lecteur")
    assert reader.get(f"{STUDY}/").status_code == 200
    remove_member(the_study, reader.user)
    db.session.commit()
    for path in (f"{STUDY}/", f"{STUDY}/analyse/"):
        assert reader.get(path).status_code == 404
    # Still logged in: the home page no longer lists the study.
    assert "Étude de test" not in _text(reader.get("/accueil"))


def test_the_tablet_of_a_removed_enqueteur_is_told_why_in_french(app, db, make_user, the_study):
    from consultation.accounts.tokens import issue_token

    enqueteur = make_user("enqueteur")
    _, token = issue_token(enqueteur, "Tablette 3", the_study.id)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    tablet = app.test_client()
    assert tablet.get("/api/v1/questionnaires", headers=headers).status_code == 200
    remove_member(the_study, enqueteur)
    db.session.commit()
    response = tablet.post("/api/v1/submissions", json={}, headers=headers)
    body = response.get_json()
    assert response.status_code == 401 and body["code"] == "membre_retire"
    assert body["message"].startswith("Vous n'êtes plus membre de l'étude de cette tablette")


def test_mail_and_invitation_settings_come_from_the_environment(monkeypatch, tmp_path):
    from consultation.config import config_from_env

    for name, value in {
        "MAIL_SERVER": "smtp.ccas-tours.fr",
        "MAIL_PORT": "587",
        "MAIL_USE_TLS": "oui",
        "MAIL_USERNAME": "abs",
        "MAIL_PASSWORD": "secret-smtp",
        "MAIL_DEFAULT_SENDER": "ABS Tours <abs@ccas-tours.fr>",
        "INVITATION_DAYS": "14",
    }.items():
        monkeypatch.setenv(name, value)
    config = config_from_env(str(tmp_path))
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"]) == (
        "smtp.ccas-tours.fr",
        587,
        True,
    )
    assert config["MAIL_USERNAME"] == "abs" and config["MAIL_PASSWORD"] == "secret-smtp"
    assert config["MAIL_DEFAULT_SENDER"] == "ABS Tours <abs@ccas-tours.fr>"
    assert config["INVITATION_DAYS"] == 14
    monkeypatch.setenv("MAIL_PORT", "vingt-cinq")
    with pytest.raises(ValueError, match="MAIL_PORT : numéro de port attendu"):
        config_from_env(str(tmp_path))
    monkeypatch.setenv("MAIL_PORT", "25")
    monkeypatch.setenv("INVITATION_DAYS", "0")
    with pytest.raises(ValueError, match="INVITATION_DAYS : nombre de jours attendu"):
        config_from_env(str(tmp_path))


def test_the_link_lasts_as_many_days_as_configured(app, db, the_study, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_DAYS", 2)
    invitation, _link = _pending(app, db, the_study)
    lasts = invitation.expires_at - invitation.created_at
    assert lasts == timedelta(days=2)
