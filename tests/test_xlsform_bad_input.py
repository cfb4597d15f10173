"""Bad XLSForm files: every problem comes back as a French error naming sheet, row and column,
all at once, and the import never raises nor returns a questionnaire."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl

from questionnaires import load_xlsform, xlsform_bytes
from questionnaires.xlsform.archive import MAX_FILE_BYTES

DATA = Path(__file__).parent / "data"


def failed(source):
    result = load_xlsform(source)
    assert result.questionnaire is None
    assert result.errors
    return result


def places(result) -> set[tuple]:
    return {(error.sheet, error.row, error.column) for error in result.errors}


def test_missing_survey_sheet():
    result = failed(DATA / "bad_missing_survey.xlsx")
    assert [str(error) for error in result.errors] == [
        "Feuille « survey » : La feuille « survey » est absente : c'est elle qui décrit les "
        "questions du formulaire."
    ]
    assert [w.sheet for w in result.warnings] == ["questions"]


def test_unknown_types_are_errors_with_a_suggestion():
    result = failed(DATA / "bad_unknown_type.xlsx")
    assert places(result) == {("survey", 3, "type"), ("survey", 4, "type")}
    assert "« intger » inconnu. Vouliez-vous dire « integer » ?" in str(result.errors[0])


def test_duplicate_names_point_at_both_rows():
    result = failed(DATA / "bad_duplicate_names.xlsx")
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 4, colonne « name » : Le nom « age » est déjà utilisé ligne 2 "
        "dans le formulaire : deux éléments d'un même groupe doivent avoir des noms différents (le "
        "même nom reste possible dans deux groupes différents)."
    ]


def test_invalid_and_missing_names_all_reported():
    result = failed(DATA / "bad_invalid_names.xlsx")
    assert places(result) == {("survey", 2, "name"), ("survey", 3, "name"), ("survey", 4, "name")}
    messages = " ".join(error.message for error in result.errors)
    assert "« 1age » est invalide" in messages and "« nom prénom » est invalide" in messages
    assert "Le nom est vide" in messages


def test_unbalanced_groups_and_unclosed_repeat():
    result = failed(DATA / "bad_unbalanced_groups.xlsx")
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 4, colonne « type » : « end repeat » ferme le « begin group » "
        "« profil » ouvert ligne 2 : il faut « end group ».",
        "Feuille « survey », ligne 5, colonne « type » : Le « begin repeat » « enfants » n'est "
        "jamais fermé : ajoutez une ligne « end repeat » après ses questions.",
    ]


def test_end_group_without_begin():
    payload = xlsform_like(
        [["type", "name", "label"], ["integer", "age", "Âge"], ["end group", None, None]]
    )
    result = failed(payload)
    assert places(result) == {("survey", 3, "type")}
    assert "sans « begin group »" in result.errors[0].message


def test_formulas_without_a_saved_value_are_refused_never_evaluated():
    result = failed(DATA / "bad_formula_label.xlsx")
    assert places(result) == {("survey", 2, "label"), ("survey", 3, "default")}
    assert (
        "La cellule C2 contient une formule Excel sans valeur calculée" in result.errors[0].message
    )
    assert "La cellule" in result.errors[1].message
    # Neither shown (it could be anything) nor computed.
    assert not any(
        "HYPERLINK" in error.message or "1+1" in error.message for error in result.errors
    )


def test_formula_in_choices_and_settings_too():
    payload = xlsform_like(
        [["type", "name", "label"], ["select_one oui_non", "seul", "Seul ?"]],
        choices=[
            ["list_name", "name", "label"],
            ["oui_non", "oui", '=UPPER("oui")'],
            ["oui_non", "non", "Non"],
        ],
        settings=[["form_title", "version"], ["Titre", "=TODAY()"]],
    )
    result = failed(payload)
    assert places(result) == {("choices", 2, "label"), ("settings", 2, "version")}


def test_list_referenced_but_absent():
    result = failed(DATA / "bad_missing_list.xlsx")
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 3, colonne « type » : La liste « frequence » n'existe pas dans "
        "la feuille « choices »."
    ]


def test_missing_choices_sheet_when_a_select_needs_it():
    result = failed(DATA / "bad_missing_choices_sheet.xlsx")
    assert places(result) == {("choices", None, None)}
    assert "question « seul »" in result.errors[0].message and "ligne 2" in result.errors[0].message


def test_every_problem_of_a_file_is_reported_at_once():
    payload = xlsform_like(
        [
            ["type", "name", "label"],
            ["intger", "age", "Âge"],
            ["text", "age", "Encore"],
            ["select_one absente", "liste", "Liste"],
            ["begin group", "g", "Groupe"],
            ["text", "mauvais nom", "=1+1"],
        ],
        choices=[["list_name", "name", "label"], ["oui_non", "oui", "Oui"]],
    )
    result = failed(payload)
    assert places(result) >= {
        ("survey", 2, "type"),
        ("survey", 3, "name"),
        ("survey", 4, "type"),
        ("survey", 5, "type"),
        ("survey", 6, "name"),
        ("survey", 6, "label"),
    }


# --- expressions: syntax, unknown names, cycles (shared checks of the model) --------------------


def test_relevance_cycle():
    result = failed(DATA / "bad_relevance_cycle.xlsx")
    assert any(error.row in (2, 3) and error.column == "relevant" for error in result.errors)


def test_unknown_reference():
    result = failed(DATA / "bad_unknown_reference.xlsx")
    assert ("survey", 3, "relevant") in places(result)
    assert any("agee" in error.message for error in result.errors)


def test_expression_syntax_error():
    result = failed(DATA / "bad_expression_syntax.xlsx")
    assert ("survey", 2, "constraint") in places(result)


# --- files that are not what they claim ---------------------------------------------------------


def test_corrupt_zip():
    result = failed(DATA / "bad_corrupt.xlsx")
    assert [error.sheet for error in result.errors] == [""]
    assert "endommagé" in str(result.errors[0])


def test_text_file_named_xlsx():
    result = failed(DATA / "bad_not_xlsx.xlsx")
    assert "n'est pas un classeur Excel .xlsx" in result.errors[0].message


def test_old_excel_format_is_named():
    result = failed(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    assert ".xls" in result.errors[0].message and "Enregistrer sous" in result.errors[0].message


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8" + bytes(100))
    result = failed(buffer.getvalue())
    assert "n'est pas un classeur Excel" in result.errors[0].message


def test_empty_file():
    assert failed(b"").errors[0].message == "Le fichier est vide."


def test_missing_file_is_an_error_not_an_exception(tmp_path):
    result = failed(tmp_path / "absent.xlsx")
    assert "absent.xlsx" in result.errors[0].message


def test_file_of_20_mb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "enorme.xlsx"
    with path.open("wb") as stream:
        stream.write(b"PK\x03\x04")
        stream.seek(20 * 1024 * 1024 - 1)
        stream.write(b"\0")
    tracemalloc.start()
    result = failed(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "dépasse la taille maximale de 10 Mo" in result.errors[0].message
    assert peak < 1024 * 1024  # the file was never read
    assert "10 Mo" in failed(io.BytesIO(bytes(MAX_FILE_BYTES + 1))).errors[0].message


def test_zip_bomb_over_50_mb_uncompressed_is_refused(tmp_path):
    path = tmp_path / "bombe.xlsx"
    good = (DATA / "abs_bilingue.xlsx").read_bytes()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for entry in source.infolist():
            bomb.writestr(entry, source.read(entry.filename))
        with bomb.open("xl/worksheets/padding.xml", "w") as padding:
            chunk = b" " * (1024 * 1024)
            for _ in range(60):
                padding.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    result = failed(path)
    assert "décompressé" in result.errors[0].message and "refusé" in result.errors[0].message


def test_highly_compressed_entry_is_refused_as_a_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/sharedStrings.xml", b"A" * (20 * 1024 * 1024))
    result = failed(buffer.getvalue())
    assert "bombe zip" in result.errors[0].message


def test_sheet_claiming_a_million_rows_is_read_without_loading_it(tmp_path):
    """A survey whose last cell sits at row 1,048,576 and whose dimension claims 16,384 columns:
    the rows stream past without being kept, and the error names the row."""
    good = xlsform_like([["type", "name", "label"], ["integer", "age", "Âge"]])
    path = tmp_path / "immense.xlsx"
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', text)
                text = text.replace(
                    "</sheetData>",
                    '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>text</t></is></c></row></sheetData>',
                )
                content = text.encode()
            target.writestr(entry, content)
    result = failed(path)
    assert [(e.sheet, e.row) for e in result.errors] == [("survey", 1048576)]
    assert "au-delà de la ligne 50 000" in result.errors[0].message


def test_bad_rows_in_choices_sheet():
    payload = xlsform_like(
        [["type", "name", "label"], ["select_multiple aides", "aides", "Aides"]],
        choices=[
            ["list_name", "name", "label"],
            ["aides", "apl", "APL"],
            ["aides", "apl", "APL encore"],
            ["aides", None, "Sans nom"],
            [None, "rsa", "RSA"],
            ["aides", "aide sociale", "Aide sociale"],
        ],
    )
    result = failed(payload)
    assert places(result) == {
        ("choices", 3, "name"),
        ("choices", 4, "name"),
        ("choices", 6, "name"),
    }
    assert "contient une espace" in [e for e in result.errors if e.row == 6][0].message
    # a choice of no list is left out, as pyxform leaves it out, and said
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("choices", 5, "list_name")]


def test_missing_type_and_name_columns():
    result = failed(xlsform_like([["kind", "label"], ["integer", "Âge"]]))
    assert {str(error) for error in result.errors} == {
        "Feuille « survey », ligne 1 : La colonne « type » est absente de la ligne d'en-tête.",
        "Feuille « survey », ligne 1 : La colonne « name » est absente de la ligne d'en-tête.",
    }


def xlsform_like(survey, choices=None, settings=None) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "survey"
    for row in survey:
        workbook["survey"].append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_duplicate_header_is_an_error():
    result = failed(
        xlsform_like([["type", "name", "label", "Label "], ["integer", "age", "Âge", "Age"]])
    )
    assert places(result) == {("survey", 1, "Label")}
    assert "Colonne en double" in result.errors[0].message


def test_range_parameters_must_make_sense():
    result = failed(
        xlsform_like(
            [
                ["type", "name", "label", "parameters"],
                ["range", "note", "Note", "start=5 end=1"],
                ["range", "score", "Score", "start=un end=5"],
            ]
        )
    )
    assert places(result) == {("survey", 2, "parameters"), ("survey", 3, "parameters")}


def test_select_without_list_name():
    result = failed(xlsform_like([["type", "name", "label"], ["select_one", "seul", "Seul ?"]]))
    assert places(result) == {("survey", 2, "type")}
    assert "doit être suivi du nom d'une liste" in result.errors[0].message


def test_random_workbooks_never_raise():
    """Odd but well-formed workbooks: whatever they hold, the import answers with values."""
    import random

    generator = random.Random(20250318)
    types = [
        "text",
        "integer",
        "select_one l",
        "select_multiple l",
        "begin group",
        "end group",
        "begin repeat",
        "end repeat",
        "range",
        "calculate",
        "note",
        "start",
        "geopoint",
        "select_one_from_file x.csv",
        "rank l",
        "",
        "???",
        "select_one",
        "select_one l or_other",
    ]
    cells = [
        "",
        "a",
        "b",
        "a b",
        "${a}",
        "${b} > 1",
        ". > 0 and",
        "yes",
        "false()",
        "start=1 end=x",
        "1",
        "Ω",
        "=",
        "multiline",
        "field-list",
        "concat(",
        "${",
        "'",
        None,
        3,
        2.5,
        True,
    ]
    headers = [
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "constraint",
        "calculation",
        "choice_filter",
        "appearance",
        "default",
        "read_only",
        "parameters",
        "repeat_count",
        "label::English (en)",
        "label::Français (fr)",
        "label::fr",
        "hint::en",
        "media::image",
        "",
        "name",
    ]
    for _ in range(60):
        row_headers = generator.sample(headers, generator.randint(1, 10))
        survey = [row_headers] + [
            [
                generator.choice(types) if header == "type" else generator.choice(cells)
                for header in row_headers
            ]
            for _ in range(generator.randint(0, 12))
        ]
        choices = [["list_name", "name", "label", "filtre"]] + [
            [
                generator.choice(["l", "", "m"]),
                generator.choice(cells),
                generator.choice(cells),
                generator.choice(cells),
            ]
            for _ in range(generator.randint(0, 5))
        ]
        result = load_xlsform(xlsform_like(survey, choices if generator.random() < 0.8 else None))
        assert (result.questionnaire is None) == bool(result.errors)
        if result.questionnaire is not None:
            assert (
                load_xlsform(xlsform_bytes(result.questionnaire)).questionnaire
                == result.questionnaire
            )


def test_values_far_to_the_right_are_reported_not_silently_dropped():
    far = [None] * 600
    far[:3] = ["integer", "age", "Âge"]
    far[599] = "perdu ?"
    result = failed(xlsform_like([["type", "name", "label"], far]))
    assert places(result) == {("survey", 2, None)}
    assert "au-delà de la colonne SF" in result.errors[0].message


def _survey_workbook(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_long_chain_of_forward_conditions_imports_without_exhausting_the_stack():
    # Each question shown if the next one is answered: 3000 deep, more than Python's recursion limit.
    count = 3000
    rows = [["type", "name", "label", "relevant"]] + [
        ["integer", f"q{i}", f"Question {i}", f"${{q{i + 1}}} > 0" if i < count - 1 else ""]
        for i in range(count)
    ]
    result = load_xlsform(_survey_workbook(rows))
    assert result.errors == []
    assert len(result.questionnaire.questions()) == count


def test_a_long_forward_chain_that_loops_back_is_a_cycle():
    count = 2000
    rows = [["type", "name", "label", "relevant"]] + [
        ["integer", f"q{i}", f"Question {i}", f"${{q{(i + 1) % count}}} > 0"] for i in range(count)
    ]
    result = failed(_survey_workbook(rows))
    assert [error.column for error in result.errors] == ["relevant"]
    assert result.errors[0].message.startswith("Cycle de dépendances : q0 → q1 → q2")


def test_groups_nested_too_deep_are_refused_at_the_row():
    depth = 1500
    rows = (
        [["type", "name", "label"]]
        + [["begin group", f"g{i}", f"Groupe {i}"] for i in range(depth)]
        + [["text", "t", "Texte"]]
        + [["end group", "", ""] for _ in range(depth)]
    )
    result = failed(_survey_workbook(rows))
    assert [(error.sheet, error.row, error.column) for error in result.errors] == [
        ("survey", 32, "type")
    ]
    assert "plus de 30 niveaux" in result.errors[0].message


def test_a_cycle_through_indexed_repeat_is_refused_at_its_cell():
    # The total reads the first member's running sum, which reads the total: never decided.
    rows = [
        ["type", "name", "label", "calculation"],
        ["calculate", "total", "", "indexed-repeat(${cumul}, ${membres}, 1)"],
        ["begin repeat", "membres", "Membres", ""],
        ["integer", "age", "Âge", ""],
        ["calculate", "cumul", "", "${total} + ${age}"],
        ["end repeat", "", "", ""],
    ]
    result = failed(_survey_workbook(rows))
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 2, colonne « calculation » : Cycle de dépendances : "
        "total → cumul → total (dans « indexed-repeat(${cumul}, ${membres}, 1) », caractère 16)"
    ]


def test_a_repeat_counted_by_a_total_of_itself_is_a_cycle_at_its_repeat_count():
    rows = [
        ["type", "name", "label", "calculation", "repeat_count"],
        ["begin repeat", "membres", "Membres", "", "${nombre}"],
        ["integer", "age", "Âge", "", ""],
        ["end repeat", "", "", "", ""],
        ["calculate", "nombre", "", "count(${membres}) + 1", ""],
    ]
    result = failed(_survey_workbook(rows))
    assert [(error.row, error.column) for error in result.errors] == [(2, "repeat_count")]
    assert result.errors[0].message.startswith("Cycle de dépendances : membres → nombre → membres")
