/**
 * The evaluator, as questionnaires/expressions/evaluator.py: what ${name} means where it is
 * evaluated (inside a repeat instance, the sibling), and the value of every node.
 *   evaluate(textOrTree, answers, {current, context, today, now, repeatFields,
 *            repeatFieldsComplete, columns, choiceLabels}) -> value   today, now: pinned clock      repeatFieldsComplete: repeatFields names every
 *            repeat (a form's definition does), the answers are not walked to find more
 *   repeatFieldsOf(answers, known) -> {name: repeat}   what the answers show, plus `known`
 */
import { FUNCTIONS, LAZY, NODES, NODESET_FUNCTIONS } from "./functions.js";
import { callProblem, parse } from "./parse.js";
import { DAY_MS, XDate, XDateTime, isoToDays, parseIsoDateTime, toBoolean, toNumber, toString } from "./values.js";

function todayDays(today) {
  if (today instanceof XDate) return today.days;
  if (typeof today === "string") {
    const days = isoToDays(today.slice(0, 10));
    if (days !== null) return days;
  }
  const now = today instanceof Date ? today : new Date();
  return Math.round(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS);
}

/** The moment of now(): pinned (an XDateTime or its text), else this device's clock and zone. */
function nowOf(now) {
  if (now instanceof XDateTime) return now;
  if (typeof now === "string") {
    const moment = parseIsoDateTime(now);
    if (moment) return moment;
  }
  const date = now instanceof Date ? now : new Date();
  const offset = -date.getTimezoneOffset();
  return new XDateTime(date.getTime() + offset * 60_000, offset);
}

function isInstance(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof XDate);
}

function isRepeatValue(value) {
  return Array.isArray(value) && value.length > 0 && value.every(isInstance);
}

/** Name -> innermost enclosing repeat, from what the answers show plus what the caller knows. */
export function repeatFieldsOf(answers, known = {}) {
  const mapping = { ...known };
  const collect = (instance, repeat) => {
    for (const [name, value] of Object.entries(instance)) {
      if (repeat !== null && !Object.prototype.hasOwnProperty.call(mapping, name)) mapping[name] = repeat;
      if (isRepeatValue(value)) value.forEach((child) => collect(child, name));
    }
  };
  collect(answers, null);
  return mapping;
}

const repeatNamesCache = new WeakMap();

function repeatNamesOf(repeatFields) {
  let names = repeatNamesCache.get(repeatFields);
  if (!names) {
    names = new Set(Object.values(repeatFields));
    repeatNamesCache.set(repeatFields, names);
  }
  return names;
}

/** "menage[1]/enfants[0]" -> [["menage", 1], ["enfants", 0]]. */
function parseContext(context) {
  if (!context) return [];
  return String(context)
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .map((part) => {
      const match = /^([^/[\]]+)\[(\d+)\]$/.exec(part.trim());
      if (!match) throw new Error(`Invalid repeat instance path: ${context}`);
      return [match[1], Number(match[2])];
    });
}

function instanceOf(parent, repeat, index) {
  const instances = isInstance(parent) ? parent[repeat] : undefined;
  if (Array.isArray(instances) && index >= 0 && index < instances.length && isInstance(instances[index])) return instances[index];
  return {};
}

function instancesOf(parent, repeat) {
  const instances = isInstance(parent) ? parent[repeat] : undefined;
  return Array.isArray(instances) ? instances.filter(isInstance) : [];
}

/** An answer as the language sees it: unanswered is "", a select_multiple list reads "a b". */
function scalar(value) {
  if (value === null || value === undefined || isInstance(value)) return "";
  if (typeof value === "boolean" || typeof value === "number") return value;
  if (Array.isArray(value)) return value.map(toString).join(" ");
  return value;
}

// What XPath reads as nodes, never as a position, inside a predicate.
const NODE_SETS = new Set(["column", "ref", "current", "filter"]);

// The question jr:choice-name() names: '${commune}' as XLSForm writes it, or the XForm path
// '/data/commune' pyxform makes of it.
const NAMED_QUESTION = /^\s*(?:\$\{\s*([^}\s]+)\s*\}|.*?([^/\s]+))\s*$/;

