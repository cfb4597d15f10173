"""« Chiffres de l'enquête »: the closed questions' figures as each role sees them, and exports."""

import csv
import io
import uuid

import openpyxl
import pandas as pd
import pytest
from lxml import html as lxml_html
from submission_records import definition, territory

from consultation.accounts.models import utcnow
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.submissions.models import Submission
from questionnaires import Question
from questionnaires import Questionnaire as QuestionnaireModel

pytestmark = pytest.mark.storage


def _questionnaire(db):
    model = QuestionnaireModel.from_dict(definition())
    model.children.append(
        Question("rating", "satisfaction", {"fr": "Satisfaction du quartier"}, start=1, end=5)
    )
    questionnaire = Questionnaire(title="Besoins des habitants")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def _answer(db, questionnaire, public, logement, *, state="recue", commune=None, **answers):
    db.session.add(
        Submission(
            client_uuid=str(uuid.uuid4()),
            content_hash="0" * 64,
            questionnaire_version_id=questionnaire.versions[0].id,
            public=public,
            age_band="18_25" if public == "jeune" else "60_74",
            sex="femme",
            commune_code=commune,
            state=state,
            answers={"logement": logement, **answers},
        )
    )


@pytest.fixture()
def survey(db):
    places = territory(db)
    questionnaire = _questionnaire(db)
    # 12 tenants (8 young in Tours, 4 old), 3 old owners, 1 rejected owner left out.
    for _ in range(8):
        _answer(db, questionnaire, "jeune", "locataire", commune="37261", satisfaction=4)
    for _ in range(4):
        _answer(db, questionnaire, "age", "locataire", aides=["apl"], satisfaction=2)
    for _ in range(3):
        _answer(db, questionnaire, "age", "proprietaire", commune="37122")
    _answer(db, questionnaire, "age", "proprietaire", state="rejetee")
    db.session.commit()
    return questionnaire, places


