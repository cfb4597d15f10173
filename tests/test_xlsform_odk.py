"""XLSForms written as KoboToolbox and ODK users write them: external choices, choice names
with spaces, formula cells, jr:choice-name and the spec's math functions. Each is imported,
exported and imported again unchanged, and pyxform converts the export."""

from __future__ import annotations

import io
import re
import zipfile

from test_xlsform import load_ok, sheet_rows, workbook_bytes, xform_of

from questionnaires.expressions import evaluate
from questionnaires.xlsform import load_xlsform, xlsform_bytes

SETTINGS = [["form_title", "form_id", "default_language"], ["Ménages", "menages", "French (fr)"]]


def cascade_form(external_rows=None) -> bytes:
    """A cascading select as Kobo users build it for long lists: the regions in `choices`, the
    prefectures (one per row, with their region) in `external_choices`."""
    return workbook_bytes(
        {
            "survey": [
                ["type", "name", "label::French (fr)", "choice_filter", "calculation"],
                ["select_one regions", "region", "Région", None, None],
                [
                    "select_one_external prefectures",
                    "prefecture",
                    "Préfecture",
                    "region=${region}",
                    None,
                ],
                [
                    "calculate",
                    "nom_prefecture",
                    None,
                    None,
                    "jr:choice-name(${prefecture}, '${prefecture}')",
                ],
            ],
            "choices": [
                ["list_name", "name", "label::French (fr)"],
                ["regions", "maritime", "Maritime"],
                ["regions", "plateaux", "Plateaux"],
            ],
            "external_choices": external_rows
            or [
                ["list_name", "name", "label::French (fr)", "region"],
                ["prefectures", "golfe", "Golfe", "maritime"],
                ["prefectures", "lacs", "Lacs", "maritime"],
                ["prefectures", "ogou", "Ogou", "plateaux"],
            ],
            "settings": SETTINGS,
        }
    )


def test_select_one_external_reads_its_list_from_external_choices_and_exports_it_back():
    result = load_ok(cascade_form())
    questionnaire = result.questionnaire
    prefecture = questionnaire.find("prefecture")
    assert prefecture.type == "select_one" and prefecture.choice_list == "prefectures"
    assert questionnaire.choice_lists["prefectures"].external
    assert questionnaire.choice_lists["prefectures"].names() == ["golfe", "lacs", "ogou"]
    assert not result.warnings, [str(warning) for warning in result.warnings]

    exported = xlsform_bytes(questionnaire)
    assert sheet_rows(exported, "survey")[2][0] == "select_one_external prefectures"
    assert ("prefectures", "ogou", "Ogou", "plateaux") in sheet_rows(exported, "external_choices")
    assert all(row[0] != "prefectures" for row in sheet_rows(exported, "choices"))
    assert load_ok(exported).questionnaire == questionnaire
    # ODK Collect reads the external list from itemsets.csv, which pyxform builds from the sheet.
    xform = xform_of(exported)
    assert "prefecture" in xform and "jr:choice-name" in xform


def test_select_one_external_without_its_list_names_the_type_cell():
    payload = cascade_form(
        [["list_name", "name", "label::French (fr)", "region"], ["communes", "a", "A", "x"]]
    )
    result = load_xlsform(payload)
    assert result.questionnaire is None
    assert ("survey", 3, "type") in [
        (error.sheet, error.row, error.column) for error in result.errors
    ]
    assert "« prefectures » n'existe pas dans la feuille « external_choices »" in (
        result.errors[0].message
    )


def test_a_select_one_cannot_use_an_external_list():
    payload = workbook_bytes(
        {
            "survey": [["type", "name", "label"], ["select_one prefectures", "prefecture", "P"]],
            "external_choices": [["list_name", "name", "label"], ["prefectures", "golfe", "G"]],
        }
    )
    result = load_xlsform(payload)
    assert [(error.sheet, error.row, error.column) for error in result.errors] == [
        ("survey", 2, "type")
    ]
    assert "feuille « external_choices »" in result.errors[0].message


