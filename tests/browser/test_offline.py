"""The tablet app in Debian's Chromium: interviews made with the network cut, kept across a reload,
then synced once and only once, even when the connection drops in the middle of a sync."""

import itertools

from playwright.sync_api import expect
from sqlalchemy import select

from consultation.accounts.models import User, utcnow
from consultation.extensions import db
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.submissions.models import Assignment, Submission
from consultation.territory.models import Commune, Quartier
from questionnaires import Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel

_numbers = itertools.count(1)


def _definition(title: str) -> dict:
    return QuestionnaireModel(
        title=title,
        form_id=f"tablette_{next(_numbers)}",
        children=[
            Group(
                "logement",
                {"fr": "Logement"},
                children=[
                    Question(
                        "select_one",
                        "statut",
                        {"fr": "Vous êtes…"},
                        required=True,
                        choice_list="statut",
                    ),
                    Question(
                        "integer",
                        "annees",
                        {"fr": "Depuis combien d'années habitez-vous ici ?"},
                        constraint=". >= 0 and . <= 100",
                        constraint_message={"fr": "Entre 0 et 100 ans."},
                    ),
                ],
            ),
            Group(
                "besoins",
                {"fr": "Vos besoins"},
                children=[
                    Question(
                        "paragraph",
                        "besoin",
                        {"fr": "De quoi auriez-vous besoin dans votre quartier ?"},
                    ),
                ],
            ),
        ],
        choice_lists={
            "statut": ChoiceList(
                "statut",
                [
                    Choice("locataire", {"fr": "Locataire"}),
                    Choice("proprietaire", {"fr": "Propriétaire"}),
                ],
            )
        },
    ).to_dict()


def _assigned_questionnaire(live_server, email: str) -> int:
    """A published questionnaire assigned to the enquêteur, and the territory; returns the version id."""
    with live_server.study_context():
        # Other browser tests share this server and may have created Tours without its quartiers.
        for code, name in (("37261", "Tours"), ("37122", "Joué-lès-Tours")):
            if db.session.get(Commune, code) is None:
                db.session.add(Commune(insee_code=code, name=name))
        db.session.flush()
        if (
            db.session.scalar(db.select(Quartier).filter_by(commune_code="37261", name="Sanitas"))
            is None
        ):
            db.session.add(Quartier(commune_code="37261", name="Sanitas"))
        title = f"Besoins des habitants {next(_numbers)}"
        questionnaire = Questionnaire(title=title)
        version = QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=_definition(title), published_at=utcnow()
        )
        questionnaire.versions.append(version)
        db.session.add(questionnaire)
        db.session.flush()
        user = db.session.scalar(select(User).filter_by(email=email))
        db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=user.id))
        db.session.commit()
        return version.id


def _submissions(live_server, version_id: int) -> list[Submission]:
    with live_server.study_context():
        rows = db.session.scalars(
            select(Submission).filter_by(questionnaire_version_id=version_id)
        ).all()
        db.session.expunge_all()
        return rows


