"""Correcting an interview already sent, from the tablet's « envoyés » list: edited offline in the
same form, queued and sent as a correction, shown « corrigé », and visible in the back office
with its revision; refused in French once the chargée d'étude has validated it. The answers of a
sent interview leave the tablet when the correction window is over."""

from playwright.sync_api import expect

from consultation.extensions import db
from consultation.submissions.models import Submission

from .test_offline import _assigned_questionnaire, _fill_interview, _ready_offline, _submissions

FIRST = "Un banc à l'arrêt de bus."
CORRECTED = "Un banc à l'arrêt de bus et des visites le dimanche."


def _correct_free_text(page, text: str) -> None:
    """From the home screen: « Corriger » the sent interview, change the free text, send."""
    sent = page.locator("#envoyes .item-row")
    sent.get_by_role("button", name="Corriger").click()
    expect(page.get_by_role("heading", name="Relecture de la correction")).to_be_visible()
    page.get_by_role("button", name="Modifier les réponses").click()
    expect(page.get_by_label("Locataire", exact=True)).to_be_checked()
    page.get_by_role("button", name="Suivant", exact=True).click()
    field = page.get_by_label("De quoi auriez-vous besoin dans votre quartier ?")
    expect(field).to_have_value(FIRST)
    field.fill(text)
    page.get_by_role("button", name="Suivant : relecture").click()
    expect(page.locator(".review-list").last).to_contain_text(text)
    page.get_by_role("button", name="Envoyer la correction").click()
    expect(page.get_by_role("heading", name="Entretiens", exact=True)).to_be_visible()


def test_an_interview_sent_is_corrected_from_the_tablet_and_the_back_office_shows_it(
    page, context, browser, live_server
):
    email = live_server.login(page, "enqueteur")
    version_id = _assigned_questionnaire(live_server, email)
    _ready_offline(page, live_server)
    badge = page.locator("#etat-synchronisation")
    _fill_interview(
        page,
        public="Personne âgée (60 ans et plus)",
        age_band="75–84 ans",
        statut="Locataire",
        besoin=FIRST,
    )
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    sent = page.locator("#envoyes .item-row")
    expect(sent).to_have_count(1)
    expect(page.locator("#conservation-envoyes")).to_contain_text("pendant 7 jours")
    (stored,) = _submissions(live_server, version_id)
    assert stored.answers["besoin"] == FIRST

    # Corrected offline: queued as any interview, nothing reaches the server yet.
    context.set_offline(True)
    expect(badge.locator('[data-role="network"]')).to_have_text("Hors ligne")
    _correct_free_text(page, CORRECTED)
    expect(page.locator("#boite-envoi .item-row")).to_contain_text("Correction en attente d'envoi")
    expect(sent).to_contain_text("Correction en attente d'envoi")
    expect(sent.get_by_role("button", name="Corriger")).to_have_count(0)
    assert _submissions(live_server, version_id)[0].answers["besoin"] == FIRST
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path="/tmp/tablette-correction-en-attente-360.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    context.set_offline(False)
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    expect(sent).to_contain_text("Corrigé aujourd'hui")
    expect(badge.locator('[data-role="message"]')).to_have_text("1 correction envoyée.")
    expect(page.locator("#boite-envoi .item-row")).to_have_count(0)
    (corrected,) = _submissions(live_server, version_id)
    assert corrected.id == stored.id and corrected.answers["besoin"] == CORRECTED
    page.screenshot(path="/tmp/tablette-corrige-1280x800.png", full_page=True)

    # The back office shows the corrected text and the correction in the history.
    back_office = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    charge = back_office.new_page()
    live_server.login(charge, "charge_etude")
    charge.goto(f"{live_server.url}/etudes/etude-test/reponses/{stored.id}")
    expect(charge.locator("main")).to_contain_text(CORRECTED)
    history = charge.locator("section", has=charge.get_by_role("heading", name="Historique"))
    expect(history).to_contain_text("corrigée depuis la tablette")
    expect(history.locator("del")).to_have_text(FIRST)
    expect(history.locator("ins")).to_have_text(CORRECTED)

    # Validated by the chargée d'étude: a later correction is refused, and the tablet says why.
    charge.get_by_label("Nouvel état").select_option(label="Validée")
    charge.get_by_role("button", name="Enregistrer l'état").click()
    expect(charge.locator(".flash").first).to_be_visible()
    back_office.close()
    with live_server.study_context():
        assert db.session.get(Submission, stored.id).state == "validee"

    _correct_free_text_again = CORRECTED + " Merci."
    sent.get_by_role("button", name="Corriger").click()
    page.get_by_role("button", name="Modifier les réponses").click()
    page.get_by_role("button", name="Suivant", exact=True).click()
    page.get_by_label("De quoi auriez-vous besoin dans votre quartier ?").fill(
        _correct_free_text_again
    )
    page.get_by_role("button", name="Suivant : relecture").click()
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path="/tmp/tablette-relecture-correction-360.png", full_page=True)
    page.get_by_role("button", name="Envoyer la correction").click()
    expect(sent.locator(".error")).to_have_text(
        "Correction refusée : Entretien déjà validé : demandez à la chargée d'étude de le corriger."
    )
    expect(page.locator("#boite-envoi .item-row")).to_have_count(0)
    expect(badge.locator('[data-role="message"]')).to_have_text(
        "1 correction refusée : voir la raison dans « Envoyés »."
    )
    expect(sent.get_by_role("button", name="Corriger")).to_have_count(0)
    assert _submissions(live_server, version_id)[0].answers["besoin"] == CORRECTED
    page.screenshot(path="/tmp/tablette-correction-refusee-360.png", full_page=True)


def test_answers_of_an_interview_sent_leave_the_tablet_after_the_correction_window(
    page, live_server
):
    email = live_server.login(page, "enqueteur")
    _assigned_questionnaire(live_server, email)
    _ready_offline(page, live_server)
    _fill_interview(
        page,
        public="Jeune (16–25 ans)",
        age_band="18–25 ans",
        statut="Propriétaire",
        besoin="Un lieu pour réviser le soir.",
    )
    sent = page.locator("#envoyes .item-row")
    expect(sent.get_by_role("button", name="Corriger")).to_be_visible()

    # Sent eight days ago, as far as the tablet knows.
    page.evaluate(
        """() => new Promise((resolve) => {
            const request = indexedDB.open("consultation-tablette");
            request.onsuccess = () => {
              const store = request.result.transaction("sent", "readwrite").objectStore("sent");
              const all = store.getAll();
              all.onsuccess = () => {
                for (const item of all.result) {
                  item.sent_at = new Date(Date.now() - 8 * 86400000).toISOString();
                  store.put(item);
                }
                store.transaction.oncomplete = () => resolve();
              };
            };
        })"""
    )
    page.reload()
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("Code de récépissé")
    expect(sent.get_by_role("button", name="Corriger")).to_have_count(0)
    kept = page.evaluate(
        """() => new Promise((resolve) => {
            const request = indexedDB.open("consultation-tablette");
            request.onsuccess = () => {
              const all = request.result.transaction("sent").objectStore("sent").getAll();
              all.onsuccess = () => resolve(all.result.map((item) => Object.keys(item).sort()));
            };
        })"""
    )
    assert kept and all("answers" not in keys and "consent" not in keys for keys in kept)
