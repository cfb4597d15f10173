"""XLSForm import and export of the fixtures written as KoboToolbox, ODK and CCAS users write them."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from questionnaires import (
    Choice,
    ChoiceList,
    Group,
    Question,
    Questionnaire,
    SheetIssue,
    load_xlsform,
    to_xlsform,
    xlsform_bytes,
)
from questionnaires.xlsform.vocabulary import SURVEY_FIELDS, normalise_header

DATA = Path(__file__).parent / "data"
GOOD_FIXTURES = ["abs_bilingue.xlsx", "kobo_seniors.xlsx", "odk_jeunes.xlsx"]


ATTACHMENTS = DATA / "attachments"


def attached_files() -> dict[str, bytes]:
    """The files the fixtures' select_one_from_file questions read (quartiers.csv)."""
    return {path.name: path.read_bytes() for path in sorted(ATTACHMENTS.iterdir())}


def load_ok(source, attachments=None):
    result = load_xlsform(source, attached_files() if attachments is None else attachments)
    assert result.errors == [], [str(error) for error in result.errors]
    assert result.questionnaire is not None
    return result


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_rows(payload: bytes, title: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(payload))
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


# --- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_import_export_import_gives_the_same_questionnaire(fixture):
    first = load_ok(DATA / fixture).questionnaire
    second = load_ok(xlsform_bytes(first)).questionnaire
    assert second == first
    # and once more, through a file on disk this time
    assert load_ok(io.BytesIO(xlsform_bytes(second))).questionnaire == first


def test_the_fixtures_use_every_supported_survey_column():
    used = set()
    for fixture in GOOD_FIXTURES:
        headers = sheet_rows((DATA / fixture).read_bytes(), "survey")[0]
        used |= {normalise_header(str(header).split("::")[0]) for header in headers if header}
    assert set(SURVEY_FIELDS) <= used


def test_export_writes_the_language_headers_it_read():
    questionnaire = load_ok(DATA / "abs_bilingue.xlsx").questionnaire
    payload = xlsform_bytes(questionnaire)
    survey_headers = sheet_rows(payload, "survey")[0]
    assert "label::Français (fr)" in survey_headers
    assert "label::English (en)" in survey_headers
    assert "constraint_message::English (en)" in survey_headers
    assert "label::Français (fr)" in sheet_rows(payload, "choices")[0]
    settings = dict(zip(*sheet_rows(payload, "settings")))
    assert settings["default_language"] == "Français (fr)"
    assert settings["form_id"] == "abs_2025_habitants"
    assert settings["style"] == "pages"


# --- what the ABS questionnaire holds -----------------------------------------------------------


@pytest.fixture(scope="module")
def abs_result():
    return load_ok(DATA / "abs_bilingue.xlsx")


def test_abs_settings_and_languages(abs_result):
    questionnaire = abs_result.questionnaire
    assert questionnaire.title == "Analyse des besoins sociaux 2025 — habitants"
    assert questionnaire.form_id == "abs_2025_habitants"
    assert questionnaire.version == "2025031801"
    assert questionnaire.default_language == "fr"
    assert questionnaire.languages == ["fr", "en"]
    assert questionnaire.settings["instance_name"] == "concat(${commune}, '-', ${age})"
    kept = {(w.sheet, w.column) for w in abs_result.warnings}
    assert ("settings", "style") in kept and ("settings", "instance_name") in kept


def test_abs_questions_keep_labels_hints_constraints_and_messages(abs_result):
    age = abs_result.questionnaire.find("age")
    assert age.type == "integer"
    assert age.label == {"fr": "Quel âge avez-vous ?", "en": "How old are you?"}
    assert age.hint == {"fr": "En années révolues", "en": "In completed years"}
    assert age.required is True
    assert age.required_message["en"] == "Your age is needed to place your answer."
    assert age.constraint == ". >= 16 and . <= 110"
    assert age.constraint_message["fr"] == "L'enquête s'adresse aux personnes de 16 ans et plus."
    assert abs_result.questionnaire.find("public").calculation.startswith("if(${age} <= 25")
    assert abs_result.questionnaire.find("date_entretien").default == "2025-03-18"
    postcode = abs_result.questionnaire.find("code_postal")
    assert postcode.read_only is True and postcode.default == "37000"


