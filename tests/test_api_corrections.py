"""An interview corrected from the tablet after it was sent: stored as a revision of the
submission, codings following the text; refused in French, with nothing changed, when it is
another enquêteur's, when the back office changed it since, or when it is already closed."""

import copy
import re

import pytest
from french import assert_french
from sqlalchemy import func, select
from submission_records import device_token, payload, publish, territory

from analyse.nlp import text_hash
from consultation.coding.models import Coding
from consultation.coding.services import create_default_codebook
from consultation.studies.models import AuditEntry
from consultation.submissions.answer_table import AnswerText
from consultation.submissions.models import Assignment, Submission, SubmissionRevision

pytestmark = pytest.mark.storage

ORIGINAL = "Un logement plus proche de la fac."
CORRECTED = "Alors voilà : un logement plus proche de la fac, et moins cher."


@pytest.fixture()
def tablets(app, db, make_user):
    """Two enquêteurs, each with a device token, on the same assigned questionnaire."""
    questionnaire = publish(db)
    territory(db)
    clients = []
    for name in ("Camille Enquêtrice", "Sami Enquêteur"):
        enqueteur = make_user("enqueteur", name=name)
        token = device_token(db, enqueteur)
        db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
        client = app.test_client()
        client.user = enqueteur
        client.post_submission = lambda body, client=client, token=token: client.post(
            "/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        clients.append(client)
    db.session.commit()
    for client in clients:
        client.questionnaire = questionnaire
    return clients


def _sent(tablet):
    """An interview sent and acknowledged: (body, the server's answer)."""
    body = payload(tablet.questionnaire.id)
    response = tablet.post_submission(body)
    assert response.status_code == 201, response.get_json()
    return body, response.get_json()


def _correction(body, acknowledged, **answers):
    corrected = copy.deepcopy(body)
    corrected["answers"] |= answers
    corrected["corrects"] = acknowledged["content_hash"]
    return corrected


def _refused(response, code):
    assert response.status_code == 409, response.get_json()
    error = response.get_json()
    assert error["code"] == code
    assert_french(error["message"])
    assert "id" not in error
    return error["message"]


def _unchanged(db, submission_id):
    db.session.expire_all()
    submission = db.session.get(Submission, submission_id)
    assert submission.answers["besoins"] == ORIGINAL
    assert submission.revisions == []


def test_an_accepted_correction_replaces_the_answers_and_moves_the_coding(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    codebook = create_default_codebook(tablet.questionnaire)
    db.session.flush()
    start = ORIGINAL.index("logement")
    coding = Coding(
        submission_id=acknowledged["id"],
        path="besoins",
        start=start,
        end=start + len("logement"),
        code_id=codebook.codes[0].id,
        coder_id=tablet.user.id,
        text_hash=text_hash(ORIGINAL),
    )
    db.session.add(coding)
    db.session.commit()

    correction = _correction(body, acknowledged, besoins=CORRECTED)
    correction["profile"]["age_band"] = "16_17"
    response = tablet.post_submission(correction)

    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["id"] == acknowledged["id"] and answer["corrected"] is True
    assert answer["state"] == "recue"
    assert answer["content_hash"] != acknowledged["content_hash"]
    assert answer["receipt_code"] == acknowledged["receipt_code"]
    db.session.expire_all()
    submission = db.session.get(Submission, acknowledged["id"])
    assert submission.answers["besoins"] == CORRECTED
    assert submission.age_band == "16_17"
    # The coding still covers « logement » in the corrected text.
    coding = db.session.get(Coding, coding.id)
    assert CORRECTED[coding.start : coding.end] == "logement" and not coding.needs_review
    assert coding.text_hash == text_hash(CORRECTED)
    (revision,) = submission.revisions
    assert revision.action == "correction" and revision.user_id == tablet.user.id
    assert revision.before["answers"]["besoins"] == ORIGINAL
    assert revision.after["answers"]["besoins"] == CORRECTED
    assert (revision.before["age_band"], revision.after["age_band"]) == ("18_25", "16_17")
    # The analysis reads the corrected text.
    row = db.session.scalar(
        select(AnswerText).filter_by(submission_id=submission.id, path="besoins")
    )
    assert row.text == CORRECTED
    line = db.session.scalar(
        select(AuditEntry).filter_by(object_id=str(submission.id), action="correction")
    )
    assert line.user_id == tablet.user.id
    assert line.before == {"besoins": ORIGINAL, "age_band": "18_25"}
    assert line.after == {"besoins": CORRECTED, "age_band": "16_17"}


def test_the_same_correction_sent_twice_is_stored_once(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    correction = _correction(body, acknowledged, besoins=CORRECTED)
    first = tablet.post_submission(correction)
    again = tablet.post_submission(correction)  # the answer to the first was lost
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count(SubmissionRevision.id))) == 1
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_a_second_correction_follows_the_first(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    first = _correction(body, acknowledged, besoins=CORRECTED)
    answer = tablet.post_submission(first).get_json()
    second = _correction(first, answer, besoins=CORRECTED + " Merci.")
    assert tablet.post_submission(second).status_code == 200
    # The first acknowledgement is no longer the content: correcting from it is stale.
    stale = _correction(body, acknowledged, besoins="Autre chose.")
    _refused(tablet.post_submission(stale), "correction_perimee")
    db.session.expire_all()
    assert db.session.get(Submission, answer["id"]).answers["besoins"] == CORRECTED + " Merci."


def test_another_enqueteurs_interview_cannot_be_corrected_and_its_id_stays_hidden(tablets, db):
    camille, sami = tablets
    body, acknowledged = _sent(camille)
    response = sami.post_submission(_correction(body, acknowledged, besoins="Piraté."))
    message = _refused(response, "correction_introuvable")
    assert str(acknowledged["id"]) not in response.get_data(as_text=True)
    # The same answer as for an interview that was never received.
    unknown = _correction(payload(camille.questionnaire.id), acknowledged)
    assert _refused(sami.post_submission(unknown), "correction_introuvable") == message
    _unchanged(db, acknowledged["id"])


def test_a_correction_after_a_back_office_edit_is_refused(tablets, db, login):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    charge = login("charge_etude")
    edited = copy.deepcopy(body["answers"]) | {"besoins": ORIGINAL + " (vu au téléphone)"}
    response = charge.post(
        f"/etudes/etude-test/reponses/{acknowledged['id']}/modifier", json={"answers": edited}
    )
    assert response.status_code == 200 and response.get_json()["changed"]

    message = _refused(
        tablet.post_submission(_correction(body, acknowledged, besoins=CORRECTED)),
        "correction_perimee",
    )
    assert "modifié depuis votre dernier envoi" in message
    db.session.expire_all()
    submission = db.session.get(Submission, acknowledged["id"])
    assert submission.answers["besoins"] == ORIGINAL + " (vu au téléphone)"
    assert [revision.action for revision in submission.revisions] == ["edit"]


def test_a_stale_hash_is_refused(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    correction = _correction(body, acknowledged, besoins=CORRECTED)
    correction["corrects"] = "0" * 64
    _refused(tablet.post_submission(correction), "correction_perimee")
    _unchanged(db, acknowledged["id"])


@pytest.mark.parametrize(
    ("state", "words"),
    [("validee", "déjà validé : demandez à la chargée d'étude"), ("rejetee", "rejeté")],
)
def test_a_validated_or_rejected_interview_is_not_corrected_from_the_tablet(
    tablets, db, login, state, words
):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    charge = login("charge_etude")
    response = charge.post(
        f"/etudes/etude-test/reponses/{acknowledged['id']}/etat",
        data={"state": state, "comment": "Relu avec l'enquêtrice."},
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(Submission, acknowledged["id"]).state == state

    message = _refused(
        tablet.post_submission(_correction(body, acknowledged, besoins=CORRECTED)),
        "correction_close",
    )
    assert words in message
    db.session.expire_all()
    submission = db.session.get(Submission, acknowledged["id"])
    assert submission.answers["besoins"] == ORIGINAL
    assert [revision.action for revision in submission.revisions] == ["state"]


def test_an_invalid_correction_is_refused_by_field_and_changes_nothing(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    response = tablet.post_submission(_correction(body, acknowledged, age="dix-neuf"))
    assert response.status_code == 422
    error = response.get_json()
    assert_french(error["message"])
    assert "answers.age" in error["errors"]
    _unchanged(db, acknowledged["id"])


def test_a_malformed_hash_is_refused_by_field(tablets, db):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    correction = _correction(body, acknowledged, besoins=CORRECTED)
    correction["corrects"] = "zz"
    response = tablet.post_submission(correction)
    assert response.status_code == 422
    error = response.get_json()
    assert_french(error["errors"]["corrects"][0])
    _unchanged(db, acknowledged["id"])


def test_the_back_office_shows_the_correction_in_the_history(tablets, db, login):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    tablet.post_submission(_correction(body, acknowledged, besoins=CORRECTED))
    charge = login("charge_etude")
    page = charge.get(f"/etudes/etude-test/reponses/{acknowledged['id']}").get_data(as_text=True)
    history = page[page.index('id="historique"') :]
    assert "corrigée depuis la tablette" in history
    assert CORRECTED.replace("'", "&#39;") in history


def _form_version(page: str) -> str:
    """The version of the answers the edit page was read at (its form's data-version)."""
    found = re.search(r'id="entry-form"[^>]*data-version="([0-9a-f]{64})"', page)
    assert found, "the edit form carries the version of the answers it shows"
    return found.group(1)


def test_a_back_office_form_read_before_a_tablet_correction_does_not_overwrite_it(
    tablets, db, login
):
    tablet = tablets[0]
    body, acknowledged = _sent(tablet)
    charge = login("charge_etude")
    edit_url = f"/etudes/etude-test/reponses/{acknowledged['id']}/modifier"
    read_at = _form_version(charge.get(edit_url).get_data(as_text=True))

    # Meanwhile the enquêteur corrects the interview from the tablet.
    corrected = tablet.post_submission(_correction(body, acknowledged, besoins=CORRECTED))
    assert corrected.status_code == 200, corrected.get_json()

    typed = copy.deepcopy(body["answers"]) | {"besoins": ORIGINAL + " (vu au téléphone)"}
    response = charge.post(edit_url, json={"answers": typed, "version": read_at})

    assert response.status_code == 409
    refusal = response.get_json()
    assert_french(refusal["message"])
    assert "modifiées entre-temps" in refusal["message"]
    assert "rien n'a été enregistré" in refusal["message"]
    db.session.expire_all()
    submission = db.session.get(Submission, acknowledged["id"])
    assert submission.answers["besoins"] == CORRECTED
    assert [revision.action for revision in submission.revisions] == ["correction"]
    # The analysis reads the corrected text too.
    stored_text = select(AnswerText.text).where(
        AnswerText.submission_id == acknowledged["id"], AnswerText.path == "besoins"
    )
    assert db.session.scalars(stored_text).all() == [CORRECTED]

    # Saving again, after the message, replaces the corrected answers knowingly.
    again = charge.post(edit_url, json={"answers": typed, "version": refusal["version"]})
    assert again.status_code == 200 and again.get_json()["changed"]
    db.session.expire_all()
    submission = db.session.get(Submission, acknowledged["id"])
    assert submission.answers["besoins"] == ORIGINAL + " (vu au téléphone)"
    assert [revision.action for revision in submission.revisions] == ["correction", "edit"]


def test_of_two_back_office_forms_read_at_once_the_second_saved_is_refused(tablets, db, login):
    _, acknowledged = _sent(tablets[0])
    edit_url = f"/etudes/etude-test/reponses/{acknowledged['id']}/modifier"
    first, second = login("charge_etude"), login("charge_etude")
    versions = [
        _form_version(client.get(edit_url).get_data(as_text=True)) for client in (first, second)
    ]
    answers = db.session.get(Submission, acknowledged["id"]).answers
    saved = first.post(
        edit_url,
        json={"answers": answers | {"besoins": "Première version."}, "version": versions[0]},
    )
    assert saved.status_code == 200 and saved.get_json()["changed"]
    refused = second.post(
        edit_url,
        json={"answers": answers | {"besoins": "Seconde version."}, "version": versions[1]},
    )
    assert refused.status_code == 409 and "modifiées entre-temps" in refused.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Submission, acknowledged["id"]).answers["besoins"] == "Première version."
