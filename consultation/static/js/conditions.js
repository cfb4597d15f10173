/**
 * Conditions as a chargé d'étude states them (« Logement est Locataire HLM et Âge ≥ 60 ») and the
 * expression they stand for (`${logement} = 'hlm' and ${age} >= 60`), both ways.
 *
 *   readCondition(text, subjects) -> {join: "and"|"or", rows: [{subject, op, value}]} or null
 *   writeCondition(condition, subjects) -> text (complete rows only)
 *   kindOf(type), operatorsFor(kind), rowProblem(row, subjects)
 *
 * `subjects` maps a question name (or "." for the answer being checked, in a constraint) to
 * {type, list: [{name, label}] | null}. A row's `value` is a choice name, a number as typed, a
 * date as YYYY-MM-DD, or "" for the operators that take none. A row compared with another question
 * (« Âge du conjoint ≤ Âge ») has `against`, that question's name, and an empty `value`.
 * readCondition returns null for any expression it cannot show without changing its meaning: that
 * one stays as text.
 */
import { parse } from "./expressions/parse.js";

// The operators each kind of question offers, in the order of the menu, with their French words.
const OPERATORS = {
  choice: [["=", "est"], ["!=", "n'est pas"], ["filled", "a une réponse"], ["empty", "n'a pas de réponse"]],
  choices: [
    ["contains", "contient"],
    ["not-contains", "ne contient pas"],
    ["filled", "a une réponse"],
    ["empty", "n'a pas de réponse"],
  ],
  number: [
    ["=", "= (égal à)"],
    ["!=", "≠ (différent de)"],
    ["<", "< (inférieur à)"],
    ["<=", "≤ (inférieur ou égal à)"],
    [">", "> (supérieur à)"],
    [">=", "≥ (supérieur ou égal à)"],
    ["filled", "a une réponse"],
    ["empty", "n'a pas de réponse"],
  ],
  date: [
    ["=", "= (le)"],
    ["!=", "≠ (un autre jour que le)"],
    ["<", "< (avant le)"],
    ["<=", "≤ (au plus tard le)"],
    [">", "> (après le)"],
    [">=", "≥ (à partir du)"],
    ["filled", "a une réponse"],
    ["empty", "n'a pas de réponse"],
  ],
  text: [["empty", "est vide"], ["filled", "n'est pas vide"]],
  // A calculation's value has no declared type: compared with what is typed, number or text.
  other: [
    ["=", "= (égal à)"],
    ["!=", "≠ (différent de)"],
    ["<", "< (inférieur à)"],
    ["<=", "≤ (inférieur ou égal à)"],
    [">", "> (supérieur à)"],
    [">=", "≥ (supérieur ou égal à)"],
    ["filled", "a une réponse"],
    ["empty", "n'a pas de réponse"],
  ],
};
const COMPARISONS = ["=", "!=", "<", "<=", ">", ">="];
const MIRRORED = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER_PATTERN = /^-?(\d+\.?\d*|\.\d+)$/;

export function kindOf(type) {
  switch (type) {
    case "select_one":
      return "choice";
    case "select_multiple":
      return "choices";
    case "integer":
    case "decimal":
    case "rating":
      return "number";
    case "date":
      return "date";
    case "text":
    case "paragraph":
      return "text";
    default:
      return "other";
  }
}

/** [[op, French words], …] for a kind. */
export function operatorsFor(kind) {
  return OPERATORS[kind] || OPERATORS.other;
}

export function takesValue(op) {
  return op !== "filled" && op !== "empty";
}

/** Whether `other` can stand on the right of `subject` with `op`: two numbers (a calculation
 * counts as one), two dates, or two single choices from the same list, equal or not. */
