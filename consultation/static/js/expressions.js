/**
 * The XLSForm expression language in the browser: the same rules as the server's
 * questionnaires/expressions, checked against the same table of cases
 * (tests/data/expression_cases.json), so that the tablet, the designer's preview and the server
 * never disagree.
 *
 * Public API
 *   parse(text) -> tree                        throws ExpressionError (syntax first, then the
 *                                              first unknown function, arity or type problem)
 *   references(text) -> [name, ...]            the ${names} used, in reading order; never throws
 *   checkExpression(text, knownNames) -> null | ExpressionError   the first problem by position
 *   evaluate(textOrTree, answers, {current, context, today, repeatFields}) -> value
 *     current: the value of "."; context: the repeat instance, "menage[1]" or
 *     "menage[0]/enfants[2]" (0-based); today: "YYYY-MM-DD" (default: the device's date);
 *     repeatFields: {question name: repeat name} for fields no instance has answered yet.
 *   toBoolean(value), toNumber(value), toString(value)   XPath 1.0 conversions
 *   XDate: the value of today() and date(); NodeSet: several values (a repeat's instances).
 *   ExpressionError {message (French), position (0-based offset), code}
 *     code is one of "syntax", "unknown_name", "unknown_function", "arity", "type".
 *
 * Semantics are XPath 1.0 as ODK and Enketo implement them: strings and numbers are coerced in
 * comparisons, `div` and `mod` follow IEEE (division by zero gives ±Infinity or NaN), `round`
 * rounds halves toward +∞, `int` truncates, anything that is not a number becomes NaN, an ISO
 * date counts as days since 1970-01-01. The text is read by a hand-written parser into a small
 * tree; nothing is ever handed to eval.
 */

export class ExpressionError extends Error {
  constructor(message, position = 0, code = "syntax") {
    super(message);
    this.name = "ExpressionError";
    this.message = message;
    this.position = position;
    this.code = code;
  }

  asDict() {
    return { message: this.message, position: this.position, code: this.code };
  }
}

/** Several values, as an XPath node-set: the instances of a repeat, or one question's answers
 * across them. Its string value is the first one's, as in XPath. */
export class NodeSet {
  constructor(values) {
    this.values = values;
  }
}

/** A date (today(), date(…)), kept as days since 1970-01-01; its string is "YYYY-MM-DD". */
export class XDate {
  constructor(days) {
    this.days = days;
  }

  toString() {
    return daysToIso(this.days);
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens (the same cut as the server's lexer: an unreadable character becomes an error token,
// so the parser reports the first problem in reading order).

const QUESTION_NAME = /[\p{L}\p{M}_][\p{L}\p{M}\p{N}_.\-]*/uy;
const FUNCTION_NAME = /[A-Za-z][A-Za-z0-9_\-]*(?::[A-Za-z][A-Za-z0-9_\-]*)?/y;
const NUMBER_TEXT = /\d+(?:\.\d*)?|\.\d+/y;
const SPACES = " \t\r\n";
const WORD_OPERATORS = ["and", "or", "div", "mod"];

function matchAt(pattern, text, index) {
  pattern.lastIndex = index;
  const match = pattern.exec(text);
  return match && match.index === index ? match[0] : null;
}

function token(kind, text, position, value = null) {
  return { kind, text, position, value };
}

function tokenize(text) {
  const tokens = [];
  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text[index];
    if (SPACES.includes(char)) {
      index += 1;
      continue;
    }
    const start = index;
    if (char === "$") {
      const [read, next] = readReference(text, index);
      tokens.push(read);
      index = next;
      continue;
    }
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, index + 1);
      if (end < 0) {
        tokens.push(token("error", text.slice(start), start, "Chaîne de caractères non terminée : il manque le guillemet fermant"));
        index = length;
      } else {
        tokens.push(token("string", text.slice(start, end + 1), start, text.slice(start + 1, end)));
        index = end + 1;
      }
      continue;
    }
    const number = matchAt(NUMBER_TEXT, text, index);
    if (number) {
      tokens.push(token("number", number, start, Number(number)));
      index += number.length;
      continue;
    }
    if (text.startsWith("..", index)) {
      tokens.push(token("..", "..", start));
      index += 2;
      continue;
    }
    if (char === ".") {
      tokens.push(token(".", ".", start));
      index += 1;
      continue;
    }
    const name = matchAt(FUNCTION_NAME, text, index);
    if (name) {
      tokens.push(token("name", name, start, name));
      index += name.length;
      continue;
    }
    const two = text.slice(index, index + 2);
    if (two === "!=" || two === "<=" || two === ">=") {
      tokens.push(token("operator", two, start));
      index += 2;
      continue;
    }
    if (two === "==") {
      tokens.push(token("operator", "=", start));
      tokens.push(token("error", "=", start + 1, "Pour comparer, écrivez un seul « = »"));
      index += 2;
      continue;
    }
    if ("+-*=<>".includes(char)) tokens.push(token("operator", char, start));
    else if (char === "(" || char === ")" || char === ",") tokens.push(token(char, char, start));
    else if (char === "!") tokens.push(token("error", char, start, "« ! » seul n'existe pas : écrivez « != » ou not(…)"));
    else if (char === "&" || char === "|") tokens.push(token("error", char, start, `« ${char} » n'existe pas : écrivez « and » ou « or »`));
    else tokens.push(token("error", char, start, `Caractère inattendu « ${char} »`));
    index += 1;
  }
  tokens.push(token("end", "", length));
  return tokens;
}