def _ready_offline(page, live_server):
    """Opens the app online once: service worker installed and controlling, device token stored."""
    page.goto(live_server.url + "/etudes/etude-test/entretiens/app")
    expect(page.locator('[data-role="offline-ready"]')).to_have_text("Disponible hors ligne")
    # A function, not an expression: Playwright polls an expression with eval(), which the CSP forbids.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const request = indexedDB.open("consultation-tablette");
            request.onsuccess = () => {
              const tx = request.result.transaction("meta");
              const keys = tx.objectStore("meta").getAllKeys();
              keys.onsuccess = () => resolve(keys.result.some((key) => String(key).startsWith("token:")));
            };
            request.onerror = () => resolve(false);
        })"""
    )


def _fill_interview(
    page, *, public: str, age_band: str, statut: str, besoin: str, parental: bool = False
):
    page.get_by_role("link", name="Nouvel entretien").first.click()
    # Profile first, as data of its own.
    expect(page.get_by_role("heading", name="Qui répond ?")).to_be_visible()
    page.get_by_label(public).check()
    page.get_by_label(age_band).check()
    page.get_by_label("Commune de résidence").select_option(label="Tours")
    page.get_by_label("Quartier").select_option(label="Sanitas")
    page.get_by_label("Lieu de l'entretien").fill("CCAS, permanence du mardi")
    page.get_by_role("button", name="Suivant : consentement").click()
    # Consent, recorded by the enquêteur (prefilled).
    expect(page.get_by_label("Consentement recueilli par")).not_to_have_value("")
    page.get_by_label("La personne a donné son consentement oral").check()
    if parental:
        page.get_by_label("Un parent ou responsable légal a donné son accord").check()
    page.get_by_role("button", name="Commencer le questionnaire").click()
    # The questions, page by page.
    page.get_by_label(statut, exact=True).check()
    page.get_by_label("Depuis combien d'années habitez-vous ici ?").fill("12")
    page.get_by_role("button", name="Suivant", exact=True).click()
    page.get_by_label("De quoi auriez-vous besoin dans votre quartier ?").fill(besoin)
    page.get_by_role("button", name="Suivant : relecture").click()
    expect(page.get_by_role("heading", name="Relecture avant envoi")).to_be_visible()
    expect(page.locator(".review-list").last).to_contain_text(besoin)
    page.get_by_role("button", name="Terminer").click()
    expect(page.get_by_role("heading", name="Entretiens", exact=True)).to_be_visible()


def test_interviews_made_offline_survive_a_reload_and_sync_once(page, context, live_server):
    email = live_server.login(page, "enqueteur")
    version_id = _assigned_questionnaire(live_server, email)
    _ready_offline(page, live_server)
    badge = page.locator("#etat-synchronisation")
    expect(badge.locator('[data-role="network"]')).to_have_text("En ligne")

    context.set_offline(True)
    expect(badge.locator('[data-role="network"]')).to_have_text("Hors ligne")
    _fill_interview(
        page,
        public="Personne âgée (60 ans et plus)",
        age_band="75–84 ans",
        statut="Locataire",
        besoin="Un banc à l'arrêt de bus et des visites le dimanche.",
    )
    expect(badge.locator('[data-role="pending"]')).to_have_text("1 entretien en attente d'envoi")
    _fill_interview(
        page,
        public="Jeune (16–25 ans)",
        age_band="18–25 ans",
        statut="Propriétaire",
        besoin="Un lieu pour réviser le soir.",
    )
    expect(badge.locator('[data-role="pending"]')).to_have_text("2 entretiens en attente d'envoi")
    expect(badge.locator('[data-role="last-sync"]')).to_have_text("Jamais synchronisé")
    page.get_by_role("button", name="Synchroniser maintenant").click()
    expect(badge.locator('[data-role="message"]')).to_have_text(
        "Hors ligne : les entretiens partiront dès le retour du réseau."
    )

    # A third interview left as a draft in the middle of the profile.
    page.get_by_role("link", name="Nouvel entretien").first.click()
    page.get_by_label("Autre", exact=True).first.check()
    page.get_by_label("26–59 ans").check()
    expect(page.get_by_role("status").filter(has_text="Enregistré sur la tablette")).to_be_visible()
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const request = indexedDB.open("consultation-tablette");
            request.onsuccess = () => {
              const drafts = request.result.transaction("drafts").objectStore("drafts").getAll();
              drafts.onsuccess = () => resolve(drafts.result.some((draft) => draft.profile.age_band === "26_59"));
            };
        })"""
    )

    page.reload()  # still offline: the service worker serves the app
    expect(page.get_by_role("heading", name="Qui répond ?")).to_be_visible()
    expect(page.get_by_label("26–59 ans")).to_be_checked()
    page.get_by_role("link", name="Enregistrer et quitter").click()
    expect(page.locator("#brouillons .item-row")).to_have_count(1)
    expect(page.locator("#boite-envoi .item-row")).to_have_count(2)
    expect(badge.locator('[data-role="network"]')).to_have_text("Hors ligne")
    page.screenshot(path="/tmp/tablette-hors-ligne-1280x800.png", full_page=True)
    assert _submissions(live_server, version_id) == []

    # The connection drops in the middle of the first sync: the server stores the interview but
    # the answer never reaches the tablet.
    cut = {"count": 0}

    def cut_after_processing(route):
        if cut["count"] == 0:
            response = route.fetch()  # the server processes the request…
            cut["count"] += 1
            cut["status"] = response.status
            route.abort("connectionreset")  # …and the answer is lost
        else:
            route.continue_()

    page.route("**/api/v1/submissions", cut_after_processing)
    context.set_offline(False)
    expect(badge.locator('[data-role="network"]')).to_have_text("En ligne")
    page.wait_for_function(
        "() => document.querySelector('[data-role=message]').textContent.includes('Connexion perdue')"
    )
    assert cut == {"count": 1, "status": 201}
    assert len(_submissions(live_server, version_id)) == 1
    expect(page.locator("#boite-envoi .item-row")).to_have_count(2)  # nothing left the outbox

    page.get_by_role("button", name="Synchroniser maintenant").click()
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    expect(badge.locator('[data-role="last-sync"]')).to_contain_text("Dernière synchronisation : ")
    expect(page.locator("#envoyes .item-row")).to_have_count(2)
    expect(page.locator("#boite-envoi .item-row")).to_have_count(0)
    expect(page.locator("#brouillons .item-row")).to_have_count(1)  # the draft stays on the tablet

    submissions = _submissions(live_server, version_id)
    assert len(submissions) == 2
    by_public = {submission.public: submission for submission in submissions}
    assert set(by_public) == {"age", "jeune"}
    senior = by_public["age"]
    assert (senior.age_band, senior.commune_code) == ("75_84", "37261")
    assert senior.quartier_id is not None
    assert senior.answers == {
        "statut": "locataire",
        "annees": 12,
        "besoin": "Un banc à l'arrêt de bus et des visites le dimanche.",
    }
    assert senior.consent_given and senior.consent_recorded_by
    assert senior.place == "CCAS, permanence du mardi"
    assert senior.channel == "tablette" and senior.device_id
    assert senior.started_at is not None and senior.completed_at is not None

    # Syncing again sends nothing more.
    page.get_by_role("button", name="Synchroniser maintenant").click()
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    assert len(_submissions(live_server, version_id)) == 2

    # The interviews page shows the same tablet's lists.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Entretiens"
    ).click()
    expect(page.get_by_role("heading", name="Envoyés (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Brouillons sur cette tablette (1)")).to_be_visible()
    expect(page.locator('#etat-synchronisation [data-role="pending"]')).to_have_text(
        "Aucun entretien en attente"
    )
    page.screenshot(path="/tmp/tablette-liste-1280x800.png", full_page=True)


