"""The tablet app at the sizes of a 10" tablet, and what the enquêteur sees when the server refuses
an interview."""

import pytest
from playwright.sync_api import expect

from consultation.extensions import db
from consultation.territory.models import Commune

from .test_offline import _assigned_questionnaire, _ready_offline, _submissions

# Every control a finger uses: buttons, links styled as buttons, choice tiles, fields.
TOUCH_TARGETS = ".button, button, .tile, .check-tile, .fr-choice, .fr-rating-point, select, input[type=text], input[type=datetime-local], textarea"
SMALL_TARGETS = f"""() => [...document.querySelectorAll("{TOUCH_TARGETS}")]
    .filter((node) => node.offsetParent !== null && !node.closest('.site-header'))
    .map((node) => [node.textContent.trim().slice(0, 40) || node.name || node.id, Math.round(node.getBoundingClientRect().height)])
    .filter(([, height]) => height < 48)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


HOSTILE_PURPOSE = 'Connaître les besoins <b>sociaux</b> <img src=x onerror="window.pwned=1">'


def _write_notice(live_server):
    from consultation.studies.scope import current_study

    with live_server.study_context():
        study = current_study()
        study.notice_controller = "CCAS de Tours, 3 rue Jules Simon, 37000 Tours"
        study.notice_purpose = HOSTILE_PURPOSE
        study.notice_dpo = "dpo@ccas-tours.fr"
        db.session.commit()


def _check_screen(page, name: str, size: str):
    assert page.evaluate(SMALL_TARGETS) == [], f"cibles tactiles trop petites sur {name}"
    assert page.evaluate(OVERFLOW) <= 0, f"défilement horizontal sur {name}"
    page.screenshot(path=f"/tmp/tablette-{name}-{size}.png", full_page=True)


@pytest.mark.parametrize("width, height", [(1280, 800), (800, 1280)])
def test_every_step_fits_a_tablet_with_large_touch_targets(browser, live_server, width, height):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": height}, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    size = f"{width}x{height}"
    try:
        email = live_server.login(page, "enqueteur")
        _assigned_questionnaire(live_server, email)
        _write_notice(live_server)
        _ready_offline(page, live_server)
        _check_screen(page, "accueil", size)

        page.get_by_role("link", name="Nouvel entretien").first.click()
        page.get_by_role("button", name="Suivant : consentement").click()
        # Nothing chosen: each missing answer is said next to its field, in French.
        expect(
            page.locator("#champ-public").get_by_text(
                "Indiquez le public de la personne interrogée."
            )
        ).to_be_visible()
        expect(
            page.locator("#champ-commune").get_by_text("Choisissez la commune où vit la personne.")
        ).to_be_visible()
        # Each public offers its own bands: a young person is never « Moins de 15 ans ».
        page.get_by_label("Jeune (16–25 ans)").check()
        bands = page.locator("#champ-age_band")
        expect(bands.get_by_label("16–17 ans")).to_be_visible()
        expect(bands.get_by_label("Moins de 15 ans")).to_have_count(0)
        expect(bands.get_by_label("15–17 ans")).to_have_count(0)
        page.get_by_label("Autre", exact=True).first.check()
        page.get_by_label("Moins de 15 ans").check()
        page.get_by_label("Commune de résidence").select_option(label="Tours")
        page.get_by_role("button", name="Établissement scolaire").click()
        expect(page.get_by_label("Lieu de l'entretien")).to_have_value("Établissement scolaire")
        _check_screen(page, "profil", size)
        page.get_by_role("button", name="Suivant : consentement").click()

        # The words read out say what is true: no promise of anonymity.
        words = page.locator(".consent-text")
        expect(words).to_contain_text("pseudonymisées")
        expect(words).to_contain_text("code de récépissé")
        expect(words).not_to_contain_text("anonymes")
        # The study's RGPD notice, as its chargé d'étude wrote it: text, never markup.
        notice = page.locator(".rgpd-notice")
        expect(notice.get_by_role("heading", name="Notice d'information (RGPD)")).to_be_visible()
        expect(notice.locator("dt").first).to_have_text("Responsable du traitement")
        expect(notice).to_contain_text("CCAS de Tours, 3 rue Jules Simon")
        expect(notice).to_contain_text(HOSTILE_PURPOSE)
        assert notice.locator("img, b").count() == 0
        assert page.evaluate("() => window.pwned") is None

        # Under 15: a parent's consent is asked for and required.
        page.get_by_label("La personne a donné son consentement oral").check()
        page.get_by_role("button", name="Commencer le questionnaire").click()
        expect(page.get_by_text("l'accord d'un parent est obligatoire")).to_be_visible()
        page.get_by_label("Un parent ou responsable légal a donné son accord").check()
        _check_screen(page, "consentement", size)
        page.get_by_role("button", name="Commencer le questionnaire").click()

        page.get_by_role(
            "button", name="Suivant", exact=True
        ).click()  # required question left empty
        expect(page.get_by_text("Cette question est obligatoire.").first).to_be_visible()
        page.get_by_label("Locataire", exact=True).check()
        _check_screen(page, "questions", size)
        page.get_by_role("button", name="Suivant", exact=True).click()
        page.get_by_label("De quoi auriez-vous besoin dans votre quartier ?").fill(
            "Un terrain de basket éclairé."
        )
        page.get_by_role("button", name="Suivant : relecture").click()
        expect(page.get_by_text("Un terrain de basket éclairé.")).to_be_visible()
        expect(page.locator(".review-list").first).to_contain_text("Moins de 15 ans")
        _check_screen(page, "relecture", size)
    finally:
        context.close()


def test_a_refused_interview_stays_visible_with_the_reason_and_can_be_corrected(
    page, context, live_server
):
    email = live_server.login(page, "enqueteur")
    version_id = _assigned_questionnaire(live_server, email)
    with live_server.study_context():
        db.session.add(Commune(insee_code="37999", name="Commune fusionnée"))
        db.session.commit()
    _ready_offline(page, live_server)

    context.set_offline(True)
    page.get_by_role("link", name="Nouvel entretien").first.click()
    page.get_by_label("Personne âgée (60 ans et plus)").check()
    page.get_by_label("85 ans et plus").check()
    page.get_by_label("Commune de résidence").select_option(label="Commune fusionnée")
    page.get_by_label("Lieu de l'entretien").fill("Domicile de la personne")
    page.get_by_role("button", name="Suivant : consentement").click()
    page.get_by_label("La personne a donné son consentement oral").check()
    page.get_by_role("button", name="Commencer le questionnaire").click()
    page.get_by_label("Propriétaire", exact=True).check()
    page.get_by_role("button", name="Suivant", exact=True).click()
    page.get_by_role("button", name="Suivant : relecture").click()
    page.get_by_role("button", name="Terminer").click()

    # Meanwhile the commune left the study's territory on the server.
    with live_server.study_context():
        db.session.delete(db.session.get(Commune, "37999"))
        db.session.commit()
    context.set_offline(False)
    refused = page.locator("#boite-envoi .item-failed")
    expect(refused).to_contain_text("Refusé : ")
    expect(refused).to_contain_text(
        "Commune : La commune « 37999 » n'est pas dans le territoire de l'étude."
    )
    badge = page.locator("#etat-synchronisation")
    expect(badge.locator('[data-role="pending"]')).to_have_text("1 entretien refusé")
    page.screenshot(path="/tmp/tablette-refus-1280x800.png", full_page=True)
    assert _submissions(live_server, version_id) == []

    page.reload()  # the refusal is kept, nothing is lost
    expect(page.locator("#boite-envoi .item-failed")).to_contain_text(
        "n'est pas dans le territoire"
    )

    page.locator("#boite-envoi .item-failed").get_by_role("button", name="Corriger").click()
    expect(page.get_by_role("heading", name="Relecture avant envoi")).to_be_visible()
    page.get_by_role("button", name="Modifier le profil").click()
    page.get_by_label("Commune de résidence").select_option(label="Tours")
    page.get_by_role("button", name="Suivant : consentement").click()
    page.get_by_role("button", name="Commencer le questionnaire").click()
    page.get_by_role("button", name="Suivant", exact=True).click()
    page.get_by_role("button", name="Suivant : relecture").click()
    page.get_by_role("button", name="Terminer").click()
    # The receipt code to hand over, drawn when the interview was first finished, kept since.
    receipt = page.locator(".receipt-notice .receipt-code").text_content().strip()
    expect(page.locator("#envoyes .item-row")).to_have_count(1)
    expect(page.locator("#envoyes .item-row")).to_contain_text(f"Code de récépissé : {receipt}")
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    submissions = _submissions(live_server, version_id)
    assert [(s.commune_code, s.age_band) for s in submissions] == [("37261", "85_plus")]
    assert submissions[0].receipt_code == receipt