def spaced_form(question_type: str) -> bytes:
    return workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                [f"{question_type} quartiers", "quartier", "Quartier", None],
                ["text", "depuis", "Depuis quand ?", "selected(${quartier}, 'agoe nyive')"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["quartiers", "agoe nyive", "Agoè Nyivé"],
                ["quartiers", "be", "Bè"],
            ],
        }
    )


def test_a_choice_name_with_a_space_is_accepted_with_a_warning_in_a_select_one():
    result = load_ok(spaced_form("select_one"))
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("choices", 2, "name")]
    assert "« agoe nyive » contient une espace" in result.warnings[0].message
    questionnaire = result.questionnaire
    assert evaluate(questionnaire.find("depuis").relevant, {"quartier": "agoe nyive"}) is True
    assert evaluate(questionnaire.find("depuis").relevant, {"quartier": "be"}) is False
    exported = xlsform_bytes(questionnaire)
    assert load_ok(exported).questionnaire == questionnaire
    assert "agoe nyive" in xform_of(exported)


def test_a_choice_name_with_a_space_is_refused_in_a_select_multiple_as_pyxform_does():
    result = load_xlsform(spaced_form("select_multiple"))
    assert result.questionnaire is None
    assert [(error.sheet, error.row, error.column) for error in result.errors] == [
        ("choices", 2, "name")
    ]
    assert "choix multiple" in result.errors[0].message


def with_cached_values(payload: bytes, sheet_file: str, values: dict[str, str]) -> bytes:
    """Adds to formula cells the value Excel saves beside them (openpyxl writes none)."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == sheet_file:
                text = content.decode()
                for reference, value in values.items():
                    text, count = re.subn(
                        rf'<c r="{reference}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                        rf'<c r="{reference}"\1 t="str"><f>\2</f><v>{value}</v>',
                        text,
                    )
                    assert count == 1, reference
                content = text.encode()
            target.writestr(item, content)
    return buffer.getvalue()


def test_formula_cells_are_read_as_their_saved_value_with_a_warning_naming_the_cell():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "label::Indonesian (id)"],
                ["text", "nama", "Nom", '=CONCATENATE("Na","ma")'],
            ],
            "settings": [["form_id", "version"], ["menages", '=TEXT(NOW(),"yyyymmddhhmm")']],
        }
    )
    payload = with_cached_values(payload, "xl/worksheets/sheet1.xml", {"D2": "Nama"})
    payload = with_cached_values(payload, "xl/worksheets/sheet2.xml", {"B2": "202403151030"})
    result = load_ok(payload)
    questionnaire = result.questionnaire
    assert questionnaire.find("nama").label["id"] == "Nama"
    assert questionnaire.version == "202403151030"
    assert sorted((w.sheet, w.row, w.column) for w in result.warnings) == [
        ("settings", 2, "version"),
        ("survey", 2, "label::Indonesian (id)"),
    ]
    messages = " ".join(warning.message for warning in result.warnings)
    assert "La cellule D2 contient une formule Excel" in messages
    assert "CONCATENATE" not in messages and "NOW" not in messages
    exported = xlsform_bytes(questionnaire)
    assert load_ok(exported).questionnaire == questionnaire
    xform_of(exported)


def test_math_and_checklist_functions_of_the_odk_spec_import_and_convert():
    payload = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "calculation", "constraint"],
                ["decimal", "rayon", "Rayon (m)", None, None],
                ["calculate", "surface", None, "round(pi() * pow(${rayon}, 2), 1)", None],
                ["calculate", "cote", None, "sqrt(${surface}) + log10(100) + exp10(0)", None],
                ["integer", "a", "A", None, "checklist(1, 2, ., ${rayon})"],
                ["integer", "b", "B", None, "weighted-checklist(1, -1, ., 2, ${a}, 3)"],
            ],
        }
    )
    questionnaire = load_ok(payload).questionnaire
    assert evaluate(questionnaire.find("surface").calculation, {"rayon": 2}) == 12.6
    exported = xlsform_bytes(questionnaire)
    assert load_ok(exported).questionnaire == questionnaire
    assert "weighted-checklist" in xform_of(exported)
