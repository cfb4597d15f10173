"""A chargé d'étude types in a paper questionnaire, then corrects it, in Chromium with CSRF on."""

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from submission_records import definition  # noqa: E402

from consultation.accounts.models import utcnow  # noqa: E402
from consultation.extensions import db  # noqa: E402
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.territory.models import Commune  # noqa: E402


@pytest.fixture()
def paper_questionnaire(live_server):
    with live_server.study_context():
        if db.session.get(Commune, "37261") is None:
            db.session.add(Commune(insee_code="37261", name="Tours"))
        questionnaire = Questionnaire(title="Questionnaire papier du CCAS")
        questionnaire.versions.append(
            QuestionnaireVersion(
                number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
            )
        )
        db.session.add(questionnaire)
        db.session.commit()
        return questionnaire.id


def test_paper_entry_then_correction_with_history(live_server, page, paper_questionnaire):
    live_server.login(page, "charge_etude")
    page.goto(
        f"{live_server.url}/etudes/etude-test/reponses/questionnaire/{paper_questionnaire}/papier"
    )

    # Nothing chosen yet: the public is asked for, never assumed, and the missing answers are
    # listed by their questions' labels.
    page.get_by_role("button", name="Enregistrer la saisie").click()
    errors = page.locator("#entry-errors")
    expect(errors).to_contain_text("Public : Indiquez le public de la personne interrogée.")
    expect(errors).to_contain_text("Quel âge avez-vous ? : Cette question est obligatoire.")
    expect(errors).not_to_contain_text("answers.")

    page.get_by_label("Public").select_option("jeune")
    page.get_by_label("Tranche d'âge").select_option("18_25")
    page.get_by_label("Commune").select_option("37261")
    # Saving without the consent or the required answers: every problem is listed, nothing stored.
    page.get_by_role("button", name="Enregistrer la saisie").click()
    expect(errors).not_to_contain_text("Public :")
    expect(errors).to_contain_text("Quel âge avez-vous ?")

    page.get_by_label(re.compile("^Quel âge avez-vous")).fill("19")
    page.get_by_label("Locataire").check()
    page.get_by_role("button", name="Enregistrer la saisie").click()
    expect(page.locator("#entry-errors")).to_contain_text("consentement")

    page.get_by_label(re.compile("La personne a donné son consentement")).check()
    page.get_by_role("button", name="Enregistrer la saisie").click()
    page.wait_for_url(re.compile(r"/etudes/etude-test/reponses/\d+$"))
    expect(page.get_by_text("Questionnaire papier enregistré.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(["Jeune"])
    expect(page.get_by_text("Papier", exact=True)).to_be_visible()

    page.get_by_role("link", name="Corriger les réponses").click()
    age = page.get_by_label(re.compile("^Quel âge avez-vous"))
    expect(age).to_have_value("19")
    age.fill("20")
    page.get_by_label("Motif de la correction").fill("Âge mal recopié")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    page.wait_for_url(re.compile(r"/etudes/etude-test/reponses/\d+$"))
    history = page.locator("ol.history")
    expect(history).to_contain_text("Âge mal recopié")
    expect(history.locator("del")).to_have_text("19")
    expect(history.locator("ins")).to_have_text("20")


def test_a_correction_saved_after_another_change_keeps_what_was_typed(
    live_server, page, paper_questionnaire
):
    """The answers changed while the form was open (a tablet's correction, a colleague's edit):
    the save is refused in French, what was typed stays in the form, and saving again replaces
    the current answers knowingly."""
    from submission_records import stored_submission

    with live_server.study_context():
        questionnaire = db.session.get(Questionnaire, paper_questionnaire)
        submission_id = stored_submission(db, questionnaire, quartier=None).id
    live_server.login(page, "charge_etude")
    page.goto(f"{live_server.url}/etudes/etude-test/reponses/{submission_id}/modifier")
    age = page.get_by_label(re.compile("^Quel âge avez-vous"))
    expect(age).to_have_value("19")

    with live_server.study_context():
        from consultation.submissions.models import Submission

        submission = db.session.get(Submission, submission_id)
        submission.answers = submission.answers | {"age": 22}
        db.session.commit()

    age.fill("20")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    errors = page.locator("#entry-errors")
    expect(errors).to_contain_text("Ces réponses ont été modifiées entre-temps")
    expect(age).to_have_value("20")

    page.get_by_role("button", name="Enregistrer les corrections").click()
    page.wait_for_url(re.compile(rf"/etudes/etude-test/reponses/{submission_id}$"))
    history = page.locator("ol.history")
    expect(history.locator("del")).to_have_text("22")
    expect(history.locator("ins")).to_have_text("20")
