/**
 * The XLSForm expression language in the browser: the same rules as the server's
 * questionnaires/expressions, checked against the same table of cases
 * (tests/data/expression_cases.json), so that the tablet, the designer's preview and the server
 * never disagree. One module per module of the server's package, under expressions/:
 *   errors.js, lexer.js, syntax.js (the tree), values.js (conversions), functions.js,
 *   evaluator.js, and parse.js (the checks the server's __init__.py holds). This module only
 *   re-exports what the pages use.
 *
 * Public API
 *   parse(text) -> tree                        throws ExpressionError (syntax first, then the
 *                                              first type problem); an unknown function or a
 *                                              wrong arity throws from evaluate, when reached
 *                                              (error.isWarning in checkExpression)
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
 *   XDateTime (an XDate): the value of now() and date-time(); its string is
 *   "YYYY-MM-DDTHH:MM:SS.mmm+01:00".
 *   ExpressionError {message (French), position (0-based offset), code}
 *     code is one of "syntax", "unknown_name", "unknown_function", "arity", "type".
 *
 * Semantics are XPath 1.0 as ODK and Enketo implement them: strings and numbers are coerced in
 * comparisons, `div` and `mod` follow IEEE (division by zero gives ±Infinity or NaN), `round`
 * rounds halves toward +∞, `int` truncates, anything that is not a number becomes NaN, an ISO
 * date counts as days since 1970-01-01. A ${name} is one value (inside a repeat instance, the
 * sibling); only count, sum, min, max, join and count-non-empty see every instance. The text is
 * read by a hand-written parser into a small tree; nothing is ever handed to eval.
 */

export { ExpressionError, WARNING_CODES } from "./expressions/errors.js";
export { evaluate, repeatFieldsOf } from "./expressions/evaluator.js";
export { FUNCTION_NAMES, toDate } from "./expressions/functions.js";
export {
  checkChoiceFilter,
  checkExpression,
  choiceFilterColumns,
  parse,
  parseChoiceFilter,
  references,
} from "./expressions/parse.js";
export { XDate, XDateTime, toBoolean, toNumber, toString } from "./expressions/values.js";
