"""An invitation from end to end in Chromium, CSRF on: the chargé d'étude invites from the
« Membres » page, the invited person opens the link (here read from the app's log, no mail server
being set), creates their account and lands in the study. The invited person's pages are audited
as the other pages are (360 and 1,280 px, axe-core)."""

import logging
import re

from playwright.sync_api import expect

from .test_layout_a11y import _audit

LINK = re.compile(r"http://[^\s]+/invitations/[A-Za-z0-9_\-]+")


def test_an_invited_person_creates_an_account_and_joins_the_study(
    live_server, browser, page, caplog
):
    caplog.set_level(logging.INFO, logger="consultation.mail")
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/membres")
    invite_form = page.locator("form", has=page.get_by_role("button", name="Inviter"))
    invite_form.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    invite_form.get_by_role("button", name="Inviter").click()
    expect(page.get_by_text("Adresse e-mail invalide")).to_be_visible()
    problems = _audit(page, "membres, invitation en erreur")

    invite_form = page.locator("form", has=page.get_by_role("button", name="Inviter"))
    invite_form.get_by_label("Adresse e-mail").fill("yasmine.ferhat@exemple.fr")
    invite_form.get_by_label("Rôle dans l'étude").select_option(label="Enquêteur·rice")
    invite_form.get_by_role("button", name="Inviter").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation de yasmine.ferhat@exemple.fr")
    expect(page.get_by_role("cell", name="yasmine.ferhat@exemple.fr", exact=True)).to_be_visible()

    message = next(
        r.getMessage() for r in caplog.records if "yasmine.ferhat@exemple.fr" in r.getMessage()
    )
    link = LINK.search(message).group(0)

    invited = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    try:
        their_page = invited.new_page()
        their_page.goto(link)
        expect(their_page.get_by_role("heading", name="Créer votre compte")).to_be_visible()
        problems += _audit(their_page, "invitation, création du compte")
        their_page.get_by_label("Votre nom").fill("Yasmine Ferhat")
        their_page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-solide")
        their_page.get_by_label("Mot de passe, une seconde fois").fill("un-autre")
        their_page.get_by_role("button", name="Créer mon compte").click()
        expect(
            their_page.get_by_text("Les deux mots de passe ne sont pas identiques")
        ).to_be_visible()
        problems += _audit(their_page, "invitation, erreurs")
        their_page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-solide")
        their_page.get_by_label("Mot de passe, une seconde fois").fill("un-mot-de-passe-solide")
        their_page.get_by_role("button", name="Créer mon compte").click()
        their_page.wait_for_url(re.compile(r"/etudes/etude-test/$"))
        expect(their_page.get_by_text("Bienvenue dans l'étude « Étude de test »")).to_be_visible()
        # The link again, from another browser: used.
        other = browser.new_context(locale="fr-FR")
        try:
            stranger = other.new_page()
            stranger.goto(link)
            expect(stranger.get_by_text("Cette invitation a déjà servi")).to_be_visible()
            problems += _audit(stranger, "invitation déjà utilisée")
        finally:
            other.close()
    finally:
        invited.close()
    assert problems == [], "\n".join(problems)


def test_one_link_sent_twice_at_once_makes_one_account(live_server):
    """Two submissions of the same link at the same moment (a double click, two devices), on the
    live server's real database: one account and one membership, the other told the link served."""
    import threading

    import requests

    from consultation.accounts.models import User
    from consultation.extensions import db
    from consultation.studies.invitations import invite
    from consultation.studies.models import Membership
    from consultation.studies.services import find_study

    with live_server.study_context():
        with live_server.app.test_request_context():
            _invitation, secret = invite(
                find_study("etude-test"), "double@exemple.fr", "lecteur", None
            )
        db.session.commit()
    link = f"{live_server.url}/invitations/{secret}"

    sessions = [requests.Session() for _ in range(2)]
    tokens = [
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', s.get(link).text).group(1)
        for s in sessions
    ]
    start = threading.Barrier(2)
    statuses = []

    def submit(session, token, name):
        start.wait()
        response = session.post(
            link,
            data={
                "csrf_token": token,
                "name": name,
                "password": "un-mot-de-passe-solide",
                "password_again": "un-mot-de-passe-solide",
            },
            allow_redirects=False,
            timeout=60,
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=submit, args=(s, t, f"Personne {i}"))
        for i, (s, t) in enumerate(zip(sessions, tokens))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert sorted(statuses) == [302, 410]
    with live_server.app.app_context():
        users = db.session.scalars(db.select(User).where(User.email == "double@exemple.fr")).all()
        assert len(users) == 1
        memberships = db.session.scalars(
            db.select(Membership).where(Membership.user_id == users[0].id)
        ).all()
        assert [m.role for m in memberships] == ["lecteur"]
