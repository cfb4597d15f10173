"""Editing a questionnaire's tree without the web app: locate, move, rename, cycles, compare."""

import pytest

from questionnaires import Group, Question, Questionnaire
from questionnaires.editing import (
    EditRefused,
    compare_definitions,
    free_name,
    locate,
    move,
    references_to,
    refuse_cycles,
    rename_references,
)


def _text(name, **extra):
    return Question(type="text", name=name, **({"label": {"fr": name.capitalize()}} | extra))


def _household() -> Questionnaire:
    return Questionnaire(
        title="Foyer",
        form_id="foyer",
        children=[
            _text("commune"),
            Group(
                name="membres",
                label={"fr": "Membres"},
                repeat=True,
                children=[
                    _text("prenom"),
                    Question(type="integer", name="age", label={"fr": "Âge"}),
                ],
            ),
            _text("remarque", relevant="${age} > 18", label={"fr": "Bonjour ${prenom}"}),
        ],
    )


def _order(model: Questionnaire) -> list[tuple[tuple[str, ...], str]]:
    return [(ancestors, node.name) for ancestors, node in model.walk()]


def test_locate_gives_the_list_the_index_and_the_group():
    model = _household()
    siblings, index, parent = locate(model, "age")
    assert (siblings[index].name, index, parent) == ("age", 1, "membres")
    assert locate(model, "commune")[1:] == (0, None)
    with pytest.raises(EditRefused) as refused:
        locate(model, "inconnue")
    assert refused.value.message == "L'élément « inconnue » n'existe pas dans ce questionnaire."
    assert refused.value.field_name == "name"


def test_a_free_name_skips_the_names_taken():
    model = _household()
    assert free_name(model, "groupe") == "groupe_1"
    model.children.append(_text("groupe_1"))
    assert free_name(model, "groupe") == "groupe_2"


def test_a_step_up_at_the_top_of_a_group_steps_out_of_it():
    model = _household()
    move(model, "prenom", direction="up")
    assert _order(model)[:3] == [((), "commune"), ((), "prenom"), ((), "membres")]
    move(model, "commune", direction="up")  # already first: nothing changes
    assert _order(model)[0] == ((), "commune")
    move(model, "remarque", direction="down")
    assert _order(model)[-1] == ((), "remarque")


def test_a_move_into_a_group_at_a_position():
    model = _household()
    move(model, "commune", parent="membres", position=1)
    assert [name for ancestors, name in _order(model) if ancestors == ("membres",)] == [
        "prenom",
        "commune",
        "age",
    ]
    move(model, "commune", position=99)
    assert _order(model)[-1] == ((), "commune")


def test_a_group_cannot_go_inside_itself_and_nothing_moves():
    model = _household()
    before = _order(model)
    with pytest.raises(EditRefused) as refused:
        move(model, "membres", parent="membres")
    assert (refused.value.message, refused.value.field_name) == (
        "Un groupe ne peut pas être déplacé dans lui-même.",
        "parent",
    )
    with pytest.raises(EditRefused, match="Direction inconnue"):
        move(model, "commune", direction="sideways")
    with pytest.raises(EditRefused, match="Le groupe « absent » n'existe pas"):
        move(model, "commune", parent="absent")
    assert _order(model) == before


def test_renaming_follows_into_expressions_and_texts_only_for_the_exact_name():
    model = _household()
    model.children.append(_text("age_pere", relevant="${age_pere} != ''"))
    assert [
        (reference.node_name, reference.field_name, reference.field_label)
        for reference in references_to(model, "age")
    ] == [("remarque", "relevant", "Condition d'affichage")]
    rename_references(model, "age", "age_annees")
    rename_references(model, "prenom", "prenom_membre")
    remarque = model.find("remarque")
    assert remarque.relevant == "${age_annees} > 18"
    assert remarque.label == {"fr": "Bonjour ${prenom_membre}"}
    assert model.find("age_pere").relevant == "${age_pere} != ''"
    assert model.find("age") is not None  # the question itself is renamed by its caller


def test_a_cycle_is_refused_on_the_field_that_closes_it():
    model = Questionnaire(
        title="T",
        form_id="t",
        children=[
            Question(type="calculate", name="a", calculation="${b} + 1"),
            Question(type="calculate", name="b", calculation="${a} + 1"),
            _text("c", relevant="${c} = 'oui'"),
        ],
    )
    with pytest.raises(EditRefused) as refused:
        refuse_cycles(model, model.find("a"))
    assert refused.value.message == (
        "Cycle de dépendances : a → b → a : une question ne peut pas dépendre d'elle-même, même par un détour."
    )
    assert refused.value.field_name == "calculation"
    with pytest.raises(EditRefused) as refused:
        refuse_cycles(model, model.find("c"))
    assert refused.value.field_name == "relevant"
    household = _household()
    refuse_cycles(household, household.find("remarque"))  # no cycle: nothing raised


def test_version_changes_name_what_moved_and_changed():
    before = Questionnaire(
        title="T",
        form_id="t",
        children=[
            Question(type="text", name="a", label={"fr": "A"}),
            Question(type="text", name="b", label={"fr": "B"}),
            Question(type="text", name="c", label={"fr": "C"}),
        ],
    )
    after = Questionnaire(
        title="T",
        form_id="t",
        children=[
            Question(type="text", name="b", label={"fr": "B modifiée"}),
            Question(type="text", name="a", label={"fr": "A"}),
            Question(type="text", name="d", label={"fr": "D"}),
        ],
    )
    changes = compare_definitions(before.to_dict(), after.to_dict())
    assert (changes.added, changes.removed, changes.changed) == (["d"], ["c"], ["b"])
    assert sorted(changes.moved) == ["a", "b"]
    assert compare_definitions(before.to_dict(), before.to_dict()).empty
