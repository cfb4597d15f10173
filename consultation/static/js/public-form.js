/**
 * Progressive enhancement of a resident's page (templates/public/page.html): the page works
 * without this script, the server evaluating relevance between pages. With it, a question whose
 * `relevant` holds or stops holding appears or hides at once, through the tablet's own rules
 * (form/rules.js): calculations in dependency order, then relevance, and on each change only
 * what depends on the question answered (form/graph.js). A hidden question's inputs are
 * disabled, so the browser does not send them, as the server renders them.
 *
 * The answers of the other pages come from the server (#public-answers, already checked); those
 * of this page are read from the form, as the answer contract has them.
 */
import { compute } from "./form/rules.js";
import { createState, instanceAt, loadAnswers, normalise } from "./form/state.js";

const form = document.querySelector("form.public-page");
const definition = JSON.parse(document.getElementById("public-definition")?.textContent || "null");
const known = JSON.parse(document.getElementById("public-answers")?.textContent || "{}");

function questionsByName(children, found = new Map()) {
  for (const node of children || []) {
    if (node.kind === "group") questionsByName(node.children, found);
    else found.set(node.name, node);
  }
  return found;
}

const questions = definition ? questionsByName(definition.children) : new Map();
const state = definition ? createState(definition, {}) : null;

/** "menage[1]/age" -> {name: "age", scope: {context: "menage[1]", prefix: "menage[1]/"}}. */
function placeOf(path) {
  const parts = path.split("/");
  const context = parts.slice(0, -1).join("/");
  return { name: parts[parts.length - 1], scope: { context, prefix: context ? `${context}/` : "" } };
}

/** The value of one field of the page as typed, undefined when empty or disabled. */
function fieldValue(path) {
  const question = questions.get(placeOf(path).name);
  const inputs = [...form.querySelectorAll(`[name="${CSS.escape(path)}"]`)].filter((input) => !input.disabled);
  if (question?.type === "select_multiple") {
    const chosen = inputs.filter((input) => input.checked).map((input) => input.value);
    return chosen.length ? chosen : undefined;
  }
  if (inputs.some((input) => input.type === "radio")) return inputs.find((input) => input.checked)?.value;
  return inputs[0]?.value.trim() || undefined;
}

function pagePaths() {
  const paths = new Set();
  for (const element of form.elements) {
    if (element.name && element.closest(".fr-question")) paths.add(element.name);
  }
  return paths;
}

/** Writes the field at `path` into the answers; false when its instance is not in them. */
function write(path) {
  const { name, scope } = placeOf(path);
  const question = questions.get(name);
  const instance = instanceAt(state, scope);
  if (!question || !instance) return false;
  const value = normalise(question, fieldValue(path));
  if (value === undefined) delete instance[name];
  else instance[name] = value;
  return true;
}

/** Shows what the rules say is relevant; returns the fields shown again that hold an answer. */
function show() {
  const { status } = state.last;
  const shownAgain = [];
  for (const element of form.querySelectorAll(".fr-page [data-path]")) {
    const entry = status.get(element.dataset.path);
    if (!entry || element.hidden === !entry.relevant) continue;
    element.hidden = !entry.relevant;
    if (entry.relevant && element.classList.contains("fr-question")) shownAgain.push(element.dataset.path);
  }
  // Whatever is inside something hidden is not sent, as the server renders it.
  for (const input of form.querySelectorAll(".fr-page input, .fr-page select, .fr-page textarea, .fr-page button")) {
    const disabled = Boolean(input.closest("[hidden]"));
    if (input.disabled !== disabled) input.disabled = disabled;
  }
  const seen = [...form.querySelectorAll(".fr-question[data-path]")]
    .filter((element) => !element.closest("[hidden]") && element.querySelector("input, select, textarea"))
    .map((element) => element.dataset.path);
  form.querySelector('input[name="vus"]').value = seen.join(" ");
  return shownAgain.filter((path) => fieldValue(path) !== undefined);
}

function startOver() {
  const answers = structuredClone(known);
  state.answers = loadAnswers(answers, state.children);
  for (const path of pagePaths()) write(path);
  state.last = compute(state);
  let shownAgain = show();
  // An answer kept in a field that was hidden counts again once the field is shown.
  for (let round = 0; shownAgain.length && round < 5; round += 1) {
    shownAgain.forEach(write);
    state.last = compute(state);
    shownAgain = show();
  }
}

function onChange(event) {
  const path = event.target?.name;
  if (!path || !event.target.closest(".fr-question")) return;
  if (!write(path)) {
    startOver();
    return;
  }
  let changed = [placeOf(path).name];
  for (let round = 0; changed.length && round < 5; round += 1) {
    state.last = compute(state, changed);
    const shownAgain = show();
    shownAgain.forEach(write);
    changed = shownAgain.map((shown) => placeOf(shown).name);
  }
}

if (form && definition) {
  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);
  startOver();
}
