"""Questionnaire checks: what the designer and the XLSForm importer show before publication."""

from __future__ import annotations

from questionnaires import Choice, ChoiceList, Group, Question, Questionnaire
from questionnaires.checks import blocking, check_questionnaire, is_valid_name


def _form(*children, choice_lists=None) -> Questionnaire:
    return Questionnaire(
        title="ABS 2026 — seniors",
        form_id="abs_seniors",
        children=list(children),
        choice_lists=choice_lists
        if choice_lists is not None
        else {
            "oui_non": ChoiceList(
                "oui_non", [Choice("oui", {"fr": "Oui"}), Choice("non", {"fr": "Non"})]
            ),
            "aides": ChoiceList("aides", [Choice("apl"), Choice("apa"), Choice("aucune")]),
            "quartiers": ChoiceList(
                "quartiers",
                [
                    Choice("rabiere", {"fr": "La Rabière"}, {"commune": "37122"}),
                    Choice("sanitas", {"fr": "Le Sanitas"}, {"commune": "37261"}),
                ],
            ),
        },
    )


def _summary(problems) -> list[tuple[str, str, str, int | None]]:
    return [(problem.name, problem.field, problem.code, problem.position) for problem in problems]


def test_a_sound_questionnaire_has_no_problem():
    form = _form(
        Question("integer", "age", {"fr": "Âge"}, required=True, constraint=". >= 60 and . <= 120"),
        Question(
            "select_multiple",
            "aides",
            {"fr": "Aides"},
            choice_list="aides",
            relevant="${age} >= 60",
            constraint="not(selected(., 'aucune') and count-selected(.) > 1)",
        ),
        Question("text", "commune", {"fr": "Commune"}),
        Question(
            "select_one",
            "quartier",
            {"fr": "Quartier"},
            choice_list="quartiers",
            choice_filter="commune = ${commune}",
            default="rabiere",
        ),
        Group(
            "membres",
            {"fr": "Membres du ménage"},
            repeat=True,
            repeat_count="${nb}",
            children=[
                Question("integer", "age_membre", {"fr": "Âge"}),
                Question(
                    "select_one",
                    "isole",
                    {"fr": "Isolé ?"},
                    choice_list="oui_non",
                    relevant="${age_membre} >= 60",
                ),
            ],
        ),
        Question("integer", "nb", {"fr": "Nombre de membres"}),
        Question("calculate", "nb_seniors", calculation="count(${membres})"),
    )
    assert check_questionnaire(form) == []


def test_expression_errors_name_question_field_and_position():
    form = _form(
        Question("integer", "age", {"fr": "Âge"}, constraint=". >= 60 and"),
        Question(
            "text",
            "isolement",
            {"fr": "Isolement"},
            relevant="${agee} >= 60 and selectd(${age}, 'x')",
        ),
        Question("calculate", "decennie", calculation="round(${age})  div 10 + int()"),
    )
    assert _summary(check_questionnaire(form)) == [
        ("age", "constraint", "syntax", 11),
        ("isolement", "relevant", "unknown_name", 0),
        ("isolement", "relevant", "unknown_function", 18),
        ("decennie", "calculation", "arity", 24),
    ]
    # An unknown function and a wrong arity are warnings: publication goes on, ODK evaluates
    # lazily and the call fails only if it is reached.
    assert [problem.is_warning for problem in check_questionnaire(form)] == [
        False,
        False,
        True,
        True,
    ]
    assert _summary(blocking(check_questionnaire(form))) == [
        ("age", "constraint", "syntax", 11),
        ("isolement", "relevant", "unknown_name", 0),
    ]
    messages = [problem.message for problem in check_questionnaire(form)]
    assert "vouliez-vous dire ${age} ?" in messages[1]
    assert "vouliez-vous dire selected() ?" in messages[2]


def test_duplicate_and_invalid_names():
    form = _form(
        Question("integer", "age", {"fr": "Âge"}),
        Group(
            "menage",
            {"fr": "Ménage"},
            children=[Question("integer", "age", {"fr": "Âge du conjoint"})],
        ),
        Question("text", "mon nom", {"fr": "Nom"}),
        Question("text", "1ere_visite", {"fr": "Première visite"}),
        Question("text", "", {"fr": "Sans nom"}),
    )
    assert _summary(check_questionnaire(form)) == [
        ("", "name", "invalid_name", None),
        ("age", "name", "duplicate", None),
        ("mon nom", "name", "invalid_name", None),
        ("1ere_visite", "name", "invalid_name", None),
    ]
    assert "utilisé 2 fois" in check_questionnaire(form)[1].message


def test_names_follow_xml_rules():
    assert is_valid_name("âge_du_membre")
    assert is_valid_name("_interne")
    assert is_valid_name("q1.b-2")
    assert not is_valid_name("1ere")
    assert not is_valid_name("mon nom")
    assert not is_valid_name("age?")


def test_dependency_cycle_between_calculations_and_relevance():
    form = _form(
        Question("calculate", "score", calculation="${bonus} + 1"),
        Question("calculate", "bonus", calculation="if(${detail} = 'oui', 2, 0)"),
        Question(
            "select_one", "detail", {"fr": "Détail"}, choice_list="oui_non", relevant="${score} > 1"
        ),
    )
    problems = check_questionnaire(form)
    assert _summary(problems) == [("score", "calculation", "cycle", 0)]
    assert problems[0].message == "Cycle de dépendances : score → bonus → detail → score"


