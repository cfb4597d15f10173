"""Forms from KoboToolbox and ODK as their authors wrote them: the same name in two groups, and
select_one_from_file questions reading their choices from a CSV or XML file attached to the
form. Each imports, answers, exports and imports again unchanged, and pyxform converts the
export."""

from __future__ import annotations

import io
import zipfile

import pytest
from test_xlsform import sheet_rows, workbook_bytes, xform_of

from questionnaires import validate_answers
from questionnaires.xlsform import choice_files, load_xlsform, xlsform_archive, xlsform_bytes

# --- the same name in two groups ----------------------------------------------------------------

HOUSEHOLD = [
    ["type", "name", "label", "relevant"],
    ["begin group", "menage", "Votre ménage", None],
    ["integer", "age", "Âge de la personne de référence", None],
    ["integer", "taille", "Nombre de personnes", None],
    ["end group", None, None, None],
    ["begin group", "repondant", "Vous", None],
    ["integer", "age", "Votre âge", None],
    ["text", "metier", "Votre métier", "${taille} > 1"],
    ["end group", None, None, None],
]


def test_the_same_name_in_two_groups_imports_and_keeps_both_answers():
    result = load_xlsform(workbook_bytes({"survey": HOUSEHOLD}))
    assert result.errors == [] and result.warnings == []
    questionnaire = result.questionnaire
    assert [node.name for _, node in questionnaire.walk()] == [
        "menage",
        "menage:age",
        "taille",
        "repondant",
        "repondant:age",
        "metier",
    ]
    # each age keeps its own answer; a name used once keeps its key as before
    checked = validate_answers(
        questionnaire, {"menage:age": "52", "repondant:age": "19", "taille": "3"}
    )
    assert checked.is_valid, checked.errors
    assert checked.answers["menage:age"] == 52 and checked.answers["repondant:age"] == 19
    wrong = validate_answers(questionnaire, {"menage:age": "beaucoup", "repondant:age": "19"})
    assert [error.path for error in wrong.errors] == ["menage:age"]


def test_the_same_name_in_two_groups_is_written_back_as_the_author_wrote_it():
    questionnaire = load_xlsform(workbook_bytes({"survey": HOUSEHOLD})).questionnaire
    exported = xlsform_bytes(questionnaire)
    names = [row[1] for row in sheet_rows(exported, "survey")[1:]]
    assert names == ["menage", "age", "taille", None, "repondant", "age", "metier", None]
    assert load_xlsform(exported).questionnaire == questionnaire
    xform = xform_of(exported)
    assert "<menage>" in xform and "<repondant>" in xform and xform.count("<age/>") == 2


@pytest.mark.parametrize(
    "column, cell",
    [("relevant", "${age} > 60"), ("label", "Vous avez ${age} ans ?")],
)
def test_a_reference_to_a_name_of_two_groups_is_refused_at_its_cell(column, cell):
    rows = [list(row) for row in HOUSEHOLD]
    rows.append(["text", "question", "Une question", None])
    rows[-1][rows[0].index(column)] = cell
    result = load_xlsform(workbook_bytes({"survey": rows}))
    assert result.questionnaire is None
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("survey", 10, column)]
    message = result.errors[0].message
    assert "« ${age} » est ambigu" in message
    assert "« menage/age » et « repondant/age »" in message


def test_the_same_name_twice_in_one_group_is_refused_naming_both_rows():
    rows = HOUSEHOLD[:4] + [["integer", "age", "Encore l'âge", None]] + HOUSEHOLD[4:]
    result = load_xlsform(workbook_bytes({"survey": rows}))
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 5, colonne « name » : Le nom « age » est déjà utilisé ligne 3 "
        "dans le groupe « menage » : deux éléments d'un même groupe doivent avoir des noms "
        "différents (le même nom reste possible dans deux groupes différents)."
    ]


def test_a_group_name_used_twice_qualifies_the_group_and_keeps_its_questions_names():
    rows = [
        ["type", "name", "label"],
        ["begin group", "adulte", "Adulte"],
        ["begin group", "sante", "Santé"],
        ["text", "medecin", "Médecin traitant"],
        ["end group", None, None],
        ["end group", None, None],
        ["begin group", "enfant", "Enfant"],
        ["begin group", "sante", "Santé"],
        ["text", "pediatre", "Pédiatre"],
        ["end group", None, None],
        ["end group", None, None],
    ]
    questionnaire = load_xlsform(workbook_bytes({"survey": rows})).questionnaire
    assert questionnaire.find("adulte:sante") and questionnaire.find("enfant:sante")
    assert questionnaire.find("medecin") and questionnaire.find("pediatre")
    assert load_xlsform(xlsform_bytes(questionnaire)).questionnaire == questionnaire