/** Reads ${name} at `start` (which holds "$"). */
function readReference(text, start) {
  if (!text.startsWith("${", start)) {
    const word = matchAt(QUESTION_NAME, text, start + 1);
    const hint = word ? ` : écrivez \${${word}}` : "";
    return [token("error", "$", start, `« $ » doit être suivi d'un nom entre accolades${hint}`), start + 1];
  }
  let index = start + 2;
  while (index < text.length && SPACES.includes(text[index])) index += 1;
  const name = matchAt(QUESTION_NAME, text, index);
  index += name ? name.length : 0;
  while (index < text.length && SPACES.includes(text[index])) index += 1;
  if (index < text.length && text[index] === "}") {
    if (!name) return [token("error", text.slice(start, index + 1), start, "Nom de question vide dans ${}"), index + 1];
    return [token("ref", text.slice(start, index + 1), start, name), index + 1];
  }
  const closing = text.indexOf("}", start);
  if (closing >= 0 && !text.slice(start + 1, closing).includes("$") && !text.slice(start + 2, closing).includes("{")) {
    const inner = text.slice(start + 2, closing).trim();
    return [token("error", text.slice(start, closing + 1), start, `Nom de question invalide « ${inner} »`), closing + 1];
  }
  return [token("error", "${", start, "Accolade fermante « } » manquante après ${"), start + 2];
}

// ---------------------------------------------------------------------------------------------
// Parser: Pratt parsing over XPath 1.0's precedence, loosest first: or, and, (= !=),
// (< <= > >=), (+ -), (* div mod), unary minus. Every operator is left-associative.
//
// Tree nodes: {type: "number"|"string", value}, {type: "ref", name}, {type: "current"},
// {type: "parent"}, {type: "negate", operand}, {type: "binary", op, left, right},
// {type: "call", name, args, parenPosition}; each with its `position`.

const BINDING_POWER = {
  or: 1,
  and: 2,
  "=": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  div: 6,
  mod: 6,
};
const UNARY_POWER = 7;

class Parser {
  constructor(text) {
    this.tokens = tokenize(text);
    this.index = 0;
  }

  peek() {
    return this.tokens[this.index];
  }

  next() {
    const current = this.tokens[this.index];
    if (current.kind === "error") throw new ExpressionError(current.value, current.position, "syntax");
    if (current.kind !== "end") this.index += 1;
    return current;
  }

  parse() {
    if (this.peek().kind === "end") throw new ExpressionError("Expression vide", this.peek().position, "syntax");
    const node = this.expression(0);
    const last = this.peek();
    if (last.kind !== "end") this.failAfterOperand(last);
    return node;
  }

  expression(rightPower) {
    let left = this.operand();
    for (;;) {
      const current = this.peek();
      const operator = infixOperator(current);
      if (operator === null || BINDING_POWER[operator] <= rightPower) return left;
      this.next();
      const right = this.expression(BINDING_POWER[operator]);
      left = { type: "binary", op: operator, left, right, position: current.position };
    }
  }

