"""The browser's evaluator (static/js/expressions.js) against the shared table of cases that the
server's evaluator passes too (tests/data/expression_cases.json): every case, in Chromium."""

import json
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "data" / "expression_cases.json"

# Runs every case in the page and returns the failures as readable lines. Kept in JavaScript so
# that the comparison of values (NaN, dates, number or string) is the one the page sees.
RUN_CASES = r"""
async ({ moduleUrl, table }) => {
  const E = await import(moduleUrl);
  const failures = [];
  const typeOf = (value) => {
    if (value instanceof E.XDateTime) return "dateTime";
    if (value instanceof E.XDate) return "date";
    if (typeof value === "boolean") return "boolean";
    if (typeof value === "number") return "number";
    if (typeof value === "string") return "string";
    return Object.prototype.toString.call(value);
  };
  const show = (value) => (value instanceof E.XDate ? `date ${value}` : `${typeOf(value)} ${JSON.stringify(value)}${typeof value === "number" && !Number.isFinite(value) ? ` (${value})` : ""}`);
  const defaultNames = (answers, repeatFields) => {
    // The keys of the answers, those inside repeat instances, and the fields of repeat_fields.
    const names = new Set(Object.keys(repeatFields || {}));
    const visit = (scope) => {
      for (const [key, value] of Object.entries(scope || {})) {
        names.add(key);
        if (Array.isArray(value)) value.forEach((item) => { if (item && typeof item === "object" && !Array.isArray(item)) visit(item); });
      }
    };
    visit(answers);
    return [...names];
  };
  for (const c of table.cases) {
    const answers = c.answers || {};
    const names = c.names || defaultNames(answers, c.repeat_fields);
    const options = { current: c.current, context: c.context, today: c.today || table.today, now: c.now || table.now, repeatFields: c.repeat_fields || {}, choiceLabels: c.choice_labels };
    if (c.error) {
      const problem = E.checkExpression(c.expr, names)[0];
      if (!problem) { failures.push(`${c.id}: checkExpression found nothing, expected ${c.error} at ${c.position}`); continue; }
      if (problem.code !== c.error || problem.position !== c.position) {
        failures.push(`${c.id}: checkExpression gave ${problem.code} at ${problem.position} (${problem.message}), expected ${c.error} at ${c.position}`);
        continue;
      }
      if (typeof problem.message !== "string" || !problem.message) failures.push(`${c.id}: no message`);
      if (c.error !== "unknown_name") {
        try {
          E.evaluate(c.expr, answers, options);
          failures.push(`${c.id}: evaluate did not fail`);
        } catch (error) {
          if (!(error instanceof E.ExpressionError) || error.code !== c.error || error.position !== c.position) {
            failures.push(`${c.id}: evaluate failed with ${error.code} at ${error.position}: ${error.message}`);
          }
        }
      }
      continue;
    }
    let value;
    try {
      const problems = E.checkExpression(c.expr, names);
      const [problem] = problems;
      if (c.warning) {
        // A call never reached: the check warns, the expression still evaluates.
        if (!problem || problem.code !== c.warning || problem.position !== c.position || !problems.every((each) => each.isWarning)) {
          failures.push(`${c.id}: expected only warnings, first ${c.warning} at ${c.position}, got ${JSON.stringify(problems.map((each) => [each.code, each.position]))}`);
          continue;
        }
      } else if (problem) { failures.push(`${c.id}: unexpected problem ${problem.code} at ${problem.position}: ${problem.message}`); continue; }
      value = E.evaluate(c.expr, answers, options);
    } catch (error) {
      failures.push(`${c.id}: raised ${error.code || error.name}: ${error.message}`);
      continue;
    }
    const expectedType = c.expected_type || (typeof c.expected === "boolean" ? "boolean" : typeof c.expected === "number" ? "number" : "string");
    const actualType = typeOf(value);
    let ok = actualType === expectedType;
    if (ok && expectedType === "number") {
      const expected = typeof c.expected === "string" ? Number(c.expected) : c.expected;
      ok = Number.isNaN(expected) ? Number.isNaN(value) : value === expected;
    } else if (ok && (expectedType === "date" || expectedType === "dateTime")) {
      ok = E.toString(value) === c.expected;
    } else if (ok) {
      ok = value === c.expected;
    }
    if (!ok) failures.push(`${c.id}: ${c.expr} gave ${show(value)}, expected ${expectedType} ${JSON.stringify(c.expected)}`);
  }
  return { count: table.cases.length, failures };
}
"""