def _page(client, questionnaire, **query):
    response = client.get(
        f"/etudes/etude-test/analyse/{questionnaire.id}/chiffres", query_string=query
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_team_sees_every_count_with_its_interval(login, survey):
    questionnaire, _ = survey
    html = _page(login("charge_etude"), questionnaire)
    assert "Chiffres de l'enquête" in html and "15 répondant(s)" in html
    assert "Vous êtes…" in html and "Locataire" in html and "Propriétaire" in html
    # 12 tenants of 15: 80 %, Wilson 54,8–93,0; the old: 4 of 7, 57,1 %.
    assert "80,0 %" in html and "IC 54,8–93,0" in html
    assert "57,1 %" in html
    assert "Personne âgée (60 ans et plus)" in html and "n = 7" in html
    # The scale's mean: (8 × 4 + 4 × 2) / 12.
    assert "Moyenne" in html and "3,33" in html
    assert "&lt; 5" not in html


def test_the_collectif_sees_small_counts_masked(login, survey):
    questionnaire, _ = survey
    html = _page(login("collectif"), questionnaire)
    assert "&lt; 5" in html and "sont masqués" in html
    # 3 owners overall is small, and 12 tenants would give it back: both hidden then.
    assert "80,0 %" not in html
    html = _page(login("lecteur"), questionnaire, par="commune")
    assert "Tours" in html and "Joué-lès-Tours" in html and "Non renseigné" in html


def test_grouping_by_commune_names_the_communes(login, survey):
    questionnaire, _ = survey
    html = _page(login("charge_etude"), questionnaire, par="commune")
    assert "Joué-lès-Tours" in html and "n = 8" in html and "n = 3" in html
    # An unknown grouping falls back to the public.
    assert "Jeune (16–25 ans)" in _page(login("admin"), questionnaire, par="n-importe-quoi")


def _csv(client, questionnaire, **query):
    response = client.get(
        f"/etudes/etude-test/analyse/{questionnaire.id}/chiffres.csv", query_string=query
    )
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_holds_the_tables(login, survey):
    questionnaire, _ = survey
    rows = _csv(login("charge_etude"), questionnaire)
    assert rows[0][:5] == ["Question", "Libellé de la question", "Réponse", "Groupe", "Mesure"]
    line = next(row for row in rows if row[2] == "Locataire" and row[3] == "Ensemble")
    assert line[4:] == ["pourcentage", "12", "15", "80,0", "54,8", "93,0"]
    mean = next(
        row for row in rows if row[:1] == ["satisfaction"] and row[2:4] == ["Moyenne", "Ensemble"]
    )
    assert mean[5:8] == ["12", "12", "3,33"]
    masked = _csv(login("collectif"), questionnaire)
    line = next(row for row in masked if row[2] == "Propriétaire" and row[3] == "Ensemble")
    assert line[5] == "< 5" and line[7] == ""


def test_xlsx_export_holds_the_same_tables(login, survey):
    questionnaire, _ = survey
    response = login("charge_etude").get(
        f"/etudes/etude-test/analyse/{questionnaire.id}/chiffres.xlsx?par=sexe"
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Question"
    line = next(row for row in rows if row[2] == "Locataire" and row[3] == "Femme")
    assert line[5:8] == (12, 15, 80.0)


def test_unknown_export_format_is_not_found(login, survey):
    questionnaire, _ = survey
    response = login("charge_etude").get(
        f"/etudes/etude-test/analyse/{questionnaire.id}/chiffres.pdf"
    )
    assert response.status_code == 404


def test_the_figures_follow_every_change_of_the_answers(login, survey, db):
    """The answers read for the page are kept between requests: an edit, a rejection, a new
    answer or an erasure shows on the next request all the same."""
    from consultation.submissions.rights import erase_submissions
    from consultation.submissions.services import set_state

    questionnaire, _ = survey
    client = login("charge_etude")

    def respondents() -> str:
        tree = lxml_html.fromstring(_page(client, questionnaire))
        return tree.find_class("summary")[0].text_content().split("·")[0].strip()

    def owners() -> int:
        tree = lxml_html.fromstring(_page(client, questionnaire))
        row = next(r for r in tree.iter("tr") if r[0].text_content().strip() == "Propriétaire")
        return int(row[1].find_class("small")[0].text_content().split("·")[0])

    assert respondents() == "15 répondant(s), réponses rejetées exclues"
    assert owners() == 3

    tenant = db.session.scalars(
        db.select(Submission).where(Submission.public == "jeune").order_by(Submission.id)
    ).first()
    # As the back office's edit does it (edit_answers), through the ORM.
    tenant.answers = {**tenant.answers, "logement": "proprietaire"}
    db.session.commit()
    assert owners() == 4

    set_state(tenant, "rejetee", by=client.user, comment="Doublon")
    db.session.commit()
    assert respondents() == "14 répondant(s), réponses rejetées exclues"
    assert owners() == 3

    _answer(db, questionnaire, "age", "proprietaire")
    db.session.commit()
    assert respondents() == "15 répondant(s), réponses rejetées exclues"
    assert owners() == 4

    owner = db.session.scalars(
        db.select(Submission).where(Submission.commune_code == "37122")
    ).first()
    erase_submissions([owner.id], reason="la personne")
    db.session.commit()
    assert respondents() == "14 répondant(s), réponses rejetées exclues"
    assert owners() == 3


def test_odd_answer_documents_are_read_as_before(login, survey, db):
    """Documents in every shape a submission may hold (escapes, decimals, a boolean, a null, an
    old space-separated text, no object at all, NaN written by an older client on SQLite) give
    the same answers whichever way they are read, and the page still counts them."""
    from consultation.coding.survey_figures import (
        _read_answer_columns,
        _read_answer_documents,
        closed_questions,
        reference_model,
    )

    questionnaire, _ = survey
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    odd = [
        {"logement": 'héberg\u00e9 "chez"\n', "aides": ["apl", None], "satisfaction": 2.5},
        {"logement": None, "aides": "apl rsa", "satisfaction": True},
        ["pas", "un", "objet"],
        {},
    ]
    if sqlite:  # PostgreSQL's json refuses NaN: only SQLite may hold it
        odd.append({"logement": "locataire", "aides": ["rsa"], "satisfaction": float("nan")})
    for answers in odd:
        db.session.add(
            Submission(
                client_uuid=str(uuid.uuid4()),
                content_hash="0" * 64,
                questionnaire_version_id=questionnaire.versions[0].id,
                public="age",
                answers=answers,
            )
        )
    db.session.commit()

    names = [closed.name for closed, _ in closed_questions(reference_model(questionnaire))]
    documents = _read_answer_documents(questionnaire.id, names)
    assert len(documents) == 15 + len(odd)
    if sqlite:

        def plain(frame):  # a missing answer is missing, whether null or absent
            return frame.astype(object).where(frame.notna(), None)

        pd.testing.assert_frame_equal(
            plain(_read_answer_columns(questionnaire.id, names)), plain(documents)
        )
    html = _page(login("charge_etude"), questionnaire)
    assert f"{15 + len(odd)} répondant(s)" in html