  operand() {
    const current = this.next();
    switch (current.kind) {
      case "number":
        return { type: "number", value: current.value, position: current.position };
      case "string":
        return { type: "string", value: current.value, position: current.position };
      case "ref":
        return { type: "ref", name: current.value, position: current.position };
      case ".":
        return { type: "current", position: current.position };
      case "..":
        return { type: "parent", position: current.position };
      case "(": {
        const inner = this.expression(0);
        const closing = this.peek();
        if (closing.kind === ")") {
          this.next();
          return inner;
        }
        if (closing.kind === "end") throw new ExpressionError("Parenthèse fermante « ) » manquante", current.position, "syntax");
        return this.failAfterOperand(closing, "un opérateur ou « ) »");
      }
      case "name":
        return this.name(current);
      case "end":
        throw new ExpressionError("Expression incomplète : une valeur est attendue à la fin", current.position, "syntax");
      default:
        if (current.kind === "operator" && current.text === "-") {
          return { type: "negate", operand: this.expression(UNARY_POWER), position: current.position };
        }
        throw new ExpressionError(`Valeur attendue à la place de « ${current.text} »`, current.position, "syntax");
    }
  }

  name(current) {
    if (this.peek().kind === "(") {
      const paren = this.next();
      return { type: "call", name: current.value, args: this.arguments(paren), position: current.position, parenPosition: paren.position };
    }
    const word = current.value;
    let message;
    if (word === "true" || word === "false") message = `Écrivez ${word}() avec des parenthèses`;
    else if (word === "not") message = "Écrivez not(…) avec des parenthèses";
    else if (WORD_OPERATORS.includes(word)) message = `Valeur attendue avant « ${word} »`;
    else message = `Nom inattendu « ${word} » : pour désigner une question, écrivez \${${word}}`;
    throw new ExpressionError(message, current.position, "syntax");
  }

  arguments(paren) {
    if (this.peek().kind === ")") {
      this.next();
      return [];
    }
    const args = [];
    for (;;) {
      args.push(this.expression(0));
      const current = this.peek();
      if (current.kind === ",") {
        this.next();
        if (this.peek().kind === ")") throw new ExpressionError("Argument manquant après la virgule", this.peek().position, "syntax");
        continue;
      }
      if (current.kind === ")") {
        this.next();
        return args;
      }
      if (current.kind === "end") throw new ExpressionError("Parenthèse fermante « ) » manquante", paren.position, "syntax");
      this.failAfterOperand(current, "une virgule ou « ) »");
    }
  }

  failAfterOperand(current, expected = "un opérateur") {
    if (current.kind === "error") throw new ExpressionError(current.value, current.position, "syntax");
    if (current.kind === ")") throw new ExpressionError("Parenthèse fermante « ) » en trop", current.position, "syntax");
    throw new ExpressionError(`On attend ${expected} avant « ${current.text} »`, current.position, "syntax");
  }
}

function infixOperator(current) {
  if (current.kind === "operator") return current.text;
  if (current.kind === "name" && WORD_OPERATORS.includes(current.value)) return current.value;
  return null;
}

function walk(node, visit) {
  visit(node);
  if (node.type === "binary") {
    walk(node.left, visit);
    walk(node.right, visit);
  } else if (node.type === "negate") {
    walk(node.operand, visit);
  } else if (node.type === "call") {
    node.args.forEach((arg) => walk(arg, visit));
  }
}

/** Unknown functions, wrong numbers of arguments and arguments of the wrong kind, by position. */
function functionProblems(tree) {
  const problems = [];
  walk(tree, (node) => {
    if (node.type === "parent") return;
    if (node.type !== "call") return;
    const spec = FUNCTIONS[node.name];
    if (!spec) {
      problems.push(new ExpressionError(`Fonction inconnue « ${node.name}() »`, node.position, "unknown_function"));
      return;
    }
    const [min, max] = spec;
    const count = node.args.length;
    if (count < min || count > max) {
      problems.push(new ExpressionError(`${node.name}() ${arityText(min, max)}, pas ${count}`, node.position, "arity"));
      return;
    }
    const check = ARGUMENT_CHECKS[node.name];
    if (check) {
      const problem = check(node);
      if (problem) problems.push(problem);
    }
  });
  problems.sort((a, b) => a.position - b.position);
  return problems;
}

