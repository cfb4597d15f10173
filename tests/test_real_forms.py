"""Twelve XLSForms written as field teams write them (tests/data/xlsforms/real_forms.py), each
taken end to end: imported without error, exported, imported again into an equal questionnaire,
converted by pyxform into the XForm the original gives; through the web import (with its
preview and its export) and through the `import-xlsform` command.

Equal questionnaire means equal model (`Questionnaire.__eq__`: every group, question, choice,
setting and kept column, in order). What may differ between the original file and the export,
and is not part of the model: the order of the columns, the sheets' formatting, the spellings of
the same thing (`select one` → `select_one`, `begin_group` → `begin group`, `TRUE`/`true()` →
`yes`, header case), numbers and dates typed as Excel numbers and dates (written as text), formula
cells (their saved value is written, never the formula), an explicit `required` = no (written as
an empty cell). pyxform is the judge of that: the two files
give the same XForm, up to the order of attributes and an explicit `required="false()"`.
Through the web import, the form's `version` gives way to the platform's own version numbers.
"""

from __future__ import annotations

import datetime
import html
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from questionnaires import Group, Questionnaire
from questionnaires.expressions import evaluate
from questionnaires.model import label_in
from questionnaires.validation import validate_answers
from questionnaires.xlsform import load_xlsform, xlsform_bytes