def test_abs_groups_and_household_repeat(abs_result):
    questionnaire = abs_result.questionnaire
    assert [node.name for node in questionnaire.children] == [
        "intro",
        "profil",
        "foyer",
        "besoins",
        "fin",
    ]
    profil = questionnaire.find("profil")
    assert isinstance(profil, Group) and profil.appearance == "field-list" and not profil.repeat
    membre = questionnaire.find("membre")
    assert membre.repeat and membre.repeat_count == "${nb_personnes}"
    assert [child.name for child in membre.children] == ["prenom_membre", "age_membre", "lien"]
    assert questionnaire.repeat_of("age_membre") is membre
    assert questionnaire.repeat_of("nb_autres") is None


def test_abs_cascading_commune_quartier(abs_result):
    questionnaire = abs_result.questionnaire
    quartier = questionnaire.find("quartier")
    assert quartier.type == "select_one" and quartier.choice_list == "quartier"
    assert quartier.choice_filter == "commune = ${commune}"
    in_tours = [
        c.name
        for c in questionnaire.choice_lists["quartier"].choices
        if c.properties.get("commune") == "37261"
    ]
    assert in_tours == ["sanitas", "rives_du_cher", "europe"]
    assert questionnaire.choice_lists["commune"].names() == ["37261", "37122", "37214"]


def test_abs_likert_range_and_multiline_text(abs_result):
    questionnaire = abs_result.questionnaire
    rating = questionnaire.find("satisfaction_services")
    assert (rating.type, rating.start, rating.end, rating.step) == ("rating", 1, 5, 1)
    assert rating.appearance == "likert" and "parameters" not in rating.extra
    difficultes = questionnaire.find("difficultes")
    assert difficultes.type == "paragraph" and difficultes.appearance == ""
    assert difficultes.relevant == "${satisfaction_services} <= 2"
    aides = questionnaire.find("aides")
    assert aides.type == "select_multiple" and "count-selected(.)" in aides.constraint


# --- KoboToolbox and ODK ------------------------------------------------------------------------


def test_kobo_export_metadata_are_kept_and_reported():
    result = load_ok(DATA / "kobo_seniors.xlsx")
    questionnaire = result.questionnaire
    start = questionnaire.find("start")
    assert start.extra["type"] == "start" and start.type == "calculate"
    metadata_rows = sorted(w.row for w in result.warnings if w.column == "type")
    assert metadata_rows == [2, 3, 4, 5]
    assert all("Métadonnée" in w.message for w in result.warnings if w.column == "type")
    payload = xlsform_bytes(questionnaire)
    exported_types = [row[0] for row in sheet_rows(payload, "survey")[1:]]
    assert exported_types[:4] == ["start", "end", "today", "deviceid"]


def test_kobo_export_reads_required_spellings_kuid_and_autoname():
    result = load_ok(DATA / "kobo_seniors.xlsx")
    questionnaire = result.questionnaire
    assert questionnaire.find("vit_seul").required is True  # "true"
    assert questionnaire.find("visites_semaine").required is False  # "false()"
    assert questionnaire.find("vit_seul").extra["$kuid"] == "s9t0u1"
    # a row without name takes its $autoname, as KoboToolbox does
    assert questionnaire.find("Enqu_te_seniors").type == "note"
    isolement = questionnaire.find("isolement")
    assert isinstance(isolement, Group) and [c.name for c in isolement.children] == [
        "vit_seul",
        "visites_semaine",
        "activites",
        "isole",
    ]
    assert questionnaire.find("commentaire").type == "paragraph"
    assert questionnaire.choice_lists["yes_no"].choices[0] == Choice(
        "yes", {"fr": "Oui"}, {"$kuid": "k7l8", "$autovalue": "yes"}
    )
    # no form_id in the settings: the file name stands in, as pyxform does
    assert questionnaire.form_id == "kobo_seniors"
    assert questionnaire.title == "Seniors — isolement"
    warned = {w.column for w in result.warnings if w.row == 1}
    assert {"$kuid", "$autoname"} <= warned
    exported = sheet_rows(xlsform_bytes(questionnaire), "survey")
    assert "$kuid" in exported[0]
    # the $kuid of the end_group row comes back on the end row
    kuid = exported[0].index("$kuid")
    end_rows = [row for row in exported if row[0] == "end group"]
    assert end_rows[0][kuid] == "e1f2g3"


