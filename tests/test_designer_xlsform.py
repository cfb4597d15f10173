"""XLSForm through the designer's pages: upload (good and bad files), export, round trip."""

import html
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultation.questionnaire_store.models import Questionnaire
from questionnaires.xlsform import load_xlsform

pytestmark = pytest.mark.storage

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def designer(login):
    return login("charge_etude")


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Questionnaire))


ATTACHED = DATA / "attachments" / "quartiers.csv"  # read by odk_jeunes.xlsx


def _upload(client, path: Path, **fields):
    data = {"file": (io.BytesIO(path.read_bytes()), path.name)} | fields
    if path.name == "odk_jeunes.xlsx" and "attachments" not in fields:
        data["attachments"] = [(io.BytesIO(ATTACHED.read_bytes()), ATTACHED.name)]
    return client.post(
        "/etudes/etude-test/questionnaires/importer", data=data, content_type="multipart/form-data"
    )


def test_import_a_good_file_shows_the_editor_and_warnings(designer, db):
    response = _upload(designer, DATA / "odk_jeunes.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    attached = {ATTACHED.name: ATTACHED.read_bytes()}
    expected = load_xlsform(DATA / "odk_jeunes.xlsx", attached).questionnaire
    model = questionnaire.latest.model()
    assert [q.name for q in model.questions()] == [q.name for q in expected.questions()]
    assert questionnaire.latest.status == "draft" and questionnaire.form_id == expected.form_id
    page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{len(expected.questions())} question(s)" in page
    warnings = load_xlsform(DATA / "odk_jeunes.xlsx", attached).warnings
    assert f"L'import a laissé {len(warnings)} avertissement" in page and "geopoint" in page
    assert page.count('class="flash flash-warning') == 1  # one list, not one box per warning
    # Shown once: the next visit of the editor is quiet.
    assert "avertissement" not in designer.get(response.headers["Location"]).get_data(as_text=True)


def test_import_with_a_title(designer, db):
    _upload(designer, DATA / "kobo_seniors.xlsx", title="Seniors 2025")
    assert db.session.scalars(select(Questionnaire)).one().title == "Seniors 2025"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("bad_duplicate_names.xlsx", "Feuille « survey », ligne 4, colonne « name »"),
        ("bad_unknown_type.xlsx", "Vouliez-vous dire « integer »"),
        ("bad_not_xlsx.xlsx", "pas un classeur Excel"),
        ("bad_unbalanced_groups.xlsx", "ligne 5"),
    ],
)
def test_import_a_bad_file_lists_every_error_and_writes_nothing(designer, db, filename, expected):
    before = _count(db)
    response = _upload(designer, DATA / filename)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "n'a pas été importé" in page and "rien n'a été enregistré" in page
    for issue in load_xlsform(DATA / filename).errors:
        assert str(issue) in page
    assert expected in page
    assert _count(db) == before


def test_upload_refuses_other_extensions(designer, db):
    response = designer.post(
        "/etudes/etude-test/questionnaires/importer",
        data={"file": (io.BytesIO(b"a;b"), "reponses.csv")},
        content_type="multipart/form-data",
    )
    assert "Seuls les fichiers .xlsx" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_upload_too_large_is_refused_in_french(app, designer, db):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = designer.post(
            "/etudes/etude-test/questionnaires/importer",
            data={"file": (io.BytesIO(b"x" * 5000), "gros.xlsx")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_export_then_reimport_gives_the_same_questionnaire(designer, db):
    _upload(designer, DATA / "abs_bilingue.xlsx")
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    response = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire.id}/exporter")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"{questionnaire.form_id}-v1-brouillon.xlsx" in response.headers["Content-Disposition"]
    again = load_xlsform(io.BytesIO(response.data))
    assert again.errors == []
    original = questionnaire.latest.model()
    assert again.questionnaire.to_dict() | {"version": ""} == original.to_dict() | {"version": ""}


def test_export_a_given_version(designer, db):
    _upload(designer, DATA / "odk_jeunes.xlsx")
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    assert (
        designer.get(
            f"/etudes/etude-test/questionnaires/{questionnaire.id}/exporter?version=1"
        ).status_code
        == 200
    )
    assert (
        designer.get(
            f"/etudes/etude-test/questionnaires/{questionnaire.id}/exporter?version=7"
        ).status_code
        == 404
    )


def test_kobo_metadata_rows_say_they_are_kept_not_asked(designer, db):
    response = _upload(designer, DATA / "kobo_seniors.xlsx")
    page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "XLSForm : start" in page and "XLSForm : deviceid" in page
    assert page.count("métadonnée non collectée ici") == 4
