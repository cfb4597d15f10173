"""Answer validation on a realistic ABS questionnaire (jeunes 16–25 ans et seniors 60 ans et plus)."""

from __future__ import annotations

import datetime

import pytest

from questionnaires import Choice, ChoiceList, Group, Question, Questionnaire
from questionnaires.validation import (
    AnswerError,
    AnswerValidator,
    ValidationResult,
    compute_calculations,
    is_relevant,
    validate_answers,
)


def _choices(name: str, *items: tuple[str, str] | tuple[str, str, dict]) -> ChoiceList:
    return ChoiceList(
        name, [Choice(item[0], {"fr": item[1]}, item[2] if len(item) > 2 else {}) for item in items]
    )


@pytest.fixture
def questionnaire() -> Questionnaire:
    return Questionnaire(
        title="ABS 2026 — Vivre à Joué-lès-Tours",
        form_id="abs_2026",
        children=[
            Question(
                "note", "intro", {"fr": "Merci de participer à l'analyse des besoins sociaux."}
            ),
            Question(
                "select_one", "public", {"fr": "Public"}, required=True, choice_list="publics"
            ),
            Question(
                "integer",
                "age",
                {"fr": "Âge"},
                required=True,
                constraint="if(${public} = 'jeune', . >= 16 and . <= 25, . >= 60)",
                constraint_message={"fr": "L'âge ne correspond pas au public choisi."},
            ),
            Question("date", "date_entretien", {"fr": "Date de l'entretien"}),
            Question(
                "select_one", "commune", {"fr": "Commune"}, required=True, choice_list="communes"
            ),
            Question(
                "select_one",
                "quartier",
                {"fr": "Quartier"},
                choice_list="quartiers",
                choice_filter="commune = ${commune}",
            ),
            Group(
                "vie_quotidienne",
                {"fr": "Vie quotidienne"},
                children=[
                    Question("select_one", "logement", {"fr": "Logement"}, choice_list="logements"),
                    Question(
                        "decimal",
                        "loyer",
                        {"fr": "Loyer mensuel (€)"},
                        relevant="${logement} = 'locataire_hlm' or ${logement} = 'locataire_prive'",
                        constraint=". > 0 and . < 5000",
                    ),
                    Question(
                        "select_multiple",
                        "aides",
                        {"fr": "Aides perçues"},
                        choice_list="aides",
                        constraint="not(selected(., 'aucune') and count-selected(.) > 1)",
                        constraint_message={
                            "fr": "« Aucune » ne se combine pas avec une autre aide."
                        },
                    ),
                    Question(
                        "text",
                        "apa_commentaire",
                        {"fr": "Précisions sur l'APA"},
                        relevant="selected(${aides}, 'apa')",
                    ),
                ],
            ),
            Question("integer", "nb_membres", {"fr": "Nombre d'autres membres du ménage"}),
            Group(
                "membres",
                {"fr": "Membres du ménage"},
                repeat=True,
                repeat_count="${nb_membres}",
                children=[
                    Question("text", "prenom_membre", {"fr": "Prénom"}, required=True),
                    Question(
                        "integer",
                        "age_membre",
                        {"fr": "Âge du membre"},
                        required=True,
                        constraint=". <= 120",
                    ),
                    Question(
                        "select_one",
                        "scolarise",
                        {"fr": "Scolarisé ?"},
                        required=True,
                        choice_list="oui_non",
                        relevant="${age_membre} < 18",
                    ),
                ],
            ),
            Question("calculate", "taille_menage", calculation="count(${membres}) + 1"),
            Question("calculate", "nb_mineurs", calculation="${taille_menage} - 1 - ${nb_majeurs}"),
            Question(
                "calculate",
                "nb_majeurs",
                calculation="count(${membres}) - count-non-empty(${scolarise})",
            ),
            Question(
                "rating",
                "satisfaction",
                {"fr": "Satisfaction vis-à-vis des services du CCAS"},
                start=1,
                end=5,
            ),
            Question("paragraph", "besoins", {"fr": "De quoi auriez-vous besoin ?"}),
            Group(
                "seniors",
                {"fr": "Seniors"},
                relevant="${public} = 'senior'",
                children=[
                    Question(
                        "select_one",
                        "isolement",
                        {"fr": "Vous sentez-vous isolé(e) ?"},
                        required=True,
                        choice_list="oui_non",
                    ),
                ],
            ),
        ],
        choice_lists={
            "publics": _choices(
                "publics", ("jeune", "Jeune (16–25 ans)"), ("senior", "Senior (60 ans et plus)")
            ),
            "communes": _choices("communes", ("37122", "Joué-lès-Tours"), ("37261", "Tours")),
            "quartiers": _choices(
                "quartiers",
                ("rabiere", "La Rabière", {"commune": "37122"}),
                ("morier", "Le Morier", {"commune": "37122"}),
                ("sanitas", "Le Sanitas", {"commune": "37261"}),
            ),
            "logements": _choices(
                "logements",
                ("locataire_hlm", "Locataire HLM"),
                ("locataire_prive", "Locataire privé"),
                ("proprietaire", "Propriétaire"),
                ("heberge", "Hébergé(e)"),
            ),
            "aides": _choices(
                "aides",
                ("apl", "APL"),
                ("rsa", "RSA"),
                ("aah", "AAH"),
                ("apa", "APA"),
                ("aucune", "Aucune"),
            ),
            "oui_non": _choices("oui_non", ("oui", "Oui"), ("non", "Non")),
        },
    )


