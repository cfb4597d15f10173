"""The rules of a form (relevance, required, constraints, calculations, repeats) on the shared table
tests/data/form_rule_cases.json, which the browser's form runtime runs too
(tests/browser/test_form_rules_js.py): the server and the page must agree on every case."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from questionnaires.model import Questionnaire, label_in
from questionnaires.validation import is_relevant, validate_answers

TABLE = json.loads(
    (Path(__file__).parent / "data" / "form_rule_cases.json").read_text(encoding="utf-8")
)
FORM = Questionnaire.from_dict(TABLE["form"])
TODAY = datetime.date.fromisoformat(TABLE["today"])
# The server's own words where the form has none; the label comes first, as in every server message.
DEFAULT_MESSAGES = {
    "required": "ce champ est obligatoire.",
    "constraint": "la réponse n’est pas valide.",
}


def _split(path: str) -> tuple[str, str | None]:
    """ "menage[1]/age_membre" -> ("age_membre", "menage[1]")."""
    context, _, name = path.rpartition("/")
    return re.sub(r"\[\d+\]$", "", name), context or None


@pytest.mark.parametrize("case", TABLE["cases"], ids=[case["id"] for case in TABLE["cases"]])
def test_server_applies_the_rules_of_the_shared_table(case):
    result = validate_answers(FORM, case["answers"], today=TODAY)

    assert result.answers == case["cleaned"]
    expected = []
    for path, code, message in case["errors"]:
        label = label_in(FORM.find(_split(path)[0]).label, FORM.default_language)
        expected.append((path, code, f"« {label} » : {message or DEFAULT_MESSAGES[code]}"))
    assert sorted((error.path, error.code, error.message) for error in result.errors) == sorted(
        expected
    )
    for path, relevant in case["relevant"].items():
        name, context = _split(path)
        assert is_relevant(FORM, name, result.answers, context, today=TODAY) is relevant, path


def test_the_table_covers_every_kind_of_rule():
    codes = {code for case in TABLE["cases"] for _, code, _ in case["errors"]}
    assert {"required", "constraint"} <= codes
    kinds = {
        key
        for node in FORM.questions()
        for key in ("relevant", "constraint", "calculation")
        if getattr(node, key)
    }
    assert kinds == {"relevant", "constraint", "calculation"}
    assert any(isinstance(node.required, str) and "$" in node.required for node in FORM.questions())
    assert any(path.startswith("menage[") for case in TABLE["cases"] for path in case["relevant"])


@pytest.mark.parametrize("start", [5, -25])
def test_calculations_follow_their_dependencies_not_the_document(start):
    from chained_form import chained_form, expected

    from questionnaires.validation import compute_calculations

    form = chained_form()
    wanted = {"x": start} | expected(start)
    assert compute_calculations(form, {"x": start}) == wanted
    assert validate_answers(form, {"x": start}).answers == wanted


def test_jr_choice_name_gives_the_label_of_the_choice():
    from chained_form import choice_name_form

    answers = validate_answers(choice_name_form(), {"logement": "hlm"}).answers
    assert answers == {"logement": "hlm", "libelle": "Locataire HLM"}


@pytest.mark.parametrize("start", [60, 7])
def test_long_chains_written_both_ways_end_right_and_the_server_agrees_with_itself(start):
    """20 chains of 50 calculates, half of them reading the link written below; a relevance, a
    sum over a repeat and an indexed-repeat reading calculates written after them."""
    from chained_form import LONG_LENGTH, long_chain_ends, long_chains_form

    from questionnaires.validation import compute_calculations

    form = long_chains_form()
    answers = {"x": start, "seuil": 4, "membres": [{"age_membre": 30}, {"age_membre": 40}]}
    validated = validate_answers(form, answers)
    assert validated.errors == []
    cleaned = validated.answers
    assert long_chain_ends(start).items() <= cleaned.items()
    assert cleaned["total_ages"] == 70 + 2 * start
    assert cleaned["premier"] == 30 + start
    assert [member["age_plus"] for member in cleaned["membres"]] == [30 + start, 40 + start]
    # Shown only once the first chain's end (written below it) passes 100.
    assert ("seuil" in cleaned) == (start + LONG_LENGTH > 100)
    computed = compute_calculations(form, answers)
    calculated = {
        question.name for question in form.questions() if question.type == "calculate"
    } - {"identifiant", "age_plus"}
    assert {name: computed[name] for name in calculated} == {
        name: cleaned[name] for name in calculated
    }
    assert computed["membres"] == cleaned["membres"]
