"""What the designer's condition builder writes (tests/data/condition_cases.json, `written`) is an
expression the server accepts and computes as the builder says: true for `holds`, false for
`fails`. The browser side of the same table: tests/browser/test_conditions_js.py."""

import json
from pathlib import Path

import pytest

from questionnaires.expressions import check_expression, evaluate

TABLE = json.loads(
    (Path(__file__).resolve().parent / "data" / "condition_cases.json").read_text(encoding="utf-8")
)
WRITTEN = [case for case in TABLE["cases"] if case.get("written")]
NAMES = [name for name in TABLE["subjects"] if name != "."]


@pytest.mark.parametrize("case", WRITTEN, ids=[case["id"] for case in WRITTEN])
def test_written_condition_is_accepted_and_holds(case):
    assert check_expression(case["written"], NAMES) == []
    if "holds" in case:
        assert evaluate(case["written"], case["holds"]) is True
    if "fails" in case:
        assert evaluate(case["written"], case["fails"]) is False
    if "current" in case:
        assert evaluate(case["written"], {}, current=case["current"]) is True
        assert evaluate(case["written"], {}, current=case["current_fails"]) is False


def test_every_case_that_stays_as_text_is_a_valid_or_broken_expression_on_purpose():
    advanced = [case for case in TABLE["cases"] if case["read"] is None]
    # The table keeps both kinds: sound expressions the builder cannot show, and a broken one.
    assert any(check_expression(case["expr"], NAMES) for case in advanced)
    assert any(not check_expression(case["expr"], NAMES) for case in advanced)


def test_the_builder_offers_the_questions_asked_before():
    from consultation.designer.conditions import condition_subjects
    from questionnaires import Questionnaire

    model = Questionnaire.from_dict(
        {
            "title": "Logement",
            "form_id": "logement",
            "children": [
                {"kind": "question", "type": "integer", "name": "age", "label": {"fr": "Âge"}},
                {
                    "kind": "group",
                    "name": "foyer",
                    "children": [{"kind": "question", "type": "text", "name": "precision"}],
                },
                {"kind": "question", "type": "note", "name": "merci"},
                {"kind": "question", "type": "select_one", "name": "statut", "choice_list": "s"},
            ],
            "choice_lists": {
                "s": {"name": "s", "choices": [{"name": "hlm", "label": {"fr": "Locataire HLM"}}]}
            },
        }
    )

    def offered(node_name, parent=None):
        subjects = condition_subjects(model, node_name, parent)
        return [question["name"] for question in subjects["questions"] if question["before"]]

    assert offered(None) == ["age", "precision", "statut"]  # a new question goes at the end
    assert offered(None, "foyer") == ["age", "precision"]  # ...of its group
    assert offered("foyer") == ["age"]  # a group's relevance: not its own questions
    assert offered("statut") == ["age", "precision"]  # never itself, never a note
    subjects = condition_subjects(model, "statut")
    assert subjects["questions"][0]["label"] == "Âge"
    assert subjects["lists"]["s"] == [{"name": "hlm", "label": "Locataire HLM"}]