function arityText(min, max) {
  const plural = (n) => (n > 1 ? "s" : "");
  if (min === max) return min === 0 ? "ne prend pas d'argument" : `attend ${min} argument${plural(min)}`;
  if (max === Infinity) return `attend au moins ${min} argument${plural(min)}`;
  return `attend de ${min} à ${max} arguments`;
}

function syntaxTree(text) {
  if (typeof text !== "string") throw new ExpressionError("Expression vide", 0, "syntax");
  return new Parser(text).parse();
}

export function parse(text) {
  const tree = syntaxTree(text);
  const problems = functionProblems(tree);
  if (problems.length) throw problems[0];
  return tree;
}

/** The ${names} of `text` in reading order, each once; works on broken text too. */
export function references(text) {
  const names = [];
  for (const read of tokenize(String(text ?? ""))) {
    if (read.kind === "ref" && !names.includes(read.value)) names.push(read.value);
  }
  return names;
}

/** Null when the expression is sound and names only known questions, else its first problem. */
export function checkExpression(text, knownNames) {
  let tree;
  try {
    tree = syntaxTree(text);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  const known = knownNames instanceof Set ? knownNames : new Set(knownNames || []);
  const problems = functionProblems(tree);
  walk(tree, (node) => {
    if (node.type === "ref" && !known.has(node.name)) {
      problems.push(new ExpressionError(`Question inconnue \${${node.name}}`, node.position, "unknown_name"));
    }
  });
  if (!problems.length) return null;
  problems.sort((a, b) => a.position - b.position);
  return problems[0];
}

// ---------------------------------------------------------------------------------------------
// Conversions (XPath 1.0)

const XPATH_NUMBER = /^[ \t\r\n]*-?(?:\d+(?:\.\d*)?|\.\d+)[ \t\r\n]*$/;
const ISO_DATE = /^[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})[ \t\r\n]*$/;
const DAY_MS = 86_400_000;

export function toBoolean(value) {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return !(value === 0 || Number.isNaN(value));
  if (value instanceof XDate) return true;
  if (value instanceof NodeSet) return value.values.length > 0;
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return String(value).length > 0;
}

export function toNumber(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (value instanceof XDate) return value.days;
  if (value === null || value === undefined) return NaN;
  const text = toString(value);
  if (XPATH_NUMBER.test(text)) return Number(text.trim());
  const days = isoToDays(text);
  return days === null ? NaN : days;
}

export function toString(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatNumber(value);
  if (value instanceof XDate) return value.toString();
  if (value instanceof NodeSet) return value.values.length ? toString(value.values[0]) : "";
  if (Array.isArray(value)) return value.map(toString).join(" ");
  if (typeof value === "object") return "";
  return String(value);
}

/** XPath's string of a number: no exponent, no trailing ".0", "NaN", "Infinity". */
function formatNumber(number) {
  if (Number.isNaN(number)) return "NaN";
  if (number === Infinity) return "Infinity";
  if (number === -Infinity) return "-Infinity";
  if (Number.isInteger(number)) return Math.abs(number) < 1e21 ? String(number === 0 ? 0 : number) : BigInt(number).toString();
  const text = String(number);
  if (!text.includes("e")) return text;
  return expandExponent(text);
}

function expandExponent(text) {
  // "1.5e-7" -> "0.00000015": the same digits, written out.
  const [mantissa, exponentText] = text.split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const pointAt = (mantissa.replace("-", "").indexOf(".") === -1 ? mantissa.replace("-", "").length : mantissa.replace("-", "").indexOf(".")) + exponent;
  let result;
  if (pointAt <= 0) result = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) result = digits + "0".repeat(pointAt - digits.length);
  else result = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return (negative ? "-" : "") + result;
}

function isoToDays(text) {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return null;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return Math.round(date.getTime() / DAY_MS);
}

function daysToIso(days) {
  const date = new Date(Math.floor(days) * DAY_MS);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

function todayDays(today) {
  if (today instanceof XDate) return today.days;
  if (typeof today === "string") {
    const days = isoToDays(today.slice(0, 10));
    if (days !== null) return days;
  }
  const now = today instanceof Date ? today : new Date();
  return Math.round(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS);
}

// ---------------------------------------------------------------------------------------------
// Answers: what ${name} means where it is evaluated.

function isInstance(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof NodeSet) && !(value instanceof XDate);
}