def _complete_jeune() -> dict:
    return {
        "public": "jeune",
        "age": "19",
        "date_entretien": "2026-03-15",
        "commune": "37122",
        "quartier": "rabiere",
        "logement": "locataire_hlm",
        "loyer": "412,50",
        "aides": "apl rsa",
        "nb_membres": 2,
        "membres": [
            {"prenom_membre": "Karima", "age_membre": 44},
            {"prenom_membre": "Yanis", "age_membre": 12, "scolarise": "oui"},
        ],
        "satisfaction": 4,
        "besoins": "Un accompagnement pour trouver un apprentissage.",
    }


def _codes(result: ValidationResult) -> dict[str, str]:
    return {error.path: error.code for error in result.errors}


def test_complete_answers_are_valid_and_cleaned(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune())
    assert result.errors == []
    assert result.is_valid
    cleaned = result.answers
    assert cleaned["age"] == 19  # "19" read as an integer
    assert cleaned["loyer"] == 412.5  # French decimal comma
    assert cleaned["aides"] == ["apl", "rsa"]  # space-separated select_multiple as a list
    assert cleaned["taille_menage"] == 3
    assert cleaned["nb_majeurs"] == 1
    assert cleaned["nb_mineurs"] == 1  # computed after nb_majeurs, which comes later in the form


def test_every_problem_is_reported_at_once(questionnaire):
    answers = _complete_jeune() | {
        "public": None,
        "age": "douze",
        "commune": "75056",
        "satisfaction": 9,
        "couleur_preferee": "bleu",
    }
    result = validate_answers(questionnaire, answers)
    assert _codes(result) == {
        "public": "required",
        "age": "type",
        "commune": "choice",
        "quartier": "choice",  # La Rabière is not in the (unknown) commune chosen
        "satisfaction": "type",
        "couleur_preferee": "unknown",
    }
    messages = {error.path: error.message for error in result.errors}
    assert messages["public"] == "« Public » : ce champ est obligatoire."
    assert messages["age"].startswith("« Âge » : ")
    assert "« 75056 »" in messages["commune"]
    assert "entre 1 et 5" in messages["satisfaction"]
    assert "couleur_preferee" not in result.answers and "age" not in result.answers


