/**
 * The syntax tree, as questionnaires/expressions/syntax.py: Pratt parsing over XPath 1.0's
 * precedence, loosest first: or, and, (= !=), (< <= > >=), (+ -), (* div mod), unary minus.
 * Every operator is left-associative.
 *
 * Tree nodes: {type: "number"|"string", value}, {type: "ref", name}, {type: "current"},
 * {type: "parent"}, {type: "column", name} (choice filters and predicates),
 * {type: "filter", target (a ref), predicate} (${membres}[age >= 18]), {type: "negate", operand},
 * {type: "binary", op, left, right}, {type: "call", name, args, parenPosition}; each with its
 * `position`.
 *   parseSyntax(text, columns) -> tree      throws the first syntax ExpressionError
 *   walk(tree, visit)                        every node, parents first
 */
import { ExpressionError } from "./errors.js";
import { WORD_OPERATORS, tokenize } from "./lexer.js";

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
      case "ref": {
        const reference = { type: "ref", name: current.value, position: current.position };
        return this.peek().kind === "[" ? this.predicate(reference) : reference;
      }
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

  /** ${membres}[age >= 18]: bare names in the condition are the fields of each instance. */
  predicate(reference) {
    const bracket = this.next();
    if (this.peek().kind === "]") throw new ExpressionError("Condition vide entre crochets", bracket.position, "syntax");
    const columns = this.columns;
    this.columns = true;
    let condition;
    try {
      condition = this.expression(0);
    } finally {
      this.columns = columns;
    }
    if (condition.type === "number") {
      // ${aides}[0] reads as an index, which XPath counts from 1 and XLSForm writes
      // indexed-repeat(): refused rather than silently empty.
      throw new ExpressionError("Une position entre crochets ne se lit pas ici : pour la n-ième instance d'une répétition, écrivez indexed-repeat(${question}, ${répétition}, n)", bracket.position, "syntax");
    }
    const closing = this.peek();
    if (closing.kind === "]") {
      this.next();
      if (this.peek().kind === "[") throw new ExpressionError("Une seule condition entre crochets : joignez-les par « and »", this.peek().position, "syntax");
      return { type: "filter", target: reference, predicate: condition, position: bracket.position };
    }
    if (closing.kind === "end") throw new ExpressionError("Crochet fermant « ] » manquant", bracket.position, "syntax");
    return this.failAfterOperand(closing, "un opérateur ou « ] »");
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

export function walk(node, visit) {
  visit(node);
  if (node.type === "binary") {
    walk(node.left, visit);
    walk(node.right, visit);
  } else if (node.type === "negate") {
    walk(node.operand, visit);
  } else if (node.type === "call") {
    node.args.forEach((arg) => walk(arg, visit));
  } else if (node.type === "filter") {
    walk(node.target, visit);
    walk(node.predicate, visit);
  }
}

/** The tree of `text`; in a choice_filter (`columns`), a bare name is a column. */
export function parseSyntax(text, columns = false) {
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
    else if (node.type === "filter") stack.push([node.target, depth + 1], [node.predicate, depth + 1]);
  }
  return deepest;
}