export function comparable(subject, other, op) {
  if (!subject || !other || !COMPARISONS.includes(op)) return false;
  const kind = kindOf(subject.type);
  const otherKind = kindOf(other.type);
  if (kind === "number" || kind === "other") return otherKind === "number" || otherKind === "other";
  if (kind === "date") return otherKind === "date";
  if (kind === "choice") return otherKind === "choice" && (op === "=" || op === "!=") && sameChoices(subject.list, other.list);
  return false;
}

function sameChoices(list, otherList) {
  const names = (items) => (items || []).map((choice) => choice.name).join("\n");
  return Boolean(list && list.length) && names(list) === names(otherList);
}

/** The names among `names` that `subject` can be compared with by `op` (never itself). */
export function comparableNames(subjectName, op, names, subjects) {
  return names.filter((name) => name !== subjectName && name !== "." && comparable(subjects[subjectName], subjects[name], op));
}

// --- writing -------------------------------------------------------------------------------

function reference(name) {
  return name === "." ? "." : `\${${name}}`;
}

/** An XPath string literal (XPath 1.0 has no escapes: the other quote when needed). */
function quoted(text) {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return null;
}

function numberText(value) {
  const text = String(value ?? "").trim().replace(",", ".");
  return NUMBER_PATTERN.test(text) ? text : null;
}

/** The expression of one row, or null while it is incomplete. */
export function writeRow(row, subjects) {
  const subject = subjects[row.subject];
  if (!subject) return null;
  const kind = kindOf(subject.type);
  const ref = reference(row.subject);
  const value = String(row.value ?? "");
  if (row.op === "filled") return `${ref} != ''`;
  if (row.op === "empty") return `${ref} = ''`;
  if (!operatorsFor(kind).some(([op]) => op === row.op)) return null;
  if (row.against) {
    if (row.against === row.subject || !comparable(subject, subjects[row.against], row.op)) return null;
    return `${ref} ${row.op} ${reference(row.against)}`;
  }
  if (row.op === "contains" || row.op === "not-contains") {
    const literal = value ? quoted(value) : null;
    if (literal === null) return null;
    const call = `selected(${ref}, ${literal})`;
    return row.op === "contains" ? call : `not(${call})`;
  }
  let literal;
  if (kind === "choice") literal = value ? quoted(value) : null;
  else if (kind === "number") literal = numberText(value);
  else if (kind === "date") literal = DATE_PATTERN.test(value) ? `date('${value}')` : null;
  else literal = numberText(value) ?? (value ? quoted(value) : null);
  if (literal === null) return null;
  return `${ref} ${row.op} ${literal}`;
}

/** The expression of the complete rows joined by « and » or « or » ("" when none is complete). */
export function writeCondition(condition, subjects) {
  const parts = condition.rows.map((row) => writeRow(row, subjects)).filter((part) => part !== null);
  return parts.join(condition.join === "or" ? " or " : " and ");
}

/** What is missing in a row, in French, or null when it is complete. */
export function rowProblem(row, subjects) {
  const subject = subjects[row.subject];
  if (!subject) return "choisissez une question";
  if (writeRow(row, subjects) !== null) return null;
  if (row.against) return "choisissez une question comparable";
  const kind = kindOf(subject.type);
  if (kind === "choice" || kind === "choices") return "choisissez une valeur";
  if (kind === "number") return "indiquez un nombre (par exemple 60 ou 2,5)";
  if (kind === "date") return "indiquez une date";
  return "indiquez une valeur";
}

// --- reading -------------------------------------------------------------------------------

/** The operands of a chain of one logical operator (`a and b and (c and d)` → a, b, c, d). */
function chain(node, op) {
  if (node.type === "binary" && node.op === op) return [...chain(node.left, op), ...chain(node.right, op)];
  return [node];
}

function subjectName(node) {
  if (node.type === "ref") return node.name;
  if (node.type === "current") return ".";
  return null;
}

