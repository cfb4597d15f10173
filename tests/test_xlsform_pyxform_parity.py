"""What pyxform (the converter of ODK and KoboToolbox) refuses, our import refuses too, with a
French message naming the cell. Each bad form goes through both.

The cases follow pyxform's own error messages (pyxform/errors.py, xls2json.py, validators/).
Where ours refuses a form pyxform converts, the case is listed in OURS_ONLY with the reason; where
pyxform only warns, ours warns too (WARNED)."""

from __future__ import annotations

import pytest
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert
from test_xlsform import workbook_bytes

from questionnaires.xlsform import load_xlsform

HEADER = ["type", "name", "label"]
YES_NO = [["list_name", "name", "label"], ["oui_non", "oui", "Oui"], ["oui_non", "non", "Non"]]


def form(rows, *, header=HEADER, choices=YES_NO, **sheets) -> bytes:
    book = {"survey": [header] + rows}
    if choices is not None:
        book["choices"] = choices
    book.update(sheets)
    return workbook_bytes(book)


def with_column(column: str, rows) -> bytes:
    return form(rows, header=HEADER + [column])


def pyxform_refuses(payload: bytes) -> str:
    with pytest.raises(PyXFormError) as refused:
        convert(xlsform=payload, validate=False, file_type=".xlsx")
    return str(refused.value)


def pyxform_accepts(payload: bytes) -> list[str]:
    warnings: list[str] = []
    convert(xlsform=payload, validate=False, file_type=".xlsx", warnings=warnings)
    return warnings


END_GROUP = ["end group", None, None]