def test_constraint_uses_the_answer_and_the_form_message(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"age": 34})
    assert [error.as_dict() for error in result.errors] == [
        {
            "path": "age",
            "code": "constraint",
            "message": "« Âge » : L'âge ne correspond pas au public choisi.",
        }
    ]
    # The same age is right for a senior... who must then say whether they feel isolated.
    senior = validate_answers(questionnaire, _complete_jeune() | {"public": "senior", "age": 72})
    assert _codes(senior) == {"isolement": "required"}
    assert senior.errors[0].message == "« Vous sentez-vous isolé(e) ? » : ce champ est obligatoire."


def test_constraint_without_message_has_a_generic_one(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"loyer": -3})
    assert result.errors == [
        AnswerError("loyer", "constraint", "« Loyer mensuel (€) » : la réponse n’est pas valide.")
    ]


def test_answers_to_questions_not_shown_are_dropped(questionnaire):
    answers = _complete_jeune() | {
        "logement": "proprietaire",  # no rent for an owner
        "loyer": 600,
        "apa_commentaire": "sans objet",  # no APA among the aids
        "isolement": "oui",  # the seniors group is not shown to a young person
        "intro": "a note takes no answer",
    }
    result = validate_answers(questionnaire, answers)
    assert result.errors == []
    for dropped in ("loyer", "apa_commentaire", "isolement", "intro"):
        assert dropped not in result.answers


def test_invalid_answer_to_a_hidden_question_is_no_error(questionnaire):
    result = validate_answers(
        questionnaire, _complete_jeune() | {"logement": "heberge", "loyer": "beaucoup"}
    )
    assert result.errors == []
    assert "loyer" not in result.answers


def test_repeat_instances_are_validated_one_by_one(questionnaire):
    answers = _complete_jeune() | {
        "nb_membres": 3,
        "membres": [
            {"prenom_membre": "Karima", "age_membre": 144},
            {"prenom_membre": "", "age_membre": 12},
        ],
    }
    result = validate_answers(questionnaire, answers)
    assert _codes(result) == {
        "membres": "repeat",
        "membres[0]/age_membre": "constraint",
        "membres[1]/prenom_membre": "required",
        "membres[1]/scolarise": "required",  # relevant for Yanis, a minor, through his own age
    }
    assert result.errors[0].message == "« Membres du ménage » : 3 fiches attendues, 2 reçues."


def test_sibling_relevance_inside_a_repeat_drops_answers_per_instance(questionnaire):
    answers = _complete_jeune()
    answers["membres"][0]["scolarise"] = "non"  # Karima is 44: the question is not asked
    result = validate_answers(questionnaire, answers)
    assert result.errors == []
    assert "scolarise" not in result.answers["membres"][0]
    assert result.answers["membres"][1]["scolarise"] == "oui"


def test_choice_filter_limits_the_choices(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"quartier": "sanitas"})
    assert _codes(result) == {"quartier": "choice"}
    assert (
        result.errors[0].message
        == "« Quartier » : « sanitas » ne fait pas partie des choix proposés."
    )
    assert (
        validate_answers(
            questionnaire, _complete_jeune() | {"commune": "37261", "quartier": "sanitas"}
        ).errors
        == []
    )


def test_select_multiple_constraint_and_unknown_choices(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"aides": ["aucune", "apl"]})
    assert (
        result.errors[0].message
        == "« Aides perçues » : « Aucune » ne se combine pas avec une autre aide."
    )
    unknown = validate_answers(
        questionnaire, _complete_jeune() | {"aides": ["apl", "cheque_energie", "prime"]}
    )
    assert unknown.errors[0].code == "choice"
    assert "« cheque_energie », « prime » ne font pas partie" in unknown.errors[0].message


def test_dates_are_read_in_iso_or_french_form(questionnaire):
    french = validate_answers(questionnaire, _complete_jeune() | {"date_entretien": "15/03/2026"})
    assert french.answers["date_entretien"] == "2026-03-15"
    impossible = validate_answers(
        questionnaire, _complete_jeune() | {"date_entretien": "2026-02-30"}
    )
    assert _codes(impossible) == {"date_entretien": "type"}


