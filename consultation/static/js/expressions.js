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
 *   checkExpression(text, knownNames) -> [ExpressionError, ...]   every problem, by position
 *   parseChoiceFilter(text), checkChoiceFilter(text, knownNames, columns), choiceFilterColumns(text)
 *     a choice_filter, where a bare name is a column of the choices sheet
 *   evaluate(textOrTree, answers, {current, context, today, repeatFields, columns}) -> value
 *     current: the value of "."; context: the repeat instance, "menage[1]" or
 *     "menage[0]/enfants[2]" (0-based); today: "YYYY-MM-DD" (default: the device's date);
 *     repeatFields: {question name: repeat name} for fields no instance has answered yet;
 *     columns: the choice's columns ({commune: "37261", name: "centre"}) for a choice_filter.
 *   toBoolean(value), toNumber(value), toString(value)   XPath 1.0 conversions
 *   repeatFieldsOf(answers, known) -> {name: repeat}   what the answers show, plus `known`
 *   toDate(value) -> XDate | ""
 *   XDate: the value of today() and date(); its string is "YYYY-MM-DD".
 *   ExpressionError {message (French), position (0-based offset), code}
 *     code is one of "syntax", "unknown_name", "unknown_function", "arity", "type".
 *
 * Semantics are XPath 1.0 as ODK and Enketo implement them: strings and numbers are coerced in
 * comparisons, `div` and `mod` follow IEEE (division by zero gives ±Infinity or NaN), `round`
 * rounds halves toward +∞, `int` truncates, anything that is not a number becomes NaN, an ISO
 * date counts as days since 1970-01-01. A ${name} is one value (inside a repeat instance, the
 * sibling); only count, sum, min, max, join and count-non-empty see every instance. The text is read by a hand-written parser into a small
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
// {type: "parent"}, {type: "column", name} (choice filters only), {type: "negate", operand}, {type: "binary", op, left, right},
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
// Deeper trees are refused, as on the server: no hand-written condition comes near it.
const MAX_DEPTH = 100;

class Parser {
  constructor(text, columns = false) {
    this.tokens = tokenize(text);
    this.index = 0;
    // In a choice_filter, a bare name is a column of the choices sheet.
    this.columns = columns;
    this.depth = 0;
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
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      throw new ExpressionError("Expression trop imbriquée : découpez-la en plusieurs calculs", this.peek().position, "syntax");
    }
    try {
      return this.nestedExpression(rightPower);
    } finally {
      this.depth -= 1;
    }
  }

  nestedExpression(rightPower) {
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
    if (this.columns && !WORD_OPERATORS.includes(word) && !["true", "false", "not"].includes(word)) {
      return { type: "column", name: word, position: current.position };
    }
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

/** Unknown functions, wrong numbers of arguments and arguments of the wrong kind. */
function functionProblems(root) {
  const problems = [];
  const allowedParents = new Set();
  walk(root, (node) => {
    if (node.type === "parent" && !allowedParents.has(node)) {
      problems.push(new ExpressionError("« .. » ne s'emploie que dans position(..)", node.position, "type"));
    }
    if (node.type !== "call") return;
    const spec = FUNCTIONS[node.name];
    if (!spec) {
      problems.push(unknownFunction(node));
      return;
    }
    const count = node.args.length;
    if (count < spec.minimum || count > spec.maximum) {
      const given = count ? `${count} donné${count > 1 ? "s" : ""}` : "aucun donné";
      const expected = arityText(spec);
      const verb = expected === "aucun argument" ? "ne prend" : "attend";
      problems.push(new ExpressionError(`${node.name}() ${verb} ${expected} (${given})`, node.position, "arity"));
      return;
    }
    if (spec.needsReference) {
      for (const arg of node.args) {
        if (arg.type !== "ref") {
          problems.push(new ExpressionError(`${node.name}() attend une question, par exemple ${node.name}(\${membres})`, startOf(arg), "type"));
        }
      }
    }
    if (node.name === "position") {
      for (const arg of node.args) {
        if (arg.type === "parent") allowedParents.add(arg);
        else problems.push(new ExpressionError("position() s'écrit position(..)", startOf(arg), "type"));
      }
    }
    if (node.name === "regex" && node.args[1].type === "string") {
      try {
        patternOf(node.args[1].value);
      } catch {
        problems.push(new ExpressionError("Expression régulière invalide", node.args[1].position, "type"));
      }
    }
  });
  return problems;
}

/** Where the text of a node begins (a binary node keeps its operator's position). */
function startOf(node) {
  while (node.type === "binary") node = node.left;
  return node.position;
}

function arityText(spec) {
  const plural = (n) => (n > 1 ? "s" : "");
  if (spec.maximum === Infinity) return `au moins ${spec.minimum} argument${plural(spec.minimum)}`;
  if (spec.minimum === spec.maximum) return spec.minimum === 0 ? "aucun argument" : `${spec.minimum} argument${plural(spec.minimum)}`;
  return `de ${spec.minimum} à ${spec.maximum} arguments`;
}

/** The closest known word, for « vouliez-vous dire … ? » (similar enough: ratio >= 0.6). */
function closeMatch(word, candidates) {
  let best = null;
  let bestRatio = 0.6;
  for (const candidate of candidates) {
    const ratio = similarity(word, candidate);
    if (ratio >= bestRatio && (best === null || ratio > bestRatio)) {
      best = candidate;
      bestRatio = ratio;
    }
  }
  return best;
}

function similarity(a, b) {
  // 2 × matching characters / total, matching counted as the longest common subsequence.
  const rows = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      rows[i][j] = a[i - 1] === b[j - 1] ? rows[i - 1][j - 1] + 1 : Math.max(rows[i - 1][j], rows[i][j - 1]);
    }
  }
  return a.length + b.length ? (2 * rows[a.length][b.length]) / (a.length + b.length) : 0;
}

