/**
 * What a mounted form holds: the answers (repeats as lists of instances), the chosen language,
 * the page shown, and what outlives a re-render. No DOM here.
 *
 *   createState(definition, options) -> state
 *     state.answers      the answer set being filled, in the contract's types
 *     state.transient    Map path -> {invalid: message, shown: "blur"|"all"}: text that did not
 *                        read as a value, and how far errors are shown ("blur": type and
 *                        constraint; "all": required too)
 *     state.last         the latest {status, structural} of rules.compute
 *   normalise(question, value), loadAnswers(given, children), exportAnswers(children, source)
 *   rootScope(), instanceScope(scope, repeat, index), instanceAt(state, scope)
 *   removeInstance(state, scope, group, index)
 */
import { XDate } from "../expressions.js";
import { parseFrenchNumber } from "../form-widgets.js";
import { buildPages } from "./pages.js";

export function createState(definition, options = {}) {
  const children = definition.children || [];
  const defaultLanguage = definition.default_language || (definition.languages || [])[0] || "fr";
  return {
    definition,
    children,
    choiceLists: definition.choice_lists || {},
    // The sections are the same in both modes; "single" shows them all as one page.
    pages: buildPages(children),
    repeatFields: repeatFieldsOfDefinition(children),
    today: options.today,
    // Called with (expression, error) when a rule fails as it is evaluated (the designer's
    // preview shows it; respondents never see it).
    onExpressionError: options.onExpressionError || null,
    defaultLanguage,
    language: options.language || defaultLanguage,
    parsed: new Map(),
    answers: {},
    pageIndex: 0,
    transient: new Map(),
    // Instance (its answers object) -> whether it is shown opened or folded, as last chosen.
    openInstances: new WeakMap(),
    last: null,
  };
}

/** Name -> innermost enclosing repeat, for the evaluator (fields no instance has answered yet). */
function repeatFieldsOfDefinition(children, repeat = null, mapping = {}) {
  for (const node of children) {
    if (repeat !== null) mapping[node.name] = repeat;
    if (node.kind === "group") repeatFieldsOfDefinition(node.children || [], node.repeat ? node.name : repeat, mapping);
  }
  return mapping;
}

/** A value as the answer contract stores it for `question`; undefined when unanswered. */
export function normalise(question, value) {
  if (value === null || value === undefined || value === "") return undefined;
  switch (question.type) {
    case "integer":
    case "rating": {
      const number = typeof value === "number" ? value : parseFrenchNumber(value, true);
      return number === null || !Number.isInteger(number) ? undefined : number;
    }
    case "decimal": {
      const number = typeof value === "number" ? value : parseFrenchNumber(value, false);
      return number === null || !Number.isFinite(number) ? undefined : number;
    }
    case "select_multiple": {
      const list = Array.isArray(value) ? value.map(String) : String(value).split(/\s+/);
      const names = list.filter(Boolean);
      return names.length ? names : undefined;
    }
    case "note":
      return undefined;
    case "calculate":
      // As the server stores a computed value: dates as text, no NaN or infinity.
      if (value instanceof XDate) return value.toString();
      if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
      return typeof value === "boolean" ? value : String(value);
    default:
      return String(value);
  }
}

/** Answers as given, read into the contract's types, and limited to what the form asks. */
export function loadAnswers(given, children, target = {}) {
  for (const node of children) {
    if (node.kind === "group") {
      if (node.repeat) {
        const instances = Array.isArray(given?.[node.name]) ? given[node.name] : [];
        target[node.name] = instances
          .filter((item) => item && typeof item === "object")
          .map((item) => loadAnswers(item, node.children || [], {}));
      } else {
        loadAnswers(given, node.children || [], target);
      }
    } else if (given && given[node.name] !== undefined) {
      const value = normalise(node, given[node.name]);
      if (value !== undefined) target[node.name] = value;
    }
  }
  return target;
}

/** The answers as the contract gives them: unanswered questions and empty repeats absent. */
export function exportAnswers(children, source, target = {}) {
  for (const node of children) {
    if (node.kind === "group") {
      if (node.repeat) {
        const instances = Array.isArray(source[node.name]) ? source[node.name] : [];
        if (instances.length) target[node.name] = instances.map((instance) => exportAnswers(node.children || [], instance, {}));
      } else {
        exportAnswers(node.children || [], source, target);
      }
    } else if (node.type !== "note") {
      const value = source[node.name];
      if (value === undefined || value === null || value === "") continue;
      if (Array.isArray(value) && !value.length) continue;
      target[node.name] = Array.isArray(value) ? [...value] : value;
    }
  }
  return target;
}

// A scope is where a question is answered: {context: "menage[1]" for the evaluator, prefix:
// "menage[1]/" for answer paths}; the top level is {context: "", prefix: ""}.

export function rootScope() {
  return { context: "", prefix: "" };
}

export function instanceScope(scope, repeatName, index) {
  const step = `${repeatName}[${index}]`;
  return { context: scope.context ? `${scope.context}/${step}` : step, prefix: `${scope.prefix}${step}/` };
}

/** The dict holding the answers of `scope` (the top-level answers or a repeat instance). */
export function instanceAt(state, scope) {
  let instance = state.answers;
  if (!scope.context) return instance;
  for (const part of scope.context.split("/")) {
    const match = /^(.+)\[(\d+)\]$/.exec(part);
    instance = instance?.[match[1]]?.[Number(match[2])];
  }
  return instance;
}

/** Removes one instance of a repeat; later instances move up one place with their transient state. */
export function removeInstance(state, scope, group, index) {
  const instance = instanceAt(state, scope);
  const instances = instance[group.name] || [];
  instances.splice(index, 1);
  const base = `${scope.prefix}${group.name}[`;
  const moved = new Map();
  for (const [path, pending] of state.transient) {
    if (!path.startsWith(base)) {
      moved.set(path, pending);
      continue;
    }
    const match = /^(\d+)\](.*)$/.exec(path.slice(base.length));
    const position = Number(match[1]);
    if (position < index) moved.set(path, pending);
    else if (position > index) moved.set(`${base}${position - 1}]${match[2]}`, pending);
  }
  state.transient.clear();
  for (const [path, pending] of moved) state.transient.set(path, pending);
}

export function sameValue(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return a === b;
}
