"""Paper and fieldwork: the printable questionnaire (PDF of a published version) and the answers
so far by channel, public, commune and enquêteur against the study's targets."""

import io

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader
from submission_records import publish, stored_submission, territory

from consultation.accounts.models import utcnow
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from questionnaires import Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel
from questionnaires.paper import condition_text, paper_items
from tests.conftest import STUDY

pytestmark = pytest.mark.storage


def _model():
    return QuestionnaireModel(
        title="Vie quotidienne",
        form_id="vie",
        children=[
            Question("integer", "age", {"fr": "Quel âge avez-vous ?"}, required=True),
            Question(
                "select_multiple",
                "aides",
                {"fr": "Quelles aides percevez-vous ?"},
                choice_list="aides",
            ),
            Question(
                "paragraph",
                "transport",
                {"fr": "Comment vous déplacez-vous ?"},
                relevant="${age} >= 60 and selected(${aides}, 'apl')",
            ),
            Group(
                "menage",
                {"fr": "Personnes du foyer"},
                repeat=True,
                children=[Question("text", "lien", {"fr": "Lien avec vous"})],
            ),
        ],
        choice_lists={
            "aides": ChoiceList(
                "aides", [Choice("apl", {"fr": "APL"}), Choice("rsa", {"fr": "RSA"})]
            )
        },
    )


def test_a_condition_is_written_in_words_with_labels():
    text = condition_text(_model(), "${age} >= 60 and selected(${aides}, 'apl')")
    assert (
        text
        == "Si « Quel âge avez-vous ? » ≥ 60 et « Quelles aides percevez-vous ? » comprend « APL »"
    )
    assert condition_text(_model(), "") == ""


def test_paper_items_give_boxes_lines_and_repeats():
    items = {item.name: item for item in paper_items(_model())}
    assert items["aides"].answer == "many" and items["aides"].choices == ["APL", "RSA"]
    assert items["age"].answer == "number" and items["age"].required
    assert items["transport"].answer == "lines" and items["transport"].condition.startswith("Si ")
    assert items["menage"].kind == "repeat" and items["menage"].copies == 3