def test_empty_optional_answers_are_fine(questionnaire):
    answers = {
        "public": "jeune",
        "age": 20,
        "commune": "37261",
        "besoins": "   ",
        "aides": [],
        "membres": [],
    }
    result = validate_answers(questionnaire, answers)
    assert result.errors == []
    assert "besoins" not in result.answers and "aides" not in result.answers


@pytest.mark.parametrize("age", ["dix-neuf", "19.5", "١٩", True, 10**20, [19]])
def test_integer_answers_must_be_whole_plain_numbers(questionnaire, age):
    result = validate_answers(questionnaire, _complete_jeune() | {"age": age})
    assert _codes(result) == {"age": "type"}


def test_text_length_sanity(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"besoins": "a" * 60_000})
    assert _codes(result) == {"besoins": "type"}


def test_repeat_answer_must_be_a_list_of_instances(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"membres": "Karima, Yanis"})
    assert _codes(result) == {"membres": "repeat"}


@pytest.mark.parametrize("required", ["yes", "true()", "${public} = 'jeune'"])
def test_required_as_xlsform_writes_it(questionnaire, required):
    questionnaire.find("besoins").required = required
    result = validate_answers(questionnaire, _complete_jeune() | {"besoins": ""})
    assert _codes(result) == {"besoins": "required"}


def test_required_expression_false_means_optional(questionnaire):
    questionnaire.find("besoins").required = "${public} = 'senior'"
    assert validate_answers(questionnaire, _complete_jeune() | {"besoins": ""}).errors == []


def test_is_relevant_follows_enclosing_groups_and_repeat_context(questionnaire):
    answers = _complete_jeune()
    assert not is_relevant(questionnaire, "isolement", answers)
    assert is_relevant(questionnaire, "isolement", answers | {"public": "senior"})
    assert is_relevant(questionnaire, "loyer", answers)
    assert not is_relevant(questionnaire, "scolarise", answers, context="membres[0]")
    assert is_relevant(questionnaire, "scolarise", answers, context="membres[1]")


def test_compute_calculations_fills_in_dependency_order_without_touching_input(questionnaire):
    answers = {
        "membres": [
            {"age_membre": 40},
            {"age_membre": 10, "scolarise": "oui"},
            {"age_membre": 8, "scolarise": "non"},
        ]
    }
    computed = compute_calculations(questionnaire, answers)
    assert (computed["taille_menage"], computed["nb_majeurs"], computed["nb_mineurs"]) == (4, 1, 2)
    assert "taille_menage" not in answers


def test_calculation_in_a_hidden_group_stays_empty(questionnaire):
    questionnaire.find("seniors").children.append(
        Question("calculate", "age_dans_dix_ans", calculation="${age} + 10"),
    )
    jeune = validate_answers(questionnaire, _complete_jeune())
    assert "age_dans_dix_ans" not in jeune.answers
    senior = validate_answers(
        questionnaire, _complete_jeune() | {"public": "senior", "age": 70, "isolement": "non"}
    )
    assert senior.errors == [] and senior.answers["age_dans_dix_ans"] == 80


def test_calculation_sent_by_a_client_is_recomputed(questionnaire):
    result = validate_answers(questionnaire, _complete_jeune() | {"taille_menage": 99})
    assert result.answers["taille_menage"] == 3


def test_today_is_the_interview_date_when_given(questionnaire):
    questionnaire.find("date_entretien").constraint = ". <= today()"
    questionnaire.find("date_entretien").constraint_message = {
        "fr": "La date ne peut pas être dans le futur."
    }
    answers = _complete_jeune() | {"date_entretien": "2026-03-16"}
    late = validate_answers(questionnaire, answers, today=datetime.date(2026, 3, 15))
    assert [error.message for error in late.errors] == [
        "« Date de l'entretien » : La date ne peut pas être dans le futur.",
    ]
    assert validate_answers(questionnaire, answers, today=datetime.date(2026, 3, 16)).errors == []


