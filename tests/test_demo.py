import re

import pytest
from sqlalchemy import func, select

from consultation.accounts.models import User
from consultation.accounts.services import authenticate
from consultation.demo.la_riche import LA_RICHE_STUDY, LA_RICHE_SUBMISSIONS, LA_RICHE_USERS
from consultation.demo.seed import ABS_STUDY, DEMO_PASSWORD, DEMO_USERS
from consultation.demo.verbatims import REMARKS
from consultation.questionnaire_store.models import Questionnaire
from consultation.studies.models import Membership, Study
from consultation.submissions.assignments import versions_for
from consultation.submissions.models import Submission
from questionnaires.validation import validate_answers

pytestmark = pytest.mark.storage
DEMO = f"/etudes/{ABS_STUDY['slug']}"
LA_RICHE = f"/etudes/{LA_RICHE_STUDY['slug']}"


def _in_demo_study(fields=ABS_STUDY):
    """The test reads what the demo wrote, in one of the demo's studies."""
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    enter_study(find_study(fields["slug"]), None)


def _demo_client(app, email: str):
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_demo_loads_once_and_can_be_rerun(runner, db):
    first = runner.invoke(args=["demo", "--submissions", "40"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.fr" in first.output and DEMO_PASSWORD in first.output
    assert "Questionnaire en ligne, pour les habitants" in first.output
    links = runner.invoke(args=["public-links", "--base-url", "https://exemple.fr"])
    assert links.exit_code == 0, links.output
    [public_url] = links.output.splitlines()
    assert public_url.startswith("https://exemple.fr/q/")
    second = runner.invoke(args=["demo", "--submissions", "40"])
    assert second.exit_code == 0, second.output
    assert "déjà chargée" in second.output and "admin@demo.fr" in second.output
    _in_demo_study()
    assert db.session.scalar(select(func.count(Submission.id))) == 40
    _in_demo_study(LA_RICHE_STUDY)
    assert db.session.scalar(select(func.count(Submission.id))) == LA_RICHE_SUBMISSIONS
    _in_demo_study()
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
    # Every open question reads as varied answers, not a handful of sentences recurring.
    for question in ("manque_quartier", "sante_precisions", "demarches_difficultes"):
        texts = [s.answers[question] for s in submissions if s.answers.get(question)]
        assert len(texts) >= 15, question
        assert len(set(texts)) > 0.8 * len(texts), question
        # …and no one remark behind them recurs in more than one answer in six.
        folded = [text.lower() for text in texts]
        for remark in {r for public in REMARKS[question].values() for r in public}:
            core = remark.split("{")[0][:40].lower()
            share = sum(core in text for text in folded) / len(texts)
            assert share <= 1 / 6, (question, remark, share)


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


def _counts(db) -> dict:
    """What the demo writes, over every study."""
    from consultation.coding.models import Code, Coding
    from consultation.studies.scope import ALL_STUDIES
    from consultation.submissions.models import Assignment
    from consultation.territory.models import Commune, Quartier

    return {
        model.__name__: db.session.scalar(
            select(func.count()).select_from(model).execution_options(**{ALL_STUDIES: True})
        )
        for model in (
            Study,
            User,
            Membership,
            Questionnaire,
            Submission,
            Assignment,
            Code,
            Coding,
            Commune,
            Quartier,
        )
    }


def test_demo_builds_two_studies_with_their_own_members_and_a_rerun_adds_nothing(runner, db):
    first = runner.invoke(args=["demo", "--submissions", "20"])
    assert first.exit_code == 0, first.output
    # The accounts are listed study by study.
    abs_part, la_riche_part = first.output.split(f"« {LA_RICHE_STUDY['name']} »")
    assert f"« {ABS_STUDY['name']} »" in abs_part and "charge@demo.fr" in abs_part
    for email, _role, _name in LA_RICHE_USERS:
        assert email in la_riche_part and email not in abs_part
        assert authenticate(email, DEMO_PASSWORD) is not None
    assert "collectif@demo.fr" in abs_part and "collectif@demo.fr" in la_riche_part
    counts = _counts(db)

    _in_demo_study(LA_RICHE_STUDY)
    study = db.session.scalar(select(Study).where(Study.slug == LA_RICHE_STUDY["slug"]))
    assert study.kind == "consultation" and [c.name for c in study.communes] == ["La Riche"]
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    model = questionnaire.current_published.model()
    assert model.form_id == "centre_social_la_riche_2026" and 6 <= len(model.questions()) <= 12
    submissions = db.session.scalars(select(Submission)).all()
    assert len(submissions) == LA_RICHE_SUBMISSIONS
    assert {submission.commune_code for submission in submissions} == {"37195"}
    assert len({submission.quartier_id for submission in submissions}) > 2
    for submission in submissions:
        assert validate_answers(model, submission.answers).errors == []
    texts = [submission.answers["manque"] for submission in submissions]
    assert len(set(texts)) > 0.8 * len(texts)
    from consultation.coding.services import active_codes, codebook_of

    assert 4 <= len(active_codes(codebook_of(questionnaire.id))) <= 10

    again = runner.invoke(args=["demo", "--submissions", "20"])
    assert again.exit_code == 0, again.output
    assert "déjà chargée" in again.output
    assert _counts(db) == counts


def test_each_demo_person_sees_only_the_studies_they_are_a_member_of(app, runner, db):
    assert runner.invoke(args=["demo", "--submissions", "5"]).exit_code == 0
    abs_pages = [f"{DEMO}/", f"{DEMO}/questionnaires/", f"{DEMO}/reponses/"]
    la_riche_pages = [f"{LA_RICHE}/", f"{LA_RICHE}/questionnaires/", f"{LA_RICHE}/reponses/"]

    charge_la_riche = _demo_client(app, "charge.lariche@demo.fr")
    assert [charge_la_riche.get(url).status_code for url in la_riche_pages] == [200, 200, 200]
    assert [charge_la_riche.get(url).status_code for url in abs_pages] == [404, 404, 404]
    home = charge_la_riche.get("/accueil").get_data(as_text=True)
    assert LA_RICHE_STUDY["name"] in home and ABS_STUDY["name"] not in home

    charge_abs = _demo_client(app, "charge@demo.fr")
    assert [charge_abs.get(url).status_code for url in abs_pages] == [200, 200, 200]
    assert [charge_abs.get(url).status_code for url in la_riche_pages] == [404, 404, 404]

    for email in ("enqueteur.lariche@demo.fr", "lecteur.lariche@demo.fr"):
        member = _demo_client(app, email)
        assert member.get(f"{LA_RICHE}/").status_code == 200
        assert member.get(f"{DEMO}/").status_code == 404
    for email in ("enqueteur@demo.fr", "lecteur@demo.fr"):
        member = _demo_client(app, email)
        assert member.get(f"{DEMO}/").status_code == 200
        assert member.get(f"{LA_RICHE}/").status_code == 404

    # The collectif member sits in both: both on the home page and in the switcher.
    collectif = _demo_client(app, "collectif@demo.fr")
    home = collectif.get("/accueil").get_data(as_text=True)
    assert ABS_STUDY["name"] in home and LA_RICHE_STUDY["name"] in home
    assert collectif.get(f"{DEMO}/").status_code == 200
    assert collectif.get(f"{LA_RICHE}/").status_code == 200


def test_demo_themes_set_the_indicators_file_beside_the_survey(app, runner, db):
    """The demo's indicator file (illustrative figures shaped like INSEE's and the CAF's) is
    imported, linked to the themes, and the ABS study compares Tours Métropole with Indre-et-Loire,
    Centre-Val de Loire and France: the mobility theme shows the file's figures."""
    from lxml import html as lxml_html

    result = runner.invoke(args=["demo", "--submissions", "40"])
    assert result.exit_code == 0, result.output
    _in_demo_study()
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    lecteur = _demo_client(app, "lecteur@demo.fr")
    response = lecteur.get(f"{DEMO}/analyse/{questionnaire.id}/themes/mobilite")
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    block = tree.find_class("indicator-block")[0]
    figures = [
        " ".join(item.text_content().split()) for item in block.find_class("indicator-figure")
    ]
    # PART_MEN_SANS_VOIT of the file, line by line: EPCI 21,9; 37 14,2; 24 13,1; France 18,9.
    assert figures == [
        "Tours Métropole Val de Loire (EPCI) 21,9 % INSEE · millésime 2023",
        "Indre-et-Loire (département) 14,2 % INSEE · millésime 2023",
        "Centre-Val de Loire (région) 13,1 % INSEE · millésime 2023",
        "France 18,9 % INSEE · millésime 2023",
    ]
    # Saint-Cyr-sur-Loire's RSA figure is secret in the file: said so, not zero.
    page = lecteur.get(
        f"{DEMO}/analyse/{questionnaire.id}/themes/acces-droits", query_string={"commune": "37214"}
    )
    tree = lxml_html.fromstring(page.get_data(as_text=True))
    rsa = next(
        block
        for block in tree.find_class("indicator-block")
        if "RSA" in block.find(".//h3").text_content()
    )
    assert "Saint-Cyr-sur-Loire (commune) secret statistique" in " ".join(
        rsa.text_content().split()
    )
    # A rerun imports nothing twice.
    again = runner.invoke(args=["demo", "--submissions", "40"])
    assert again.exit_code == 0, again.output