def test_odk_form_nested_groups_languages_and_unsupported_types():
    result = load_ok(DATA / "odk_jeunes.xlsx")
    questionnaire = result.questionnaire
    assert questionnaire.default_language == "en"
    assert questionnaire.languages == ["en", "fr"]
    etudes = questionnaire.find("etudes")
    assert etudes.relevant == "selected(${situation}, 'etudiant')"
    assert [ancestors for ancestors, node in questionnaire.walk() if node.name == "bourse"] == [
        ("jeunes", "etudes")
    ]
    assert questionnaire.find("situation").hint == {
        "en": "Tick all that apply",
        "fr": "Cochez tout ce qui s'applique",
    }
    lieu = questionnaire.find("lieu")
    assert (lieu.type, lieu.extra["type"]) == ("text", "geopoint")
    from_file = questionnaire.find("quartier_csv")
    assert from_file.type == "select_one" and from_file.choice_list == "quartiers.csv"
    quartiers = questionnaire.choice_lists["quartiers.csv"]
    assert quartiers.file == "quartiers.csv"
    assert quartiers.choices[1].label == {"en": "Cher riverside", "fr": "Rives du Cher"}
    assert quartiers.choices[1].properties == {"ville": "tours"}
    assert (
        questionnaire.find("niveau").extra["guidance_hint::English (en)"]
        == "Read the options aloud"
    )
    warnings = {(w.row, w.column) for w in result.warnings}
    assert (1, "guidance_hint::English (en)") in warnings
    assert (9, "type") in warnings and (10, "type") not in warnings  # geopoint only
    exported = sheet_rows(xlsform_bytes(questionnaire), "survey")
    assert ("geopoint", "lieu") in [row[:2] for row in exported]
    assert (
        dict(zip(*sheet_rows(xlsform_bytes(questionnaire), "settings")))["default_language"]
        == "English (en)"
    )


# --- spellings users type -----------------------------------------------------------------------


def test_sheet_and_column_names_ignore_case_and_spaces():
    payload = workbook_bytes(
        {
            " Survey ": [
                [
                    " Type ",
                    "NAME",
                    "Label::English (en)",
                    "Label::Français (fr)",
                    "Relevance",
                    "Choice Filter",
                ],
                ["select one ville", "ville", "Town", "Ville", None, None],
                [
                    "Select_One quartier",
                    "quartier",
                    "Area",
                    "Quartier",
                    "${ville} != ''",
                    "ville=${ville}",
                ],
                ["begin_group", "g", "Group", "Groupe", None, None],
                ["string", "nom", "Name", "Nom", None, None],
                ["END_GROUP", None, None, None, None, None],
            ],
            "CHOICES": [
                ["List Name", "Name", "label::English (en)", "label::Français (fr)", "ville"],
                ["ville", "tours", "Tours", "Tours", None],
                ["quartier", "sanitas", "Sanitas", "Sanitas", "tours"],
            ],
        }
    )
    questionnaire = load_ok(payload).questionnaire
    quartier = questionnaire.find("quartier")
    assert quartier.type == "select_one" and quartier.relevant == "${ville} != ''"
    assert quartier.choice_filter == "ville=${ville}"
    assert questionnaire.find("nom").type == "text"
    assert questionnaire.choice_lists["quartier"].choices[0].properties == {"ville": "tours"}
    assert questionnaire.languages == ["en", "fr"] and questionnaire.default_language == "en"


def test_single_language_form_keeps_plain_label_headers():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "hint", "required"],
                ["integer", "age", "Âge", "En années", True],
                ["text", "commentaire", "Commentaire", None, "FALSE"],
            ],
        }
    )
    questionnaire = load_ok(payload).questionnaire
    assert questionnaire.languages == ["fr"] and questionnaire.default_language == "fr"
    assert questionnaire.find("age").required is True  # an Excel boolean cell
    assert questionnaire.settings == {}
    headers = sheet_rows(xlsform_bytes(questionnaire), "survey")[0]
    assert headers[:4] == ("type", "name", "label", "hint")


def test_required_expression_and_unknown_columns_are_kept_with_a_warning():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "required", "media::image", "body::accuracyThreshold"],
                ["integer", "age", "Âge", "${consentement} = 'oui'", "age.png", None],
                ["text", "consentement", "Consentement", "yes", None, "5"],
            ],
        }
    )
    result = load_ok(payload)
    age = result.questionnaire.find("age")
    assert age.required is False and age.extra["required"] == "${consentement} = 'oui'"
    assert age.extra["media::image"] == "age.png"
    assert [str(w) for w in result.warnings if w.column == "media::image"] == [
        "Feuille « survey », ligne 1, colonne « media::image » : Colonne non interprétée ici : "
        "ses valeurs sont gardées telles quelles et seront réécrites à l'export."
    ]
    assert any(w.row == 2 and w.column == "required" for w in result.warnings)
    again = load_ok(xlsform_bytes(result.questionnaire)).questionnaire
    assert again == result.questionnaire


