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
    const options = { current: c.current, context: c.context, today: c.today || table.today, repeatFields: c.repeat_fields || {} };
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
      const [problem] = E.checkExpression(c.expr, names);
      if (problem) { failures.push(`${c.id}: unexpected problem ${problem.code} at ${problem.position}: ${problem.message}`); continue; }
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
    } else if (ok && expectedType === "date") {
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
    result = page.evaluate(RUN_CASES, {"moduleUrl": live_server.url + "/static/js/expressions.js", "table": table})
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
        text: [choice["name"] for choice in choices
               if evaluate(parse_choice_filter(text), answers, columns=choice) is True]
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
        {"url": live_server.url + "/static/js/expressions.js", "answers": answers, "choices": choices, "filters": filters},
    )
    assert kept == expected
    assert expected[filters[0]] == ["centre", "rives"]
