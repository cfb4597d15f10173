/**
 * Reading and checking an expression, as questionnaires/expressions/__init__.py does: the syntax
 * tree, then unknown functions, arity and argument kinds; every problem by position.
 *   parse(text), parseChoiceFilter(text), choiceFilterColumns(text), references(text),
 *   checkExpression(text, knownNames), checkChoiceFilter(text, knownNames, columns)
 */
import { ExpressionError } from "./errors.js";
import { FUNCTIONS, arityText, patternOf } from "./functions.js";
import { referencesIn, tokenize } from "./lexer.js";
import { parseSyntax, walk } from "./syntax.js";

/** Unknown functions, wrong numbers of arguments and arguments of the wrong kind. */
function functionProblems(root) {
  const problems = [];
  const allowedParents = new Set();
  walk(root, (node) => {
    if (node.type === "parent" && !allowedParents.has(node)) {
      problems.push(new ExpressionError("« .. » ne s'emploie que dans position(..)", node.position, "type"));
    }
    if (node.type !== "call") return;
    const problem = callProblem(node.name, node.args.length, node.position);
    if (problem) {
      problems.push(problem);
      return;
    }
    const spec = FUNCTIONS[node.name];
    if (spec.needsReference) {
      for (const arg of node.args) {
        if (arg.type !== "ref" && arg.type !== "filter") {
          problems.push(new ExpressionError(`${node.name}() attend une question, par exemple ${node.name}(\${membres})`, startOf(arg), "type"));
        }
      }
    }
    if (node.name === "indexed-repeat") {
      // The field, then each repeat: names, never values (the ranks may be anything).
      node.args.forEach((arg, index) => {
        if ((index === 0 || index % 2) && arg.type !== "ref") {
          problems.push(new ExpressionError("indexed-repeat() attend une question puis une répétition, par exemple indexed-repeat(${prenom}, ${membres}, 1)", startOf(arg), "type"));
        }
      });
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

/** The ExpressionError of a call to `name` with `count` arguments, or null when the function
 * exists and takes that many: thrown by evaluate when the call is reached, a warning in checks. */
export function callProblem(name, count, position) {
  const spec = FUNCTIONS[name];
  if (!spec) {
    let message = `Fonction inconnue « ${name}() »`;
    const close = closeMatch(name, Object.keys(FUNCTIONS));
    if (close) message += ` : vouliez-vous dire ${close}() ?`;
    return new ExpressionError(message, position, "unknown_function");
  }
  if (count < spec.minimum || count > spec.maximum) {
    const given = count ? `${count} donné${count > 1 ? "s" : ""}` : "aucun donné";
    const expected = arityText(spec);
    const verb = expected === "aucun argument" ? "ne prend" : "attend";
    return new ExpressionError(`${name}() ${verb} ${expected} (${given})`, position, "arity");
  }
  if (name === "weighted-checklist" && count % 2) {
    return new ExpressionError("weighted-checklist() attend des paires valeur, poids après le minimum et le maximum", position, "arity");
  }
  if (name === "indexed-repeat" && count % 2 === 0) {
    return new ExpressionError("indexed-repeat() attend la question puis des paires répétition, rang (3, 5 ou 7 arguments)", position, "arity");
  }
  return null;
}

/** The first problem that stops evaluation; an unknown function or a wrong arity is only an
 * error when the call is reached (lazily, as in XPath: false() and f() is false). */
function throwFirstError(tree) {
  const errors = byPosition(functionProblems(tree).filter((problem) => !problem.isWarning));
  if (errors.length) throw errors[0];
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

export function parse(text) {
  const tree = parseSyntax(text);
  throwFirstError(tree);
  return tree;
}

/** Like parse, for a choice_filter, where a bare name is a column of the choices sheet
 * (`commune = ${commune}`); evaluate it with the choice's columns in `options.columns`. */
export function parseChoiceFilter(text) {
  const tree = parseSyntax(text, true);
  throwFirstError(tree);
  return tree;
}

/** The choices-sheet columns a choice_filter reads (empty when it does not parse). */
export function choiceFilterColumns(text) {
  let tree;
  try {
    tree = parseSyntax(text, true);
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
    tree = parseSyntax(text, true);
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

/** The ${names} of `text` in reading order, each once, even in broken text; then the fields a
 * predicate reads (`age` in ${membres}[age >= 18]). */
export function references(text) {
  const names = referencesIn(text);
  if (!String(text ?? "").includes("[")) return names;
  let tree;
  try {
    tree = parseSyntax(text);
  } catch (error) {
    if (error instanceof ExpressionError) return names;
    throw error;
  }
  walk(tree, (node) => {
    if (node.type !== "filter") return;
    walk(node.predicate, (field) => {
      if (field.type === "column" && !names.includes(field.name)) names.push(field.name);
    });
  });
  return names;
}

/** Every problem of `text` ordered by position (syntax, unknown names and functions, arity,
 * type); an empty list when the expression is sound. */
export function checkExpression(text, knownNames) {
  const known = [...(knownNames || [])];
  const knownSet = new Set(known);
  let problems;
  try {
    const tree = parseSyntax(text);
    problems = functionProblems(tree);
    walk(tree, (node) => {
      // a bare name in a predicate (${membres}[age >= 18]) is a field of the repeat
      if ((node.type === "ref" || node.type === "column") && !knownSet.has(node.name)) problems.push(unknownName(node.name, node.position, known));
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