# --- select_one_from_file -----------------------------------------------------------------------

COMMUNES = "name;label;dep\r\n37261;Tours;37\r\n37050;Chambray-lès-Tours;37\r\n41018;Blois;41\r\n"


def communes_form(extra_rows=()) -> bytes:
    return workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "choice_filter", "parameters"],
                ["select_one departements", "departement", "Département", None, None],
                [
                    "select_one_from_file communes.csv",
                    "commune",
                    "Commune",
                    "dep = ${departement}",
                    None,
                ],
                *extra_rows,
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["departements", "37", "Indre-et-Loire"],
                ["departements", "41", "Loir-et-Cher"],
            ],
        }
    )


@pytest.mark.parametrize(
    "encoding, payload",
    [
        ("utf-8", COMMUNES.encode("utf-8")),
        ("utf-8 with BOM", COMMUNES.encode("utf-8-sig")),
        ("windows-1252", COMMUNES.encode("cp1252")),
        ("latin-1", COMMUNES.encode("latin-1")),
        ("commas", COMMUNES.replace(";", ",").encode("utf-8")),
    ],
)
def test_a_csv_choice_file_is_read_whatever_its_encoding(encoding, payload):
    result = load_xlsform(communes_form(), {"communes.csv": payload})
    assert result.errors == [] and result.warnings == [], [str(e) for e in result.errors]
    questionnaire = result.questionnaire
    commune = questionnaire.find("commune")
    assert commune.type == "select_one" and commune.choice_list == "communes.csv"
    communes = questionnaire.choice_lists["communes.csv"]
    assert communes.file == "communes.csv"
    assert [(c.name, c.label["fr"], c.properties) for c in communes.choices] == [
        ("37261", "Tours", {"dep": "37"}),
        ("37050", "Chambray-lès-Tours", {"dep": "37"}),
        ("41018", "Blois", {"dep": "41"}),
    ]
    assert questionnaire.answer_text(commune, "37050") == "Chambray-lès-Tours"


def test_the_choice_filter_reads_the_files_other_columns():
    questionnaire = load_xlsform(communes_form(), {"communes.csv": COMMUNES.encode()}).questionnaire
    assert validate_answers(questionnaire, {"departement": "37", "commune": "37261"}).is_valid
    refused = validate_answers(questionnaire, {"departement": "37", "commune": "41018"})
    assert [error.path for error in refused.errors] == ["commune"]
    assert validate_answers(questionnaire, {"commune": "99999"}).errors[0].code == "choice"


def test_a_file_not_attached_is_named_with_its_row_and_nothing_is_imported():
    result = load_xlsform(communes_form(), {"quartiers.csv": b"name,label\na,A\n"})
    assert result.questionnaire is None
    assert [str(error) for error in result.errors] == [
        "Feuille « survey », ligne 3, colonne « type » : Le fichier « communes.csv » n'a pas été "
        "joint au formulaire : la question « commune » y lit ses choix ; joignez-le avec le "
        "fichier XLSForm (fichiers joints : « quartiers.csv »)."
    ]


def test_a_file_without_a_name_column_is_named_with_the_column():
    result = load_xlsform(communes_form(), {"communes.csv": b"code;label;dep\n37261;Tours;37\n"})
    assert result.questionnaire is None
    assert [str(error) for error in result.errors] == [
        "Fichier joint « communes.csv », ligne 1, colonne « name » : La colonne « name » est "
        "absente du fichier : c'est elle qui donne la valeur de chaque choix (colonnes trouvées : "
        "« code », « label », « dep »)."
    ]


def test_value_and_label_parameters_choose_the_columns():
    form = communes_form(
        [
            [
                "select_multiple_from_file communes.csv",
                "voisines",
                "Communes voisines",
                None,
                "value=insee label=nom",
            ]
        ]
    )
    files = {
        "communes.csv": COMMUNES.encode(),
    }
    result = load_xlsform(form, files)
    assert result.questionnaire is None  # communes.csv has no insee column
    assert ("communes.csv", 1, "insee") in [(e.sheet, e.row, e.column) for e in result.errors]
    files["communes.csv"] = (
        "name;label;dep;insee;nom\r\n37261;Tours;37;37261;Tours (37)\r\n"
    ).encode()
    questionnaire = load_xlsform(form, files).questionnaire
    voisines = questionnaire.find("voisines")
    assert voisines.type == "select_multiple"
    assert questionnaire.choice_lists[voisines.choice_list].choices[0].label == {"fr": "Tours (37)"}
    assert load_xlsform(
        xlsform_bytes(questionnaire), choice_files(questionnaire)
    ).questionnaire == (questionnaire)