# (case, form, the cell ours names: sheet, row, column, words of our message)
REFUSED_BY_BOTH = [
    (
        "the same name twice in one group",
        form([["begin group", "g", "G"], ["text", "data", "A"], ["text", "data", "B"], END_GROUP]),
        ("survey", 4, "name", "déjà utilisé ligne 3 dans le groupe « g »"),
    ),
    (
        "the same name twice outside any group",
        form([["integer", "age", "A"], ["integer", "age", "B"]]),
        ("survey", 3, "name", "déjà utilisé ligne 2 dans le formulaire"),
    ),
    (
        "the reserved name meta",
        form([["text", "meta", "A"]]),
        ("survey", 2, "name", "« meta » est réservé"),
    ),
    (
        "two repeats of the same name in different groups",
        form(
            [
                ["begin repeat", "r", "R"],
                ["text", "a", "A"],
                ["end repeat", None, None],
                ["begin group", "g", "G"],
                ["begin repeat", "r", "R"],
                ["text", "b", "B"],
                ["end repeat", None, None],
                END_GROUP,
            ]
        ),
        ("survey", 6, "name", "déjà celui d'une autre répétition ligne 2"),
    ),
    (
        "a repeat named as the form's root",
        form([["begin repeat", "data", "R"], ["text", "a", "A"], ["end repeat", None, None]]),
        ("survey", 2, "name", "le nom de la racine du formulaire"),
    ),
    (
        "a list missing from the choices sheet",
        form([["select_one inconnue", "q", "Q"]]),
        ("survey", 2, "type", "« inconnue » n'existe pas dans la feuille « choices »"),
    ),
    (
        "a select_one without its list",
        form([["select_one", "q", "Q"]]),
        ("survey", 2, "type", "doit être suivi du nom d'une liste"),
    ),
    (
        "a select_multiple without its list",
        form([["select_multiple", "q", "Q"]]),
        ("survey", 2, "type", "doit être suivi du nom d'une liste"),
    ),
    (
        "no choices sheet for a select",
        form([["select_one oui_non", "q", "Q"]], choices=None),
        ("choices", None, None, "la feuille « choices » est absente"),
    ),
    (
        "a begin group never closed",
        form([["begin group", "g", "G"], ["text", "a", "A"]]),
        ("survey", 2, "type", "n'est jamais fermé"),
    ),
    (
        "an end repeat closing a group",
        form([["begin group", "g", "G"], ["text", "a", "A"], ["end repeat", None, None]]),
        ("survey", 4, "type", "il faut « end group »"),
    ),
    (
        "an end group without a begin",
        form([["text", "a", "A"], END_GROUP]),
        ("survey", 3, "type", "sans « begin group » ouvert avant"),
    ),
    (
        "a name starting with a digit",
        form([["text", "1age", "A"]]),
        ("survey", 2, "name", "« 1age » est invalide"),
    ),
    (
        "a name with a space",
        form([["text", "nom prénom", "A"]]),
        ("survey", 2, "name", "« nom prénom » est invalide"),
    ),
    (
        "a question without a name",
        form([["text", None, "A"]]),
        ("survey", 2, "name", "le nom est vide"),
    ),
    (
        "a row without a type",
        form([[None, "a", "A"]]),
        ("survey", 2, "type", "le type de la question est vide"),
    ),
    (
        "an unknown type",
        form([["intger", "age", "A"]]),
        ("survey", 2, "type", "Vouliez-vous dire « integer »"),
    ),
    (
        "a choice name twice in one list",
        form([["select_one oui_non", "q", "Q"]], choices=YES_NO + [["oui_non", "oui", "Oui !"]]),
        ("choices", 4, "name", "figure déjà dans la liste « oui_non » ligne 2"),
    ),
    (
        "a choice without a name",
        form([["select_one oui_non", "q", "Q"]], choices=YES_NO + [["oui_non", None, "?"]]),
        ("choices", 4, "name", "le nom du choix est vide"),
    ),
    (
        "a choice name with a space in a select_multiple",
        form(
            [["select_multiple l", "q", "Q"]],
            choices=[["list_name", "name", "label"], ["l", "a b", "AB"]],
        ),
        ("choices", 2, "name", "contient une espace"),
    ),
    (
        "a calculate without its calculation",
        form([["calculate", "c", None]]),
        ("survey", 2, "calculation", "a besoin d'une formule"),
    ),
    (
        "a reference to a name that does not exist",
        with_column("relevant", [["text", "a", "A", "${b} = 'x'"]]),
        ("survey", 2, "relevant", "Question inconnue « b »"),
    ),
    (
        "a reference to a name used in two groups",
        with_column(
            "relevant",
            [
                ["begin group", "menage", "Ménage", None],
                ["integer", "age", "Âge du chef de ménage", None],
                ["end group", None, None, None],
                ["begin group", "repondant", "Vous", None],
                ["integer", "age", "Votre âge", None],
                ["end group", None, None, None],
                ["text", "b", "B", "${age} > 60"],
            ],
        ),
        ("survey", 8, "relevant", "« menage/age » et « repondant/age »"),
    ),
    (
        "a reference in a label to a name that does not exist",
        form([["text", "a", "Bonjour ${prenom}"]]),
        ("survey", 2, "label", "« ${prenom} » ne désigne aucune question"),
    ),
    (
        "a reference in a label to a name used in two groups",
        form(
            [
                ["begin group", "g", "G"],
                ["text", "a", "A"],
                END_GROUP,
                ["begin group", "h", "H"],
                ["text", "a", "A"],
                END_GROUP,
                ["note", "n", "Vous avez dit ${a}"],
            ]
        ),
        ("survey", 8, "label", "« g/a » et « h/a »"),
    ),
    (
        "select_one_external without the external_choices sheet",
        form([["select_one_external prefectures", "q", "Q"]]),
        ("survey", 2, "type", "n'existe pas dans la feuille « external_choices »"),
    ),
    (
        "select_one_from_file with a file that is not .csv or .xml",
        form([["select_one_from_file communes.txt", "q", "Q"]]),
        ("survey", 2, "type", "doit se terminer par « .csv » ou « .xml »"),
    ),
    (
        "a range parameter that is not a number",
        with_column("parameters", [["range", "r", "R", "start=1 end=x"]]),
        ("survey", 2, "parameters", "« end=x » doit être un nombre"),
    ),
    (
        "a range step of zero",
        with_column("parameters", [["range", "r", "R", "start=1 end=5 step=0"]]),
        ("survey", 2, "parameters", "un step positif"),
    ),
    (
        "parameters that are not key=value",
        with_column("parameters", [["range", "r", "R", "start"]]),
        ("survey", 2, "parameters", "« start » illisibles"),
    ),
    *[
        (
            f"parameters: {words}",
            with_column("parameters", [[question_type, "q", "Q", parameters]]),
            ("survey", 2, "parameters", words),
        )
        for question_type, parameters, words in [
            ("select_one oui_non", "randomize=maybe", "« randomize=maybe »"),
            ("select_one oui_non", "seed=3", "qu'avec « randomize=true »"),
            (
                "select_one oui_non",
                "colonnes=2",
                "« colonnes » inconnu pour le type « select_one »",
            ),
            ("range", "start=1 end=5 pas=2", "« pas » inconnu pour le type « range »"),
            ("range", "start=1 end=5 tick_interval=0", "« tick_interval=0 »"),
            ("text", "rows=beaucoup", "« rows=beaucoup » : la valeur est un nombre entier"),
            ("image", "max-pixels=grand", "« max-pixels=grand »"),
            ("audio", "quality=ultra", "« quality=ultra »"),
            ("geopoint", "capture-accuracy=x", "« capture-accuracy=x »"),
            ("select_one_from_file c.csv", "value=code*", "« value=code* »"),
        ]
    ],
    (
        "a reference badly written in a label",
        form([["text", "a", "Bonjour ${prenom"]]),
        ("survey", 2, "label", "référence mal écrite"),
    ),
    (
        "two headers naming the same column",
        with_column("caption", [["text", "a", "A", "A"]]),
        ("survey", 1, "caption", "colonne en double"),
    ),
    (
        "no name column",
        form([["text", "A"]], header=["type", "label"]),
        ("survey", 1, None, "la colonne « name » est absente"),
    ),
    (
        "or_other with a choice_filter",
        with_column("choice_filter", [["select_one oui_non or_other", "q", "Q", "x = 1"]]),
        ("survey", 2, "choice_filter", "« or_other » ne se combine pas"),
    ),
    (
        "an audit with a name of its own",
        form([["audit", "mon_audit", None], ["text", "a", "A"]]),
        ("survey", 2, "name", "s'appelle toujours « audit »"),
    ),
    (
        "a form root name that is not a name",
        form(
            [["text", "a", "A"]],
            settings=[["form_title", "form_id", "name"], ["T", "t", "1 mauvais"]],
        ),
        ("settings", 2, "name", "« 1 mauvais » ne peut pas être le nom de la racine"),
    ),
]