def _publish_model(db):
    questionnaire = Questionnaire(title="Vie quotidienne")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=_model().to_dict(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.commit()
    return questionnaire


def test_the_paper_questionnaire_is_a_pdf_with_its_version_questions_and_receipt_blank(login, db):
    questionnaire = _publish_model(db)
    charge = login("charge_etude")
    response = charge.get(f"{STUDY}/terrain/questionnaire/{questionnaire.id}/version/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    for expected in (
        "Vie quotidienne",
        "version 1",
        "Code de récépissé",
        "Quel âge avez-vous ?",
        "APL",
        "Si « Quel âge avez-vous ? » ≥ 60 et « Quelles aides percevez-vous ? » comprend « APL »",
        "Personnes du foyer",
        "16–17 ans",
    ):
        assert expected in flat, expected
    assert "anonymes" not in flat
    assert (
        charge.get(f"{STUDY}/terrain/questionnaire/{questionnaire.id}/version/9.pdf").status_code
        == 404
    )


def _rows(page: str, caption_id: str) -> dict:
    tree = lxml_html.fromstring(page)
    table = tree.xpath(f"//caption[@id='{caption_id}']/..")[0]
    return {
        row.xpath("./th")[0].text_content().strip(): [
            cell.text_content().strip() for cell in row.xpath("./td")
        ]
        for row in table.xpath("./tbody/tr")
    }


def test_the_fieldwork_page_counts_against_the_targets(login, db, the_study, make_user):
    questionnaire = publish(db)
    places = territory(db)
    the_study.communes = [places["tours"], places["joue"]]
    the_study.targets = {"publics": {"jeune": 4, "age": 2}, "communes": {"37261": 3, "37122": 5}}
    db.session.commit()
    camille = make_user("enqueteur", name="Camille Martin")
    sacha = make_user("enqueteur", name="Sacha Leroy")
    # By hand: 3 jeunes in Tours by Camille, 1 âgé in Joué by Sacha, 1 paper âgé in Joué,
    # and one rejected interview that does not count.
    for _ in range(3):
        stored_submission(db, questionnaire, camille)
    stored_submission(
        db, questionnaire, sacha, public="age", age_band="75_84", commune="37122", quartier=None
    )
    stored_submission(
        db,
        questionnaire,
        None,
        channel="papier",
        public="age",
        age_band="60_74",
        commune="37122",
        quartier=None,
    )
    rejected = stored_submission(db, questionnaire, sacha)
    rejected.state = "rejetee"
    db.session.commit()

    page = login("charge_etude").get(f"{STUDY}/terrain/").get_data(as_text=True)
    assert "5 réponses reçues" in page
    publics = _rows(page, "par-public")
    assert publics["Jeune (16–25 ans)"][:3] == ["3", "4", "1"]
    assert publics["Personne âgée (60 ans et plus)"][:3] == ["2", "2", "0"]
    communes = _rows(page, "par-commune")
    assert communes["Tours"][:3] == ["3", "3", "0"] and communes["Tours"][3] == "100 %"
    assert (
        communes["Joué-lès-Tours"][:3] == ["2", "5", "3"]
        and communes["Joué-lès-Tours"][3] == "40 %"
    )
    channels = _rows(page, "par-canal")
    assert (
        channels["Tablette"] == ["4"]
        and channels["Papier"] == ["1"]
        and channels["En ligne"] == ["0"]
    )
    people = _rows(page, "par-enqueteur")
    assert people["Camille Martin"] == ["3"] and people["Sacha Leroy"] == ["1"]
    assert people["Sans enquêteur"] == ["1"]


def test_a_paper_answer_is_typed_with_the_receipt_code_written_on_it(login, db):
    import uuid

    from consultation.submissions.models import Submission

    questionnaire = publish(db)
    territory(db)
    charge = login("charge_etude")
    body = {
        "uuid": str(uuid.uuid4()),
        "answers": {"age": 67, "logement": "proprietaire", "aides": []},
        "profile": {"public": "age", "age_band": "60_74", "commune": "37122", "quartier": None},
        "consent": {"given": True, "recorded_by": "Accueil du CCAS"},
        "receipt_code": "7k2m qx9d 4tbe",
    }
    url = f"{STUDY}/reponses/questionnaire/{questionnaire.id}/papier"
    response = charge.post(url, json=body)
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Submission, response.get_json()["id"]).receipt_code == "7K2M-QX9D-4TBE"
    other = charge.post(url, json=body | {"uuid": str(uuid.uuid4())})
    assert other.status_code == 422
    assert "déjà celui d'une autre réponse" in other.get_json()["errors"]["receipt_code"][0]


def test_targets_are_set_in_the_settings_with_each_bad_line_named(login, db, the_study):
    import html

    territory(db)
    charge = login("charge_etude")
    base = {
        "name": the_study.name,
        "kind": the_study.kind,
        "year": "2026",
        "state": the_study.state,
    }
    refused = charge.post(
        f"{STUDY}/reglages",
        data=base
        | {
            "target_jeune": "150",
            "commune_targets": "Tours : 200\nParis : 3\nJoué-lès-Tours : beaucoup",
        },
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert "Ligne 2 : commune « Paris » inconnue." in page
    assert "Ligne 3 : « beaucoup » n'est pas un nombre de réponses." in page
    db.session.expire_all()
    assert the_study.targets is None
    saved = charge.post(
        f"{STUDY}/reglages",
        data=base | {"target_jeune": "150", "commune_targets": "tours : 200\n37122 : 60"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert the_study.targets == {"publics": {"jeune": 150}, "communes": {"37261": 200, "37122": 60}}
    shown = charge.get(f"{STUDY}/reglages").get_data(as_text=True)
    assert "Tours : 200" in shown and "Joué-lès-Tours : 60" in html.unescape(shown)