def _publish_second_version(live_server, version_id: int) -> int:
    """Version 2 of the same questionnaire, with one more required question; returns its id."""
    with live_server.study_context():
        first = db.session.get(QuestionnaireVersion, version_id)
        definition = QuestionnaireModel.from_dict(first.definition)
        definition.children[0].children.append(
            Question("text", "chauffage", {"fr": "Comment vous chauffez-vous ?"}, required=True)
        )
        second = QuestionnaireVersion(
            number=2, status=PUBLISHED, definition=definition.to_dict(), published_at=utcnow()
        )
        first.questionnaire.versions.append(second)
        db.session.commit()
        return second.id


def _revoke_tokens_of(live_server, email: str) -> None:
    from consultation.accounts.devices import DeviceToken
    from consultation.accounts.tokens import revoke_token

    with live_server.study_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        for device_token in db.session.scalars(select(DeviceToken).filter_by(user_id=user.id)):
            revoke_token(device_token, None)
        db.session.commit()


def test_a_revoked_tablet_keeps_its_outbox_says_so_and_sends_after_a_password_login(
    page, context, live_server
):
    from tests.browser.conftest import PASSWORD

    email = live_server.login(page, "enqueteur")
    version_id = _assigned_questionnaire(live_server, email)
    _ready_offline(page, live_server)
    badge = page.locator("#etat-synchronisation")

    context.set_offline(True)
    _fill_interview(
        page,
        public="Jeune (16–25 ans)",
        age_band="18–25 ans",
        statut="Locataire",
        besoin="Un lieu pour réviser le soir.",
    )
    expect(badge.locator('[data-role="pending"]')).to_have_text("1 entretien en attente d'envoi")
    # While the interview waits, the questionnaire gets a new version and the tablet's token is
    # revoked from the back office (say it was reported lost, then found).
    second_id = _publish_second_version(live_server, version_id)
    _revoke_tokens_of(live_server, email)

    context.set_offline(False)
    alert = badge.locator('[data-role="login-needed"]')
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("n'est plus autorisée à envoyer les entretiens")
    expect(alert).to_contain_text("Ils restent enregistrés sur la tablette")
    expect(page.locator("#boite-envoi .item-row")).to_contain_text(
        "reconnectez-vous avec votre mot de passe"
    )
    # The session the tablet still holds is not enough to be trusted again.
    page.get_by_role("button", name="Synchroniser maintenant").click()
    expect(badge.locator('[data-role="sync-now"]')).to_have_text("Synchroniser maintenant")
    expect(alert).to_be_visible()
    expect(page.locator("#boite-envoi .item-row")).to_have_count(1)
    assert _submissions(live_server, version_id) == []

    alert.get_by_role("link", name="Me reconnecter pour les envoyer").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    expect(alert).to_be_hidden()
    stored = _submissions(live_server, version_id)
    assert len(stored) == 1 and stored[0].public == "jeune"
    # Made on version 1, stored against version 1 although version 2 is now current.
    assert _submissions(live_server, second_id) == []