class Scope {
  constructor(answers, { current, context, today, now, repeatFields, repeatFieldsComplete, columns, choiceLabels } = {}) {
    this.columns = columns || {};
    this.choiceLabels = choiceLabels || null;
    this.answers = isInstance(answers) ? answers : {};
    this.current = current;
    this.context = parseContext(context);
    this.today = new XDate(todayDays(today));
    this.pinnedNow = now;
    // A form's runtime knows every repeat from the definition: walking the answers on every
    // evaluation would make a form of n calculations cost n² on each keystroke.
    this.repeatFields = repeatFieldsComplete && repeatFields ? repeatFields : repeatFieldsOf(this.answers, repeatFields || {});
    this.repeatNames = repeatFieldsComplete && repeatFields ? repeatNamesOf(repeatFields) : new Set(Object.values(this.repeatFields));
  }

  /** The label of choice `value` of `question` (for jr:choice-name): "" when the question has no
   * such choice, as in JavaRosa; without the form's choices at hand, the value itself. */
  /** The moment of now(), asked of the clock once per evaluation and only when called. */
  get now() {
    if (!this.nowValue) this.nowValue = nowOf(this.pinnedNow);
    return this.nowValue;
  }

  choiceLabel(question, value) {
    const match = NAMED_QUESTION.exec(question);
    const name = match ? match[1] || match[2] : question;
    if (!this.choiceLabels) return value;
    const labels = this.choiceLabels[name] || {};
    return Object.prototype.hasOwnProperty.call(labels, value.trim()) ? labels[value.trim()] : "";
  }

  currentValue() {
    return scalar(this.current);
  }

  position() {
    return this.context.length ? this.context[this.context.length - 1][1] + 1 : 1;
  }

  repeatsAround(name) {
    const chain = [];
    let repeat = this.repeatFields[name];
    while (repeat !== undefined && !chain.includes(repeat)) {
      chain.unshift(repeat);
      repeat = this.repeatFields[repeat];
    }
    return chain;
  }

  /** The values ${name} designates: one, or one per repeat instance in scope. Inside a repeat
   * instance, a name of that repeat means the sibling in the same instance. */
  nodes(name) {
    const chain = this.repeatsAround(name);
    let instance = this.answers;
    let depth = 0;
    while (depth < chain.length && depth < this.context.length && chain[depth] === this.context[depth][0]) {
      instance = instanceOf(instance, ...this.context[depth]);
      depth += 1;
    }
    let instances = [instance];
    for (const repeat of chain.slice(depth)) {
      instances = instances.flatMap((parent) => instancesOf(parent, repeat));
    }
    if (this.repeatNames.has(name)) return instances.flatMap((parent) => instancesOf(parent, name));
    const values = [];
    for (const each of instances) {
      const value = each[name];
      // A list of instances, or an empty list: a repeat nobody filled counts no node.
      if (Array.isArray(value) && value.every(isInstance)) values.push(...value);
      else values.push(value);
    }
    return values;
  }

  /** The values of `name` in the instances `indexes` picks (Map repeat -> rank from 1); a repeat
   * around `name` it leaves out is the instance being evaluated, else every instance. Empty when
   * a named repeat does not hold `name`. */
  indexedNodes(name, indexes) {
    const chain = this.repeatsAround(name);
    if ([...indexes.keys()].some((repeat) => !chain.includes(repeat))) return [];
    let instances = [this.answers];
    chain.forEach((repeat, depth) => {
      if (indexes.has(repeat)) {
        const rank = indexes.get(repeat) - 1;
        instances = instances.map((parent) => instancesOf(parent, repeat)).filter((children) => rank >= 0 && rank < children.length).map((children) => children[rank]);
      } else if (depth < this.context.length && this.context[depth][0] === repeat) {
        instances = instances.map((parent) => instanceOf(parent, ...this.context[depth]));
      } else {
        instances = instances.flatMap((parent) => instancesOf(parent, repeat));
      }
    });
    return instances.map((instance) => scalar(instance[name]));
  }