function unknownFunction(node) {
  let message = `Fonction inconnue « ${node.name}() »`;
  const close = closeMatch(node.name, Object.keys(FUNCTIONS));
  if (close) message += ` : vouliez-vous dire ${close}() ?`;
  return new ExpressionError(message, node.position, "unknown_function");
}

function unknownName(name, position, known) {
  let message = `Question inconnue « ${name} »`;
  const close = closeMatch(name, known);
  if (close) message += ` : vouliez-vous dire \${${close}} ?`;
  return new ExpressionError(message, position, "unknown_name");
}

function byPosition(problems) {
  return problems.sort((a, b) => a.position - b.position);
}

function syntaxTree(text, columns = false) {
  if (typeof text !== "string") throw new ExpressionError("Expression vide", 0, "syntax");
  const tree = new Parser(text, columns).parse();
  if (treeDepth(tree) > MAX_DEPTH) {
    throw new ExpressionError("Expression trop complexe : découpez-la en plusieurs calculs", 0, "syntax");
  }
  return tree;
}

function treeDepth(root) {
  let deepest = 0;
  const stack = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop();
    deepest = Math.max(deepest, depth);
    if (node.type === "binary") stack.push([node.left, depth + 1], [node.right, depth + 1]);
    else if (node.type === "negate") stack.push([node.operand, depth + 1]);
    else if (node.type === "call") for (const argument of node.args) stack.push([argument, depth + 1]);
  }
  return deepest;
}

export function parse(text) {
  const tree = syntaxTree(text);
  const problems = byPosition(functionProblems(tree));
  if (problems.length) throw problems[0];
  return tree;
}

/** Like parse, for a choice_filter, where a bare name is a column of the choices sheet
 * (`commune = ${commune}`); evaluate it with the choice's columns in `options.columns`. */
export function parseChoiceFilter(text) {
  const tree = syntaxTree(text, true);
  const problems = byPosition(functionProblems(tree));
  if (problems.length) throw problems[0];
  return tree;
}

/** The choices-sheet columns a choice_filter reads (empty when it does not parse). */
export function choiceFilterColumns(text) {
  let tree;
  try {
    tree = syntaxTree(text, true);
  } catch (error) {
    if (error instanceof ExpressionError) return [];
    throw error;
  }
  const columns = [];
  walk(tree, (node) => {
    if (node.type === "column" && !columns.includes(node.name)) columns.push(node.name);
  });
  return columns;
}

/** checkExpression for a choice_filter; `columns` are those of the choice list ("name" always is). */
export function checkChoiceFilter(text, knownNames, columns) {
  const known = [...(knownNames || [])];
  const knownSet = new Set(known);
  const knownColumns = new Set([...(columns || []), "name"]);
  let tree;
  try {
    tree = syntaxTree(text, true);
  } catch (error) {
    if (error instanceof ExpressionError) return [error];
    throw error;
  }
  const problems = functionProblems(tree);
  walk(tree, (node) => {
    if (node.type === "ref" && !knownSet.has(node.name)) problems.push(unknownName(node.name, node.position, known));
    else if (node.type === "column" && !knownColumns.has(node.name)) {
      problems.push(new ExpressionError(`Colonne « ${node.name} » absente de la liste de choix`, node.position, "unknown_name"));
    }
  });
  return byPosition(problems);
}