def test_an_xml_choice_file_is_read_as_odk_reads_it():
    form = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label"],
                ["select_multiple_from_file quartiers.xml", "quartiers", "Quartiers fréquentés"],
            ]
        }
    )
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?><root>"
        "<item><name>sanitas</name><label>Sanitas</label><commune>37261</commune></item>"
        "<item><name>rives_du_cher</name><label>Rives du Cher</label><commune>37261</commune></item>"
        "</root>"
    ).encode()
    questionnaire = load_xlsform(form, {"quartiers.xml": xml}).questionnaire
    quartiers = questionnaire.choice_lists["quartiers.xml"]
    assert quartiers.names() == ["sanitas", "rives_du_cher"]
    assert quartiers.choices[1].properties == {"commune": "37261"}
    assert validate_answers(questionnaire, {"quartiers": "sanitas rives_du_cher"}).is_valid


def test_the_export_writes_the_type_and_the_file_back_and_pyxform_converts_it():
    questionnaire = load_xlsform(
        communes_form(), {"communes.csv": COMMUNES.encode("cp1252")}
    ).questionnaire
    exported = xlsform_bytes(questionnaire)
    survey = sheet_rows(exported, "survey")
    assert survey[2][:2] == ("select_one_from_file communes.csv", "commune")
    # the list is the file's, not a list of the choices sheet
    assert all(row[0] != "communes.csv" for row in sheet_rows(exported, "choices"))
    files = choice_files(questionnaire)
    assert files["communes.csv"].decode("utf-8").splitlines() == [
        "name,label,dep",
        "37261,Tours,37",
        "37050,Chambray-lès-Tours,37",
        "41018,Blois,41",
    ]
    assert load_xlsform(exported, files).questionnaire == questionnaire
    xform = xform_of(exported)
    assert "jr://file-csv/communes.csv" in xform and "instance('communes')" in xform

    with zipfile.ZipFile(io.BytesIO(xlsform_archive(questionnaire, "communes.xlsx"))) as archive:
        assert sorted(archive.namelist()) == ["communes.csv", "communes.xlsx"]
        again = load_xlsform(
            archive.read("communes.xlsx"), {"communes.csv": archive.read("communes.csv")}
        )
    assert again.questionnaire == questionnaire


def test_a_version_imported_before_files_were_read_still_exports_its_type():
    from questionnaires import Question, Questionnaire

    old = Questionnaire(
        "Ancien",
        "ancien",
        children=[
            Question(
                "text",
                "quartier",
                {"fr": "Quartier"},
                extra={"type": "select_one_from_file quartiers.csv"},
            )
        ],
    )
    assert sheet_rows(xlsform_bytes(old), "survey")[1][:2] == (
        "select_one_from_file quartiers.csv",
        "quartier",
    )


def test_the_zip_of_the_form_and_its_files_imports_as_they_do():
    questionnaire = load_xlsform(
        communes_form(), {"communes.csv": COMMUNES.encode("cp1252")}
    ).questionnaire
    assert load_xlsform(xlsform_archive(questionnaire)).questionnaire == questionnaire
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.xlsx", communes_form())
        archive.writestr("b.xlsx", communes_form())
    result = load_xlsform(buffer.getvalue())
    assert result.questionnaire is None
    assert [str(error) for error in result.errors] == [
        "Fichier : L'archive zip doit contenir un seul formulaire .xlsx, et à côté les fichiers "
        ".csv ou .xml qu'il lit (2 fichiers .xlsx trouvés)."
    ]


def test_a_choice_file_too_big_to_be_a_list_is_refused_by_its_size():
    result = load_xlsform(communes_form(), {"communes.csv": b"name;label\n" + b"x" * 11_000_000})
    assert [(error.sheet, error.row) for error in result.errors] == [("communes.csv", None)]
    assert "dépasse 10 Mo" in result.errors[0].message


def test_a_value_with_a_space_in_a_file_is_refused_for_a_select_multiple():
    form = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label"],
                ["select_multiple_from_file quartiers.csv", "quartiers", "Quartiers"],
            ]
        }
    )
    result = load_xlsform(form, {"quartiers.csv": b"name,label\nrives du cher,Rives du Cher\n"})
    assert [(e.sheet, e.column) for e in result.errors] == [("quartiers.csv", "name")]
    assert "« rives du cher » contient une espace" in result.errors[0].message