/** A literal as {kind: "string"|"number"|"date", text}, or null. */
function literalOf(node) {
  if (node.type === "string") return { kind: "string", text: node.value };
  if (node.type === "number") return { kind: "number", text: numberLiteral(node.value) };
  if (node.type === "negate" && node.operand.type === "number") return { kind: "number", text: numberLiteral(-node.operand.value) };
  if (node.type === "call" && node.name === "date" && node.args.length === 1 && node.args[0].type === "string") {
    return DATE_PATTERN.test(node.args[0].value) ? { kind: "date", text: node.args[0].value } : null;
  }
  return null;
}

function numberLiteral(value) {
  return Number.isFinite(value) ? String(value) : null;
}

function readSelected(node) {
  if (node.type !== "call" || node.name !== "selected" || node.args.length !== 2) return null;
  const subject = subjectName(node.args[0]);
  const literal = literalOf(node.args[1]);
  if (subject === null || literal === null || literal.kind === "date" || literal.text === null) return null;
  return { subject, value: literal.text };
}

function readRow(node, subjects) {
  if (node.type === "call" && node.name === "selected") {
    const read = readSelected(node);
    return read && { subject: read.subject, op: "contains", value: read.value };
  }
  if (node.type === "call" && node.name === "not" && node.args.length === 1) {
    const read = readSelected(node.args[0]);
    return read && { subject: read.subject, op: "not-contains", value: read.value };
  }
  if (node.type !== "binary" || !COMPARISONS.includes(node.op)) return null;
  const right = node.right.type === "ref" ? node.right.name : null;
  if (subjectName(node.left) !== null && right !== null) {
    return { subject: subjectName(node.left), op: node.op, value: "", against: right };
  }
  let subject = subjectName(node.left);
  let literal = literalOf(node.right);
  let op = node.op;
  if (subject === null) {
    // `60 <= ${age}` reads as `${age} >= 60`.
    subject = subjectName(node.right);
    literal = literalOf(node.left);
    op = MIRRORED[op];
  }
  if (subject === null || literal === null || literal.text === null) return null;
  if (literal.kind === "string" && literal.text === "" && (op === "=" || op === "!=")) {
    return { subject, op: op === "=" ? "empty" : "filled", value: "" };
  }
  return { subject, op, value: literal.text, literal: literal.kind };
}

/** Whether the builder can show `row` for its subject without changing what it means. */
function showable(row, subjects) {
  const subject = subjects[row.subject];
  if (!subject) return false;
  const kind = kindOf(subject.type);
  if (!operatorsFor(kind).some(([op]) => op === row.op)) return false;
  if (!takesValue(row.op)) return true;
  if (row.against) return row.against !== row.subject && comparable(subject, subjects[row.against], row.op);
  const choiceNames = (subject.list || []).map((choice) => choice.name);
  switch (kind) {
    case "choice":
      // A numeric choice name may be written unquoted (`${q} = 1`): the same test in XPath.
      return row.literal !== "date" && choiceNames.includes(row.value);
    case "choices":
      return choiceNames.includes(row.value);
    case "number":
      return row.literal === "number";
    case "date":
      return row.literal === "date" || (row.literal === "string" && DATE_PATTERN.test(row.value));
    default:
      // Text typed in the builder becomes a number when it looks like one: only show what it
      // would write back the same way.
      return row.literal === "number" || (row.literal === "string" && numberText(row.value) === null);
  }
}

/** The rows of `text`, or null when the builder cannot show it (it then stays as text). */
export function readCondition(text, subjects) {
  const source = String(text ?? "");
  if (!source.trim()) return { join: "and", rows: [] };
  let tree;
  try {
    tree = parse(source);
  } catch {
    return null;
  }
  const join = tree.type === "binary" && tree.op === "or" ? "or" : "and";
  const rows = [];
  for (const node of chain(tree, join)) {
    const row = readRow(node, subjects);
    if (row === null || !showable(row, subjects)) return null;
    rows.push(row.against ? { subject: row.subject, op: row.op, value: "", against: row.against } : { subject: row.subject, op: row.op, value: row.value });
  }
  return { join, rows };
}
