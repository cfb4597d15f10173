"""The questionnaire model, its expression language, XLSForm import/export and answer validation.

Pure Python: no Flask, no SQL. The web app and the CLI call it.
"""

from .checks import Problem, check_questionnaire
from .expressions import ExpressionError, check_expression, evaluate, parse, references
from .model import (
    DEFAULT_LANGUAGE,
    QUESTION_TYPES,
    Choice,
    ChoiceList,
    Group,
    Question,
    Questionnaire,
    label_in,
)
from .validation import (
    AnswerError,
    ValidationResult,
    compute_calculations,
    is_relevant,
    validate_answers,
)
from .xlsform import ImportResult, SheetIssue, load_xlsform, to_xlsform, xlsform_bytes

__all__ = [
    "DEFAULT_LANGUAGE",
    "QUESTION_TYPES",
    "Choice",
    "ChoiceList",
    "Group",
    "Question",
    "Questionnaire",
    "label_in",
    "ImportResult",
    "SheetIssue",
    "load_xlsform",
    "to_xlsform",
    "xlsform_bytes",
    "ExpressionError",
    "check_expression",
    "evaluate",
    "parse",
    "references",
    "AnswerError",
    "ValidationResult",
    "compute_calculations",
    "is_relevant",
    "validate_answers",
    "Problem",
    "check_questionnaire",
]
