/**
 * The rules of XLSForm evaluated over a form's answers, with the expression evaluator (the port
 * of the server's): relevance, calculations, defaults, repeat_count, choice_filter, required and
 * constraints, and ${name} in texts. No DOM here: tests/data/form_rule_cases.json runs these
 * rules in Chromium and the server's validate_answers on the same cases.
 *
 *   compute(state, changedNames?) -> {status: Map path -> {relevant, node, scope, choices?},
 *                                     structural, affected: Set of names | null (all)}
 *     computes calculations in dependency order, then walks the definition in document order:
 *     drops the answers of what is not relevant, sizes repeats with repeat_count, drops choices a
 *     filter no longer offers. With changedNames (the questions just answered), only the rules
 *     that depend on them are evaluated again (form/graph.js); the others keep their last status.
 *   errorOf(state, path, entry, includeRequired) -> {code, message} | null
 *   collectErrors(state, matcher, show) -> [{path, code, message}]
 *   isRelevant, isRequired, interpolate, filteredChoices, applyDefaults
 * A broken expression never breaks the interview: it is logged and counts as not written.
 */
import { evaluate, parse, parseChoiceFilter, toBoolean, toNumber, toString } from "../expressions.js";
import { buildGraph, dependents } from "./graph.js";
import { instanceAt, instanceScope, normalise, rootScope, sameValue } from "./state.js";
import { choicesOf, translated } from "./text.js";

export const REQUIRED_MESSAGE = "Cette question est obligatoire.";
export const CONSTRAINT_MESSAGE = "Cette réponse n'est pas acceptée.";
const MAX_REPEAT_COUNT = 200;
// Walks of compute before it gives up settling (a cycle of calculations and relevance).
const MAX_PASSES = 8;
const TRUE_WORDS = ["yes", "true", "true()", "1", "oui"];
const FALSE_WORDS = ["", "no", "false", "false()", "0", "non"];

function compiled(state, text, choiceFilter = false) {
  const key = (choiceFilter ? "filter:" : "expr:") + text;
  if (!state.parsed.has(key)) {
    try {
      state.parsed.set(key, choiceFilter ? parseChoiceFilter(text) : parse(text));
    } catch (error) {
      // A broken rule must not break the interview: the designer reports it where it is written.
      console.warn(`Expression ignorée « ${text} » :`, error.message);
      state.parsed.set(key, null);
    }
  }
  return state.parsed.get(key);
}

/** {question: {choice: label}} in the language shown, for jr:choice-name; kept per language. */
function choiceLabelsOf(state) {
  state.choiceLabels = state.choiceLabels || new Map();
  if (!state.choiceLabels.has(state.language)) {
    const labels = {};
    const walk = (children) => {
      for (const node of children) {
        if (node.kind === "group") walk(node.children || []);
        else if (node.choice_list) {
          labels[node.name] = Object.fromEntries(
            choicesOf(state, node).map((choice) => [choice.name, choice.label]),
          );
        }
      }
    };
    walk(state.children);
    state.choiceLabels.set(state.language, labels);
  }
  return state.choiceLabels.get(state.language);
}

/** The value of `text` where `scope` is; undefined when it cannot be read or evaluated. */
export function run(state, text, scope, extra = {}) {
  const ast = compiled(state, text, Boolean(extra.columns));
  if (!ast) return undefined;
  try {
    return evaluate(ast, state.answers, {
      context: scope.context || undefined,
      today: state.today,
      repeatFields: state.repeatFields,
      repeatFieldsComplete: true,
      choiceLabels: text.includes("jr:choice-name") ? choiceLabelsOf(state) : undefined,
      ...extra,
    });
  } catch (error) {
    console.warn(`Expression non évaluée « ${text} » :`, error.message);
    state.onExpressionError?.(text, error);
    return undefined;
  }
}

export function isRelevant(state, node, scope) {
  if (!node.relevant || !String(node.relevant).trim()) return true;
  const value = run(state, node.relevant, scope);
  return value === undefined ? true : toBoolean(value);
}

/** XLSForm's required: yes/true()/1, or an expression. */
export function isRequired(state, question, scope) {
  const required = question.required;
  if (typeof required === "boolean") return required;
  const text = String(required ?? "").trim();
  if (TRUE_WORDS.includes(text.toLowerCase())) return true;
  if (FALSE_WORDS.includes(text.toLowerCase())) return false;
  const value = run(state, text, scope);
  return value === undefined ? true : toBoolean(value);
}

/** Whether the question may ever be required (its mark is drawn, then shown or hidden). */
export function mayBeRequired(question) {
  return question.required === true || (typeof question.required === "string" && !FALSE_WORDS.includes(question.required.trim().toLowerCase()));
}

/** Labels may show answers, as in XLSForm: "Quel âge a ${prenom} ?". */
export function interpolate(state, text, scope) {
  if (!text.includes("${")) return text;
  return text.replace(/\$\{([^}\s]+)\}/g, (whole) => {
    const value = run(state, whole, scope);
    if (value === undefined) return "";
    if (typeof value === "number") return String(value).replace(".", ",");
    return toString(value);
  });
}

