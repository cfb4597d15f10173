"""The one error type of the expression language."""

from __future__ import annotations

# Codes, stable: the designer, the XLSForm importer and the browser port branch on them.
SYNTAX = "syntax"
UNKNOWN_NAME = "unknown_name"
UNKNOWN_FUNCTION = "unknown_function"
ARITY = "arity"
TYPE = "type"
# A call XPath only notices when it is evaluated, as the ODK engines do: an unknown function or a
# wrong number of arguments inside a branch never taken (false() and f()) is no error. They are
# warnings for the designer and the XLSForm import, and errors at run time, when reached.
WARNING_CODES = frozenset({UNKNOWN_FUNCTION, ARITY})


class ExpressionError(Exception):
    """A problem in an expression: a French message, a 0-based character offset and a code."""

    def __init__(self, message: str, position: int, code: str = SYNTAX):
        super().__init__(message)
        self.message = message
        self.position = position
        self.code = code

    @property
    def is_warning(self) -> bool:
        """A problem that does not stop the expression from being parsed and evaluated."""
        return self.code in WARNING_CODES

    def as_dict(self) -> dict:
        return {"message": self.message, "position": self.position, "code": self.code}

    def __repr__(self) -> str:
        return f"ExpressionError({self.message!r}, position={self.position}, code={self.code!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExpressionError):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.message, self.position, self.code))
