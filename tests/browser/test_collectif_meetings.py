"""In Chromium: the chargée d'étude schedules the collectif's first meeting and puts a theme on
its agenda; a member of the collectif sees the notification under the header's bell, opens it and
lands on the meeting, the notification now read."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from security_records import PASSWORD, fast_user, study  # noqa: E402

from consultation.extensions import db  # noqa: E402

SLUG = "reunions-navigateur"


@pytest.fixture(scope="module")
def people(live_server):
    """A study of its own (other tests' meetings are elsewhere): a chargée d'étude, a member of
    the collectif, a questionnaire whose codebook has the theme « Transports du soir »."""
    from consultation.collectif.models import Meeting
    from consultation.studies.services import create_study

    with live_server.study_context():
        own = create_study("Réunions dans le navigateur", 2026, slug=SLUG, state="en_cours")
        db.session.commit()
        records = study(db, study_id=own.id)
        db.session.execute(db.delete(Meeting).where(Meeting.study_id == own.id))
        member = fast_user(db, "collectif", "Bernard Collectif", study_id=own.id)
        db.session.commit()
        return {"charge": records["charge"].email, "member": member.email}


def _login(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + "/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/compte/connexion" not in url)


def test_a_scheduled_meeting_reaches_the_collectif_through_the_bell(live_server, page, people):
    _login(page, live_server, people["charge"])
    page.goto(f"{live_server.url}/etudes/{SLUG}/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Collectif"
    ).click()
    page.get_by_role("navigation", name="Travail du collectif").get_by_role(
        "link", name="Réunions"
    ).click()
    page.get_by_role("link", name="Programmer une réunion").click()
    page.get_by_label("Titre").fill("Collectif projet de janvier")
    page.get_by_label("Date et heure").fill("2027-01-12T18:30")
    page.get_by_label("Lieu (facultatif)").fill("Salle du conseil")
    page.get_by_role("button", name="Programmer la réunion").click()
    page.get_by_text("Réunion programmée le 12/01/2027 à 18:30.").wait_for()

    page.get_by_label("Un thème de l'étude").select_option(label="Transports du soir (proposé)")
    page.get_by_role("button", name="Ajouter ce thème").click()
    agenda = page.locator("ol.agenda")
    agenda.get_by_role("heading", name=re.compile("Thème : Transports du soir")).wait_for()
    item = agenda.locator("li").first
    item.get_by_label("Décision").fill("Thème retenu : un groupe de travail avec le réseau de bus.")
    item.get_by_label("Statut du thème").select_option(label="Validé")
    item.get_by_role("button", name="Enregistrer la décision").click()
    page.get_by_text("Décision enregistrée.").wait_for()
    assert "Validé" in agenda.locator("li").first.locator(".theme-status").inner_text()

    _login(page, live_server, people["member"])
    page.goto(f"{live_server.url}/etudes/{SLUG}/")
    bell = page.locator("header .bell")
    assert re.sub(r"\s+", " ", bell.text_content()).strip() == "Notifications : 1 non lue"
    bell.click()
    page.get_by_role("heading", name="Notifications", level=1).wait_for()
    notification = page.get_by_role("button", name=re.compile("Collectif projet de janvier"))
    assert "12/01/2027 à 18:30" in notification.inner_text()
    notification.click()
    page.get_by_role("heading", name=re.compile("Collectif projet de janvier")).wait_for()
    assert re.search(rf"/etudes/{SLUG}/collectif/reunions/\d+$", page.url)
    assert "Thème : Transports du soir" in page.locator("ol.agenda").inner_text()
    assert "Thème retenu : un groupe de travail" in page.locator("ol.agenda").inner_text()
    # Read now: the bell says so, and the member cannot change the agenda.
    assert re.sub(r"\s+", " ", page.locator("header .bell").text_content()).strip() == (
        "Notifications : 0 non lue"
    )
    assert page.get_by_role("button", name="Ajouter ce thème").count() == 0