function isInstanceList(key, value, env) {
  if (!Array.isArray(value)) return false;
  if (value.some(isInstance)) return true;
  return env.repeatNames.has(key);
}

/** An answer read as a value: unanswered is "", a select_multiple list reads "a b". */
function answerValue(key, value, env) {
  if (value === null || value === undefined) return "";
  if (isInstanceList(key, value, env)) return new NodeSet(value.filter(isInstance));
  if (Array.isArray(value)) return value.map(toString).join(" ");
  if (isInstance(value)) return "";
  return value;
}

/** The repeat instances named by a context path like "menage[1]/enfants[0]". */
function contextFrames(answers, context) {
  const frames = [];
  if (!context) return frames;
  let scope = answers;
  for (const part of String(context).split("/")) {
    const match = /^\s*(.+?)\[(\d+)\]\s*$/.exec(part);
    if (!match) break;
    const instances = scope && Array.isArray(scope[match[1]]) ? scope[match[1]] : [];
    const index = Number(match[2]);
    const instance = isInstance(instances[index]) ? instances[index] : {};
    frames.push({ repeat: match[1], index, list: instances, answers: instance });
    scope = instance;
  }
  return frames;
}

/** Whether `name` is a question of the repeat `repeat` whose instances are `list`. */
function belongsTo(name, repeat, list, env) {
  if (env.repeatFields[name] === repeat) return true;
  return list.some((instance) => isInstance(instance) && Object.prototype.hasOwnProperty.call(instance, name));
}

function lookup(name, env) {
  // Inside a repeat, a question of the same repeat means the sibling in this instance.
  for (let i = env.frames.length - 1; i >= 0; i -= 1) {
    const frame = env.frames[i];
    if (Object.prototype.hasOwnProperty.call(frame.answers, name) || belongsTo(name, frame.repeat, frame.list, env)) {
      return answerValue(name, frame.answers[name], env);
    }
  }
  if (Object.prototype.hasOwnProperty.call(env.answers, name)) return answerValue(name, env.answers[name], env);
  // A question inside a repeat seen from outside it: its answers across the instances.
  const across = acrossInstances(env.answers, name, env);
  return across ? new NodeSet(across) : "";
}

