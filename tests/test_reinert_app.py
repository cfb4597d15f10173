"""« Thèmes émergents » in the app: the classification job, its page by role, a class turned into a
code with suggestions, the IRaMuTeQ corpus and the classes CSV."""

import csv
import io

import pytest
from coding_records import coding_study
from lxml import html as lxml_html
from sqlalchemy import select

from consultation.coding.classes_models import EmergentClassification
from consultation.coding.models import Code, Suggestion
from consultation.coding.services import codebook_of, create_default_codebook
from consultation.jobs.models import Job
from consultation.submissions.services import edit_answers
from tests.test_reinert import BUS, HEALTH

pytestmark = pytest.mark.storage

# Doctors from the elderly, buses from the young: two themes, two publics.
ANSWERS = [("age", text) for text in HEALTH * 3] + [("jeune", text) for text in BUS * 3]


@pytest.fixture()
def study(db):
    return coding_study(db, answers=ANSWERS)


@pytest.fixture()
def coder(login):
    return login("charge_etude", name="Claire Codeuse")


def _url(study, rest=""):
    return f"/etudes/etude-test/analyse/{study['questionnaire'].id}/classes{rest}"


def _run(client, study, **form):
    data = {"questions": ["besoins"], "classes": "2", "segment_size": "40", **form}
    response = client.post(_url(study), data=data)
    assert response.status_code == 302
    return response


def _page(client, study, rest=""):
    response = client.get(_url(study, rest))
    assert response.status_code == 200
    return lxml_html.fromstring(response.get_data(as_text=True))


def _class_of_word(page, word):
    for section in page.xpath("//section[contains(@class, 'card')]"):
        words = [text.strip() for text in section.xpath(".//table//th[@scope='row']/text()")]
        if word in words[:2]:
            return section
    raise AssertionError(f"no class with « {word} » among its first words")


def test_a_coder_classifies_the_answers_and_reads_two_themes(db, study, coder):
    _run(coder, study)
    job = db.session.scalars(select(Job).where(Job.kind == "coding.classes")).one()
    assert job.status == "done", job.message
    run = db.session.scalars(select(EmergentClassification)).one()
    assert run.parameters["classes"] == 2 and run.questions == ["besoins"]
    assert len(run.fingerprint) == 64
    # No answer text is kept with the result.
    assert "médecin généraliste" not in str(run.result["segments"])

    page = _page(coder, study)
    svg = page.xpath("//figure//svg[@role='img']")
    assert svg and "Dendrogramme" in svg[0].xpath("string(.//title)")
    health = _class_of_word(page, "médecin")
    bus = _class_of_word(page, "bus")
    assert health is not bus
    assert "médecin" in health.xpath("string(.//blockquote)")
    # The elderly wrote about doctors: over-represented there, not in the buses' class.
    assert "Personne âgée" in health.xpath(
        "string(.//h3[.='Profils sur-représentés']/following-sibling::ul[1])"
    )
    assert "Personne âgée" not in bus.xpath(
        "string(.//h3[.='Profils sur-représentés']/following-sibling::ul[1])"
    )
    assert health.xpath(".//button[contains(., 'Créer un code')]") == []  # no codebook yet
    assert page.xpath("//a[contains(., 'Classes des segments (CSV)')]")
    [cloud] = health.xpath(".//figure[@class='cloud']/img")
    assert "médecin" in cloud.get("alt")
    image = coder.get(cloud.get("src"))
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert "médecin" in image.get_data(as_text=True)


def test_the_double_classification_has_classes_but_no_tree(db, study, coder):
    _run(coder, study, double="1")
    run = db.session.scalars(select(EmergentClassification)).one()
    assert run.parameters["double"] is True and run.result["splits"] == []
    page = _page(coder, study)
    assert page.xpath("//figure//svg") == []
    assert "Classification double" in page.xpath("string(//main)")
    assert _class_of_word(page, "médecin") is not _class_of_word(page, "bus")


def test_a_reader_sees_the_classes_without_the_original_answers(db, study, coder, login):
    _run(coder, study)
    reader = login("lecteur")
    page = _page(reader, study)
    health = _class_of_word(page, "médecin")
    # Pseudonymisation not validated yet: the typical segments wait for it.
    assert health.xpath(".//blockquote") == []
    assert "en attente de la validation" in health.xpath("string(.)")
    assert page.xpath("//main//form[@method='post']") == []
    assert page.xpath("//a[contains(., 'CSV')]") == []
    assert "Continuer dans IRaMuTeQ" not in page.xpath("string(//main)")
    assert reader.post(_url(study), data={"classes": "2"}).status_code == 403


