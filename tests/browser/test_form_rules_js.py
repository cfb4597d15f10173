"""The form runtime in Chromium on the shared table of form rules (tests/data/form_rule_cases.json),
which the server's validate_answers passes too (tests/test_form_rules.py): relevance, required,
constraints, calculations and repeats give the same answers and the same errors on both sides."""

import json
from pathlib import Path

from questionnaires.model import Questionnaire

CASES = Path(__file__).resolve().parent.parent / "data" / "form_rule_cases.json"

# Each case twice: through mountForm (what the respondent's page does: validate(), getAnswers()),
# and through the rules module alone for the relevance of each path. Failures come back as lines.
RUN_CASES = r"""
async ({ runtimeUrl, stateUrl, rulesUrl, definition, table }) => {
  const { mountForm } = await import(runtimeUrl);
  const { createState, loadAnswers } = await import(stateUrl);
  const { compute, REQUIRED_MESSAGE, CONSTRAINT_MESSAGE } = await import(rulesUrl);
  const defaults = { required: REQUIRED_MESSAGE, constraint: CONSTRAINT_MESSAGE };
  const failures = [];
  const canonical = (value) => JSON.stringify(value, (key, item) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
      : item);
  for (const c of table.cases) {
    const host = document.createElement("div");
    document.body.replaceChildren(host);
    const form = mountForm(host, definition, { answers: c.answers, today: table.today, mode: "single" });
    const errors = form.validate().map((error) => [error.path, error.code, error.message]).sort();
    const expected = c.errors.map(([path, code, message]) => [path, code, message || defaults[code]]).sort();
    if (canonical(errors) !== canonical(expected)) failures.push(`${c.id}: errors ${canonical(errors)}, expected ${canonical(expected)}`);
    const answers = form.getAnswers();
    if (canonical(answers) !== canonical(c.cleaned)) failures.push(`${c.id}: answers ${canonical(answers)}, expected ${canonical(c.cleaned)}`);
    form.destroy();

    const state = createState(definition, { today: table.today });
    state.answers = loadAnswers(c.answers, state.children);
    const { status } = compute(state);
    for (const [path, relevant] of Object.entries(c.relevant)) {
      const entry = status.get(path);
      const seen = entry ? entry.relevant : false;
      if (seen !== relevant) failures.push(`${c.id}: ${path} relevant ${seen}, expected ${relevant}`);
    }
  }
  return { count: table.cases.length, failures };
}
"""


def test_every_rule_case_passes_in_the_browser(live_server, page):
    table = json.loads(CASES.read_text(encoding="utf-8"))
    page.goto(live_server.url + "/compte/connexion")
    result = page.evaluate(
        RUN_CASES,
        {
            "runtimeUrl": live_server.url + "/static/js/form-runtime.js",
            "stateUrl": live_server.url + "/static/js/form/state.js",
            "rulesUrl": live_server.url + "/static/js/form/rules.js",
            "definition": Questionnaire.from_dict(table["form"]).to_dict(),
            "table": table,
        },
    )
    assert result["count"] == len(table["cases"]) > 0
    assert result["failures"] == [], "\n".join(result["failures"])


CHAINED = r"""
async ({ stateUrl, rulesUrl, definition, starts }) => {
  const { createState, loadAnswers } = await import(stateUrl);
  const { compute } = await import(rulesUrl);
  return starts.map((x) => {
    const state = createState(definition, {});
    state.answers = loadAnswers({ x }, state.children);
    compute(state);
    return state.answers;
  });
}
"""


def test_calculations_follow_their_dependencies_in_the_browser(live_server, page):
    """A summary written above its inputs, and chains of calculates in reverse order: every value
    right after one computation, as the server computes them."""
    from chained_form import chained_form, expected

    page.goto(live_server.url + "/compte/connexion")
    starts = [5, -25]
    results = page.evaluate(
        CHAINED,
        {
            "stateUrl": live_server.url + "/static/js/form/state.js",
            "rulesUrl": live_server.url + "/static/js/form/rules.js",
            "definition": chained_form().to_dict(),
            "starts": starts,
        },
    )
    for start, answers in zip(starts, results):
        assert answers == {"x": start} | expected(start)


CHOICE_NAME = r"""
async ({ stateUrl, rulesUrl, definition }) => {
  const { createState, loadAnswers } = await import(stateUrl);
  const { compute } = await import(rulesUrl);
  return ["fr", "en"].map((language) => {
    const state = createState(definition, { language });
    state.answers = loadAnswers({ logement: "hlm" }, state.children);
    compute(state);
    return state.answers.libelle;
  });
}
"""


def test_jr_choice_name_gives_the_label_in_the_language_shown(live_server, page):
    from chained_form import choice_name_form

    page.goto(live_server.url + "/compte/connexion")
    labels = page.evaluate(
        CHOICE_NAME,
        {
            "stateUrl": live_server.url + "/static/js/form/state.js",
            "rulesUrl": live_server.url + "/static/js/form/rules.js",
            "definition": choice_name_form().to_dict(),
        },
    )
    assert labels == ["Locataire HLM", "Social tenant"]