def test_every_shared_case_passes_in_the_browser(live_server, page):
    table = json.loads(CASES.read_text(encoding="utf-8"))
    page.goto(live_server.url + "/compte/connexion")
    result = page.evaluate(
        RUN_CASES, {"moduleUrl": live_server.url + "/static/js/expressions.js", "table": table}
    )
    assert result["count"] == len(table["cases"]) > 0
    assert result["failures"] == [], "\n".join(result["failures"])


def test_errors_name_their_place_in_french(live_server, page):
    page.goto(live_server.url + "/compte/connexion")
    problem = page.evaluate(
        """async (url) => {
            const E = await import(url);
            const [error, ...others] = E.checkExpression("${age} >= 16 and ${agee} < 26 and foo(1)", ["age"]);
            let thrown = null;
            try { E.parse("${age} + * 2"); } catch (e) { thrown = {code: e.code, position: e.position, message: e.message}; }
            return {code: error.code, position: error.position, message: error.message, thrown,
                    others: others.map((e) => [e.code, e.position]),
                    refs: E.references("selected(${aides}, 'apl') and ${age} > ${age_min} and ${age} < 99")};
        }""",
        live_server.url + "/static/js/expressions.js",
    )
    assert (problem["code"], problem["position"]) == ("unknown_name", 17)
    assert "vouliez-vous dire ${age}" in problem["message"]
    assert problem["others"] == [["unknown_function", 34]]
    assert problem["thrown"]["code"] == "syntax" and problem["thrown"]["position"] == 9
    assert "«" in problem["thrown"]["message"]
    assert problem["refs"] == ["aides", "age", "age_min"]


def test_evaluator_never_runs_text_as_code(live_server, page):
    """An expression that would be code in JavaScript is refused, never executed."""
    page.goto(live_server.url + "/compte/connexion")
    outcome = page.evaluate(
        """async (url) => {
            const E = await import(url);
            window.__touched = false;
            const attempts = ["constructor('window.__touched = true')()", "${a}.constructor", "alert(1)",
                              "'x'; window.__touched = true", "concat(`x`)"];
            const codes = attempts.map((text) => { try { E.evaluate(text, {a: 1}); return "ran"; } catch (e) { return e.code; } });
            return {codes, touched: window.__touched};
        }""",
        live_server.url + "/static/js/expressions.js",
    )
    assert outcome["touched"] is False
    assert "ran" not in outcome["codes"]


def test_choice_filters_agree_with_the_server(live_server, page):
    """A choice_filter reads the choice's columns as bare names; page and server keep the same choices."""
    from questionnaires.expressions import evaluate, parse_choice_filter

    answers = {"commune": "37261", "age": 19, "menage": [{"lien": "enfant"}]}
    choices = [
        {"name": "centre", "commune": "37261", "public": "tous"},
        {"name": "rives", "commune": "37261", "public": "jeune"},
        {"name": "bourg", "commune": "37122", "public": "tous"},
        {"name": "gare", "commune": "", "public": "senior"},
    ]
    filters = [
        "commune = ${commune}",
        "commune = ${commune} and (public = 'tous' or (public = 'jeune' and ${age} <= 25))",
        "name != 'gare' and starts-with(commune, '37')",
        "commune = '' or selected('centre bourg', name)",
    ]
    expected = {
        text: [
            choice["name"]
            for choice in choices
            if evaluate(parse_choice_filter(text), answers, columns=choice) is True
        ]
        for text in filters
    }
    page.goto(live_server.url + "/compte/connexion")
    kept = page.evaluate(
        """async ({url, answers, choices, filters}) => {
            const E = await import(url);
            return Object.fromEntries(filters.map((text) => {
                const tree = E.parseChoiceFilter(text);
                return [text, choices.filter((choice) => E.evaluate(tree, answers, {columns: choice}) === true).map((c) => c.name)];
            }));
        }""",
        {
            "url": live_server.url + "/static/js/expressions.js",
            "answers": answers,
            "choices": choices,
            "filters": filters,
        },
    )
    assert kept == expected
    assert expected[filters[0]] == ["centre", "rives"]


