"""A form with the same name in two groups and a select_one_from_file question, through the
import page, the command line, the export of the form and the export of the answers."""

import csv
import html
import io
import zipfile

import pytest
from sqlalchemy import func, select
from submission_records import stored_submission, territory
from test_exports import export_through_the_job
from test_xlsform import workbook_bytes

from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from questionnaires.xlsform import load_xlsform

pytestmark = pytest.mark.storage

IMPORT = "/etudes/etude-test/questionnaires/importer"
# As Excel saves a CSV on a French computer: Windows-1252 and semicolons.
COMMUNES = "name;label;dep\r\n37261;Tours;37\r\n37050;Chambray-lès-Tours;37\r\n41018;Blois;41\r\n"


def touraine_form(*, departement_on_the_first_page: bool = False) -> bytes:
    departement = ["select_one departements", "departement", "Département", None]
    first_page = [departement] if departement_on_the_first_page else []
    second_page = [] if departement_on_the_first_page else [departement]
    return workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "choice_filter"],
                ["begin group", "menage", "Votre ménage", None],
                ["integer", "age", "Âge de la personne de référence", None],
                *first_page,
                ["end group", None, None, None],
                ["begin group", "repondant", "Vous", None],
                ["integer", "age", "Votre âge", None],
                *second_page,
                [
                    "select_one_from_file communes.csv",
                    "commune",
                    "Commune",
                    "dep = ${departement}",
                ],
                ["end group", None, None, None],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["departements", "37", "Indre-et-Loire"],
                ["departements", "41", "Loir-et-Cher"],
            ],
            "settings": [["form_title", "form_id"], ["Touraine", "touraine"]],
        }
    )


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Questionnaire))


