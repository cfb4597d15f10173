"""The expression language: the shared case table (also run by the browser port), then focused tests."""

from __future__ import annotations

import datetime
import json
import math
import re
from pathlib import Path

import pytest

from questionnaires.expressions import (
    ExpressionError,
    check_expression,
    evaluate,
    parse,
    references,
    to_boolean,
    to_number,
    to_string,
)
from questionnaires.expressions.values import parse_iso_date_time

TABLE = json.loads(
    (Path(__file__).parent / "data" / "expression_cases.json").read_text(encoding="utf-8")
)
CASES = TABLE["cases"]
SPECIAL_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _known_names(case: dict) -> set[str]:
    if "names" in case:
        return set(case["names"])
    names: set[str] = set(case.get("repeat_fields", {}))

    def collect(answers: dict) -> None:
        for name, value in answers.items():
            names.add(name)
            if isinstance(value, list) and all(isinstance(item, dict) for item in value):
                for instance in value:
                    collect(instance)

    collect(case.get("answers", {}))
    return names


def _evaluate_case(case: dict):
    return evaluate(
        case["expr"],
        case.get("answers", {}),
        current=case.get("current"),
        context=case.get("context"),
        today=datetime.date.fromisoformat(case.get("today", TABLE["today"])),
        now=parse_iso_date_time(case.get("now", TABLE["now"])),
        repeat_fields=case.get("repeat_fields"),
        choice_labels=case.get("choice_labels"),
    )


def _assert_expected(result, case: dict) -> None:
    expected = case["expected"]
    kind = (
        case.get("expected_type")
        or {bool: "boolean", int: "number", float: "number", str: "string"}[type(expected)]
    )
    if kind == "boolean":
        assert isinstance(result, bool) and result is expected
    elif kind == "number":
        assert isinstance(result, (int, float)) and not isinstance(result, bool), repr(result)
        number = SPECIAL_NUMBERS.get(expected, expected) if isinstance(expected, str) else expected
        if math.isnan(number):
            assert math.isnan(result)
        else:
            assert result == number
    elif kind == "date":
        assert isinstance(result, datetime.date), repr(result)
        assert not isinstance(result, datetime.datetime), repr(result)
        assert to_string(result) == expected
    elif kind == "dateTime":
        assert isinstance(result, datetime.datetime), repr(result)
        assert to_string(result) == expected
    else:
        assert isinstance(result, str) and result == expected


def test_table_is_large_and_ids_unique():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    assert len([case for case in CASES if "error" in case]) >= 30
    assert len([case for case in CASES if "expected" in case]) >= 120


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_shared_case(case):
    if "error" in case:
        problems = check_expression(case["expr"], _known_names(case))
        assert problems, "no problem reported"
        first = problems[0]
        assert (first.code, first.position) == (case["error"], case["position"]), first.message
        assert first.message
        if case["error"] != "unknown_name":
            with pytest.raises(ExpressionError) as raised:
                _evaluate_case(case)
            assert (raised.value.code, raised.value.position) == (case["error"], case["position"])
        return
    problems = check_expression(case["expr"], _known_names(case))
    if "warning" in case:
        # A call never reached: the check warns, the expression still evaluates.
        assert problems and all(problem.is_warning for problem in problems), problems
        assert (problems[0].code, problems[0].position) == (case["warning"], case["position"])
    else:
        assert problems == []
    _assert_expected(_evaluate_case(case), case)


# --- focused tests ----------------------------------------------------------------------------


def test_errors_carry_french_message_position_and_code():
    with pytest.raises(ExpressionError) as raised:
        parse("(${age} + 1")
    assert raised.value.message == "Parenthèse fermante « ) » manquante"
    assert (raised.value.position, raised.value.code) == (0, "syntax")
    assert raised.value.as_dict() == {
        "message": raised.value.message,
        "position": 0,
        "code": "syntax",
    }


def test_check_expression_reports_every_problem_in_order():
    problems = check_expression(
        "${agee} > 1 and foo(${age}) and selected(${aidess})", {"age", "aides"}
    )
    assert [(problem.code, problem.position) for problem in problems] == [
        ("unknown_name", 0),
        ("unknown_function", 16),
        ("arity", 32),
        ("unknown_name", 41),
    ]
    assert problems[3].message == "Question inconnue « aidess » : vouliez-vous dire ${aides} ?"


def test_check_expression_still_names_unknown_questions_after_a_syntax_error():
    problems = check_expression("${agee} > ", {"age"})
    assert [(problem.code, problem.position) for problem in problems] == [
        ("unknown_name", 0),
        ("syntax", 10),
    ]


def test_references_even_in_broken_text():
    assert references("${age} >= 16 and selected(${aides}, 'apl')") == {"age", "aides"}
    assert references("if(${public} = 'jeune', ${age}") == {"public", "age"}
    assert references("'${pas_une_reference}'") == set()