/** The ${names} of `text` in reading order, each once; works on broken text too. */
export function references(text) {
  const names = [];
  for (const read of tokenize(String(text ?? ""))) {
    if (read.kind === "ref" && !names.includes(read.value)) names.push(read.value);
  }
  return names;
}

/** Every problem of `text` ordered by position (syntax, unknown names and functions, arity,
 * type); an empty list when the expression is sound. */
export function checkExpression(text, knownNames) {
  const known = [...(knownNames || [])];
  const knownSet = new Set(known);
  let problems;
  try {
    const tree = syntaxTree(text);
    problems = functionProblems(tree);
    walk(tree, (node) => {
      if (node.type === "ref" && !knownSet.has(node.name)) problems.push(unknownName(node.name, node.position, known));
    });
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    problems = [error];
    for (const read of tokenize(String(text ?? ""))) {
      if (read.kind === "ref" && !knownSet.has(read.value)) problems.push(unknownName(read.value, read.position, known));
    }
  }
  return byPosition(problems);
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

class Scope {
  constructor(answers, { current, context, today, repeatFields, columns } = {}) {
    this.columns = columns || {};
    this.answers = isInstance(answers) ? answers : {};
    this.current = current;
    this.context = parseContext(context);
    this.today = new XDate(todayDays(today));
    this.repeatFields = repeatFieldsOf(this.answers, repeatFields || {});
    this.repeatNames = new Set(Object.values(this.repeatFields));
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

  reference(name) {
    const values = this.nodes(name);
    return values.length ? scalar(values[0]) : "";
  }

  nodeValues(node) {
    if (node.type === "ref") return this.nodes(node.name).map(scalar);
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
      case "column":
        return scalar(Object.prototype.hasOwnProperty.call(this.columns, node.name) ? this.columns[node.name] : undefined);
      default:
        throw new TypeError(`Unknown node ${node.type}`);
    }
  }

  call(node) {
    const spec = FUNCTIONS[node.name];
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

// ---------------------------------------------------------------------------------------------
// Functions. Each takes its arguments evaluated in one of three ways: VALUES (scalars), NODES (a
// ${name} inside a repeat gives its values across instances; anything else a one-item list) or
// LAZY (the tree nodes, for if).

const VALUES = "values";
const NODES = "nodes";
const LAZY = "lazy";
const XPATH_SPACE = /[ \t\r\n]+/;

/** XPath 1.0 round: the closest integer, halves toward +∞ (round(-2.5) = -2). */
function xpathRound(number) {
  if (!Number.isFinite(number) || number === 0) return number;
  if (number >= -0.5 && number < 0) return -0;
  return Math.floor(number + 0.5);
}

function round(scope, value, digits) {
  const number = toNumber(value);
  if (digits === undefined) return xpathRound(number);
  const places = toNumber(digits);
  if (!Number.isFinite(places)) return NaN;
  const factor = 10 ** Math.trunc(places);
  return xpathRound(number * factor) / factor;
}

function finiteOr(transform) {
  return (scope, value) => {
    const number = toNumber(value);
    return Number.isFinite(number) ? transform(number) : number;
  };
}

function power(scope, baseValue, exponentValue) {
  const base = toNumber(baseValue);
  const exponent = toNumber(exponentValue);
  // C's pow, as on the server: 1 to any power is 1, (-1)^±∞ is 1, 0 to a negative power is NaN.
  if (base === 1 || exponent === 0) return 1;
  if (base === -1 && !Number.isFinite(exponent) && !Number.isNaN(exponent)) return 1;
  if (base === 0 && exponent < 0) return NaN;
  return base ** exponent;
}

function numbers(nodeLists) {
  return nodeLists.flat().map(toNumber);
}

function extremum(pick) {
  return (scope, ...nodeLists) => {
    const list = numbers(nodeLists);
    if (!list.length || list.some(Number.isNaN)) return NaN;
    return pick(...list);
  };
}

/** The correctly rounded sum of doubles (Shewchuk's algorithm, as Python's math.fsum). */
function exactSum(values) {
  const partials = [];
  let special = 0;
  for (let x of values) {
    if (!Number.isFinite(x)) {
      special += x;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const high = x + y;
      const low = y - (high - x);
      if (low) partials[i++] = low;
      x = high;
    }
    partials.length = i;
    partials.push(x);
  }
  if (special || Number.isNaN(special)) return special;
  let n = partials.length;
  if (!n) return 0;
  let high = partials[--n];
  let low = 0;
  while (n > 0) {
    const x = high;
    const y = partials[--n];
    high = x + y;
    const yr = high - x;
    low = y - yr;
    if (low) break;
  }
  if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
    const y = low * 2;
    const x = high + y;
    if (y === x - high) high = x;
  }
  return high;
}

function substr(scope, value, startValue, endValue) {
  const chars = [...toString(value)];
  let start = toNumber(startValue);
  let end = endValue === undefined ? chars.length : toNumber(endValue);
  if (Number.isNaN(start) || Number.isNaN(end)) return "";
  const clamp = (n) => Math.max(0, Math.min(chars.length, Number.isFinite(n) ? Math.trunc(n) : n < 0 ? 0 : chars.length));
  start = clamp(start);
  end = clamp(end);
  return chars.slice(start, end).join("");
}

function substring(scope, value, startValue, lengthValue) {
  const chars = [...toString(value)];
  const first = xpathRound(toNumber(startValue));
  const last = lengthValue === undefined ? Infinity : first + xpathRound(toNumber(lengthValue));
  return chars.filter((_, index) => first <= index + 1 && index + 1 < last).join("");
}

function substringBefore(scope, value, needleValue) {
  const text = toString(value);
  const index = text.indexOf(toString(needleValue));
  return index >= 0 ? text.slice(0, index) : "";
}

function substringAfter(scope, value, needleValue) {
  const text = toString(value);
  const needle = toString(needleValue);
  const index = text.indexOf(needle);
  return index >= 0 ? text.slice(index + needle.length) : "";
}

function translate(scope, value, sourceValue, targetValue) {
  const source = [...toString(sourceValue)];
  const target = [...toString(targetValue)];
  const mapping = new Map();
  source.forEach((char, index) => {
    if (!mapping.has(char)) mapping.set(char, index < target.length ? target[index] : "");
  });
  return [...toString(value)].map((char) => (mapping.has(char) ? mapping.get(char) : char)).join("");
}

function items(value) {
  return toString(value).split(XPATH_SPACE).filter(Boolean);
}

function selectedAt(scope, answer, indexValue) {
  const list = items(answer);
  const index = toNumber(indexValue);
  if (!Number.isFinite(index)) return "";
  const position = Math.trunc(index);
  return position >= 0 && position < list.length ? list[position] : "";
}

function patternOf(text) {
  // Python's named groups (?P<name>…) are JavaScript's (?<name>…).
  return new RegExp(String(text).replace(/\(\?P</g, "(?<"), "u");
}

function regex(scope, value, pattern) {
  try {
    return patternOf(toString(pattern)).test(toString(value));
  } catch {
    return false;
  }
}

/** A date from a date, an ISO string or a number of days; "" when there is none. */
export function toDate(value) {
  if (value instanceof XDate) return value;
  if (typeof value === "string") {
    const text = value.trim();
    if (!text) return "";
    if (text.length === 10 || text[10] === "T") {
      const days = isoToDays(text.slice(0, 10));
      if (days !== null) return new XDate(days);
    }
  }
  if (typeof value === "boolean" || value === null || value === undefined) return "";
  const number = toNumber(value);
  if (!Number.isFinite(number)) return "";
  return new XDate(Math.floor(number));
}

function decimalDate(scope, value) {
  const day = toDate(value);
  return day === "" ? NaN : day.days;
}

function formatDate(scope, value, pattern) {
  const day = toDate(value);
  if (day === "") return "";
  const date = new Date(day.days * DAY_MS);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  const codes = {
    Y: pad(date.getUTCFullYear(), 4),
    y: pad(date.getUTCFullYear() % 100),
    m: pad(date.getUTCMonth() + 1),
    n: String(date.getUTCMonth() + 1),
    d: pad(date.getUTCDate()),
    e: String(date.getUTCDate()),
  };
  return toString(pattern).replace(/%([Yymnde])/g, (whole, code) => codes[code]);
}

function fn(name, minimum, maximum, implementation, takes = VALUES, needsReference = false) {
  return [name, { minimum, maximum, implementation, takes, needsReference }];
}

const FUNCTIONS = Object.fromEntries([
  fn("true", 0, 0, () => true),
  fn("false", 0, 0, () => false),
  fn("not", 1, 1, (scope, value) => !toBoolean(value)),
  fn("boolean", 1, 1, (scope, value) => toBoolean(value)),
  fn("boolean-from-string", 1, 1, (scope, value) => ["true", "1"].includes(toString(value))),
  fn("number", 0, 1, (scope, ...args) => toNumber(args.length ? args[0] : scope.currentValue())),
  fn("string", 0, 1, (scope, ...args) => toString(args.length ? args[0] : scope.currentValue())),
  fn("string-length", 0, 1, (scope, ...args) => [...toString(args.length ? args[0] : scope.currentValue())].length),
  fn("int", 1, 1, finiteOr(Math.trunc)),
  fn("round", 1, 2, round),
  fn("floor", 1, 1, finiteOr(Math.floor)),
  fn("ceiling", 1, 1, finiteOr(Math.ceil)),
  fn("abs", 1, 1, (scope, value) => Math.abs(toNumber(value))),
  fn("pow", 2, 2, power),
  fn("min", 1, Infinity, extremum(Math.min), NODES),
  fn("max", 1, Infinity, extremum(Math.max), NODES),
  fn("sum", 1, 1, (scope, nodes) => (nodes.length ? exactSum(nodes.map(toNumber)) : 0), NODES, true),
  fn("count", 1, 1, (scope, nodes) => nodes.length, NODES, true),
  fn("count-non-empty", 1, 1, (scope, nodes) => nodes.filter((value) => toString(value) !== "").length, NODES, true),
  fn("join", 2, Infinity, (scope, separator, ...nodeLists) => nodeLists.flat().map(toString).join(separator.length ? toString(separator[0]) : ""), NODES),
  fn("concat", 1, Infinity, (scope, ...values) => values.map(toString).join("")),
  fn("contains", 2, 2, (scope, text, needle) => toString(text).includes(toString(needle))),
  fn("starts-with", 2, 2, (scope, text, start) => toString(text).startsWith(toString(start))),
  fn("ends-with", 2, 2, (scope, text, end) => toString(text).endsWith(toString(end))),
  fn("substr", 2, 3, substr),
  fn("substring", 2, 3, substring),
  fn("substring-before", 2, 2, substringBefore),
  fn("substring-after", 2, 2, substringAfter),
  fn("normalize-space", 0, 1, (scope, ...args) => items(args.length ? args[0] : scope.currentValue()).join(" ")),
  fn("translate", 3, 3, translate),
  fn("selected", 2, 2, (scope, answer, choice) => items(answer).includes(toString(choice).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ""))),
  fn("selected-at", 2, 2, selectedAt),
  fn("count-selected", 1, 1, (scope, answer) => items(answer).length),
  fn("regex", 2, 2, regex),
  fn("if", 3, 3, (scope, condition, whenTrue, whenFalse) => scope.value(toBoolean(scope.value(condition)) ? whenTrue : whenFalse), LAZY),
  fn("coalesce", 2, 2, (scope, first, second) => (toString(first) !== "" ? first : second)),
  fn("once", 1, 1, (scope, value) => (toString(scope.currentValue()) !== "" ? scope.currentValue() : value)),
  fn("today", 0, 0, (scope) => scope.today),
  fn("date", 1, 1, (scope, value) => toDate(value)),
  fn("decimal-date-time", 1, 1, decimalDate),
  fn("decimal-date", 1, 1, decimalDate),
  fn("format-date", 2, 2, formatDate),
  fn("position", 0, 1, (scope) => scope.position()),
  fn("uuid", 0, 0, () => (globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : "")),
]);

/** Evaluates an expression (its text, or the tree parse made) against an answer set: a boolean,
 * a number, a string or an XDate. */
export function evaluate(expression, answers, options = {}) {
  const tree = typeof expression === "string" ? parse(expression) : expression;
  const scope = new Scope(answers, {
    current: options.current,
    context: options.context,
    today: options.today,
    repeatFields: options.repeatFields || options.repeat_fields,
    columns: options.columns,
  });
  return scope.value(tree);
}

export const FUNCTION_NAMES = Object.freeze(Object.keys(FUNCTIONS));
