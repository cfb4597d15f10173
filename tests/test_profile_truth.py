"""One profile, told truly: the words read out before an interview, age bands that agree with the
publics, and a profile contradicted by an answer flagged in the back office."""

import pytest
from submission_records import payload, publish, stored_submission, territory

from consultation.submissions.assignments import AGE_BANDS_BY_PUBLIC
from consultation.submissions.contradictions import age_question, profile_contradiction
from consultation.submissions.models import AGE_BAND_BOUNDS, AGE_BANDS
from questionnaires import Group, Question
from questionnaires import Questionnaire as QuestionnaireModel
from tests.conftest import STUDY

pytestmark = pytest.mark.storage


def test_the_consent_words_say_what_is_collected_and_what_becomes_of_it(login, db, the_study):
    the_study.retention_months = 24
    the_study.notice_controller = "CCAS de Tours, 3 rue Jules Simon"
    the_study.notice_dpo = "dpo@ccas-tours.fr"
    db.session.commit()
    enqueteur = login("enqueteur")
    study = enqueteur.get(f"{STUDY}/entretiens/bootstrap.json").get_json()["study"]
    words = study["consent_text"]
    assert "anonyme" not in words.lower()
    for truth in (
        "CCAS de Tours, 3 rue Jules Simon",
        "votre commune ou votre quartier, votre tranche d'âge, votre sexe",
        "pseudonymisées",
        "gardées 24 mois après l'entretien, puis effacées",
        "code de récépissé",
        "http://localhost/mes-reponses/",
        "dpo@ccas-tours.fr",
    ):
        assert truth in words, truth


def test_the_tablet_script_reads_the_servers_words_not_a_promise_of_anonymity():
    from pathlib import Path

    script = Path("consultation/static/js/tablet/app.js").read_text(encoding="utf-8")
    assert "sont anonymes" not in script and "consent_text" in script


def test_each_public_offers_only_bands_inside_its_ages():
    publics = {"jeune": (16, 25), "age": (60, 130)}
    for public, (low, high) in publics.items():
        for band in AGE_BANDS_BY_PUBLIC[public]:
            band_low, band_high = AGE_BAND_BOUNDS[band]
            assert low <= band_low and band_high <= high, (public, band)
    assert "moins_15" not in AGE_BANDS_BY_PUBLIC["jeune"]
    assert "15_17" not in AGE_BANDS_BY_PUBLIC["jeune"]
    # Every age from 0 to 110 has exactly one band among those offered.
    offered = {band for bands in AGE_BANDS_BY_PUBLIC.values() for band in bands}
    for age in range(0, 111):
        fits = [
            band for band in offered if AGE_BAND_BOUNDS[band][0] <= age <= AGE_BAND_BOUNDS[band][1]
        ]
        assert len(fits) == 1, (age, fits)


def test_the_tablet_downloads_the_bands_of_each_public(login, db):
    options = (
        login("enqueteur").get(f"{STUDY}/entretiens/bootstrap.json").get_json()["profile_options"]
    )
    assert options["age_bands_by_public"]["jeune"] == ["16_17", "18_25"]
    labels = {option["value"]: option["label"] for option in options["age_bands"]}
    assert labels["16_17"] == "16–17 ans"


def test_the_old_15_17_band_is_still_read_but_put_aside(app, db, make_user):
    from submission_records import device_token

    from consultation.submissions.models import Assignment

    enqueteur = make_user("enqueteur")
    token = device_token(db, enqueteur)
    questionnaire = publish(db)
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
    db.session.commit()
    territory(db)
    response = app.test_client().post(
        "/api/v1/submissions",
        json=payload(questionnaire.id, profile={"public": "jeune", "age_band": "15_17"}),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201 and response.get_json()["state"] == "a_verifier"
    assert AGE_BANDS["15_17"].startswith("15–17 ans")


def _model(*children):
    return QuestionnaireModel(title="T", form_id="t", children=list(children))


def test_the_age_question_is_found_by_its_form_not_a_fixed_name():
    assert age_question(_model(Question("integer", "Âge", {"fr": "Votre âge"}))) == "Âge"
    assert (
        age_question(_model(Question("integer", "age_repondant", {"fr": "Quel âge avez-vous ?"})))
        == "age_repondant"
    )
    # A text « age », an integer of the household's repeat, an unrelated « age_logement »: no.
    assert age_question(_model(Question("text", "age", {"fr": "Âge"}))) is None
    household = Group(
        "menage", {"fr": "Foyer"}, repeat=True, children=[Question("integer", "age", {"fr": "Âge"})]
    )
    assert age_question(_model(household)) is None
    assert (
        age_question(_model(Question("integer", "age_logement", {"fr": "Ancienneté du logement"})))
        is None
    )


def test_a_profile_contradicted_by_the_answered_age_is_said():
    model = _model(Question("integer", "age", {"fr": "Quel âge avez-vous ?"}))
    message = profile_contradiction(model, "75_84", {"age": 67})
    assert "« 75–84 ans »" in message and "67 ans" in message
    assert profile_contradiction(model, "60_74", {"age": 67}) is None
    assert profile_contradiction(model, "75_84", {}) is None
    assert profile_contradiction(model, "", {"age": 67}) is None


def test_the_review_page_and_the_list_flag_the_contradiction(login, db):
    questionnaire = publish(db)
    territory(db)
    contradicted = stored_submission(
        db,
        questionnaire,
        public="age",
        age_band="75_84",
        answers=payload(questionnaire.id)["answers"] | {"age": 67},
    )
    fine = stored_submission(
        db,
        questionnaire,
        public="age",
        age_band="60_74",
        answers=payload(questionnaire.id)["answers"] | {"age": 67},
    )
    charge = login("charge_etude")
    page = charge.get(f"{STUDY}/reponses/{contradicted.id}").get_data(as_text=True)
    assert "Profil contredit par une réponse" in page and "67 ans" in page
    assert "Profil contredit" not in charge.get(f"{STUDY}/reponses/{fine.id}").get_data(
        as_text=True
    )

    from lxml import html as lxml_html

    listing = lxml_html.fromstring(
        charge.get(f"{STUDY}/reponses/questionnaire/{questionnaire.id}").get_data(as_text=True)
    )
    rows = {
        row.xpath(".//a")[0].text_content().strip(): row.text_content()
        for row in listing.xpath("//tbody/tr")
    }
    assert "Profil contredit" in rows[f"Réponse {contradicted.id}"]
    assert "Profil contredit" not in rows[f"Réponse {fine.id}"]
