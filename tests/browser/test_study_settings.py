"""A chargé d'étude writes the study's notice and territory, then prepares next year's edition,
in Chromium: both pages fit a phone and pass axe."""

import os

from playwright.sync_api import expect

from consultation.extensions import db
from consultation.territory.models import Commune, Quartier

from .test_layout_a11y import _audit


def test_the_charge_writes_the_notice_then_prepares_the_next_edition(browser, live_server):
    from sqlalchemy import select

    from consultation.studies.scope import current_study

    # The browser tests share one database: La Riche may be there already (without this quartier)
    # and even be one of the study's communes; this test starts from a study without it.
    with live_server.study_context():
        riche = db.session.get(Commune, "37195")
        if riche is None:
            riche = Commune(insee_code="37195", name="La Riche")
            db.session.add(riche)
        if (
            db.session.scalar(
                select(Quartier).where(
                    Quartier.commune_code == "37195", Quartier.name == "Plaine de la Gloriette"
                )
            )
            is None
        ):
            db.session.add(Quartier(commune=riche, name="Plaine de la Gloriette"))
        study = current_study()
        study.communes = [c for c in study.communes if c.insee_code != "37195"]
        study.quartiers = [q for q in study.quartiers if q.commune_code != "37195"]
        db.session.commit()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        live_server.login(page, "charge_etude")
        page.goto(live_server.url + "/etudes/etude-test/")
        page.get_by_role("link", name="Réglages").first.click()
        expect(page.get_by_role("heading", name="Territoire")).to_be_visible()

        # A quartier without its commune: said next to the territory, nothing saved.
        page.get_by_label("Plaine de la Gloriette").check()
        page.get_by_label("Finalité").fill("Connaître les besoins <b>sociaux</b>.")
        page.get_by_role("button", name="Enregistrer les réglages").click()
        expect(page.locator("#quartiers-erreur")).to_contain_text(
            "Plaine de la Gloriette (La Riche)"
        )
        assert _audit(page, "réglages avec erreur") == []

        page.get_by_label("La Riche").check()
        page.get_by_role("button", name="Enregistrer les réglages").click()
        expect(page.get_by_text("Réglages de l'étude enregistrés.")).to_be_visible()
        expect(page.get_by_label("Finalité")).to_have_value("Connaître les besoins <b>sociaux</b>.")
        expect(page.get_by_label("La Riche")).to_be_checked()
        if os.environ.get("SCREENSHOTS_DIR"):
            assert _audit(page, "réglages enregistrés") == []

        page.get_by_role("button", name="Préparer l'édition suivante").click()
        expect(page.get_by_text("préparée")).to_be_visible()
        expect(page.get_by_role("heading", name="Éditions")).to_be_visible()
        previous = page.get_by_role("link", name="2026 · Étude de test")
        expect(previous).to_have_attribute("href", "/etudes/etude-test/")
        assert "2027" in page.get_by_role("heading", level=1).inner_text()
        assert _audit(page, "accueil de l'édition suivante") == []
        assert errors == []
    finally:
        context.close()
        # The live server is shared by the session's tests: its study covers every commune again.
        from consultation.studies.scope import current_study

        with live_server.study_context():
            study = current_study()
            study.communes.clear()
            study.quartiers.clear()
            db.session.commit()
