"""A resident answering online in Chromium: every step of the demo questionnaire (the centre
social's) passes axe-core at 360 and 1,280 px, with its errors shown and without; the same
answers given with JavaScript and without it store the same submission.

Set SCREENSHOTS_DIR to keep a PNG of each step at each width."""

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_records import PROFILE, open_questionnaire  # noqa: E402
from test_layout_a11y import _audit  # noqa: E402

from consultation.extensions import db  # noqa: E402


@pytest.fixture(scope="module")
def link_token(live_server):
    """The link, with the study's territory set to La Riche for the module only: the browser
    tests share one server and database, and later ones choose the study's places themselves."""
    from consultation.studies.scope import current_study

    live_server.app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    with live_server.study_context():
        study = current_study()
        communes = [c.insee_code for c in study.communes]
        quartiers = [q.id for q in study.quartiers]
        _, link = open_questionnaire(db, uses_codes=True)
        token = link.token
    yield token
    with live_server.study_context():
        study = current_study()
        study.communes = [c for c in study.communes if c.insee_code in communes]
        study.quartiers = [q for q in study.quartiers if q.id in quartiers]
        db.session.commit()


def _submission_of(live_server, secret: str):
    from consultation.public.services import find_draft, submission_of

    with live_server.study_context():
        draft = find_draft(secret)
        submission = submission_of(draft)
        return {
            "answers": submission.answers,
            "profile": (
                submission.public,
                submission.age_band,
                submission.sex,
                submission.commune_code,
                submission.quartier_id is not None,
            ),
            "channel": submission.channel,
        }


def _set_active(live_server, token: str, active: bool) -> None:
    from consultation.public.services import find_link

    with live_server.study_context():
        find_link(token).active = active
        db.session.commit()


def _fill_profile(page):
    page.get_by_label("Jeune (16–25 ans)").check()
    page.get_by_label("18–25 ans").check()
    page.get_by_label("Femme").check()
    page.select_option("#profil-commune", label="La Riche")
    page.select_option("#profil-quartier", label="Centre")


def _answer(page, audit=None):
    """Answers the centre social's questionnaire page by page; `audit(label)` checks each step
    without and with its errors."""
    audit = audit or (lambda label: None)
    page.get_by_role("button", name="Suivant").click()
    page.locator("#erreurs").wait_for()
    audit("en ligne profil avec erreurs")
    _fill_profile(page)
    audit("en ligne profil")
    page.get_by_role("button", name="Suivant").click()

    page.locator("h1", has_text="Vous et le centre social").wait_for()
    audit("en ligne page 1")
    page.get_by_role("button", name="Suivant").click()
    page.locator("#erreurs").wait_for()
    audit("en ligne page 1 avec erreurs")
    page.get_by_label("Au moins une fois par semaine").check()
    page.get_by_label("Ateliers cuisine").check()
    page.get_by_label("Jardin partagé").check()
    # The rating is shown (relevant) from the start with « semaine »; 4 points.
    page.locator("label.fr-rating-point", has_text="4").click()
    page.get_by_role("button", name="Suivant").click()

    page.locator("h1", has_text="Horaires").wait_for()
    audit("en ligne page 2")
    page.get_by_label("Non", exact=True).check()
    creneaux = page.locator('[data-path="creneaux_souhaites"]')
    if creneaux.is_hidden():
        # Without JavaScript the question appears once the page is sent.
        page.get_by_role("button", name="Suivant").click()
        page.locator('[data-path="creneaux_souhaites"]:not([hidden])').wait_for()
        audit("en ligne page 2 nouvelle question")
    page.get_by_label("Le soir après 18 h").check()
    page.get_by_label("Le samedi").check()
    page.get_by_role("button", name="Suivant").click()

    page.locator("h1", has_text="Vos attentes").wait_for()
    page.get_by_label("Qu'est-ce qui manque au centre social aujourd'hui ?").fill(
        "Des horaires le soir, je travaille jusqu'à 18 h."
    )
    audit("en ligne page 3")
    page.get_by_role("button", name="Suivant").click()

    page.locator("h1", has_text="Pour mieux vous connaître").wait_for()
    page.get_by_label("Quel âge avez-vous ?").fill("12")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.locator("#erreurs").wait_for()
    audit("en ligne page 4 avec erreurs")
    page.get_by_label("Quel âge avez-vous ?").fill("19")
    page.locator("fieldset", has_text="enfants").get_by_label("Non").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.locator("#code-reponse").wait_for()
    audit("en ligne merci")


def _start(page, live_server, link_token):
    page.goto(f"{live_server.url}/q/{link_token}")
    page.get_by_role("button", name="Commencer").click()
    page.locator("#erreurs").wait_for()
    page.get_by_label("J'ai lu ce que deviennent mes réponses").check()
    page.get_by_role("button", name="Commencer").click()
    page.locator("h1", has_text="Vous").wait_for()
    return page.url.split("/reponse/")[1].split("/")[0]