def test_unknown_function_imports_with_a_warning_naming_its_cell():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "relevant", "calculation"],
                ["text", "nom", "Nom", None, None],
                [
                    "calculate",
                    "initiale",
                    None,
                    None,
                    "if(${nom} = '', 'vide', upper(substr(${nom}, 0, 1)))",
                ],
                [
                    "integer",
                    "age",
                    "Âge",
                    "false() and concat()  or count-selectd(${nom}) > 0",
                    None,
                ],
            ],
        }
    )
    result = load_ok(payload)
    assert result.questionnaire.find("initiale").calculation.startswith("if(")
    lines = [str(w) for w in result.warnings if w.column in ("calculation", "relevant")]
    assert len(lines) == 2
    assert lines[0].startswith(
        "Feuille « survey », ligne 3, colonne « calculation » : Fonction inconnue « upper() »"
    )
    assert "importé quand même" in lines[0] and "caractère 25" in lines[0]
    assert lines[1].startswith(
        "Feuille « survey », ligne 4, colonne « relevant » : Fonction inconnue « count-selectd() » : vouliez-vous dire count-selected() ?"
    )
    # Only the call an answer reaches fails: an empty name never calls upper().
    from questionnaires.validation import compute_calculations

    assert compute_calculations(result.questionnaire, {"nom": ""})["initiale"] == "vide"
    # Reached, it is an error: nothing is written, as for any expression that fails.
    assert "initiale" not in compute_calculations(result.questionnaire, {"nom": "Awa"})


def test_range_with_decimal_step_stays_a_decimal_question():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "parameters"],
                ["range", "temperature", "Température", "start=35 end=42 step=0.5"],
                ["range", "note", "Note", "start=0 end=10"],
            ],
        }
    )
    result = load_ok(payload)
    temperature = result.questionnaire.find("temperature")
    assert temperature.type == "decimal" and temperature.extra == {
        "type": "range",
        "parameters": "start=35 end=42 step=0.5",
    }
    note = result.questionnaire.find("note")
    assert (note.type, note.start, note.end, note.step) == ("rating", 0, 10, 1)
    assert load_ok(xlsform_bytes(result.questionnaire)).questionnaire == result.questionnaire


# --- export of a questionnaire built in the designer --------------------------------------------


def designer_questionnaire() -> Questionnaire:
    return Questionnaire(
        title="Jeunes 16-25 ans",
        form_id="jeunes_2025",
        version="3",
        languages=["fr", "en"],
        children=[
            Question("note", "accueil", label={"fr": "=== Bienvenue ===", "en": "=== Welcome ==="}),
            Question("text", "prenom", label={"fr": "Prénom", "en": "First name"}, required=True),
            Question("paragraph", "attentes", label={"fr": "Vos attentes"}, appearance="minimal"),
            Group(
                "fratrie",
                label={"fr": "Frères et sœurs"},
                repeat=True,
                repeat_count="2",
                children=[
                    Question("select_one", "sexe", label={"fr": "Sexe"}, choice_list="sexe"),
                    Question("rating", "entente", label={"fr": "Entente"}, start=0, end=4, step=2),
                ],
            ),
        ],
        choice_lists={
            "sexe": ChoiceList(
                "sexe",
                [
                    Choice("f", {"fr": "Femme", "en": "Woman"}),
                    Choice("h", {"fr": "Homme", "en": "Man"}),
                ],
            )
        },
    )


def test_designer_questionnaire_survives_export_and_import(tmp_path):
    questionnaire = designer_questionnaire()
    path = tmp_path / "jeunes.xlsx"
    to_xlsform(questionnaire, path)
    assert load_ok(path).questionnaire == questionnaire
    assert load_ok(str(path)).questionnaire == questionnaire
    with path.open("rb") as stream:
        assert load_ok(stream).questionnaire == questionnaire


def test_text_starting_with_equals_is_written_as_text_not_formula():
    payload = xlsform_bytes(designer_questionnaire())
    workbook = openpyxl.load_workbook(io.BytesIO(payload))
    cell = workbook["survey"]["C2"]
    assert cell.value == "=== Bienvenue ===" and cell.data_type == "s"


