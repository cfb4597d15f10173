/**
 * Progressive enhancement of a resident's page (templates/public/page.html): the page works
 * without this script, the server evaluating relevance between pages. With it, a question whose
 * `relevant` holds or stops holding appears or hides at once, through the same expression
 * evaluator as the tablet (expressions.js, the port of the server's). A hidden question's inputs
 * are disabled, so the browser does not send them, as the server renders them.
 *
 * The answers of the other pages come from the server (#public-answers, already checked); those
 * of this page are read from the form on every change, as the answer contract has them.
 */
import { evaluate, parse, toBoolean } from "./expressions.js";

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
const parsed = new Map();

function compiled(text) {
  if (!parsed.has(text)) {
    try {
      parsed.set(text, parse(text));
    } catch {
      parsed.set(text, null); // a broken rule never hides anything (the server does the same)
    }
  }
  return parsed.get(text);
}

function typed(question, value) {
  if (!question) return value;
  if (question.type === "integer" || question.type === "rating") {
    const number = Number(String(value).replace(/[\s\u00a0\u202f]/g, ""));
    return Number.isInteger(number) ? number : value;
  }
  if (question.type === "decimal") {
    const number = Number(String(value).replace(/[\s\u00a0\u202f]/g, "").replace(",", "."));
    return Number.isFinite(number) ? number : value;
  }
  return value;
}

/** The answers so far: the server's, with this page's fields as they are now. */
function currentAnswers() {
  const answers = structuredClone(known);
  const paths = new Set();
  for (const element of form.elements) {
    if (!element.name || !element.closest(".fr-question")) continue;
    paths.add(element.name);
  }
  for (const path of paths) {
    const parts = path.split("/");
    const name = parts[parts.length - 1];
    const question = questions.get(name);
    let level = answers;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      const match = /^(.+)\[(\d+)\]$/.exec(part);
      if (!match) { ok = false; break; }
      level[match[1]] = Array.isArray(level[match[1]]) ? level[match[1]] : [];
      level[match[1]][Number(match[2])] = level[match[1]][Number(match[2])] || {};
      level = level[match[1]][Number(match[2])];
    }
    if (!ok) continue;
    const inputs = [...form.querySelectorAll(`[name="${CSS.escape(path)}"]`)].filter((input) => !input.disabled);
    let value;
    if (question?.type === "select_multiple") {
      value = inputs.filter((input) => input.checked).map((input) => input.value);
      if (!value.length) value = undefined;
    } else if (inputs.some((input) => input.type === "radio")) {
      value = inputs.find((input) => input.checked)?.value;
    } else {
      value = inputs[0]?.value.trim() || undefined;
    }
    if (value === undefined) delete level[name];
    else level[name] = Array.isArray(value) ? value : typed(question, value);
  }
  return answers;
}

function refresh() {
  const answers = currentAnswers();
  for (const element of form.querySelectorAll("[data-relevant]")) {
    const tree = compiled(element.dataset.relevant);
    let holds = true;
    if (tree) {
      try {
        holds = toBoolean(evaluate(tree, answers, { context: element.dataset.context || undefined }));
      } catch {
        holds = true;
      }
    }
    element.hidden = !holds;
  }
  // Whatever is inside something hidden is not sent, as the server renders it.
  for (const input of form.querySelectorAll(".fr-page input, .fr-page select, .fr-page textarea, .fr-page button")) {
    input.disabled = Boolean(input.closest("[hidden]"));
  }
  const seen = [...form.querySelectorAll(".fr-question[data-path]")]
    .filter((element) => !element.closest("[hidden]") && element.querySelector("input, select, textarea"))
    .map((element) => element.dataset.path);
  form.querySelector('input[name="vus"]').value = seen.join(" ");
}

if (form && definition) {
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
}
