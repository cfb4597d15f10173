/**
 * The errors of the expression language, as questionnaires/expressions/errors.py.
 *   ExpressionError {message (French), position (0-based offset), code}
 *     code is one of "syntax", "unknown_name", "unknown_function", "arity", "type".
 */

// A call XPath only notices when it is evaluated: an unknown function or a wrong number of
// arguments is a warning in the checks and an error at run time, when reached.
export const WARNING_CODES = Object.freeze(["unknown_function", "arity"]);

export class ExpressionError extends Error {
  constructor(message, position = 0, code = "syntax") {
    super(message);
    this.name = "ExpressionError";
    this.message = message;
    this.position = position;
    this.code = code;
  }

  /** A problem that does not stop the expression from being parsed and evaluated. */
  get isWarning() {
    return WARNING_CODES.includes(this.code);
  }

  asDict() {
    return { message: this.message, position: this.position, code: this.code };
  }
}