def test_every_step_of_the_demo_questionnaire_passes_axe_at_both_widths(
    browser, live_server, link_token
):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems = []

    def audit(label):
        problems.extend(_audit(page, label))

    page.goto(f"{live_server.url}/q/{link_token}")
    audit("en ligne accueil")
    page.get_by_role("button", name="Commencer").click()
    page.locator("#erreurs").wait_for()
    assert page.title().startswith("Erreur : 1 point à corriger")
    audit("en ligne accueil avec erreurs")
    page.get_by_label("J'ai lu ce que deviennent mes réponses").check()
    page.get_by_role("button", name="Commencer").click()
    page.locator("h1", has_text="Vous").wait_for()
    assert page.title().startswith("Étape 1 sur 5 : Vous")
    secret = page.url.split("/reponse/")[1].split("/")[0]
    page.get_by_role("button", name="Enregistrer et reprendre plus tard").click()
    page.locator("#lien-prive").wait_for()
    audit("en ligne reprendre plus tard")
    page.get_by_role("link", name="Continuer maintenant").click()
    page.locator("h1", has_text="Vous").wait_for()
    _answer(page, audit)
    page.goto(f"{live_server.url}/accessibilite")
    audit("en ligne déclaration d'accessibilité")
    _set_active(live_server, link_token, False)
    try:
        page.goto(f"{live_server.url}/q/{link_token}")
        assert "plus ouvert" in page.locator(".public-message").inner_text()
        audit("en ligne questionnaire fermé")
    finally:
        _set_active(live_server, link_token, True)
    context.close()
    assert _submission_of(live_server, secret)["channel"] == "en_ligne"
    assert problems == [], "\n".join(problems)
    assert errors == []


def test_errors_are_listed_with_links_and_tied_to_their_fields(browser, live_server, link_token):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    _start(page, live_server, link_token)
    _fill_profile(page)
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Suivant").click()
    summary = page.locator("#erreurs")
    assert page.title().startswith("Erreur : 1 réponse à corriger · Étape 2 sur")
    link = summary.get_by_role("link")
    assert link.inner_text().startswith("« À quelle fréquence venez-vous au centre social ? »")
    link.click()
    assert page.evaluate("document.activeElement.id") == "q-frequentation"
    described = page.locator("#q-frequentation").get_attribute("aria-describedby")
    assert "q-frequentation-erreur" in described.split()
    # The keyboard reaches every choice, with a visible focus.
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )
    assert page.evaluate("document.activeElement.type") == "radio" and outline != "none"
    context.close()


def test_with_and_without_javascript_the_same_answers_store_the_same_submission(
    browser, live_server, link_token
):
    stored = []
    for scripts in (False, True):
        context = browser.new_context(locale="fr-FR", java_script_enabled=scripts)
        page = context.new_page()
        page.set_default_timeout(20_000)
        secret = _start(page, live_server, link_token)
        _answer(page)
        stored.append(_submission_of(live_server, secret))
        context.close()
    assert stored[0] == stored[1]
    assert stored[0]["answers"]["creneaux_souhaites"] == ["soir", "samedi"]
    assert stored[0]["profile"] == (
        PROFILE["public"],
        PROFILE["age_band"],
        PROFILE["sex"],
        PROFILE["commune"],
        True,
    )


def test_with_javascript_a_question_appears_as_soon_as_it_is_relevant(
    browser, live_server, link_token
):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    _start(page, live_server, link_token)
    _fill_profile(page)
    page.get_by_role("button", name="Suivant").click()
    satisfaction = page.locator('[data-path="satisfaction"]')
    page.get_by_label("Jamais encore").check()
    # The rules run once the change is handled: wait for them, as the person sees the page.
    expect(satisfaction).to_be_hidden()
    expect(page.locator('[data-path="satisfaction"] input').first).to_be_disabled()
    page.get_by_label("Une ou deux fois par mois").check()
    expect(satisfaction).to_be_visible()
    context.close()


def test_with_javascript_a_question_shown_by_a_calculation_appears_as_its_inputs_are_typed(
    browser, live_server, link_token
):
    """The calculation is written after the question it shows and reads two answers of the page:
    the page computes it as the tablet does, before any page is sent."""
    from questionnaires import Group, Question, Questionnaire

    model = Questionnaire(
        title="Votre foyer",
        form_id="foyer",
        children=[
            Group(
                "foyer",
                {"fr": "Votre foyer"},
                children=[
                    Question(
                        "text",
                        "aide",
                        {"fr": "Quelle aide vous manque ?"},
                        relevant="${taille} > 4",
                    ),
                    Question("integer", "adultes", {"fr": "Combien d'adultes ?"}),
                    Question("integer", "enfants", {"fr": "Combien d'enfants ?"}),
                ],
            ),
            Question("calculate", "taille", {}, calculation="${adultes} + ${enfants}"),
        ],
    )
    with live_server.study_context():
        _, link = open_questionnaire(db, model)
        token = link.token
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    _start(page, live_server, token)
    _fill_profile(page)
    page.get_by_role("button", name="Suivant").click()
    aide = page.locator('[data-path="aide"]')
    expect(aide).to_be_hidden()
    page.get_by_label("Combien d'adultes ?").fill("3")
    page.get_by_label("Combien d'enfants ?").fill("1")
    expect(aide).to_be_hidden()
    page.get_by_label("Combien d'enfants ?").fill("2")
    expect(aide).to_be_visible()
    expect(page.get_by_label("Quelle aide vous manque ?")).to_be_enabled()
    page.get_by_label("Combien d'adultes ?").fill("1")
    expect(aide).to_be_hidden()
    context.close()