def test_calculations_inside_a_repeat_are_computed_per_instance(questionnaire):
    questionnaire.find("membres").children.append(
        Question(
            "calculate",
            "tranche_age",
            calculation="if(${age_membre} >= 60, 'senior', if(${age_membre} >= 18, 'adulte', 'mineur'))",
        ),
    )
    questionnaire.children.append(
        Question(
            "calculate",
            "nb_adultes",
            calculation="count(${membres}) - count-non-empty(${scolarise})",
        ),
    )
    answers = _complete_jeune() | {
        "nb_membres": 3,
        "membres": [
            {"prenom_membre": "Odette", "age_membre": 81},
            {"prenom_membre": "Karima", "age_membre": 44},
            {"prenom_membre": "Yanis", "age_membre": 12, "scolarise": "oui"},
        ],
    }
    result = validate_answers(questionnaire, answers)
    assert result.errors == []
    assert [member["tranche_age"] for member in result.answers["membres"]] == [
        "senior",
        "adulte",
        "mineur",
    ]
    assert result.answers["nb_adultes"] == 2


def test_nested_repeats_have_nested_paths():
    form = Questionnaire(
        title="Logements",
        form_id="logements",
        children=[
            Group(
                "logements",
                {"fr": "Logements"},
                repeat=True,
                children=[
                    Question("text", "adresse", {"fr": "Adresse"}, required=True),
                    Group(
                        "occupants",
                        {"fr": "Occupants"},
                        repeat=True,
                        children=[
                            Question(
                                "integer",
                                "age_occupant",
                                {"fr": "Âge de l'occupant"},
                                required=True,
                            ),
                            Question(
                                "text", "ecole", {"fr": "École"}, relevant="${age_occupant} < 18"
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
    answers = {
        "logements": [
            {
                "adresse": "3 rue des Lilas",
                "occupants": [{"age_occupant": 40}, {"age_occupant": 9, "ecole": "Mignonne"}],
            },
            {
                "adresse": "",
                "occupants": [{"age_occupant": "vieux"}, {"age_occupant": 70, "ecole": "aucune"}],
            },
        ]
    }
    result = validate_answers(form, answers)
    assert _codes(result) == {
        "logements[1]/adresse": "required",
        "logements[1]/occupants[0]/age_occupant": "type",
    }
    assert result.answers["logements"][0]["occupants"][1]["ecole"] == "Mignonne"
    assert (
        "ecole" not in result.answers["logements"][1]["occupants"][1]
    )  # a 70-year-old goes to no school


@pytest.mark.parametrize(
    "answers",
    [
        _complete_jeune(),
        _complete_jeune()
        | {
            "public": None,
            "age": "douze",
            "commune": "75056",
            "satisfaction": 9,
            "couleur": "bleu",
        },
        _complete_jeune()
        | {"nb_membres": 3, "membres": [{"prenom_membre": "Karima", "age_membre": "x"}]},
        _complete_jeune() | {"taille_menage": 99, "membres": "pas une liste"},
        {},
    ],
)
def test_a_validator_made_once_checks_exactly_as_validate_answers(questionnaire, answers):
    """The sync path keeps one AnswerValidator per published version: same errors, same answers,
    call after call (nothing of one call leaks into the next)."""
    validator = AnswerValidator(questionnaire)
    expected = validate_answers(questionnaire, answers)
    assert validator(_complete_jeune() | {"age": "douze"}).errors  # a first call with other answers
    assert validator(answers) == expected
    assert validator(answers) == expected
    date = datetime.date(2026, 3, 15)
    assert validator(answers, today=date) == validate_answers(questionnaire, answers, today=date)


def test_relevance_drops_answers_in_turn_in_a_form_without_calculations():
    """A question hidden by an answer that relevance itself dropped is dropped too, until the
    answers hold still; what stays shown is kept and checked."""
    form = Questionnaire(
        title="Logement",
        form_id="logement",
        children=[
            Question("integer", "enfants", {"fr": "Nombre d'enfants"}),
            Question("integer", "scolarises", {"fr": "Dont scolarisés"}, relevant="${enfants} > 0"),
            Question("text", "ecole", {"fr": "Quelle école ?"}, relevant="${scolarises} > 0"),
            Question("text", "cantine", {"fr": "Cantine ?"}, relevant="${ecole} != ''"),
            Question("text", "commentaire", {"fr": "Commentaire"}, required=True),
        ],
    )
    answers = {"enfants": 0, "scolarises": 2, "ecole": "Jules Ferry", "cantine": "oui"}
    for result in (validate_answers(form, answers), AnswerValidator(form)(answers)):
        assert result.answers == {"enfants": 0}
        assert [(error.path, error.code) for error in result.errors] == [
            ("commentaire", "required")
        ]
    shown = {**answers, "enfants": 1, "commentaire": "Rien"}
    assert validate_answers(form, shown).answers == shown


@pytest.mark.parametrize("through_a_calculation", [False, True])
def test_required_follows_the_relevance_the_answers_settle_on(through_a_calculation):
    """A required question is asked for only if it is still shown once relevance has dropped
    what it hides: the checks read the relevance of the answers kept, not of those sent (the
    first pruning saw « Jules Ferry » and showed « cantine »)."""
    counted = [Question("calculate", "nb_enfants", {}, calculation="${enfants}")]
    form = Questionnaire(
        title="Logement",
        form_id="logement",
        children=[
            Question("integer", "enfants", {"fr": "Nombre d'enfants"}),
            *(counted if through_a_calculation else []),
            Question(
                "text",
                "ecole",
                {"fr": "Quelle école ?"},
                relevant="${nb_enfants} > 0" if through_a_calculation else "${enfants} > 0",
            ),
            Question(
                "text", "cantine", {"fr": "Cantine ?"}, required=True, relevant="${ecole} != ''"
            ),
            Question(
                "text", "transport", {"fr": "Transport ?"}, required=True, relevant="${ecole} = ''"
            ),
        ],
    )
    answers = {"enfants": 0, "ecole": "Jules Ferry"}
    for result in (validate_answers(form, answers), AnswerValidator(form)(answers)):
        assert "ecole" not in result.answers
        assert [(error.path, error.code) for error in result.errors] == [("transport", "required")]
    with_school = {"enfants": 2, "ecole": "Jules Ferry"}
    for result in (validate_answers(form, with_school), AnswerValidator(form)(with_school)):
        assert result.answers["ecole"] == "Jules Ferry"
        assert [(error.path, error.code) for error in result.errors] == [("cantine", "required")]


def test_text_no_database_can_store_is_refused_whatever_the_question_type():
    """A NUL or half a surrogate pair is an error on its question, in a text, a choice or a list
    of choices; accents and characters beyond the BMP (an emoji, sent as a surrogate pair in
    JSON) are text like any other."""
    form = Questionnaire(
        title="Logement",
        form_id="logement",
        children=[
            Question("text", "prenom", {"fr": "Prénom"}),
            Question("paragraph", "besoins", {"fr": "Besoins"}),
            Question("select_one", "logement", {"fr": "Logement"}, choice_list="logement"),
            Question("select_multiple", "aides", {"fr": "Aides"}, choice_list="aides"),
        ],
        choice_lists={
            "logement": _choices("logement", ("hlm", "HLM")),
            "aides": _choices("aides", ("caf", "CAF")),
        },
    )
    answers = {
        "prenom": "Zoé\x00",
        "besoins": "Un logement \ud83d plus grand",
        "logement": "hlm\udc00",
        "aides": ["caf", "\ud800"],
    }
    for result in (validate_answers(form, answers), AnswerValidator(form)(answers)):
        assert [(error.path, error.code) for error in result.errors] == [
            ("prenom", "type"),
            ("besoins", "type"),
            ("logement", "type"),
            ("aides", "type"),
        ]
        assert all("caractère invalide" in error.message for error in result.errors)
        assert result.answers == {}
    fine = {
        "prenom": "Zoé",
        "besoins": "Un logement plus grand 🏠",
        "logement": "hlm",
        "aides": ["caf"],
    }
    assert validate_answers(form, fine).answers == fine
    assert validate_answers(form, fine).errors == []