def test_question_relevant_on_itself_and_group_relevant_on_its_child_are_cycles():
    form = _form(
        Question("text", "commentaire", {"fr": "Commentaire"}, relevant="${commentaire} != ''"),
        Group(
            "seniors",
            {"fr": "Seniors"},
            relevant="${isolement} = 'oui'",
            children=[
                Question("select_one", "isolement", {"fr": "Isolé ?"}, choice_list="oui_non"),
            ],
        ),
    )
    messages = [problem.message for problem in check_questionnaire(form) if problem.code == "cycle"]
    assert messages == [
        "Cycle de dépendances : commentaire → commentaire",
        "Cycle de dépendances : seniors → isolement → seniors",
    ]


def test_select_questions_need_an_existing_choice_list():
    form = _form(
        Question("select_one", "logement", {"fr": "Logement"}, choice_list="logements"),
        Question("select_multiple", "aides", {"fr": "Aides"}),
        Question("select_one", "vide", {"fr": "Vide"}, choice_list="vide"),
        choice_lists={"vide": ChoiceList("vide", [])},
    )
    assert _summary(check_questionnaire(form)) == [
        ("logement", "choice_list", "missing", None),
        ("aides", "choice_list", "missing", None),
        ("vide", "choice_list", "missing", None),
    ]
    assert check_questionnaire(form)[0].message == "La liste de choix « logements » n'existe pas."


def test_choice_lists_with_duplicate_or_spaced_names():
    form = _form(
        Question("select_multiple", "logement", {"fr": "Logement"}, choice_list="logements"),
        choice_lists={
            "logements": ChoiceList(
                "logements",
                [
                    Choice("hlm"),
                    Choice("hlm"),
                    Choice("locataire prive"),
                ],
            )
        },
    )
    messages = [problem.message for problem in check_questionnaire(form)]
    assert messages == [
        "Liste « logements » : le choix « hlm » apparaît 2 fois.",
        "Liste « logements » : le nom de choix « locataire prive » contient un espace alors que "
        "la liste sert à une question à choix multiple.",
    ]


def test_a_choice_name_with_a_space_is_accepted_in_a_select_one_list():
    # pyxform and Kobo accept « agoe nyive » in a select_one list: its answer is read whole.
    form = _form(
        Question("select_one", "quartier", {"fr": "Quartier"}, choice_list="quartiers"),
        choice_lists={"quartiers": ChoiceList("quartiers", [Choice("agoe nyive"), Choice("be")])},
    )
    assert check_questionnaire(form) == []


def test_choice_filter_columns_must_exist():
    form = _form(
        Question("text", "commune", {"fr": "Commune"}),
        Question(
            "select_one",
            "quartier",
            {"fr": "Quartier"},
            choice_list="quartiers",
            choice_filter="code_commune = ${commune}",
        ),
    )
    assert _summary(check_questionnaire(form)) == [("quartier", "choice_filter", "unknown_name", 0)]
    assert "code_commune" in check_questionnaire(form)[0].message


def test_required_expression_and_defaults_are_checked():
    form = _form(
        Question("integer", "age", {"fr": "Âge"}, default="soixante"),
        Question(
            "select_one", "isole", {"fr": "Isolé ?"}, choice_list="oui_non", default="peut-etre"
        ),
        Question("text", "precision", {"fr": "Précision"}, required="${isole} = 'oui' and"),
        Question("text", "note_libre", {"fr": "Note"}, required="yes"),
    )
    assert _summary(check_questionnaire(form)) == [
        ("age", "default", "type", None),
        ("isole", "default", "type", None),
        ("precision", "required", "syntax", 20),
    ]


def test_repeat_count_and_empty_calculation():
    form = _form(
        Group(
            "membres",
            {"fr": "Membres"},
            repeat=True,
            repeat_count="${nb_membre}",
            children=[
                Question("text", "prenom", {"fr": "Prénom"}),
            ],
        ),
        Question("integer", "nb_membres", {"fr": "Nombre"}),
        Question("calculate", "total"),
    )
    assert _summary(check_questionnaire(form)) == [
        ("membres", "repeat_count", "unknown_name", 0),
        ("total", "calculation", "missing", None),
    ]


def test_python_injection_in_a_form_is_a_syntax_problem_never_run():
    form = _form(
        Question("calculate", "x", calculation="__import__('os').system('touch /tmp/pwned')"),
        Question("text", "y", {"fr": "Y"}, relevant="${x}.__class__"),
    )
    assert _summary(check_questionnaire(form)) == [
        ("x", "calculation", "syntax", 0),
        ("y", "relevant", "syntax", 4),
    ]


def test_kobo_metadata_rows_do_not_block_publication():
    from pathlib import Path

    from questionnaires import load_xlsform

    result = load_xlsform(Path(__file__).parent / "data" / "kobo_seniors.xlsx")
    assert result.ok, [str(error) for error in result.errors]
    metadata = [q for q in result.questionnaire.questions() if "type" in q.extra]
    assert metadata, "the Kobo fixture keeps its start/end metadata rows"
    assert check_questionnaire(result.questionnaire) == []
