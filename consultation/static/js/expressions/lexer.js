/**
 * Tokens, as questionnaires/expressions/lexer.py: the same cut as the server's lexer (an
 * unreadable character becomes an error token, so the parser reports the first problem in
 * reading order).
 *   tokenize(text) -> [{kind, text, position, value}, ...]   always ends with an "end" token
 *   referencesIn(text) -> [name, ...]   the ${names}, in reading order, each once
 */

const QUESTION_NAME = /[\p{L}\p{M}_][\p{L}\p{M}\p{N}_.\-]*/uy;
const FUNCTION_NAME = /[A-Za-z][A-Za-z0-9_\-]*(?::[A-Za-z][A-Za-z0-9_\-]*)?/y;
const NUMBER_TEXT = /\d+(?:\.\d*)?|\.\d+/y;
const SPACES = " \t\r\n";
export const WORD_OPERATORS = ["and", "or", "div", "mod"];
// After an operand, XPath reads a name as an operator name: "1div1" is 1 div 1, "2mod3" 2 mod 3.
const OPERATOR_WORD = /and|or|div|mod/y;
const OPERAND_END = new Set(["number", "string", "ref", ")", "]", ".", ".."]);

function matchAt(pattern, text, index) {
  pattern.lastIndex = index;
  const match = pattern.exec(text);
  return match && match.index === index ? match[0] : null;
}

function token(kind, text, position, value = null) {
  return { kind, text, position, value };
}

export function tokenize(text) {
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
    const word = matchAt(OPERATOR_WORD, text, index);
    if (word && tokens.length && OPERAND_END.has(tokens[tokens.length - 1].kind)) {
      tokens.push(token("name", word, start, word));
      index += word.length;
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
    // "[" and "]": a predicate on a repeat or a repeated field, ${membres}[age >= 18].
    else if ("(),[]".includes(char)) tokens.push(token(char, char, start));
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

/** The ${names} of `text` in reading order, each once; works on broken text too. */
export function referencesIn(text) {
  const names = [];
  for (const read of tokenize(String(text ?? ""))) {
    if (read.kind === "ref" && !names.includes(read.value)) names.push(read.value);
  }
  return names;
}