def _upload(client, attachments: dict[str, bytes]):
    data = {
        "file": (io.BytesIO(touraine_form()), "touraine.xlsx"),
        "attachments": [(io.BytesIO(payload), name) for name, payload in attachments.items()],
    }
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def test_the_import_page_takes_the_form_and_its_file_and_the_export_gives_both_back(login, db):
    designer = login("charge_etude")
    response = _upload(designer, {"communes.csv": COMMUNES.encode("cp1252")})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    model = questionnaire.latest.model()
    communes = model.choice_lists["communes.csv"]
    assert communes.file == "communes.csv"
    assert [choice.label["fr"] for choice in communes.choices] == [
        "Tours",
        "Chambray-lès-Tours",
        "Blois",
    ]
    assert model.find("menage:age") and model.find("repondant:age")

    exported = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire.id}/exporter")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    assert "touraine-v1-brouillon.zip" in exported.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert sorted(archive.namelist()) == ["communes.csv", "touraine-v1-brouillon.xlsx"]
        again = load_xlsform(
            archive.read("touraine-v1-brouillon.xlsx"),
            {"communes.csv": archive.read("communes.csv")},
        )
    assert again.errors == []
    assert again.questionnaire.to_dict() | {"version": ""} == model.to_dict() | {"version": ""}

    # the zip goes back in through the same page, as it came out
    response = designer.post(
        IMPORT,
        data={"file": (io.BytesIO(exported.data), "touraine-v1-brouillon.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))
    copy = db.session.scalars(select(Questionnaire).order_by(Questionnaire.id.desc())).first()
    assert copy.id != questionnaire.id
    assert copy.latest.model().choice_lists == model.choice_lists


@pytest.mark.parametrize(
    "attachments, expected",
    [
        (
            {},
            "Feuille « survey », ligne 8, colonne « type » : Le fichier « communes.csv » n'a pas "
            "été joint au formulaire",
        ),
        (
            {"communes.csv": b"code;libelle\n37261;Tours\n"},
            "Fichier joint « communes.csv », ligne 1, colonne « name » : La colonne « name » est "
            "absente du fichier",
        ),
    ],
)
def test_a_missing_or_unreadable_file_is_named_and_nothing_is_written(
    login, db, attachments, expected
):
    response = _upload(login("charge_etude"), attachments)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "rien n'a été enregistré" in page and expected in page
    assert _count(db) == 0


def test_only_csv_and_xml_files_can_be_attached(login, db):
    response = _upload(login("charge_etude"), {"communes.xlsx": b"PK"})
    assert "Seuls les fichiers .csv et .xml" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_the_command_line_takes_the_attached_files_and_writes_them_beside_the_export(
    runner, db, tmp_path
):
    form = tmp_path / "touraine.xlsx"
    form.write_bytes(touraine_form())
    communes = tmp_path / "communes.csv"
    communes.write_bytes(COMMUNES.encode("latin-1"))
    refused = runner.invoke(args=["import-xlsform", str(form)])
    assert refused.exit_code == 1 and "« communes.csv » n'a pas été joint" in refused.output
    assert _count(db) == 0

    result = runner.invoke(args=["import-xlsform", str(form), "--joint", str(communes)])
    assert result.exit_code == 0, result.output
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    out = tmp_path / "export"
    out.mkdir()
    exported = runner.invoke(
        args=["export-xlsform", str(questionnaire.id), str(out / "touraine.xlsx")]
    )
    assert exported.exit_code == 0, exported.output
    assert f"Fichier joint écrit à côté : {out / 'communes.csv'}" in exported.output
    again = load_xlsform(
        out / "touraine.xlsx", {"communes.csv": (out / "communes.csv").read_bytes()}
    )
    assert again.errors == []
    assert again.questionnaire.choice_lists == questionnaire.latest.model().choice_lists


def test_answers_export_keeps_both_ages_apart_and_labels_the_commune(login, db, make_user):
    model = load_xlsform(touraine_form(), {"communes.csv": COMMUNES.encode("cp1252")}).questionnaire
    questionnaire = Questionnaire(title="Touraine")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=None
        )
    )
    db.session.add(questionnaire)
    db.session.commit()
    territory(db)
    stored_submission(
        db,
        questionnaire,
        make_user("enqueteur"),
        answers={
            "menage:age": 52,
            "repondant:age": 19,
            "departement": "37",
            "commune": "37050",
        },
    )
    charge = login("charge_etude")
    by_codes = export_through_the_job(
        charge, questionnaire.id, {"format": "csv", "headers": "codes", "multiple": "joined"}
    )
    rows = list(csv.DictReader(io.StringIO(by_codes.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["menage:age"] == "52" and rows[0]["repondant:age"] == "19"
    assert rows[0]["commune"] == "37050"
    by_labels = export_through_the_job(
        charge, questionnaire.id, {"format": "csv", "headers": "labels", "multiple": "joined"}
    )
    rows = list(csv.DictReader(io.StringIO(by_labels.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["Commune"] == "Chambray-lès-Tours"
    assert rows[0]["Âge de la personne de référence"] == "52" and rows[0]["Votre âge"] == "19"


def test_a_resident_answers_online_with_the_files_communes_and_both_ages(client, app, db):
    import re

    from public_records import PROFILE, open_questionnaire

    from consultation.public.services import save_link
    from consultation.submissions.models import Submission

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    open_questionnaire(db)  # the study's territory
    model = load_xlsform(
        touraine_form(departement_on_the_first_page=True),
        {"communes.csv": COMMUNES.encode("cp1252")},
    ).questionnaire
    questionnaire = Questionnaire(title="Touraine")
    db.session.add(questionnaire)
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=None
        )
    )
    db.session.flush()
    link = save_link(
        questionnaire,
        {"version": questionnaire.versions[0], "open_link": True, "introduction": "Bonjour."},
        None,
    )
    db.session.commit()
    try:
        started = client.post(f"/q/{link.token}", data={"consentement": "oui"})
        secret = started.headers["Location"].rsplit("/", 1)[-1]
        url = client.post(
            f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"}
        ).headers["Location"]
        first = client.get(url).get_data(as_text=True)
        assert "Âge de la personne de référence" in first
        url = client.post(
            url, data={"menage:age": "52", "departement": "37", "action": "suivant"}
        ).headers["Location"]
        second = html.unescape(client.get(url).get_data(as_text=True))

        # the communes of the file, those of the département chosen on the page before
        commune = second.split('data-path="commune"')[1].split("</fieldset>")[0]
        assert "Tours" in commune and "Chambray-lès-Tours" in commune
        assert "Blois" not in commune
        uuid = re.search(r'name="client_uuid" value="([^"]+)"', second).group(1)
        sent = client.post(
            url,
            data={
                "repondant:age": "19",
                "commune": "37050",
                "action": "envoyer",
                "client_uuid": uuid,
            },
        )
        assert sent.status_code == 302, html.unescape(sent.get_data(as_text=True))
    finally:
        app.config.pop("PUBLIC_MIN_FILL_SECONDS", None)
    submission = db.session.scalars(select(Submission)).one()
    assert submission.answers == {
        "menage:age": 52,
        "repondant:age": 19,
        "departement": "37",
        "commune": "37050",
    }


def test_a_question_of_a_name_of_two_groups_is_edited_in_the_designer(login, db):
    designer = login("charge_etude")
    _upload(designer, {"communes.csv": COMMUNES.encode()})
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    url = f"/etudes/etude-test/questionnaires/{questionnaire.id}/questions/menage:age"
    assert "Âge de la personne de référence" in designer.get(url).get_data(as_text=True)
    response = designer.post(
        url,
        data={"type": "integer", "name": "menage:age", "label_fr": "Âge du chef de ménage"},
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))
    model = db.session.get(Questionnaire, questionnaire.id).latest.model()
    assert model.find("menage:age").label == {"fr": "Âge du chef de ménage"}
    assert model.find("repondant:age").label == {"fr": "Votre âge"}


def test_the_answer_table_and_an_edit_keep_two_texts_of_the_same_name_apart(login, db, make_user):
    from consultation.submissions.answer_table import AnswerText

    model = load_xlsform(
        workbook_bytes(
            {
                "survey": [
                    ["type", "name", "label"],
                    ["begin group", "menage", "Votre ménage"],
                    ["text", "remarque", "Une remarque sur le ménage"],
                    ["end group", None, None],
                    ["begin group", "quartier", "Votre quartier"],
                    ["text", "remarque", "Une remarque sur le quartier"],
                    ["end group", None, None],
                ]
            }
        )
    ).questionnaire
    questionnaire = Questionnaire(title="Remarques")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=None
        )
    )
    db.session.add(questionnaire)
    db.session.commit()
    territory(db)
    submission = stored_submission(
        db,
        questionnaire,
        make_user("enqueteur"),
        answers={"menage:remarque": "Trop petit", "quartier:remarque": "Pas de bus le soir"},
    )

    def rows():
        return {
            row.path: (row.question, row.text)
            for row in db.session.scalars(
                select(AnswerText)
                .where(AnswerText.submission_id == submission.id)
                .execution_options(populate_existing=True)
            )
        }

    assert rows() == {
        "menage:remarque": ("menage:remarque", "Trop petit"),
        "quartier:remarque": ("quartier:remarque", "Pas de bus le soir"),
    }
    response = login("charge_etude").post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={
            "answers": {"menage:remarque": "Trop petit", "quartier:remarque": "Un bus le soir"},
            "comment": "Relu",
        },
    )
    assert response.status_code == 200 and response.get_json()["changed"]
    assert rows()["quartier:remarque"] == ("quartier:remarque", "Un bus le soir")
    assert rows()["menage:remarque"] == ("menage:remarque", "Trop petit")
