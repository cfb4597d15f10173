"""Exports a chargé d'étude opens in a spreadsheet: one row per submission, repeats in their own
sheet, select_multiple as one column or 0/1 columns, and no formula smuggled in by an answer.
The file is prepared by a background job (immediate in the tests) and offered on the job's page."""

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from submission_records import publish, stored_submission, territory

pytestmark = pytest.mark.storage


@pytest.fixture()
def exported(login, db, make_user):
    questionnaire = publish(db)
    territory(db)
    enqueteur = make_user("enqueteur", name="Samir Benali")
    first = stored_submission(
        db,
        questionnaire,
        enqueteur,
        answers={
            "age": 19,
            "logement": "locataire",
            "aides": ["apl", "rsa"],
            "besoins": '=HYPERLINK("http://exemple.invalid","cliquez")',
            "menage": [{"lien": "@mère", "age_membre": 45}, {"lien": "frère", "age_membre": 12}],
        },
    )
    second = stored_submission(
        db,
        questionnaire,
        enqueteur,
        answers={
            "age": 23,
            "logement": "heberge",
            "besoins": "-2+3 transports en commun",
        },
    )
    charge = login("charge_etude")

    def download(**options):
        if not options:
            response = charge.get(
                f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/export"
            )
            assert response.status_code == 200, response.data[:500]
            return response
        return export_through_the_job(charge, questionnaire.id, options)

    return {
        "download": download,
        "first": first,
        "second": second,
        "questionnaire": questionnaire,
        "charge": charge,
    }


def export_through_the_job(client, questionnaire_id: int, options: dict):
    """What the chargée d'étude does: submit the form, follow to the export's page, click the link."""
    started = client.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire_id}/export", data=options
    )
    assert started.status_code == 302, started.data[:500]
    page = client.get(started.headers["Location"])
    assert page.status_code == 200
    link = re.search(
        r'href="([^"]+)"[^>]*data-export-download|data-export-download[^>]*href="([^"]+)"',
        page.get_data(as_text=True),
    )
    assert link is not None, page.get_data(as_text=True)
    response = client.get(link.group(1) or link.group(2))
    assert response.status_code == 200, response.data[:500]
    return response


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def test_export_form_is_shown_without_a_format(exported):
    page = exported["download"]().get_data(as_text=True)
    assert "Questions à choix multiples" in page and "Une colonne 0/1 par choix" in page


def test_xlsx_has_one_row_per_submission_with_labels_and_a_repeats_sheet(exported):
    sheets = _sheets(exported["download"](format="xlsx", headers="labels", multiple="joined").data)
    assert list(sheets) == ["reponses", "menage"]
    header, *rows = sheets["reponses"]
    assert len(rows) == 2
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    first = by_id[exported["first"].id]
    assert first["Quel âge avez-vous ?"] == 19
    assert first["Vous êtes…"] == "Locataire"
    assert first["Quelles aides percevez-vous ?"] == "APL ; RSA"
    assert first["Commune"] == "Tours" and first["Enquêteur"] == "Samir Benali"

    repeat_header, *repeat_rows = sheets["menage"]
    assert repeat_header[:2] == ("id_reponse", "rang")
    assert [(row[0], row[1]) for row in repeat_rows] == [
        (exported["first"].id, 1),
        (exported["first"].id, 2),
    ]


def test_formula_injection_is_neutralised_and_the_text_kept_as_typed(exported):
    content = exported["download"](format="xlsx", headers="codes", multiple="joined").data
    sheets = _sheets(content)
    header, *rows = sheets["reponses"]
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    # The answer reads as the resident gave it, with no apostrophe added…
    assert (
        by_id[exported["first"].id]["besoins"] == '=HYPERLINK("http://exemple.invalid","cliquez")'
    )
    assert by_id[exported["second"].id]["besoins"] == "-2+3 transports en commun"
    _, *repeat_rows = sheets["menage"]
    assert repeat_rows[0][2] == "@mère"
    # …but no cell is a formula: each is a text cell a spreadsheet shows as is.
    workbook = load_workbook(io.BytesIO(content))
    risky = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@"
    ]
    assert len(risky) == 3
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    # Numbers stay numbers.
    assert by_id[exported["second"].id]["age"] == 23