function acrossInstances(scope, name, env) {
  let values = null;
  for (const [key, value] of Object.entries(scope)) {
    if (!isInstanceList(key, value, env)) continue;
    const instances = value.filter(isInstance);
    if (belongsTo(name, key, instances, env)) {
      values = values || [];
      for (const instance of instances) {
        const item = instance[name];
        if (isInstanceList(name, item, env)) values.push(...item.filter(isInstance));
        else values.push(answerValue(name, item, env));
      }
    } else {
      for (const instance of instances) {
        const inner = acrossInstances(instance, name, env);
        if (inner) values = (values || []).concat(inner);
      }
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function members(value) {
  return value instanceof NodeSet ? value.values : null;
}

function equals(op, left, right) {
  const lefts = members(left);
  const rights = members(right);
  if ((lefts || rights) && typeof left !== "boolean" && typeof right !== "boolean") {
    // A node-set compares true when one of its members does (XPath 1.0 §3.4).
    return (lefts || [left]).some((a) => (rights || [right]).some((b) => equals(op, a, b)));
  }
  let same;
  if (typeof left === "boolean" || typeof right === "boolean") same = toBoolean(left) === toBoolean(right);
  else if (typeof left === "number" || typeof right === "number" || left instanceof XDate || right instanceof XDate) same = toNumber(left) === toNumber(right);
  else same = toString(left) === toString(right);
  return op === "=" ? same : !same;
}

function compares(op, left, right) {
  const lefts = members(left);
  const rights = members(right);
  if (lefts || rights) return (lefts || [left]).some((a) => (rights || [right]).some((b) => compares(op, a, b)));
  const a = toNumber(left);
  const b = toNumber(right);
  if (op === "<") return a < b;
  if (op === "<=") return a <= b;
  if (op === ">") return a > b;
  return a >= b;
}

function evaluateNode(node, env) {
  switch (node.type) {
    case "number":
    case "string":
      return node.value;
    case "ref":
      return lookup(node.name, env);
    case "current":
      return env.current === undefined ? "" : answerValue("", env.current, env);
    case "parent":
      return "";
    case "negate":
      return -toNumber(evaluateNode(node.operand, env));
    case "binary":
      return evaluateBinary(node, env);
    case "call":
      return FUNCTIONS[node.name][2](node.args, env, node);
    default:
      throw new ExpressionError("Expression invalide", node.position || 0, "syntax");
  }
}

function evaluateBinary(node, env) {
  const { op } = node;
  if (op === "or") return toBoolean(evaluateNode(node.left, env)) || toBoolean(evaluateNode(node.right, env));
  if (op === "and") return toBoolean(evaluateNode(node.left, env)) && toBoolean(evaluateNode(node.right, env));
  const left = evaluateNode(node.left, env);
  const right = evaluateNode(node.right, env);
  switch (op) {
    case "=":
    case "!=":
      return equals(op, left, right);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compares(op, left, right);
    case "+":
      return toNumber(left) + toNumber(right);
    case "-":
      return toNumber(left) - toNumber(right);
    case "*":
      return toNumber(left) * toNumber(right);
    case "div":
      return toNumber(left) / toNumber(right);
    default:
      // XPath's mod keeps the dividend's sign, as JavaScript's % does.
      return toNumber(left) % toNumber(right);
  }
}

// ---------------------------------------------------------------------------------------------
// Functions: name -> [minimum arguments, maximum arguments, implementation(args, env, node)].
// Arguments come unevaluated, so that if() and coalesce() evaluate only what they need.

function eager(implementation) {
  return (args, env, node) => implementation(args.map((arg) => evaluateNode(arg, env)), env, node);
}

function choices(value) {
  if (value instanceof NodeSet) value = value.values.length ? value.values[0] : "";
  return toString(value).split(/[ \t\r\n]+/).filter(Boolean);
}

function numbersOf(values) {
  const numbers = [];
  for (const value of values) {
    const list = members(value);
    if (list) numbers.push(...list.map(toNumber));
    else numbers.push(toNumber(value));
  }
  return numbers;
}

function stringsOf(values) {
  const strings = [];
  for (const value of values) {
    const list = members(value);
    if (list) strings.push(...list.map(toString));
    else strings.push(toString(value));
  }
  return strings;
}

/** XPath 1.0 round: the closest integer, halves toward +∞; NaN and infinities unchanged. */
function xpathRound(number, digits) {
  if (!Number.isFinite(number)) return number;
  if (!digits) return Math.floor(number + 0.5);
  const factor = 10 ** digits;
  const scaled = number * factor;
  // 3.14159 * 100 = 314.159: flooring scaled + 0.5 then dividing keeps the decimal digits right.
  return Math.floor(scaled + 0.5) / factor;
}

function patternOf(text) {
  // Python's named groups (?P<name>…) are JavaScript's (?<name>…).
  return new RegExp(String(text).replace(/\(\?P</g, "(?<"), "u");
}

function formatDate(value, format) {
  const days = toNumber(value);
  if (!Number.isFinite(days)) return "";
  const date = new Date(Math.floor(days) * DAY_MS);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  const months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
  const weekdays = ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."];
  return toString(format).replace(/%([YyemnbdaHMS%])/g, (whole, code) => {
    switch (code) {
      case "Y":
        return pad(date.getUTCFullYear(), 4);
      case "y":
        return pad(date.getUTCFullYear() % 100);
      case "m":
        return pad(date.getUTCMonth() + 1);
      case "n":
        return String(date.getUTCMonth() + 1);
      case "b":
        return months[date.getUTCMonth()];
      case "d":
        return pad(date.getUTCDate());
      case "e":
        return String(date.getUTCDate());
      case "a":
        return weekdays[date.getUTCDay()];
      case "%":
        return "%";
      default:
        return "00";
    }
  });
}

function asDate(value) {
  if (value instanceof XDate) return value;
  if (typeof value === "number") return Number.isFinite(value) ? new XDate(Math.floor(value)) : "";
  const text = toString(value);
  const days = isoToDays(text);
  if (days !== null) return new XDate(days);
  if (XPATH_NUMBER.test(text)) return new XDate(Math.floor(Number(text.trim())));
  return "";
}

const FUNCTIONS = {
  // logic
  true: [0, 0, () => true],
  false: [0, 0, () => false],
  not: [1, 1, eager(([value]) => !toBoolean(value))],
  boolean: [1, 1, eager(([value]) => toBoolean(value))],
  "boolean-from-string": [1, 1, eager(([value]) => ["true", "1"].includes(toString(value).trim()))],
  if: [3, 3, (args, env) => (toBoolean(evaluateNode(args[0], env)) ? evaluateNode(args[1], env) : evaluateNode(args[2], env))],
  coalesce: [
    2,
    Infinity,
    (args, env) => {
      for (const arg of args) {
        const value = evaluateNode(arg, env);
        if (toString(value) !== "") return value;
      }
      return "";
    },
  ],
  once: [1, 1, (args, env) => (toString(env.current ?? "") !== "" ? answerValue("", env.current, env) : evaluateNode(args[0], env))],
  // choices
  selected: [2, 2, eager(([value, choice]) => choices(value).includes(toString(choice).trim()))],
  "count-selected": [1, 1, eager(([value]) => choices(value).length)],
  "selected-at": [
    2,
    2,
    eager(([value, index]) => {
      const list = choices(value);
      const position = toNumber(index);
      return Number.isInteger(position) && position >= 0 && position < list.length ? list[position] : "";
    }),
  ],
  // numbers
  number: [1, 1, eager(([value]) => toNumber(value))],
  int: [1, 1, eager(([value]) => Math.trunc(toNumber(value)))],
  round: [1, 2, eager(([value, digits]) => xpathRound(toNumber(value), digits === undefined ? 0 : Math.trunc(toNumber(digits)) || 0))],
  floor: [1, 1, eager(([value]) => Math.floor(toNumber(value)))],
  ceiling: [1, 1, eager(([value]) => Math.ceil(toNumber(value)))],
  abs: [1, 1, eager(([value]) => Math.abs(toNumber(value)))],
  pow: [2, 2, eager(([base, exponent]) => toNumber(base) ** toNumber(exponent))],
  sqrt: [1, 1, eager(([value]) => Math.sqrt(toNumber(value)))],
  exp: [1, 1, eager(([value]) => Math.exp(toNumber(value)))],
  log: [1, 1, eager(([value]) => Math.log(toNumber(value)))],
  log10: [1, 1, eager(([value]) => Math.log10(toNumber(value)))],
  pi: [0, 0, () => Math.PI],
  min: [1, Infinity, eager((values) => extremum(numbersOf(values), Math.min))],
  max: [1, Infinity, eager((values) => extremum(numbersOf(values), Math.max))],
  sum: [1, 1, eager(([value]) => numbersOf([value]).reduce((total, n) => total + n, 0))],
  count: [
    1,
    1,
    eager(([value]) => {
      const list = members(value);
      if (list) return list.length;
      return toString(value) === "" ? 0 : 1;
    }),
  ],
  "count-non-empty": [1, 1, eager(([value]) => (members(value) || [value]).filter((item) => toString(item) !== "").length)],
  // text
  string: [1, 1, eager(([value]) => toString(value))],
  concat: [1, Infinity, eager((values) => values.map((value) => toString(value)).join(""))],
  join: [2, Infinity, eager(([separator, ...values]) => stringsOf(values).join(toString(separator)))],
  "string-length": [1, 1, eager(([value]) => [...toString(value)].length)],
  "normalize-space": [1, 1, eager(([value]) => toString(value).split(/[ \t\r\n]+/).filter(Boolean).join(" "))],
  contains: [2, 2, eager(([text, part]) => toString(text).includes(toString(part)))],
  "starts-with": [2, 2, eager(([text, part]) => toString(text).startsWith(toString(part)))],
  "ends-with": [2, 2, eager(([text, part]) => toString(text).endsWith(toString(part)))],
  "substring-before": [
    2,
    2,
    eager(([text, part]) => {
      const whole = toString(text);
      const index = whole.indexOf(toString(part));
      return index < 0 ? "" : whole.slice(0, index);
    }),
  ],
  "substring-after": [
    2,
    2,
    eager(([text, part]) => {
      const whole = toString(text);
      const search = toString(part);
      const index = whole.indexOf(search);
      return index < 0 ? "" : whole.slice(index + search.length);
    }),
  ],
  // XPath's substring: 1-based, positions rounded, a character kept when start <= p < start+length.
  substring: [
    2,
    3,
    eager(([text, start, length]) => {
      const chars = [...toString(text)];
      const first = xpathRound(toNumber(start), 0);
      const last = length === undefined ? Infinity : first + xpathRound(toNumber(length), 0);
      return chars.filter((_, i) => i + 1 >= first && i + 1 < last).join("");
    }),
  ],
  // ODK's substr: 0-based start, end excluded.
  substr: [
    2,
    3,
    eager(([text, start, end]) => {
      const chars = [...toString(text)];
      const from = Math.max(0, Math.trunc(toNumber(start)) || 0);
      const to = end === undefined ? chars.length : Math.trunc(toNumber(end));
      return chars.slice(from, Number.isNaN(to) ? chars.length : to).join("");
    }),
  ],
  translate: [
    3,
    3,
    eager(([text, from, to]) => {
      const source = [...toString(from)];
      const target = [...toString(to)];
      return [...toString(text)]
        .map((char) => {
          const index = source.indexOf(char);
          if (index < 0) return char;
          return index < target.length ? target[index] : "";
        })
        .join("");
    }),
  ],
  regex: [
    2,
    2,
    eager(([text, pattern], env, node) => {
      let expression;
      try {
        expression = patternOf(toString(pattern));
      } catch {
        throw new ExpressionError("Expression régulière invalide", node.args[1].position, "type");
      }
      return expression.test(toString(text));
    }),
  ],
  uuid: [0, 1, () => (globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : "")],
  // dates
  today: [0, 0, (args, env) => new XDate(todayDays(env.today))],
  now: [0, 0, (args, env) => new XDate(todayDays(env.today))],
  date: [1, 1, eager(([value]) => asDate(value))],
  "decimal-date-time": [1, 1, eager(([value]) => toNumber(value))],
  "format-date": [2, 2, eager(([value, format]) => formatDate(value, format))],
  // repeats
  position: [
    0,
    1,
    (args, env) => {
      const frame = env.frames[env.frames.length - 1];
      return frame ? frame.index + 1 : NaN;
    },
  ],
  "indexed-repeat": [
    3,
    3,
    (args, env) => {
      const [target, repeat] = args;
      const instances = Array.isArray(env.answers[repeat.name]) ? env.answers[repeat.name] : [];
      const position = toNumber(evaluateNode(args[2], env));
      const instance = Number.isInteger(position) ? instances[position - 1] : undefined;
      if (!isInstance(instance)) return "";
      return answerValue(target.name, instance[target.name], env);
    },
  ],
};

function extremum(numbers, pick) {
  if (!numbers.length || numbers.some(Number.isNaN)) return NaN;
  return pick(...numbers);
}

function needsReference(argumentIndex) {
  return (node) => {
    const arg = node.args[argumentIndex];
    if (arg && arg.type !== "ref") {
      return new ExpressionError(`${node.name}() s'applique à une question : écrivez \${nom}`, arg.position, "type");
    }
    return null;
  };
}

// Checks made when parsing: an argument that can never make sense is an error at its place.
const ARGUMENT_CHECKS = {
  count: needsReference(0),
  sum: needsReference(0),
  "count-non-empty": needsReference(0),
  "indexed-repeat": (node) => needsReference(0)(node) || needsReference(1)(node),
  position: (node) => {
    const arg = node.args[0];
    return arg && arg.type !== "parent" ? new ExpressionError("position() s'écrit position(..)", arg.position, "type") : null;
  },
  regex: (node) => {
    const pattern = node.args[1];
    if (pattern && pattern.type === "string") {
      try {
        patternOf(pattern.value);
      } catch {
        return new ExpressionError("Expression régulière invalide", pattern.position, "type");
      }
    }
    return null;
  },
};

/** Evaluates an expression (its text, or the tree parse made) against an answer set. */
export function evaluate(expression, answers, options = {}) {
  const tree = typeof expression === "string" ? parse(expression) : expression;
  const repeatFields = options.repeatFields || options.repeat_fields || {};
  const env = {
    answers: isInstance(answers) ? answers : {},
    current: options.current,
    today: options.today,
    repeatFields,
    repeatNames: new Set(Object.values(repeatFields)),
    frames: [],
  };
  env.frames = contextFrames(env.answers, options.context);
  return evaluateNode(tree, env);
}

export const FUNCTION_NAMES = Object.freeze(Object.keys(FUNCTIONS));
