"""Walking a submission's answers without the web app: questions, repeats, paths."""

from questionnaires import Group, Question, Questionnaire
from questionnaires.answers import (
    answer_at,
    instances_of,
    is_repeat,
    repeat_chain,
    repeat_instances,
    walk_answers,
)


def _household() -> Questionnaire:
    return Questionnaire(
        title="Foyer",
        form_id="foyer",
        children=[
            Question(type="text", name="commune", label={"fr": "Commune"}),
            Group(
                name="profil",
                label={"fr": "Profil"},
                children=[
                    Question(type="paragraph", name="attentes", label={"fr": "Attentes"}),
                ],
            ),
            Group(
                name="menages",
                label={"fr": "Ménages"},
                repeat=True,
                children=[
                    Question(type="integer", name="taille", label={"fr": "Taille"}),
                    Group(
                        name="membres",
                        label={"fr": "Membres"},
                        repeat=True,
                        children=[
                            Question(type="text", name="prenom", label={"fr": "Prénom"}),
                        ],
                    ),
                ],
            ),
        ],
    )


ANSWERS = {
    "commune": "Tours",
    "attentes": "",
    "menages": [
        {"taille": 2, "membres": [{"prenom": "Inès"}, {"prenom": "Karim"}]},
        "pas une fiche",
        {"taille": 1, "membres": [{}, {"prenom": "Lucie"}]},
    ],
}


def test_walk_gives_each_answer_question_by_question_with_its_path_and_instance():
    walked = [
        (answer.path, answer.question.name, answer.value, answer.repeat_index)
        for answer in walk_answers(_household(), ANSWERS)
    ]
    assert walked == [
        ("commune", "commune", "Tours", None),
        ("attentes", "attentes", "", None),  # a plain group does not nest its answers
        ("menages[0]/taille", "taille", 2, 0),
        (
            "menages[2]/taille",
            "taille",
            1,
            2,
        ),  # what is not an instance keeps its place in the count
        ("menages[0]/membres[0]/prenom", "prenom", "Inès", 0),
        ("menages[0]/membres[1]/prenom", "prenom", "Karim", 1),
        ("menages[2]/membres[1]/prenom", "prenom", "Lucie", 1),
    ]


def test_walk_keeps_to_the_types_asked_and_survives_odd_answers():
    texts = [
        answer.path for answer in walk_answers(_household(), ANSWERS, types=("text", "paragraph"))
    ]
    assert texts == [
        "commune",
        "attentes",
        "menages[0]/membres[0]/prenom",
        "menages[0]/membres[1]/prenom",
        "menages[2]/membres[1]/prenom",
    ]
    assert list(walk_answers(_household(), {"menages": "trois"})) == []
    assert list(walk_answers(_household(), {})) == []


def test_repeat_chains_and_instances():
    model = _household()
    assert repeat_chain(model, "prenom") == ["menages", "membres"]
    assert repeat_chain(model, "attentes") == []
    assert repeat_chain(model, "menages") is None  # a group is not a question
    assert [
        (instance.path, instance.index) for instance in repeat_instances(ANSWERS, ["menages"])
    ] == [("menages[0]", 0), ("menages[2]", 2)]
    assert repeat_instances(ANSWERS, [])[0].answers is ANSWERS


def test_a_repeat_is_a_non_empty_list_of_objects():
    assert is_repeat([{"prenom": "Inès"}])
    assert not is_repeat([]) and not is_repeat(["a", "b"]) and not is_repeat("menages")
    assert instances_of(ANSWERS, "menages") == [ANSWERS["menages"][0], ANSWERS["menages"][2]]
    assert instances_of("pas une fiche", "menages") == [] and instances_of(ANSWERS, "commune") == []


def test_a_path_reads_one_answer():
    assert answer_at(ANSWERS, "menages[2]/membres[1]/prenom") == "Lucie"
    assert answer_at(ANSWERS, "commune") == "Tours"
    assert answer_at(ANSWERS, "menages[5]/taille") is None
    assert answer_at(ANSWERS, "menages[1]/taille") is None  # not an instance
    assert answer_at(ANSWERS, "commune[0]") is None
    assert answer_at(ANSWERS, "mal formé/x") is None