def test_a_class_becomes_a_code_with_suggestions_to_decide(db, study, coder):
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    _run(coder, study)
    run = db.session.scalars(select(EmergentClassification)).one()
    health = next(item for item in run.result["classes"] if item["terms"][0][0] == "médecin")
    response = coder.post(_url(study, f"/{run.id}/{health['number']}/code"))
    assert response.status_code == 302
    code = db.session.scalars(select(Code).where(Code.name.like("Classe%"))).one()
    assert code.name == f"Classe {health['number']} : médecin, rendez-vous, cabinet"
    assert code.keywords[:2] == ["médecin", "rendez-vous"]
    assert code.codebook_id == codebook_of(study["questionnaire"].id).id
    suggestions = db.session.scalars(select(Suggestion).where(Suggestion.code_id == code.id)).all()
    assert len(suggestions) == 15
    assert {s.source for s in suggestions} == {"classes"} and {s.status for s in suggestions} == {
        "pending"
    }
    texts = {s.submission_id: s for s in suggestions}
    for submission in study["submissions"]:
        if submission.id in texts:
            assert (
                "médecin" in submission.answers["besoins"]
                or "soins" in submission.answers["besoins"]
            )
    follow = coder.get(response.headers["Location"])
    assert "15 suggestion(s)" in follow.get_data(as_text=True)


def test_unknown_class_or_bad_settings_are_refused_in_french(db, study, coder):
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    response = coder.post(
        _url(study),
        data={"questions": [], "classes": "2", "segment_size": "40"},
        follow_redirects=True,
    )
    assert "Questions : choisissez au moins une question" in response.get_data(as_text=True)
    response = coder.post(
        _url(study),
        data={"questions": ["besoins"], "classes": "deux", "segment_size": "40"},
        follow_redirects=True,
    )
    assert "Nombre de classes : un nombre entier est attendu." in response.get_data(as_text=True)
    assert db.session.scalars(select(Job).where(Job.kind == "coding.classes")).all() == []
    _run(coder, study)
    run = db.session.scalars(select(EmergentClassification)).one()
    response = coder.post(_url(study, f"/{run.id}/9/code"), follow_redirects=True)
    assert "Classe inconnue" in response.get_data(as_text=True)


def test_a_corpus_too_small_fails_the_job_with_a_french_message(db, study, coder):
    _run(coder, study, classes="15")
    job = db.session.scalars(select(Job).where(Job.kind == "coding.classes")).one()
    assert job.status == "failed"
    assert "trop petit pour 15 classes" in job.message
    page = _page(coder, study)
    assert "trop petit pour 15 classes" in page.xpath("string(//p[@role='alert'])")


def test_an_edited_answer_says_the_classes_are_out_of_date(db, study, coder):
    _run(coder, study)
    assert "relancez la classification" not in coder.get(_url(study)).get_data(as_text=True)
    submission = study["submissions"][0]
    edit_answers(
        submission, {**submission.answers, "besoins": "Plus de médecins, vite."}, by=coder.user
    )
    db.session.commit()
    assert "relancez la classification" in coder.get(_url(study)).get_data(as_text=True)


def test_the_iramuteq_corpus_and_the_classes_csv(db, study, coder):
    response = coder.get(
        _url(study, "/iramuteq.txt?questions=besoins&variables=public&variables=commune")
    )
    assert response.status_code == 200
    lines = response.get_data().decode("utf-8").splitlines()
    assert lines[0] == "**** *public_age *commune_37261"
    assert lines[1] == HEALTH[0]
    assert len(lines) == 60 and lines[-2] == "**** *public_jeune *commune_37261"

    _run(coder, study)
    run = db.session.scalars(select(EmergentClassification)).one()
    response = coder.get(_url(study, f"/{run.id}/classes.csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 30
    assert rows[0]["réponse"] == str(study["submissions"][0].id)
    assert rows[0]["texte"] == HEALTH[0] and rows[0]["segment"] == "1"
    assert len({row["classe"] for row in rows}) == 2


def test_the_demo_comes_with_emerging_themes(app, runner, db):
    result = runner.invoke(args=["demo", "--submissions", "200"])
    assert result.exit_code == 0, result.output
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    runs = []
    for slug in ("abs-2026-tours-metropole",):
        enter_study(find_study(slug), None)
        runs = db.session.scalars(select(EmergentClassification)).all()
    assert len(runs) == 1
    run = runs[0]
    assert run.questions == ["manque_quartier"] and len(run.result["classes"]) == 5
    assert all(item["terms"] for item in run.result["classes"])


def test_words_a_pseudonymisation_replaced_are_not_in_the_readers_word_lists():
    from types import SimpleNamespace

    from consultation.coding.classes import _hidden_words

    rows = [
        SimpleNamespace(
            pseudonymised=SimpleNamespace(
                spans=[{"text": "Kévin Martin", "kind": "PERSONNE"}, {"text": "06 12 34 56 78"}]
            )
        ),
        SimpleNamespace(pseudonymised=None),
    ]
    assert {"kevin", "martin"} <= _hidden_words(rows)
