import re

import pytest
from sqlalchemy import func, select

from consultation.accounts.services import authenticate
from consultation.demo.seed import ABS_STUDY, DEMO_PASSWORD, DEMO_USERS
from consultation.submissions.assignments import versions_for
from consultation.submissions.models import Submission
from questionnaires.validation import validate_answers

pytestmark = pytest.mark.storage
DEMO = f"/etudes/{ABS_STUDY['slug']}"


def _in_demo_study():
    """The test reads what the demo wrote, in the demo's study."""
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    enter_study(find_study(ABS_STUDY["slug"]), None)


def _demo_client(app, email: str):
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_demo_loads_once_and_can_be_rerun(runner, db):
    first = runner.invoke(args=["demo", "--submissions", "40"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.fr" in first.output and DEMO_PASSWORD in first.output
    second = runner.invoke(args=["demo", "--submissions", "40"])
    assert second.exit_code == 0, second.output
    assert "déjà chargée" in second.output and "admin@demo.fr" in second.output
    _in_demo_study()
    assert db.session.scalar(select(func.count(Submission.id))) == 40
    for email, _role, _name in DEMO_USERS:
        assert authenticate(email, DEMO_PASSWORD) is not None
    # the enquêteurs find the questionnaire on their tablet
    enqueteur = authenticate("enqueteur@demo.fr", DEMO_PASSWORD)
    assert [version.model().form_id for version in versions_for(enqueteur, "enqueteur")] == [
        "abs_2026"
    ]


def test_demo_answers_are_valid_varied_and_cover_both_publics(runner, db):
    runner.invoke(args=["demo", "--submissions", "120"])
    _in_demo_study()
    submissions = db.session.scalars(select(Submission)).all()
    assert {submission.public for submission in submissions} == {"jeune", "age"}
    model = submissions[0].questionnaire_version.model()
    for submission in submissions:
        result = validate_answers(model, submission.answers)
        assert result.errors == [], (submission.id, [error.message for error in result.errors])
    texts = [submission.answers["manque_quartier"] for submission in submissions]
    assert len(set(texts)) > 0.8 * len(texts)


def test_demo_questionnaire_is_listed_with_its_form_id(app, runner, db):
    runner.invoke(args=["demo", "--submissions", "5"])
    charge = _demo_client(app, "charge@demo.fr")
    page = charge.get(f"{DEMO}/questionnaires/").get_data(as_text=True)
    assert "abs_2026" in page
    assert "None" not in page


def test_demo_is_analysed_and_the_collectif_reads_verbatims_at_once(app, runner, db):
    """The demo ends with the analysis run and half of the coded answers' pseudonymisation
    validated: the collectif's results page quotes verbatims, the review page still has work."""
    from consultation.coding.models import PseudonymisedAnswer
    from consultation.questionnaire_store.models import Questionnaire

    result = runner.invoke(args=["demo", "--submissions", "40", "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5123" in result.output
    assert "pseudonymisation validée pour" in result.output
    _in_demo_study()
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    records = db.session.scalars(select(PseudonymisedAnswer)).all()
    validated = [record for record in records if record.is_validated]
    assert records and 0 < len(validated) < len(records)
    collectif = _demo_client(app, "collectif@demo.fr")
    page = collectif.get(f"{DEMO}/analyse/{questionnaire.id}/resultats").get_data(as_text=True)
    quoted = 0
    for link in set(re.findall(r'href="(/etudes/[^/]+/analyse/\d+/resultats/code/\d+)"', page)):
        verbatims = collectif.get(link).get_data(as_text=True)
        quoted += (
            re.search(r'<ul class="verbatims">(.*?)</ul>', verbatims, re.S)
            .group(1)
            .count("<blockquote>")
        )
    assert quoted > 0
    # Run again: nothing is analysed or validated twice.
    again = runner.invoke(args=["demo", "--submissions", "40"])
    assert "Analyse déjà faite." in again.output
    assert len(
        [r for r in db.session.scalars(select(PseudonymisedAnswer)) if r.is_validated]
    ) == len(validated)