  /** The nodes of `node.target` for which the predicate holds: evaluated once per node, its bare
   * names being the node's fields and `.` its value; a computed number keeps the node at that
   * position (from 1), as in XPath, where a field's value (a node) is read as a condition. */
  filtered(node) {
    const kept = [];
    const positional = !NODE_SETS.has(node.predicate.type);
    const { columns, current } = this;
    try {
      this.nodes(node.target.name).forEach((value, index) => {
        this.columns = isInstance(value) ? value : {};
        this.current = value;
        const result = this.value(node.predicate);
        if (positional && typeof result === "number" ? result === index + 1 : toBoolean(result)) kept.push(value);
      });
    } finally {
      this.columns = columns;
      this.current = current;
    }
    return kept;
  }

  reference(name) {
    const values = this.nodes(name);
    return values.length ? scalar(values[0]) : "";
  }

  nodeValues(node) {
    if (node.type === "ref") return this.nodes(node.name).map(scalar);
    if (node.type === "filter") return this.filtered(node).map(scalar);
    if (node.type === "call" && NODESET_FUNCTIONS.has(node.name)) return [...this.value(node)];
    return [this.value(node)];
  }

  value(node) {
    switch (node.type) {
      case "number":
      case "string":
        return node.value;
      case "ref":
        return this.reference(node.name);
      case "binary":
        return this.binary(node);
      case "call":
        return this.call(node);
      case "negate":
        return -toNumber(this.value(node.operand));
      case "current":
        return this.currentValue();
      case "parent":
        return this.position();
      case "filter": {
        const kept = this.filtered(node);
        return kept.length ? scalar(kept[0]) : "";
      }
      case "column":
        return scalar(Object.prototype.hasOwnProperty.call(this.columns, node.name) ? this.columns[node.name] : undefined);
      default:
        throw new TypeError(`Unknown node ${node.type}`);
    }
  }

  call(node) {
    const spec = FUNCTIONS[node.name];
    const count = node.args.length;
    if (!spec || count < spec.minimum || count > spec.maximum || (node.name === "weighted-checklist" && count % 2) || (node.name === "indexed-repeat" && count % 2 === 0)) {
      // Reached at run time: XPath reports an unknown function only when it is called.
      const problem = callProblem(node.name, count, node.position);
      if (problem) throw problem;
    }
    if (spec.takes === LAZY) return spec.implementation(this, ...node.args);
    if (spec.takes === NODES) return spec.implementation(this, ...node.args.map((arg) => this.nodeValues(arg)));
    return spec.implementation(this, ...node.args.map((arg) => this.value(arg)));
  }

  binary(node) {
    const { op } = node;
    if (op === "and") return toBoolean(this.value(node.left)) && toBoolean(this.value(node.right));
    if (op === "or") return toBoolean(this.value(node.left)) || toBoolean(this.value(node.right));
    const leftValue = this.value(node.left);
    const rightValue = this.value(node.right);
    if (op === "=") return equal(leftValue, rightValue);
    if (op === "!=") return !equal(leftValue, rightValue);
    const left = toNumber(leftValue);
    const right = toNumber(rightValue);
    switch (op) {
      case "<":
        return left < right;
      case "<=":
        return left <= right;
      case ">":
        return left > right;
      case ">=":
        return left >= right;
      case "+":
        return left + right;
      case "-":
        return left - right;
      case "*":
        return left * right;
      case "div":
        // IEEE, as in XPath: 1 div 0 is Infinity, 0 div 0 is NaN.
        return left / right;
      default:
        // XPath's mod keeps the dividend's sign, as JavaScript's % does.
        return left % right;
    }
  }
}

function equal(left, right) {
  if (typeof left === "boolean" || typeof right === "boolean") return toBoolean(left) === toBoolean(right);
  if (typeof left === "number" || typeof right === "number" || left instanceof XDate || right instanceof XDate) {
    return toNumber(left) === toNumber(right);
  }
  return toString(left) === toString(right);
}

/** Evaluates an expression (its text, or the tree parse made) against an answer set: a boolean,
 * a number, a string or an XDate. */
export function evaluate(expression, answers, options = {}) {
  const tree = typeof expression === "string" ? parse(expression) : expression;
  const scope = new Scope(answers, {
    current: options.current,
    context: options.context,
    today: options.today,
    now: options.now,
    repeatFields: options.repeatFields || options.repeat_fields,
    repeatFieldsComplete: options.repeatFieldsComplete,
    columns: options.columns,
    choiceLabels: options.choiceLabels || options.choice_labels,
  });
  return scope.value(tree);
}