def test_parse_is_cached_and_trees_are_immutable():
    tree = parse("${age} + 1")
    assert parse("${age} + 1") is tree
    with pytest.raises(AttributeError):
        tree.operator = "-"


def test_evaluate_accepts_a_parsed_tree():
    tree = parse("${loyer} * 12")
    assert [evaluate(tree, {"loyer": rent}) for rent in (400, 512.5)] == [4800, 6150]


def test_numbers_come_back_as_int_when_whole():
    assert type(evaluate("2 * 21", {})) is int
    assert type(evaluate("1 div 4", {})) is float


def test_python_is_never_run():
    marker = Path("/tmp/expression-injection-marker")
    attempts = [
        "__import__('os').system('touch /tmp/expression-injection-marker')",
        "${a}.__class__.__mro__",
        "eval('1')",
        "exec('import os')",
        "open('/etc/passwd')",
        "[x for x in ()]",
        "lambda: 1",
        "1 if 1 else 2",
        "{'a': 1}",
        "`id`",
    ]
    for attempt in attempts:
        with pytest.raises(ExpressionError):
            evaluate(attempt, {"a": 1})
    assert not marker.exists()


def test_a_pattern_that_backtracks_badly_gives_up_as_no_match():
    assert evaluate("regex(., '(a|aa)+$')", {}, current="a" * 60 + "!") is False
    assert evaluate("regex(., '(a|aa)+$')", {}, current="aaaa") is True
    package = Path(parse.__wrapped__.__code__.co_filename).parent
    source = "\n".join(path.read_text() for path in package.glob("*.py"))
    # Only the builtins are forbidden: re.compile and regex.compile are fine.
    assert not re.search(r"(?<![\w.])(eval|exec|compile|__import__)\(", source)


def test_deep_nesting_is_refused_not_crashed():
    for text in (
        "(" * 5000 + "1" + ")" * 5000,
        "+".join(["1"] * 5000),
        "-" * 5000 + "1",
        "not(" * 3000 + "1" + ")" * 3000,
    ):
        with pytest.raises(ExpressionError) as raised:
            evaluate(text, {})
        assert raised.value.code == "syntax"
        assert check_expression(text, set())[0].message.startswith("Expression trop")
    assert evaluate("concat(" * 90 + "'x'" + ")" * 90, {}) == "x"


def test_context_paths_are_checked():
    with pytest.raises(ValueError):
        evaluate("${age_membre}", {"menage": []}, context="menage/1")


def test_sibling_of_a_missing_instance_is_unanswered():
    answers = {"menage": [{"age_membre": 40}]}
    assert evaluate("${age_membre}", answers, context="menage[5]") == ""


def test_repeat_field_from_top_level_is_the_first_instance():
    answers = {"menage": [{"age_membre": 40}, {"age_membre": 12}]}
    assert evaluate("${age_membre}", answers) == 40


def test_choice_filter_reads_choice_columns():
    from questionnaires.expressions import (
        check_choice_filter,
        choice_filter_columns,
        parse_choice_filter,
    )

    tree = parse_choice_filter("commune = ${commune} and name != 'autre'")
    answers = {"commune": "37122"}
    assert evaluate(tree, answers, columns={"name": "rabiere", "commune": "37122"}) is True
    assert evaluate(tree, answers, columns={"name": "sanitas", "commune": "37261"}) is False
    assert choice_filter_columns("commune = ${commune} or departement = '37'") == {
        "commune",
        "departement",
    }
    assert [
        problem.code
        for problem in check_choice_filter("communes = ${commune}", {"commune"}, {"commune"})
    ] == ["unknown_name"]
    with pytest.raises(ExpressionError):
        parse("commune = ${commune}")  # outside a choice filter a bare name is an error


@pytest.mark.parametrize(
    ("value", "boolean", "number", "string"),
    [
        (None, False, math.nan, ""),
        ("", False, math.nan, ""),
        ("0", True, 0.0, "0"),
        (" 12.5 ", True, 12.5, " 12.5 "),
        (0.0, False, 0.0, "0"),
        (-0.0, False, -0.0, "0"),
        (math.nan, False, math.nan, "NaN"),
        (math.inf, True, math.inf, "Infinity"),
        (True, True, 1.0, "true"),
        (False, False, 0.0, "false"),
        (["apl", "rsa"], True, math.nan, "apl rsa"),
        (datetime.date(1970, 1, 31), True, 30.0, "1970-01-31"),
        ("1970-01-31", True, 30.0, "1970-01-31"),
        ("2026-02-30", True, math.nan, "2026-02-30"),
        (1e21, True, 1e21, "1000000000000000000000"),
        (1.5e-7, True, 1.5e-7, "0.00000015"),
    ],
)
def test_conversions_follow_xpath(value, boolean, number, string):
    assert to_boolean(value) is boolean
    converted = to_number(value)
    assert math.isnan(converted) if math.isnan(number) else converted == number
    assert to_string(value) == string