def _real_forms():
    """tests/data/xlsforms/real_forms.py, loaded once for every test module that needs it."""
    if "real_forms" not in sys.modules:
        path = Path(__file__).parent / "data" / "xlsforms" / "real_forms.py"
        spec = importlib.util.spec_from_file_location("real_forms", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["real_forms"] = module  # before running it: its dataclass looks itself up
        spec.loader.exec_module(module)
    return sys.modules["real_forms"]


real_forms = _real_forms()

FORMS = list(real_forms.FORMS)
STUDY = "/etudes/etude-test/questionnaires"


@pytest.fixture(scope="module")
def payloads() -> dict[str, bytes]:
    return {name: real_forms.form_bytes(name) for name in FORMS}


@pytest.fixture(scope="module")
def imported(payloads) -> dict[str, Questionnaire]:
    return {name: _load_ok(payload).questionnaire for name, payload in payloads.items()}


def _load_ok(source):
    result = load_xlsform(source)
    assert result.errors == [], [str(error) for error in result.errors]
    assert result.questionnaire is not None
    return result


def _xform(payload: bytes) -> str:
    from pyxform.xls2xform import convert

    return convert(xlsform=payload, validate=False, file_type=".xlsx").xform


def _canonical(xform: str) -> str:
    """The XForm with its attributes sorted, `required="false()"` (the default) left out, and a
    default typed as an Excel date read as the date (pyxform writes "2026-03-15 00:00:00", which
    is no date for Collect; the export writes the date)."""
    root = ElementTree.fromstring(xform)
    for element in root.iter():
        if element.get("required") == "false()":
            del element.attrib["required"]
        if element.text and re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", element.text):
            element.text = element.text[:10]
    return ElementTree.canonicalize(ElementTree.tostring(root, encoding="unicode"))


def _texts(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(name, label in the default language) of every question and group that shows a label."""
    language = questionnaire.default_language
    return [
        (node.name, label_in(node.label, language))
        for _, node in questionnaire.walk()
        if label_in(node.label, language)
    ]


# --- each form, without the web ----------------------------------------------------------------


def test_there_are_at_least_ten_forms_and_one_has_more_than_500_rows():
    assert len(FORMS) >= 10
    assert max(len(build()["survey"]) - 1 for build in real_forms.FORMS.values()) >= 500


@pytest.mark.parametrize("name", FORMS)
def test_import_export_import_gives_an_equal_questionnaire(name, imported):
    questionnaire = imported[name]
    exported = xlsform_bytes(questionnaire)
    assert _load_ok(exported).questionnaire == questionnaire
    # and the export of the export is the same workbook content
    assert _load_ok(xlsform_bytes(_load_ok(exported).questionnaire)).questionnaire == questionnaire


@pytest.mark.parametrize("name", FORMS)
def test_pyxform_converts_the_export_into_the_xform_of_the_original(name, payloads, imported):
    original = _xform(payloads[name])  # the form itself is one pyxform accepts
    exported = _xform(xlsform_bytes(imported[name]))
    assert _canonical(exported) == _canonical(original)


# --- what the forms hold, as their authors meant it ----------------------------------------------


def test_household_survey_members_repeat_and_what_is_computed_from_it(imported):
    questionnaire = imported["menage_fr"]
    members = questionnaire.find("membres")
    assert isinstance(members, Group) and members.repeat
    assert members.repeat_count == "${nb_personnes}" and members.appearance == "field-list"
    assert questionnaire.repeat_of("prenom").name == "membres"
    assert questionnaire.find("logement").relevant == "${nb_personnes} >= 1"
    assert questionnaire.settings["instance_name"] == "concat('menage-', ${code_logement})"
    household = {
        "nb_personnes": 3,
        "membres": [
            {"rang": 1, "prenom": "Awa", "age": 41, "est_enfant": 0},
            {"rang": 2, "prenom": "Karim", "age": 44, "est_enfant": 0},
            {"rang": 3, "prenom": "Inès", "age": 9, "est_enfant": 1},
        ],
        "sante": [{}, {}, {}],
    }
    calculation = {q.name: q.calculation for q in questionnaire.questions() if q.calculation}
    assert evaluate(calculation["prenom_reference"], household) == "Awa"
    assert evaluate(calculation["nb_enfants"], household) == 1
    assert evaluate(calculation["prenom_membre"], household, context="sante[2]") == "Inès"
    answers = household | {"nb_enfants": 1}
    assert evaluate(calculation["nb_adultes"], answers) == 2
    assert evaluate(calculation["unites_conso"], answers | {"nb_adultes": 2}) == 1.8
    code = questionnaire.find("code_logement")
    assert evaluate(code.constraint, {}, current="JT0412") is True
    assert evaluate(code.constraint, {}, current="0412JT") is False
    assert code.required_message["fr"].startswith("Le code du logement")


def test_nested_repeats_members_then_their_jobs(imported):
    questionnaire = imported["emplois_imbriques"]
    assert questionnaire.repeat_of("employeur").name == "emploi"
    assert questionnaire.repeat_of("emploi").name == "membre"
    household = {
        "membre": [
            {
                "nom_membre": "Awa",
                "travaille": "oui",
                "emploi": [{"employeur": "Mairie", "heures": 35}],
            },
            {
                "nom_membre": "Karim",
                "travaille": "oui",
                "emploi": [{"employeur": "SNCF", "heures": 39}],
            },
            {"nom_membre": "Inès", "travaille": "non", "emploi": []},
        ]
    }
    first = questionnaire.find("premier_employeur").calculation
    assert evaluate(first, household) == "Mairie"
    assert evaluate(questionnaire.find("nb_actifs").calculation, household) == 2
    hours = questionnaire.find("heures_membre").calculation
    assert evaluate(hours, household, context="membre[1]") == 39


def test_cascade_keeps_the_filter_columns_of_each_choice(imported):
    questionnaire = imported["cascade_territoire"]
    cangey = next(c for c in questionnaire.choice_lists["commune"].choices if c.name == "37047")
    assert cangey.properties == {"departement": "37", "taille": "hameau"}
    assert questionnaire.find("commune").choice_filter == (
        "departement=${departement} and taille != 'hameau'"
    )
    assert questionnaire.find("region").extra["$kuid"] == "c3d4"


def test_external_choices_stay_in_their_sheet(imported):
    questionnaire = imported["communes_externes"]
    assert questionnaire.choice_lists["communes"].external
    assert questionnaire.choice_lists["iris"].external
    assert not questionnaire.choice_lists["departements"].external
    exported = xlsform_bytes(questionnaire)
    import openpyxl

    sheets = openpyxl.load_workbook(io.BytesIO(exported)).sheetnames
    assert "external_choices" in sheets and "choices" in sheets


def test_spaced_choice_names_are_kept_whole(imported):
    questionnaire = imported["choix_avec_espaces"]
    assert "hors commune" in questionnaire.choice_lists["quartier"].names()
    assert evaluate(questionnaire.find("rue").relevant, {"quartier": "centre ville"}) is True


def test_formula_cells_are_read_as_their_saved_values(payloads, imported):
    questionnaire = imported["formules_excel"]
    assert questionnaire.version == "202603151030"
    assert questionnaire.choice_lists["tranche"].names() == ["1", "2", "3", "4", "5"]
    assert questionnaire.find("nom_enqueteur") is not None
    assert questionnaire.find("tranche_age").label["fr"] == "Tranche d'âge"
    assert questionnaire.find("nb_visites").relevant == "${tranche_age} != '1'"
    warned = {(w.sheet, w.row, w.column) for w in load_xlsform(payloads["formules_excel"]).warnings}
    assert ("settings", 2, "version") in warned and ("choices", 3, "list_name") in warned


def test_four_languages_keep_their_headers(imported):
    questionnaire = imported["quatre_langues"]
    assert questionnaire.languages == ["fr", "en", "es", "ar"]
    assert questionnaire.find("age").constraint_message["ar"] == "16 سنة على الأقل."
    assert questionnaire.find("age").extra["guidance_hint::Français (fr)"].startswith("Demandez")
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(xlsform_bytes(questionnaire)))
    headers = [cell.value for cell in workbook["survey"][1]]
    assert "label::العربية (ar)" in headers and "hint::English (en)" in headers


def test_odk_types_we_do_not_ask_are_kept_for_collect(imported):
    questionnaire = imported["types_odk"]
    kept = {q.name: q.extra.get("type") for q in questionnaire.questions()}
    assert kept["lieu"] == "geopoint" and kept["photo_facade"] == "image"
    assert kept["carte_vitale"] == "barcode" and kept["lu_consignes"] == "trigger"
    assert kept["logement"] == "select_one logement or_other"
    assert questionnaire.find("date_maj_age").extra["trigger"] == "${age}"
    xform = _xform(xlsform_bytes(questionnaire))
    assert 'type="geopoint"' in xform and 'mediatype="image/*"' in xform
    assert 'event="xforms-value-changed" value="today()"' in xform  # the trigger column
    assert "logement_other" in xform  # or_other, as pyxform builds it


def test_entities_sheet_is_given_back_to_odk_central(imported):
    questionnaire = imported["structures_entites"]
    assert questionnaire.entities == [
        {
            "dataset": "structures",
            "label": "concat(${nom_structure}, ' (', ${capacite}, ' places)')",
        }
    ]
    assert questionnaire.find("capacite").extra["save_to"] == "capacite"
    assert '<entity dataset="structures"' in _xform(xlsform_bytes(questionnaire))


# --- answers checked on the server, as a tablet sends them ---------------------------------------

HOUSEHOLD = {
    "code_logement": "JT0412",
    "quartier": "rabiere",
    "nb_personnes": 3,
    "membres": [
        {"prenom": "Awa", "sexe": "f", "age": 41, "activite": "emploi"},
        {"prenom": "Karim", "lien": "conjoint", "sexe": "h", "age": 44, "activite": "chomage"},
        {"prenom": "Inès", "lien": "enfant", "sexe": "f", "age": 9},
    ],
    "sante": [{"renoncement": "non"}, {"renoncement": "oui"}, {"renoncement": "non"}],
    "statut": "locataire_hlm",
    "loyer": 620,
    "revenus": 2400,
    "arrivee": "2019-09-01",
}


def test_household_answers_are_computed_as_collect_computes_them(imported):
    result = validate_answers(imported["menage_fr"], HOUSEHOLD, today=datetime.date(2026, 3, 15))
    assert result.errors == []
    answers = result.answers
    assert answers["date_enquete"] == "2026-03-15"  # once(today())
    assert [member["rang"] for member in answers["membres"]] == [1, 2, 3]  # position(..)
    assert (answers["nb_enfants"], answers["nb_adultes"], answers["unites_conso"]) == (1, 2, 1.8)
    assert answers["prenom_reference"] == "Awa"  # indexed-repeat(…, 1)
    assert [instance["prenom_membre"] for instance in answers["sante"]] == ["Awa", "Karim", "Inès"]
    assert answers["reste_par_uc"] == 988.89  # round((2400 - 620) div 1.8, 2)


def test_household_errors_name_the_member_concerned(imported):
    members = [dict(member) for member in HOUSEHOLD["membres"]]
    members[1]["age"] = 140
    answers = HOUSEHOLD | {"code_logement": "jt412", "membres": members, "arrivee": "2027-01-01"}
    result = validate_answers(imported["menage_fr"], answers, today=datetime.date(2026, 3, 15))
    assert [(error.path, error.code) for error in result.errors] == [
        ("code_logement", "constraint"),
        ("membres[1]/age", "constraint"),
        ("arrivee", "constraint"),
    ]
    assert result.errors[1].message == "« Âge de Karim » : Un âge entre 0 et 110 ans."


def test_jobs_are_summed_per_member_and_workers_counted_by_a_predicate(imported):
    household = {
        "nb_membres": 2,
        "membre": [
            {
                "nom_membre": "Awa",
                "age_membre": 41,
                "travaille": "oui",
                "nb_emplois": 2,
                "emploi": [
                    {"employeur": "Mairie", "contrat": "cdi", "heures": 35, "salaire": 1800},
                    {"employeur": "La Poste", "contrat": "cdd", "heures": 10, "salaire": 450},
                ],
            },
            {"nom_membre": "Karim", "age_membre": 44, "travaille": "non"},
        ],
    }
    result = validate_answers(imported["emplois_imbriques"], household)
    assert result.errors == []
    answers = result.answers
    assert [member["heures_membre"] for member in answers["membre"]] == [45, 0]
    assert [job["rang_emploi"] for job in answers["membre"][0]["emploi"]] == [1, 2]
    assert (answers["nb_actifs"], answers["premier_employeur"]) == (1, "Mairie")
    assert (answers["total_heures"], answers["salaire_max"]) == (45, 1800)


# --- through the web: import, preview, export ------------------------------------------------------


@pytest.fixture()
def designer(login):
    return login("charge_etude")


@pytest.mark.storage
@pytest.mark.parametrize("name", FORMS)
def test_web_import_preview_and_export(name, designer, db, payloads, imported):
    from consultation.questionnaire_store.models import Questionnaire as StoredQuestionnaire

    response = designer.post(
        f"{STUDY}/importer",
        data={"file": (io.BytesIO(payloads[name]), f"{name}.xlsx"), "publish": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    stored = db.session.scalars(select(StoredQuestionnaire)).one()
    expected = imported[name]
    model = stored.latest.model()
    assert stored.latest.status == "published"
    # The version is the platform's own: it numbers the published versions.
    assert model.to_dict() | {"version": ""} == expected.to_dict() | {"version": ""}

    editor = html.unescape(designer.get(response.headers["Location"]).get_data(as_text=True))
    assert f"{len(expected.questions())} question(s)" in editor

    preview = designer.get(f"{STUDY}/{stored.id}/apercu")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    definition = re.search(
        r'<script type="application/json" id="apercu-definition">(.*?)</script>', page, re.S
    )
    shown = Questionnaire.from_dict(json.loads(definition.group(1)))
    assert _texts(shown) == _texts(expected)
    assert expected.title in html.unescape(page)
    for language in expected.languages[1:]:
        other = designer.get(f"{STUDY}/{stored.id}/apercu?langue={language}")
        assert other.status_code == 200 and f'data-language="{language}"' in other.get_data(
            as_text=True
        )

    exported = designer.get(f"{STUDY}/{stored.id}/exporter")
    assert exported.status_code == 200
    again = _load_ok(io.BytesIO(exported.data)).questionnaire
    assert again == model
    _xform(exported.data)


@pytest.mark.storage
@pytest.mark.parametrize("name", FORMS)
def test_command_line_import(name, runner, db, payloads, imported, tmp_path):
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(payloads[name])
    result = runner.invoke(args=["import-xlsform", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(imported[name].questions())} question(s), version 1 (brouillon)" in result.output
    assert "Erreur" not in result.output