def test_interview_times_are_exported_in_the_study_time_zone(exported, db):
    from datetime import datetime, timezone

    from consultation.submissions.models import Submission

    first = db.session.get(Submission, exported["first"].id)
    first.started_at = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)  # 10:30 in Paris (winter)
    first.completed_at = datetime(
        2026, 7, 15, 10, 5, tzinfo=timezone.utc
    )  # 12:05 in Paris (summer)
    db.session.commit()
    sheets = _sheets(exported["download"](format="xlsx", headers="labels", multiple="joined").data)
    header, *rows = sheets["reponses"]
    row = dict(zip(header, next(row for row in rows if row[0] == first.id)))
    assert row["Début de l'entretien"] == datetime(2026, 1, 15, 10, 30)
    assert row["Fin de l'entretien"] == datetime(2026, 7, 15, 12, 5)

    archive = zipfile.ZipFile(
        io.BytesIO(exported["download"](format="csv", headers="codes", multiple="joined").data)
    )
    rows = csv.DictReader(
        io.StringIO(archive.read("reponses.csv").decode("utf-8-sig")), delimiter=";"
    )
    assert next(row for row in rows if row["id"] == str(first.id))["debut"] == "2026-01-15 10:30:00"


def test_select_multiple_as_0_1_columns(exported):
    sheets = _sheets(exported["download"](format="xlsx", headers="codes", multiple="columns").data)
    header, *rows = sheets["reponses"]
    assert {"aides/apl", "aides/rsa", "aides/aah"} <= set(header)
    assert "aides" not in header
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    first = by_id[exported["first"].id]
    assert (first["aides/apl"], first["aides/rsa"], first["aides/aah"]) == (1, 1, 0)
    # Not answered: empty, not a row of zeros that would read as "none of them".
    assert by_id[exported["second"].id]["aides/apl"] is None


def test_codes_join_select_multiple_with_spaces(exported):
    sheets = _sheets(exported["download"](format="xlsx", headers="codes", multiple="joined").data)
    header, *rows = sheets["reponses"]
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    assert by_id[exported["first"].id]["aides"] == "apl rsa"
    assert by_id[exported["first"].id]["logement"] == "locataire"


