/**
 * The errors of the expression language, as questionnaires/expressions/errors.py.
 *   ExpressionError {message (French), position (0-based offset), code}
 *     code is one of "syntax", "unknown_name", "unknown_function", "arity", "type".
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
