"""The questions on the tablet as the enquêteur meets them: page by page, with relevance,
constraints and calculations applied as they type, a review that shows what was computed, and a
draft that reopens at its page after the tab was closed."""

import itertools

from playwright.sync_api import expect
from sqlalchemy import select

from consultation.accounts.models import User, utcnow
from consultation.extensions import db
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.submissions.models import Assignment
from consultation.territory.models import Commune
from questionnaires import Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel

from .test_offline import _ready_offline, _submissions
from .test_offline_screens import SMALL_TARGETS

_numbers = itertools.count(1)


def _household_questionnaire(live_server, email: str) -> int:
    model = QuestionnaireModel(
        title="Foyer et mobilité",
        form_id=f"foyer_{next(_numbers)}",
        children=[
            Group(
                "foyer",
                {"fr": "Votre foyer"},
                children=[
                    Question(
                        "integer",
                        "age",
                        {"fr": "Quel âge avez-vous ?"},
                        required=True,
                        constraint=". >= 14 and . <= 110",
                        constraint_message={"fr": "Entre 14 et 110 ans."},
                    ),
                    Question(
                        "select_one",
                        "vit_seul",
                        {"fr": "Vivez-vous seul(e) ?"},
                        required=True,
                        choice_list="oui_non",
                    ),
                    Group(
                        "menage",
                        {"fr": "Personne du foyer"},
                        repeat=True,
                        relevant="${vit_seul} = 'non'",
                        children=[
                            Question("text", "lien", {"fr": "Lien avec vous"}, required=True),
                        ],
                    ),
                    Question(
                        "calculate",
                        "taille_foyer",
                        {"fr": "Nombre de personnes dans le foyer"},
                        calculation="if(${vit_seul} = 'oui', 1, count(${menage}) + 1)",
                    ),
                ],
            ),
            Group(
                "mobilite",
                {"fr": "Mobilité"},
                children=[
                    Question(
                        "select_one",
                        "permis",
                        {"fr": "Avez-vous le permis de conduire ?"},
                        choice_list="oui_non",
                        relevant="${age} <= 30",
                    ),
                    Question(
                        "rating",
                        "bus",
                        {"fr": "Êtes-vous satisfait(e) des bus ?"},
                        required=True,
                        start=1,
                        end=5,
                    ),
                ],
            ),
        ],
        choice_lists={
            "oui_non": ChoiceList(
                "oui_non", [Choice("oui", {"fr": "Oui"}), Choice("non", {"fr": "Non"})]
            )
        },
    )
    with live_server.study_context():
        if db.session.get(Commune, "37261") is None:
            db.session.add(Commune(insee_code="37261", name="Tours"))
        questionnaire = Questionnaire(title="Foyer et mobilité")
        version = QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=utcnow()
        )
        questionnaire.versions.append(version)
        db.session.add(questionnaire)
        db.session.flush()
        user = db.session.scalar(select(User).filter_by(email=email))
        db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=user.id))
        db.session.commit()
        return version.id


def _visible(page, label: str):
    return page.get_by_label(label, exact=True).locator("visible=true").first


def test_questions_apply_relevance_constraints_and_calculations_and_reopen_at_their_page(
    browser, live_server
):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 800, "height": 1280}, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        email = live_server.login(page, "enqueteur")
        version_id = _household_questionnaire(live_server, email)
        _ready_offline(page, live_server)
        context.set_offline(True)

        page.get_by_role("link", name="Nouvel entretien").first.click()
        # Before a commune is chosen, the quartier list says why it is empty.
        expect(page.get_by_label("Quartier")).to_contain_text("Choisissez d'abord la commune")
        page.get_by_label("Personne âgée (60 ans et plus)").check()
        page.get_by_label("75–84 ans").check()
        page.get_by_label("Commune de résidence").select_option(label="Tours")
        page.get_by_role("button", name="Domicile de la personne").click()
        page.get_by_role("button", name="Suivant : consentement").click()
        page.get_by_label("La personne a donné son consentement oral").check()
        page.get_by_role("button", name="Commencer le questionnaire").click()

        # A constraint stops the page, in French, next to the answer.
        page.get_by_label("Quel âge avez-vous ?").fill("120")
        _visible(page, "Non").check()
        page.get_by_role("button", name="Suivant", exact=True).click()
        expect(page.get_by_text("Entre 14 et 110 ans.").first).to_be_visible()
        page.get_by_label("Quel âge avez-vous ?").fill("22")
        # The household repeat appears only for someone who does not live alone.
        page.get_by_role("button", name="Ajouter : Personne du foyer").click()
        page.get_by_label("Lien avec vous").fill("Sa mère")
        page.get_by_role("button", name="Suivant", exact=True).click()
        # Asked of the under-30s only: shown for 22…
        expect(page.get_by_text("Avez-vous le permis de conduire ?")).to_be_visible()
        page.get_by_role("button", name="Précédent").click()
        page.get_by_label("Quel âge avez-vous ?").fill("81")
        page.get_by_role("button", name="Suivant", exact=True).click()
        # …and hidden for 81.
        expect(page.get_by_text("Êtes-vous satisfait(e) des bus ?")).to_be_visible()
        expect(page.get_by_text("Avez-vous le permis de conduire ?")).to_be_hidden()
        # The rating points are large enough for a finger.
        points = page.locator(".fr-rating-point:visible")
        expect(points).to_have_count(5)
        assert page.evaluate(SMALL_TARGETS) == []
        points.filter(has_text="4").click()
        expect(
            page.get_by_role("status").filter(has_text="Enregistré sur la tablette")
        ).to_be_visible()
        page.wait_for_function(
            """() => new Promise((resolve) => {
                const request = indexedDB.open("consultation-tablette");
                request.onsuccess = () => {
                  const drafts = request.result.transaction("drafts").objectStore("drafts").getAll();
                  drafts.onsuccess = () => resolve(drafts.result.some((draft) => draft.answers.bus === 4 && draft.page_index === 1));
                };
            })"""
        )

        # The tab is closed in the middle of the interview; offline, the draft waits at its page.
        page.close()
        page = context.new_page()
        page.goto(live_server.url + "/etudes/etude-test/entretiens/app")
        draft = page.locator("#brouillons .item-row")
        expect(draft).to_have_count(1)
        expect(draft).to_contain_text("Arrêté à l'étape questions, page 2")
        draft.get_by_role("link", name="Reprendre").click()
        expect(page.get_by_text("Êtes-vous satisfait(e) des bus ?")).to_be_visible()
        page.get_by_role("button", name="Suivant : relecture").click()

        review = page.locator(".review-list").last
        expect(review).to_contain_text("Nombre de personnes dans le foyer")
        expect(review).to_contain_text("2 (calculé)")
        expect(review).not_to_contain_text("permis")
        page.screenshot(path="/tmp/tablette-relecture-calcul-800x1280.png", full_page=True)
        page.get_by_role("button", name="Terminer").click()
        expect(page.locator("#boite-envoi .item-row")).to_have_count(1)

        context.set_offline(False)
        expect(page.locator('#etat-synchronisation [data-role="pending"]')).to_have_text(
            "Aucun entretien en attente"
        )
        (stored,) = _submissions(live_server, version_id)
        assert stored.answers["taille_foyer"] == 2
        assert stored.answers["menage"] == [{"lien": "Sa mère"}]
        assert stored.answers["bus"] == 4 and "permis" not in stored.answers
    finally:
        context.close()