def test_export_writes_xlsform_spellings():
    rows = sheet_rows(xlsform_bytes(designer_questionnaire()), "survey")
    headers = rows[0]
    by_name = {row[1]: dict(zip(headers, row)) for row in rows[1:] if row[1]}
    assert (
        by_name["attentes"]["type"] == "text"
        and by_name["attentes"]["appearance"] == "multiline minimal"
    )
    assert (
        by_name["entente"]["type"] == "range"
        and by_name["entente"]["parameters"] == "start=0 end=4 step=2"
    )
    assert (
        by_name["fratrie"]["type"] == "begin repeat" and by_name["fratrie"]["repeat_count"] == "2"
    )
    assert by_name["sexe"]["type"] == "select_one sexe"
    assert by_name["prenom"]["required"] == "yes"
    assert ("end repeat",) == tuple(value for value in rows[-1] if value)


def test_issue_text_names_sheet_row_and_column():
    assert str(SheetIssue("survey", 12, "relevant", "expression invalide")) == (
        "Feuille « survey », ligne 12, colonne « relevant » : expression invalide"
    )
    assert (
        str(SheetIssue("choices", None, None, "feuille absente"))
        == "Feuille « choices » : feuille absente"
    )
    assert str(SheetIssue("", None, None, "fichier vide")) == "Fichier : fichier vide"


# --- what ODK and KoboToolbox make of the export ------------------------------------------------


def xform_of(payload: bytes) -> str:
    from pyxform.xls2xform import convert

    return convert(xlsform=payload, validate=False, pretty_print=True, file_type=".xlsx").xform


def test_exported_abs_questionnaire_gives_pyxform_the_same_xform_as_the_original():
    original = (DATA / "abs_bilingue.xlsx").read_bytes()
    exported = xlsform_bytes(load_ok(original).questionnaire)
    assert xform_of(exported) == xform_of(original)


@pytest.mark.parametrize(
    "fixture, kept",
    [("kobo_seniors.xlsx", 'jr:preloadParams="start"'), ("odk_jeunes.xlsx", 'type="geopoint"')],
)
def test_exported_forms_convert_with_pyxform_and_keep_unsupported_types(fixture, kept):
    assert kept in xform_of(xlsform_bytes(load_ok(DATA / fixture).questionnaire))


def test_designer_questionnaire_converts_with_pyxform():
    xform = xform_of(xlsform_bytes(designer_questionnaire()))
    assert '<repeat nodeset="/data/fratrie"' in xform and "=== Bienvenue ===" in xform


def test_columns_without_effect_on_a_group_are_kept_with_a_warning():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "required", "constraint", "repeat_count"],
                ["begin group", "profil", "Profil", "yes", ". > 0", "3"],
                ["integer", "age", "Âge", None, None, None],
                ["end group", None, None, None, None, None],
            ],
        }
    )
    result = load_ok(payload)
    profil = result.questionnaire.find("profil")
    assert profil.extra == {"required": "yes", "constraint": ". > 0", "repeat_count": "3"}
    assert {(w.row, w.column) for w in result.warnings} == {
        (2, "required"),
        (2, "constraint"),
        (2, "repeat_count"),
    }
    assert load_ok(xlsform_bytes(result.questionnaire)).questionnaire == result.questionnaire


def test_unnamed_language_next_to_french_is_kept_apart():
    """KoboToolbox: the first language left unnamed, a French translation added beside it."""
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "label::French (fr)"],
                ["integer", "age", "Age", "Âge"],
            ],
        }
    )
    result = load_ok(payload)
    questionnaire = result.questionnaire
    assert questionnaire.find("age").label == {"und": "Age", "fr": "Âge"}
    assert questionnaire.languages == ["und", "fr"]
    assert any("même langue" in w.message for w in result.warnings)
    headers = sheet_rows(xlsform_bytes(questionnaire), "survey")[0]
    assert headers[2:4] == ("label", "label::French (fr)")
    assert load_ok(xlsform_bytes(questionnaire)).questionnaire == questionnaire


def test_extra_sheets_are_reported():
    payload = workbook_bytes(
        {
            "survey": [["type", "name", "label"], ["integer", "age", "Âge"]],
            "notes": [["à faire"], ["traduire"]],
        }
    )
    result = load_ok(payload)
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("notes", None, None)]