# Beyond the shared table: corners where two implementations drift apart (rounding, clamping,
# dates, IEEE specials, repeats seen from inside and outside). The server's answer is the reference.
DIFFERENTIAL_ANSWERS = {
    "age": 42,
    "aides": ["apl", "rsa"],
    "commune": "37261",
    "d": "2024-02-29",
    "txt": " a  b ",
    "n": None,
    "s": "12.5",
    "menage": [
        {"p": "Léa", "a": 45, "enfants": [{"e": "x"}]},
        {"p": "Tom", "a": 17, "enfants": []},
    ],
}
DIFFERENTIAL_EXPRESSIONS = [
    "${a}",
    "${a} > 18",
    "${p}",
    "count(${enfants})",
    "count(${e})",
    "sum(${a})",
    "min(${a}, 3)",
    "join('-', ${p}, ${age})",
    "round(-0.4)",
    "round(2.345, 2)",
    "round(1.005, 2)",
    "round(5, 'x')",
    "pow(0, -1)",
    "pow(1, 0 div 0)",
    "pow(2, 1024)",
    "int(1 div 0)",
    "floor(-0.5)",
    "substr('abc', -1)",
    "substr('abc', 0, -1 div 0)",
    "substring('abcdef', -1, 3)",
    "substring('abc', 0 div 0)",
    "selected-at(${aides}, 1.9)",
    "date('2024-02-30')",
    "date('2024-02-29T10:00')",
    "date(' 2024-02-29 ')",
    "date(20454.9)",
    "date(-1)",
    "date(true())",
    "format-date('2024-01-05', '%d %b %e/%n/%y')",
    "decimal-date-time('12.7')",
    "${d} + 1",
    "date(${d} + 1)",
    "${txt} = 'a b'",
    "normalize-space(${txt})",
    "${s} * 2",
    "${s} = 12.5",
    "${n} = 0",
    "number('+1')",
    "number('1.')",
    "string(0.1 * 3)",
    "string(1000000000000000000000 * 10)",
    "string(0.0000001)",
    "string(-0.0000015)",
    "1 div -0",
    "(1 div 0) mod 2",
    "-2 mod (1 div 0)",
    "today() = ${d}",
    "coalesce(${n}, ${age})",
    "once(3)",
    "position(..)",
    "translate('aabc', 'aa', 'xy')",
    "regex('abc', '(?P<x>b)')",
    "selected(${commune}, 37261)",
    "boolean-from-string(' true')",
    "true() = 'x'",
    "sum(${age})",
    "count(${n})",
    "count-non-empty(${p})",
    "${menage}",
    "string(${enfants})",
    "string-length('Zoé')",
    "${age} div ${age} mod 5",
    "-${s}",
    "concat(${aides})",
    "sum(${aides})",
    "indexed-repeat(${p}, ${menage}, 2)",
    "indexed-repeat(${e}, ${enfants}, 1)",
    "indexed-repeat(${e}, ${menage}, 2, ${enfants}, 1)",
    "indexed-repeat(${a}, ${menage}, position(..))",
    "indexed-repeat(${menage}, ${menage}, 1)",
    "count(${menage}[a > 20])",
    "${p}[. != 'Léa']",
    "sum(${a}[. > 20])",
    "count(${enfants}[e = 'x'])",
]
DIFFERENTIAL_CONTEXTS = [None, "menage[1]", "menage[0]/enfants[0]"]


def _typed(value):
    import datetime
    import math

    if isinstance(value, bool):
        return ["boolean", value]
    if isinstance(value, (int, float)):
        if math.isnan(value):
            return ["number", "NaN"]
        if math.isinf(value):
            return ["number", "Infinity" if value > 0 else "-Infinity"]
        return ["number", value]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    return ["string", value]


def test_page_and_server_agree_beyond_the_shared_table(live_server, page):
    import datetime

    from questionnaires.expressions import evaluate

    expected = [
        _typed(
            evaluate(
                text,
                DIFFERENTIAL_ANSWERS,
                context=context,
                current=7,
                today=datetime.date(2026, 3, 15),
            )
        )
        for text in DIFFERENTIAL_EXPRESSIONS
        for context in DIFFERENTIAL_CONTEXTS
    ]
    page.goto(live_server.url + "/compte/connexion")
    actual = page.evaluate(
        """async ({url, answers, expressions, contexts}) => {
            const E = await import(url);
            const typed = (v) => {
                if (typeof v === "boolean") return ["boolean", v];
                if (typeof v === "number") return ["number", Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v];
                if (v instanceof E.XDate) return ["date", String(v)];
                return ["string", v];
            };
            return expressions.flatMap((text) => contexts.map((context) =>
                typed(E.evaluate(text, answers, {context: context || undefined, current: 7, today: "2026-03-15"}))));
        }""",
        {
            "url": live_server.url + "/static/js/expressions.js",
            "answers": DIFFERENTIAL_ANSWERS,
            "expressions": DIFFERENTIAL_EXPRESSIONS,
            "contexts": DIFFERENTIAL_CONTEXTS,
        },
    )
    pairs = [
        (text, context) for text in DIFFERENTIAL_EXPRESSIONS for context in DIFFERENTIAL_CONTEXTS
    ]
    differences = [
        f"{text} @ {context}: server {want}, page {got}"
        for (text, context), want, got in zip(pairs, expected, actual)
        if want != got
    ]
    assert differences == []
