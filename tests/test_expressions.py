"""The expression language: the shared case table (also run by the browser port), then focused tests."""
from __future__ import annotations

import datetime
import json
import math
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

TABLE = json.loads((Path(__file__).parent / "data" / "expression_cases.json").read_text(encoding="utf-8"))
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
        repeat_fields=case.get("repeat_fields"),
    )


def _assert_expected(result, case: dict) -> None:
    expected = case["expected"]
    kind = case.get("expected_type") or {bool: "boolean", int: "number", float: "number", str: "string"}[type(expected)]
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
    assert check_expression(case["expr"], _known_names(case)) == []
    _assert_expected(_evaluate_case(case), case)
