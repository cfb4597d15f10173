"""`consultation import-xlsform` and `export-xlsform`."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultation.questionnaire_store.models import Questionnaire
from questionnaires.xlsform import load_xlsform

pytestmark = pytest.mark.storage

DATA = Path(__file__).parent / "data"


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Questionnaire))


def test_import_prints_the_questionnaire_and_its_warnings(runner, db):
    result = runner.invoke(
        args=["import-xlsform", str(DATA / "kobo_seniors.xlsx"), "--title", "Seniors 2025"]
    )
    assert result.exit_code == 0, result.output
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    expected = load_xlsform(DATA / "kobo_seniors.xlsx")
    assert f"n° {questionnaire.id} « Seniors 2025 »" in result.output
    assert (
        f"{len(expected.questionnaire.questions())} question(s), version 1 (brouillon)"
        in result.output
    )
    for warning in expected.warnings:
        assert f"Avertissement : {warning}" in result.output
    assert questionnaire.latest.status == "draft"


def test_import_and_publish(runner, db):
    result = runner.invoke(
        args=[
            "import-xlsform",
            str(DATA / "odk_jeunes.xlsx"),
            "--joint",
            str(DATA / "attachments" / "quartiers.csv"),
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "version 1 (publiée)" in result.output
    assert db.session.scalars(select(Questionnaire)).one().latest.status == "published"


@pytest.mark.parametrize(
    "filename", ["bad_invalid_names.xlsx", "bad_missing_list.xlsx", "bad_corrupt.xlsx"]
)
def test_bad_file_exits_1_with_every_error_and_writes_nothing(runner, db, filename):
    result = runner.invoke(args=["import-xlsform", str(DATA / filename)])
    assert result.exit_code == 1
    assert "rien n'a été enregistré" in result.output
    for issue in load_xlsform(DATA / filename).errors:
        assert str(issue) in result.output
    assert _count(db) == 0


def test_export_then_import_again(runner, db, tmp_path):
    runner.invoke(args=["import-xlsform", str(DATA / "abs_bilingue.xlsx"), "--publish"])
    questionnaire = db.session.scalars(select(Questionnaire)).one()
    destination = tmp_path / "abs.xlsx"
    result = runner.invoke(
        args=["export-xlsform", str(questionnaire.id), str(destination), "--version", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Version 1" in result.output
    again = load_xlsform(destination)
    assert again.errors == []
    assert [q.name for q in again.questionnaire.questions()] == [
        q.name for q in questionnaire.latest.model().questions()
    ]
    missing = runner.invoke(
        args=["export-xlsform", str(questionnaire.id), str(destination), "--version", "5"]
    )
    assert missing.exit_code != 0 and "pas de version 5" in missing.output
    unknown = runner.invoke(args=["export-xlsform", "99999", str(destination)])
    assert unknown.exit_code != 0 and "Aucun questionnaire" in unknown.output


def test_publish_refused_writes_nothing_and_exits_1(runner, db, tmp_path):
    from questionnaires import Question
    from questionnaires import Questionnaire as Model
    from questionnaires.xlsform import to_xlsform

    only_a_note = Model(
        title="Accueil",
        form_id="accueil",
        children=[Question(type="note", name="bonjour", label={"fr": "Bonjour"})],
    )
    path = tmp_path / "accueil.xlsx"
    to_xlsform(only_a_note, path)
    result = runner.invoke(args=["import-xlsform", str(path), "--publish"])
    assert result.exit_code == 1
    assert "Publication impossible" in result.output and "aucune question" in result.output
    assert "Rien n'a été enregistré" in result.output
    assert _count(db) == 0


def test_a_20_mb_file_is_refused_like_the_web_upload(runner, db, tmp_path):
    path = tmp_path / "enorme.xlsx"
    with path.open("wb") as stream:
        stream.write(b"PK\x03\x04")
        stream.seek(20 * 1024 * 1024 - 1)
        stream.write(b"\0")
    result = runner.invoke(args=["import-xlsform", str(path)])
    assert result.exit_code == 1
    assert "dépasse la taille maximale de 10 Mo" in result.output
    assert _count(db) == 0


def test_a_zip_bomb_is_refused_with_its_size(runner, db, tmp_path):
    import zipfile

    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/worksheets/sheet1.xml", b" " * (200 * 1024 * 1024))
    result = runner.invoke(args=["import-xlsform", str(path)])
    assert result.exit_code == 1
    assert "Une fois décompressé, le classeur occuperait 200 Mo" in result.output
    assert _count(db) == 0


def test_serve_on_a_busy_port_says_so_in_french():
    import socket

    from click.testing import CliRunner

    from consultation.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--no-worker"])
    assert result.exit_code == 1
    assert f"Le port {port} est déjà utilisé" in result.output