def test_csv_export_is_a_zip_with_the_repeats_file(exported):
    response = exported["download"](format="csv", headers="codes", multiple="joined")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["menage.csv", "reponses.csv"]
    text = archive.read("reponses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2
    first = next(row for row in rows if row["id"] == str(exported["first"].id))
    assert first["besoins"].startswith("'=HYPERLINK")
    repeat_rows = list(
        csv.reader(io.StringIO(archive.read("menage.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert repeat_rows[1][:3] == [str(exported["first"].id), "1", "'@mère"]


def test_export_follows_the_list_filters(exported, db):
    from consultation.submissions.models import Submission

    db.session.get(Submission, exported["second"].id).state = "validee"
    db.session.commit()
    sheets = _sheets(
        exported["download"](
            format="xlsx", headers="codes", multiple="joined", state="validee"
        ).data
    )
    _, *rows = sheets["reponses"]
    assert [row[0] for row in rows] == [exported["second"].id]


def test_csv_without_repeats_is_a_single_file_with_labels(login, db, make_user):
    from consultation.questionnaire_store.models import (
        PUBLISHED,
        Questionnaire,
        QuestionnaireVersion,
    )
    from questionnaires import Choice, ChoiceList, Question
    from questionnaires import Questionnaire as QuestionnaireModel

    model = QuestionnaireModel(
        title="Sans répétition",
        form_id="simple",
        children=[
            Question("select_multiple", "aides", {"fr": "Aides perçues"}, choice_list="aides")
        ],
        choice_lists={
            "aides": ChoiceList(
                "aides", [Choice("apl", {"fr": "APL"}), Choice("rsa", {"fr": "RSA"})]
            )
        },
    )
    questionnaire = Questionnaire(title="Sans répétition")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=None
        )
    )
    db.session.add(questionnaire)
    db.session.commit()
    territory(db)
    stored_submission(db, questionnaire, make_user("enqueteur"), answers={"aides": ["rsa"]})

    response = export_through_the_job(
        login("charge_etude"),
        questionnaire.id,
        {"format": "csv", "headers": "labels", "multiple": "columns"},
    )
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1
    assert rows[0]["Aides perçues : APL"] == "0" and rows[0]["Aides perçues : RSA"] == "1"
    assert rows[0]["Public"] == "Jeune (16–25 ans)"


def test_xlsx_reads_back_as_typed_whatever_the_answers_hold(login, db, make_user):
    """What a resident may type, read back from the file as a spreadsheet would: text kept as is
    (formula-like text stays text), numbers as numbers, what XML cannot carry dropped instead of
    failing the export, text longer than a cell holds cut at Excel's limit."""
    from datetime import datetime

    questionnaire = publish(db)
    territory(db)
    enqueteur = make_user("enqueteur", name="Zoé « Ça » & <Cie>")
    long_text = "Le bus passe trop tard. " * 2000  # 48,000 characters
    submission = stored_submission(
        db,
        questionnaire,
        enqueteur,
        answers={
            "prenom": "=1+1",
            "age": 42,
            "logement": "locataire",
            "aides": ["apl", "rsa"],
            "besoins": long_text,
            "menage": [
                {"lien": "sœur\x01\x07 aînée\x1f", "age_membre": 7},
                {"lien": "A&B <c> \"d\" 'e' \u00a0f\u202f!", "age_membre": 0},
                {"lien": "ligne 1\r\nligne 2\tfin 🚌", "age_membre": 99},
                {"lien": "  père  ", "age_membre": 1},
            ],
        },
    )
    charge = login("charge_etude")
    content = export_through_the_job(
        charge, questionnaire.id, {"format": "xlsx", "headers": "codes", "multiple": "joined"}
    ).data

    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["reponses", "menage"]
    header, cells = list(workbook["reponses"].iter_rows())
    header = [cell.value for cell in header]
    assert header[:3] == ["id", "uuid", "version"]
    assert header[-5:] == ["prenom", "age", "logement", "aides", "besoins"]
    values = {name: cell.value for name, cell in zip(header, cells)}
    assert values["id"] == submission.id and values["version"] == 1
    assert values["uuid"] == submission.client_uuid
    assert values["enqueteur"] == "Zoé « Ça » & <Cie>"
    assert values["age"] == 42 and isinstance(values["age"], int)
    assert values["aides"] == "apl rsa"
    assert isinstance(values["recue_le"], datetime)
    assert values["consentement"] == 1
    assert values["besoins"] == long_text[:32_767]
    formula_like = cells[header.index("prenom")]
    assert formula_like.value == "=1+1"
    assert formula_like.data_type == "s" and formula_like.quotePrefix

    repeat_header, *repeat_rows = [
        [cell.value for cell in line] for line in workbook["menage"].iter_rows()
    ]
    assert repeat_header == ["id_reponse", "rang", "lien", "age_membre"]
    assert [row[:2] for row in repeat_rows] == [[submission.id, rank] for rank in (1, 2, 3, 4)]
    assert [row[3] for row in repeat_rows] == [7, 0, 99, 1]
    assert [row[2] for row in repeat_rows] == [
        "sœur aînée",
        "A&B <c> \"d\" 'e' \u00a0f\u202f!",
        "ligne 1\r\nligne 2\tfin 🚌",
        "  père  ",
    ]