@pytest.mark.parametrize(
    "payload, cell",
    [case[1:] for case in REFUSED_BY_BOTH],
    ids=[case[0] for case in REFUSED_BY_BOTH],
)
def test_what_pyxform_refuses_we_refuse_at_the_same_cell(payload, cell):
    pyxform_refuses(payload)
    result = load_xlsform(payload)
    assert result.questionnaire is None
    sheet, row, column, words = cell
    found = [error for error in result.errors if (error.sheet, error.row, error.column) == cell[:3]]
    assert found, [str(error) for error in result.errors]
    assert any(words.lower() in error.message.lower() for error in found), [
        str(error) for error in found
    ]


# Forms pyxform converts and we refuse, and why.
OURS_ONLY = [
    (
        # pyxform does not read choice filters: ODK then offers no choice at all.
        "a choice_filter on a column no choice has",
        with_column("choice_filter", [["select_one oui_non", "q", "Q", "region = 'x'"]]),
        ("survey", 2, "choice_filter", "Colonne « region » absente"),
    ),
    (
        # pyxform does not parse expressions (ODK Validate and Collect refuse them later).
        "an expression that does not parse",
        with_column("constraint", [["integer", "a", "A", ". > "]]),
        ("survey", 2, "constraint", "Expression incomplète"),
    ),
    (
        # a form with nothing to ask cannot be answered nor published.
        "a survey sheet without any question",
        form([]),
        ("survey", None, None, "ne contient aucune question"),
    ),
    (
        # ODK reads a .geojson list as a map's features; we offer no map.
        "select_one_from_file with a GeoJSON file",
        form([["select_one_from_file lieux.geojson", "q", "Q"]]),
        ("survey", 2, "type", "GeoJSON"),
    ),
    (
        # with allow_choice_duplicates pyxform keeps both; an answer « oui » could not say which.
        "a choice name twice in one list with allow_choice_duplicates",
        form(
            [["select_one oui_non", "q", "Q"]],
            choices=YES_NO + [["oui_non", "oui", "Oui encore"]],
            settings=[["form_title", "allow_choice_duplicates"], ["T", "yes"]],
        ),
        ("choices", 4, "name", "« allow_choice_duplicates » n'est pas suivi ici"),
    ),
    (
        # « begin loop over » repeats a group per choice of a list: deprecated in ODK, not
        # offered here; a repeat does the same.
        "a loop over a list",
        form([["begin loop over oui_non", "l", "L"], ["text", "a", "A"], ["end loop", None, None]]),
        ("survey", 2, "type", "« begin loop over oui_non » inconnu"),
    ),
    (
        # pyxform does not need the file to write the form; ODK Central asks for it before
        # publishing, and we keep the choices with the version at import.
        "select_one_from_file without its file",
        form([["select_one_from_file communes.csv", "q", "Q"]]),
        ("survey", 2, "type", "« communes.csv » n'a pas été joint"),
    ),
]