export function filteredChoices(state, question, scope) {
  const all = choicesOf(state, question);
  const filter = String(question.choice_filter || "").trim();
  if (!filter) return all;
  return all.filter((choice) => {
    const value = run(state, filter, scope, { columns: { ...choice.properties, name: choice.name } });
    return value === undefined ? true : toBoolean(value);
  });
}

function defaultValue(state, question, scope) {
  const text = String(question.default ?? "").trim();
  if (!text) return undefined;
  // A default is a plain value ("Tours", "3"), or an expression when it reads as one (today()).
  let value = text;
  if (/[(${}]/.test(text) || /^['"]/.test(text)) {
    const computed = run(state, text, scope);
    if (computed === undefined) return undefined;
    value = typeof computed === "number" ? computed : toString(computed);
  }
  return normalise(question, value);
}

export function applyDefaults(state, children, instance, scope) {
  for (const node of children) {
    if (node.kind === "group") {
      if (!node.repeat) applyDefaults(state, node.children || [], instance, scope);
      continue;
    }
    if (node.type === "calculate" || node.type === "note") continue;
    if (instance[node.name] === undefined) {
      const value = defaultValue(state, node, scope);
      if (value !== undefined) instance[node.name] = value;
    }
  }
}

function repeatCount(state, node, scope) {
  const value = run(state, node.repeat_count, scope);
  if (value === undefined) return null;
  const number = Math.trunc(toNumber(value));
  if (!Number.isFinite(number) || number < 0) return 0;
  return Math.min(number, MAX_REPEAT_COUNT);
}

function isComputed(node) {
  return node.kind !== "group" && node.type !== "note" && Boolean(node.calculation && String(node.calculation).trim());
}

/** The form's dependency graph (form/graph.js), built once per form. */
export function graphOf(state) {
  if (!state.graph) state.graph = buildGraph(state.children);
  return state.graph;
}

/**
 * The computed questions with the groups around them, in the graph's order: each after what it
 * reads in its calculation or in the relevance of itself and its groups, directly or through
 * other questions (ODK's dependency order, the server's calculation_order).
 */
function calculationOrder(state) {
  if (state.calculationOrder) return state.calculationOrder;
  const found = new Map();
  const walk = (children, groups) => {
    for (const node of children) {
      if (node.kind === "group") walk(node.children || [], [...groups, node]);
      else if (isComputed(node) && !found.has(node.name)) found.set(node.name, { node, groups });
    }
  };
  walk(state.children, []);
  state.calculationOrder = graphOf(state).order.map((name) => found.get(name)).filter(Boolean);
  return state.calculationOrder;
}

/**
 * Computes every calculation in dependency order (those in `affected` only, when given), in each
 * repeat instance it lives in; one that is not relevant (itself or a group around it) loses its
 * value. Returns whether a value changed.
 */
function settleCalculations(state, affected) {
  let changed = false;
  for (const { node, groups } of calculationOrder(state)) {
    if (affected && !affected.has(node.name)) continue;
    const visit = (level, instance, scope, relevant) => {
      if (level === groups.length) {
        const value = relevant && isRelevant(state, node, scope)
          ? normalise(node, run(state, node.calculation, scope))
          : undefined;
        if (!sameValue(instance[node.name], value)) {
          if (value === undefined) delete instance[node.name];
          else instance[node.name] = value;
          changed = true;
        }
        return;
      }
      const group = groups[level];
      const groupRelevant = relevant && isRelevant(state, group, scope);
      if (!group.repeat) {
        visit(level + 1, instance, scope, groupRelevant);
        return;
      }
      const instances = instance[group.name];
      if (!Array.isArray(instances)) return;
      instances.forEach((child, index) => {
        visit(level + 1, child, instanceScope(scope, group.name, index), groupRelevant);
      });
    };
    visit(0, state.answers, rootScope(), true);
  }
  return changed;
}

/**
 * Walks the definition against the answers in document order: drops the answers of what is not
 * relevant, computes calculations, sizes repeats with repeat_count, filters choices.
 * Returns the status of every path, and whether repeats changed size.
 *
 * Answers are dropped only once the calculations have settled, as the server does (calculations
 * first, then relevance): a question placed before the calculation its relevance reads must not
 * lose its answer to the order of the walk.
 */
export function compute(state, changedNames = null) {
  let status;
  let structural = false;
  // What the change reaches: every rule reading it, directly or through others. Outside it, the
  // last status holds (same answers read, same result) and nothing is evaluated again.
  const before = changedNames && state.last ? state.last.status : null;
  const affected = before ? dependents(graphOf(state), changedNames) : null;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    // Calculations first, in dependency order: the walk below then finds them settled, however
    // far below their readers they are written (a summary above its inputs).
    settleCalculations(state, affected);
    status = new Map();
    let changed = false;
    // [instance, name, is a repeat]: answers of what is not relevant, dropped once settled.
    const hidden = [];
    const visit = (children, instance, scope, parentRelevant) => {
      for (const node of children) {
        const path = scope.prefix + node.name;
        const kept = affected && !affected.has(node.name) ? before.get(path) : undefined;
        if (kept && node.kind !== "group") {
          status.set(path, kept);
          if (!kept.relevant && instance[node.name] !== undefined) hidden.push([instance, node.name, false]);
          continue;
        }
        const relevant = kept ? kept.relevant : parentRelevant && isRelevant(state, node, scope);
        if (node.kind === "group") {
          status.set(path, kept || { relevant, node, scope });
          if (node.repeat) {
            if (!relevant) {
              if (instance[node.name] !== undefined) hidden.push([instance, node.name, true]);
              continue;
            }
            if (!Array.isArray(instance[node.name])) instance[node.name] = [];
            const instances = instance[node.name];
            if (!kept && node.repeat_count && String(node.repeat_count).trim()) {
              const wanted = repeatCount(state, node, scope);
              if (wanted !== null && wanted !== instances.length) {
                while (instances.length > wanted) instances.pop();
                while (instances.length < wanted) {
                  instances.push({});
                  const childScope = instanceScope(scope, node.name, instances.length - 1);
                  applyDefaults(state, node.children || [], instances[instances.length - 1], childScope);
                }
                structural = true;
                changed = true;
              }
            }
            instances.forEach((child, index) => {
              visit(node.children || [], child, instanceScope(scope, node.name, index), true);
            });
          } else {
            visit(node.children || [], instance, scope, relevant);
          }
          continue;
        }
        const entry = { relevant, node, scope };
        status.set(path, entry);
        if (!relevant) {
          if (instance[node.name] === undefined) continue;
          if (node.type === "calculate") {
            delete instance[node.name];
            changed = true;
          } else {
            hidden.push([instance, node.name, false]);
          }
          continue;
        }
        // Calculations (calculate questions, and shown ones with a calculation such as a
        // read-only total) were settled above, in dependency order.
        if (node.type === "select_one" || node.type === "select_multiple" || (node.type === "rating" && node.choice_list)) {
          entry.choices = filteredChoices(state, node, scope);
          const allowed = new Set(entry.choices.map((choice) => choice.name));
          const value = instance[node.name];
          if (node.choice_filter && value !== undefined) {
            if (node.type === "select_multiple" && Array.isArray(value)) {
              const offered = value.filter((name) => allowed.has(name));
              if (offered.length !== value.length) {
                if (offered.length) instance[node.name] = offered;
                else delete instance[node.name];
                changed = true;
              }
            } else if (node.type === "select_one" && !allowed.has(String(value))) {
              delete instance[node.name];
              changed = true;
            }
          }
        }
      }
    };
    visit(state.children, state.answers, rootScope(), true);
    if (changed) continue;
    if (!hidden.length) break;
    for (const [instance, name, isRepeat] of hidden) {
      delete instance[name];
      if (isRepeat) structural = true;
    }
  }
  return { status, structural, affected };
}

/** The error of one question, as the server's validate_answers codes it; null when none. */
export function errorOf(state, path, entry, includeRequired) {
  if (!entry || !entry.relevant) return null;
  const question = entry.node;
  if (question.kind === "group" || question.type === "note" || question.type === "calculate") return null;
  const instance = instanceAt(state, entry.scope);
  const value = instance ? instance[question.name] : undefined;
  const pending = state.transient.get(path);
  if (pending && pending.invalid) return { code: "type", message: pending.invalid };
  const empty = value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length);
  if (empty) {
    if (includeRequired && isRequired(state, question, entry.scope)) {
      return { code: "required", message: interpolate(state, translated(state, question.required_message) || REQUIRED_MESSAGE, entry.scope) };
    }
    return null;
  }
  if (question.constraint && String(question.constraint).trim()) {
    const verdict = run(state, question.constraint, entry.scope, { current: value });
    if (verdict !== undefined && !toBoolean(verdict)) {
      return { code: "constraint", message: interpolate(state, translated(state, question.constraint_message) || CONSTRAINT_MESSAGE, entry.scope) };
    }
  }
  return null;
}

/** Every error of the latest status (of the paths `matcher` accepts, if given); `show` marks
 * them to be shown in full, required included. */
export function collectErrors(state, matcher, show) {
  const { status } = state.last;
  const errors = [];
  for (const [path, entry] of status) {
    if (matcher && !matcher(path, entry)) continue;
    const error = errorOf(state, path, entry, true);
    if (show) {
      const pending = state.transient.get(path) || {};
      if (entry.node.kind === "question") state.transient.set(path, { ...pending, shown: "all" });
    }
    if (error) errors.push({ path, code: error.code, message: error.message });
  }
  return errors;
}
