"""The designer's condition builder logic (static/js/conditions.js) on the shared table of
conditions (tests/data/condition_cases.json), in Chromium: every expression it can show is read back
as the rows a chargé d'étude picked and written back the same way; every other one stays as text;
what it writes holds in the browser's evaluator as on the server (tests/test_condition_cases.py)."""

import json
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "data" / "condition_cases.json"

RUN_CASES = r"""
async ({ conditionsUrl, expressionsUrl, table }) => {
  const C = await import(conditionsUrl);
  const E = await import(expressionsUrl);
  const failures = [];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const c of table.cases) {
    const subjects = { ...table.subjects };
    if (c.field !== "constraint") delete subjects["."];
    const read = C.readCondition(c.expr, subjects);
    if (!same(read, c.read)) { failures.push(`${c.id}: read ${JSON.stringify(read)}, expected ${JSON.stringify(c.read)}`); continue; }
    if (c.read === null) continue;
    const written = C.writeCondition(read, subjects);
    if (written !== c.written) { failures.push(`${c.id}: wrote ${written}, expected ${c.written}`); continue; }
    const again = C.readCondition(written, subjects);
    if (!same(again, c.read)) failures.push(`${c.id}: ${written} read back as ${JSON.stringify(again)}`);
    const names = Object.keys(subjects).filter((name) => name !== ".");
    if (written && E.checkExpression(written, names).length) failures.push(`${c.id}: ${written} refused by checkExpression`);
    for (const [key, expected] of [["holds", true], ["fails", false]]) {
      if (!c[key]) continue;
      const value = E.evaluate(written, c[key], {});
      if (value !== expected) failures.push(`${c.id}: ${written} gave ${value} with ${JSON.stringify(c[key])}`);
    }
    for (const [key, expected] of [["current", true], ["current_fails", false]]) {
      if (c[key] === undefined) continue;
      const value = E.evaluate(written, {}, { current: c[key] });
      if (value !== expected) failures.push(`${c.id}: ${written} gave ${value} with . = ${c[key]}`);
    }
  }
  return { count: table.cases.length, failures };
}
"""


def _run(live_server, page, script, argument):
    page.goto(live_server.url + "/compte/connexion")
    return page.evaluate(script, argument)


def test_every_condition_case_reads_and_writes_back(live_server, page):
    table = json.loads(CASES.read_text(encoding="utf-8"))
    result = _run(
        live_server,
        page,
        RUN_CASES,
        {
            "conditionsUrl": live_server.url + "/static/js/conditions.js",
            "expressionsUrl": live_server.url + "/static/js/expressions.js",
            "table": table,
        },
    )
    assert result["count"] == len(table["cases"]) > 0
    assert result["failures"] == [], "\n".join(result["failures"])


def test_incomplete_rows_are_named_and_left_out(live_server, page):
    result = _run(
        live_server,
        page,
        """async (url) => {
            const C = await import(url);
            const subjects = { age: { type: "integer" }, logement: { type: "select_one", list: [{ name: "hlm", label: "HLM" }] } };
            const rows = [
              { subject: "logement", op: "=", value: "hlm" },
              { subject: "age", op: ">=", value: "soixante" },
              { subject: "", op: "", value: "" },
              { subject: "age", op: "<", value: "99,5" },
            ];
            return {
              written: C.writeCondition({ join: "or", rows }, subjects),
              problems: rows.map((row) => C.rowProblem(row, subjects)),
              operators: C.operatorsFor(C.kindOf("select_multiple")).map(([, words]) => words),
            };
        }""",
        live_server.url + "/static/js/conditions.js",
    )
    assert result["written"] == "${logement} = 'hlm' or ${age} < 99.5"
    assert result["problems"] == [
        None,
        "indiquez un nombre (par exemple 60 ou 2,5)",
        "choisissez une question",
        None,
    ]
    assert result["operators"][:2] == ["contient", "ne contient pas"]
