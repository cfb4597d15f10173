"""A big form in the form runtime: 20 chains of 50 calculates (half written in reverse order),
typed into as a respondent does. Every chain end is right after the keystroke, as the server
computes it; a keystroke redraws only what depends on it; a long repeat is drawn instance by
instance as it is opened, with the keyboard."""

from playwright.sync_api import expect

from questionnaires.model import Group, Question, Questionnaire
from questionnaires.validation import validate_answers

from .test_form_runtime import answers_of, mount, question
from .test_layout_a11y import _audit

# Records every change the page makes inside the questions named, from now on.
WATCH = """(names) => {
  for (const observer of window.observers || []) observer.disconnect();
  const counts = Object.fromEntries(names.map((name) => [name, 0]));
  window.touched = counts;
  window.observers = names.map((name) => {
    const element = document.querySelector(`.fr-question[data-path="${name}"]`);
    const observer = new MutationObserver((records) => { counts[name] += records.length; });
    observer.observe(element, { subtree: true, childList: true, attributes: true, characterData: true });
    return observer;
  });
}"""


def touched(page) -> dict:
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    return page.evaluate("window.touched")


def test_typing_the_start_value_sets_every_chain_end_and_touches_nothing_else(live_server, page):
    from chained_form import LONG_LENGTH, long_chain_ends, long_chains_form

    form = long_chains_form()
    mount(page, live_server, form, answers={"membres": [{"age_membre": 30}]})
    identifiant = answers_of(page)["identifiant"]
    page.evaluate(WATCH, ["autre", "commentaire", "resume", "seuil"])

    page.get_by_label("Valeur de départ").press_sequentially("60")

    # The note reads a calculate written below it; the question is shown by another one.
    expect(question(page, "resume")).to_contain_text(f"Fin de la chaîne 2 : {60 + LONG_LENGTH}")
    expect(question(page, "seuil")).to_be_visible()
    answers = answers_of(page)
    assert long_chain_ends(60).items() <= answers.items()
    assert answers["total_ages"] == 90
    assert answers["premier"] == 90
    # What reads nothing typed is not computed again (uuid() would change) nor redrawn.
    assert answers["identifiant"] == identifiant
    changes = touched(page)
    assert changes["autre"] == changes["commentaire"] == 0
    assert changes["resume"] > 0 and changes["seuil"] > 0

    # The server, given what the page holds, computes the same values.
    cleaned = validate_answers(form, answers).answers
    assert {name: value for name, value in cleaned.items() if name != "identifiant"} == {
        name: value for name, value in answers.items() if name != "identifiant"
    }

    # Typing elsewhere redraws what reads that question only.
    page.evaluate(WATCH, ["x", "resume", "seuil", "commentaire"])
    page.get_by_label("Autre valeur").press_sequentially("3")
    expect(question(page, "commentaire")).to_be_hidden()
    changes = touched(page)
    assert changes == {"x": 0, "resume": 0, "seuil": 0, "commentaire": changes["commentaire"]}
    assert answers_of(page)["c0_49"] == 60 + LONG_LENGTH


def household() -> Questionnaire:
    return Questionnaire(
        title="Foyer",
        form_id="foyer",
        children=[
            Group(
                "membres",
                {"fr": "Membre"},
                repeat=True,
                children=[
                    Question("text", "prenom", {"fr": "Prénom"}),
                    Question("integer", "age", {"fr": "Âge"}, required=True),
                ],
            )
        ],
    )


def test_a_long_repeat_is_drawn_as_each_instance_is_opened(live_server, page):
    members = [{"prenom": f"Personne {index + 1}", "age": 30 + index} for index in range(50)]
    del members[37]["age"]
    mount(page, live_server, household(), answers={"membres": members})
    instances = page.locator(".fr-repeat-instance")
    expect(instances).to_have_count(50)
    # Folded: each says who it is, none has its questions drawn yet.
    thirty = instances.nth(29)
    toggle = thirty.get_by_role("button", name="Membre 30 — Personne 30")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".fr-repeat-instance input")).to_have_count(0)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(thirty.get_by_label("Âge")).to_have_value("59")
    expect(page.locator(".fr-repeat-instance input")).to_have_count(2)
    assert _audit(page, "répétition de 50 fiches, une ouverte") == []
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("60")
    assert answers_of(page)["membres"][29]["age"] == 60
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(thirty.get_by_label("Âge")).to_be_hidden()

    # An error in a folded instance opens it where it is.
    errors = page.evaluate("window.form.validate()")
    assert [error["path"] for error in errors] == ["membres[37]/age"]
    expect(instances.nth(37).get_by_label("Âge")).to_be_visible()
    expect(instances.nth(37).get_by_text("Cette question est obligatoire.")).to_be_visible()


INCREMENTAL = r"""
async ({ stateUrl, rulesUrl, definition, steps }) => {
  const { createState, loadAnswers } = await import(stateUrl);
  const { compute } = await import(rulesUrl);
  const shown = (status) => Object.fromEntries([...status].map(([path, entry]) => [path, entry.relevant]));
  // uuid() gives another value to each computation from scratch: left out.
  const canonical = (value) => JSON.stringify(value, (key, item) =>
    key === "identifiant" ? undefined : item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
      : item);
  const typed = createState(definition, {});
  typed.answers = loadAnswers({}, typed.children);
  typed.last = compute(typed);
  const differences = [];
  for (const [name, value] of steps) {
    if (value === null) delete typed.answers[name];
    else typed.answers[name] = value;
    typed.last = compute(typed, [name]);
    const fresh = createState(definition, {});
    fresh.answers = loadAnswers(typed.answers, fresh.children);
    fresh.last = compute(fresh);
    if (canonical(typed.answers) !== canonical(fresh.answers)) differences.push(`${name}=${value}: answers ${canonical(typed.answers)} ${canonical(fresh.answers)}`);
    if (canonical(shown(typed.last.status)) !== canonical(shown(fresh.last.status))) differences.push(`${name}=${value}: relevance`);
  }
  return differences;
}
"""


def test_a_change_recomputed_alone_gives_what_computing_everything_gives(live_server, page):
    """Chains whose links are shown only while the previous one is not negative, a group shown
    by a total computed after it, answers dropped and shown again: each change, recomputed
    through its dependents only, leaves the answers and what is shown as a full computation."""
    from chained_form import chained_form, long_chains_form

    page.goto(live_server.url + "/compte/connexion")
    cases = [
        (chained_form(), [["x", 5], ["x", -25], ["x", 3], ["x", None], ["x", 20], ["x", 8]]),
        (
            long_chains_form(),
            [["x", 60], ["seuil", 4], ["autre", 3], ["commentaire", "non"], ["autre", 2]]
            + [["commentaire", "oui"], ["x", 7], ["x", 70], ["seuil", 5], ["autre", 3]],
        ),
    ]
    for form, steps in cases:
        differences = page.evaluate(
            INCREMENTAL,
            {
                "stateUrl": live_server.url + "/static/js/form/state.js",
                "rulesUrl": live_server.url + "/static/js/form/rules.js",
                "definition": form.to_dict(),
                "steps": steps,
            },
        )
        assert differences == [], form.form_id
