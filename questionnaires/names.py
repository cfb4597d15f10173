"""Names of questions and groups: the same XLSForm name in two groups.

XLSForm (pyxform, ODK, KoboToolbox) asks a name to be unique only among the elements of one group:
`menage/age` and `repondant/age` may both be called `age`. Everything here keys answers, exports,
codings and expressions by name, so such a name is *qualified* in the model: its groups' names
and its own, joined by ":" (`menage:age`, `repondant:age`). A name used once stays as it is, so
every form without such a duplicate, and every answer already stored, keeps its keys.

":" never occurs in an XLSForm name (it is not a name character here) and is neither "/" nor
"[", which write answer paths (`fratrie[2]/age_frere`): a qualified name is one key, never parsed.
An expression cannot refer to a qualified name: pyxform refuses `${age}` when two elements are
called `age`, and so do we, at the cell of the expression.
"""

from __future__ import annotations

from collections import defaultdict

from .model import Group, Questionnaire

SEPARATOR = ":"


def xlsform_name(name: str) -> str:
    """The name as written in the XLSForm: the last part of a qualified name."""
    return name.rsplit(SEPARATOR, 1)[-1]


def is_qualified(name: str) -> bool:
    return SEPARATOR in name


def qualify_duplicate_names(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """Renames, in place, every question and group whose name occurs more than once in the form
    to its qualified name; returns {XLSForm name: [qualified names]} for those names.

    Expressions are left as they are: one that refers to such a name is refused by the checks.
    """
    paths: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    nodes = []
    for ancestors, node in _walk_named(questionnaire.children, ()):
        paths[node.name].append(ancestors + (node.name,))
        nodes.append((ancestors, node))
    duplicated = {name for name, found in paths.items() if name and len(found) > 1}
    if not duplicated:
        return {}
    for ancestors, node in nodes:
        if node.name in duplicated:
            node.name = SEPARATOR.join(ancestors + (node.name,))
    return {name: [SEPARATOR.join(path) for path in paths[name]] for name in sorted(duplicated)}


def ambiguous_names(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """{XLSForm name: [qualified names]} of the names used in several groups of the form."""
    found: dict[str, list[str]] = defaultdict(list)
    for _, node in questionnaire.walk():
        if node.name:
            found[xlsform_name(node.name)].append(node.name)
    return {name: qualified for name, qualified in found.items() if len(qualified) > 1}


def readable_path(name: str) -> str:
    """A qualified name as a person reads a path: « menage/age »."""
    return name.replace(SEPARATOR, "/")


def _walk_named(nodes, ancestors: tuple[str, ...]):
    """Depth first, with the XLSForm names of the groups around each element (before renaming,
    so that a qualified group does not qualify its children twice)."""
    for node in nodes:
        yield ancestors, node
        if isinstance(node, Group):
            yield from _walk_named(node.children, ancestors + (xlsform_name(node.name),))
