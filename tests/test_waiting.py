"""« Ce qui vous attend »: each feature counts what waits for a role in one study, on the home
page (every study of the person, no study open) and on the study's own home page."""

import re

import pytest
from coding_records import ANSWERS, coding_study
from conftest import PASSWORD, STUDY

from analyse.nlp import text_hash
from consultation.coding.models import Coding
from consultation.coding.services import active_codes, create_default_codebook
from consultation.studies.scope import enter_study
from consultation.studies.services import add_member, create_study
from consultation.submissions.answer_table import write_answer_rows
from consultation.submissions.models import Assignment

pytestmark = pytest.mark.storage
OTHER = "/etudes/centre-social"


@pytest.fixture()
def two_studies(db, the_study, make_user):
    """Study A (the test's): 5 submissions, one « à vérifier », one validated, one rejected, two
    « reçues »; one coding settled, one « à revoir ». Study B: 3 submissions « reçues », nothing
    coded. An enquêteur member of both, with a questionnaire assigned in A only."""
    records = coding_study(db)
    submissions = records["submissions"]
    for submission, state in zip(submissions, ["a_verifier", "validee", "rejetee"]):
        submission.state = state
    write_answer_rows(submissions)
    coder = make_user("charge_etude", email="claire@ccas-tours.fr")
    codebook = create_default_codebook(records["questionnaire"])
    code = active_codes(codebook)[0]
    for submission, needs_review in ((submissions[1], False), (submissions[3], True)):
        text = submission.answers["besoins"]
        db.session.add(
            Coding(
                submission_id=submission.id,
                path="besoins",
                start=0,
                end=10,
                code_id=code.id,
                coder_id=coder.id,
                text_hash=text_hash(text),
                needs_review=needs_review,
            )
        )
    enqueteur = make_user("enqueteur", email="karim@ccas-tours.fr")
    db.session.add(
        Assignment(questionnaire_id=records["questionnaire"].id, enumerator_id=enqueteur.id)
    )
    db.session.commit()

    other = create_study("Consultation du centre social", 2026, slug="centre-social")
    add_member(other, enqueteur, "enqueteur")
    db.session.commit()
    enter_study(other, None)
    other_records = coding_study(db, answers=ANSWERS[:3])
    enter_study(the_study, None)
    return {"a": records, "b": other_records, "other": other, "enqueteur": enqueteur}


def _client(app, email):
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _waiting_by_study(page: str) -> dict[str, list[str]]:
    """{study name: ["2 réponses reçues à relire", …]} as the home page lists them (sorted)."""
    found = {}
    for card in page.split("<h2>Plateforme")[0].split('<li class="card">')[1:]:
        name = re.search(r"<strong>(.*?)</strong>", card).group(1)
        waiting = re.search(r'<ul class="waiting">(.*?)</ul>', card, re.S)
        found[name] = sorted(re.findall(r">([^<>]+)</a></li>", waiting.group(1))) if waiting else []
    return found


def _links(page: str) -> dict[str, str]:
    """{text: href} of the study home page's « Ce qui vous attend »."""
    waiting = re.search(r'<ul class="waiting">(.*?)</ul>', page, re.S).group(1)
    return {text: href for href, text in re.findall(r'<a href="([^"]*)">([^<]*)</a>', waiting)}


def test_a_charge_d_etude_sees_what_waits_in_their_study_only(app, two_studies, db):
    page = _client(app, "claire@ccas-tours.fr").get("/accueil").get_data(as_text=True)
    assert _waiting_by_study(page) == {
        # 7 free-text answers, 1 of them in the rejected submission, 2 coded: 4 to code.
        "Étude de test": sorted(
            [
                "4 réponses libres à coder",
                "1 codage à revoir",
                "2 réponses reçues à relire",
                "1 réponse à vérifier",
            ]
        )
    }


def test_the_links_open_the_study_s_lists_filtered(app, two_studies, db):
    client = _client(app, "claire@ccas-tours.fr")
    page = client.get(f"{STUDY}/").get_data(as_text=True)
    links = _links(page)
    qid = two_studies["a"]["questionnaire"].id
    assert (
        links["2 réponses reçues à relire"] == f"{STUDY}/reponses/questionnaire/{qid}?state=recue"
    )
    assert links["1 codage à revoir"] == f"{STUDY}/analyse/{qid}/coder/besoins?revoir=1"
    assert links["4 réponses libres à coder"] == f"{STUDY}/analyse/"
    for href in links.values():
        assert client.get(href).status_code == 200
    listed = client.get(links["1 réponse à vérifier"]).get_data(as_text=True)
    submission = two_studies["a"]["submissions"][0]
    assert f'href="{STUDY}/reponses/{submission.id}"' in listed


def test_an_administrator_sees_each_study_with_its_own_counts(app, two_studies, db, make_user):
    make_user("admin", email="alice@plateforme.fr")
    page = _client(app, "alice@plateforme.fr").get("/accueil").get_data(as_text=True)
    waiting = _waiting_by_study(page)
    # 3 answers and 2 instances of the repeat, nothing coded.
    assert waiting["Consultation du centre social"] == [
        "3 réponses reçues à relire",
        "5 réponses libres à coder",
    ]
    assert "1 codage à revoir" in waiting["Étude de test"]


def test_an_enqueteur_sees_the_questionnaires_assigned_to_them_per_study(app, two_studies, db):
    client = _client(app, "karim@ccas-tours.fr")
    page = client.get("/accueil").get_data(as_text=True)
    assert _waiting_by_study(page) == {
        "Consultation du centre social": [],
        "Étude de test": ["1 questionnaire à mener"],
    }
    assert "Rien ne vous attend ici pour l'instant." in page
    home = client.get(f"{STUDY}/").get_data(as_text=True)
    assert f'<a href="{STUDY}/entretiens/">1 questionnaire à mener</a>' in home
    assert "Rien ne vous attend" in client.get(f"{OTHER}/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["collectif", "lecteur"])
def test_readers_have_nothing_waiting(app, two_studies, db, make_user, role):
    make_user(role, email=f"{role}@ccas-tours.fr")
    page = _client(app, f"{role}@ccas-tours.fr").get("/accueil").get_data(as_text=True)
    assert _waiting_by_study(page) == {"Étude de test": []}