@pytest.mark.parametrize(
    "payload, cell", [case[1:] for case in OURS_ONLY], ids=[case[0] for case in OURS_ONLY]
)
def test_what_only_we_refuse_is_named_at_its_cell(payload, cell):
    pyxform_accepts(payload)
    result = load_xlsform(payload)
    assert result.questionnaire is None
    found = [error for error in result.errors if (error.sheet, error.row, error.column) == cell[:3]]
    assert any(cell[3].lower() in error.message.lower() for error in found), [
        str(error) for error in result.errors
    ]


# Forms both accept, pyxform with a warning or a name of its own, ours alike.
WARNED = [
    (
        "two names that differ only by case",
        form([["text", "Age", "A"], ["text", "age", "B"]]),
        ("survey", 3, "name", "ne diffère que par les majuscules"),
    ),
    (
        "a choice row without its list name (left out)",
        form([["select_one oui_non", "q", "Q"]], choices=YES_NO + [[None, "x", "X"]]),
        ("choices", 4, "list_name", "la ligne est ignorée"),
    ),
    (
        "a choice without a label",
        form(
            [["select_one l", "q", "Q"]], choices=[["list_name", "name", "label"], ["l", "a", None]]
        ),
        ("choices", 2, "label", "n'a pas de libellé"),
    ),
    (
        "a repeat without a label",
        form([["begin repeat", "r", None], ["text", "a", "A"], ["end repeat", None, None]]),
        ("survey", 2, "label", "n'a pas de libellé"),
    ),
    (
        "a note without a name",
        form([["note", None, "Merci"], ["text", "a", "A"]]),
        ("survey", 2, "name", "generated_note_name_2"),
    ),
]


@pytest.mark.parametrize(
    "payload, cell", [case[1:] for case in WARNED], ids=[case[0] for case in WARNED]
)
def test_what_pyxform_accepts_with_a_warning_we_accept_with_a_warning(payload, cell):
    pyxform_accepts(payload)
    result = load_xlsform(payload)
    assert result.errors == [], [str(error) for error in result.errors]
    found = [w for w in result.warnings if (w.sheet, w.row, w.column) == cell[:3]]
    assert any(cell[3].lower() in warning.message.lower() for warning in found), [
        str(warning) for warning in result.warnings
    ]


def test_an_audit_without_a_name_is_called_audit_as_pyxform_calls_it():
    payload = form([["audit", None, None], ["text", "a", "A"]])
    pyxform_accepts(payload)
    questionnaire = load_xlsform(payload).questionnaire
    assert questionnaire.find("audit").extra["type"] == "audit"
