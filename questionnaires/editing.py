"""Editing a questionnaire's tree: find a node, move it, follow a renaming through the expressions,
refuse dependency cycles, compare two versions.

Pure functions over the dataclass model of `model.py`; a refused edit raises `EditRefused` with a
French message and the form field it concerns, before anything is changed where it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Iterable

from .model import Group, Node, Questionnaire

# ${name} inside an expression or a text.
REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")

# Fields of a question or group holding an expression, with their French name.
EXPRESSION_FIELDS = {
    "relevant": "Condition d'affichage",
    "constraint": "Contrainte",
    "calculation": "Calcul",
    "repeat_count": "Nombre de répétitions",
    "choice_filter": "Filtre des choix",
    "default": "Valeur par défaut",
}


class EditRefused(ValueError):
    """An edit that cannot be made: `message` in French, `field_name` the field it is about."""

    def __init__(self, message: str, field_name: str = ""):
        super().__init__(message)
        self.message = message
        self.field_name = field_name


@dataclass
class Reference:
    """An expression or label of `node_name` that mentions another node by ${name}."""

    node_name: str
    field_name: str

    @property
    def field_label(self) -> str:
        return EXPRESSION_FIELDS.get(
            self.field_name,
            {"label": "Libellé", "hint": "Aide"}.get(self.field_name, self.field_name),
        )


# --- finding -----------------------------------------------------------------------------------


def siblings_of(model: Questionnaire, parent: str | None) -> list[Node]:
    """The children of group `parent` (None: the top level)."""
    if not parent:
        return model.children
    group = model.find(parent)
    if not isinstance(group, Group):
        raise EditRefused(f"Le groupe « {parent} » n'existe pas.", "parent")
    return group.children


def locate(model: Questionnaire, name: str) -> tuple[list[Node], int, str | None]:
    """(the list holding `name`, its index there, the name of its group or None)."""
    for ancestors, node in model.walk():
        if node.name == name:
            parent = ancestors[-1] if ancestors else None
            siblings = siblings_of(model, parent)
            return siblings, siblings.index(node), parent
    raise EditRefused(f"L'élément « {name} » n'existe pas dans ce questionnaire.", "name")


def groups_of(model: Questionnaire) -> list[tuple[int, Group]]:
    """Every group with its depth, in order: the destinations a question can move to."""
    return [(len(ancestors), node) for ancestors, node in model.walk() if isinstance(node, Group)]


def known_names(model: Questionnaire, extra: Iterable[str] = ()) -> set[str]:
    return {node.name for _, node in model.walk()} | set(extra)


def free_name(model: Questionnaire, base: str) -> str:
    """`base_1`, or `base_2`, `base_3`… whichever no node of the questionnaire has yet."""
    number = 1
    while model.find(f"{base}_{number}") is not None:
        number += 1
    return f"{base}_{number}"


def descendants(group: Group) -> list[Node]:
    found = []
    for child in group.children:
        found.append(child)
        if isinstance(child, Group):
            found.extend(descendants(child))
    return found


def contains(group: Group, name: str) -> bool:
    """Whether `name` is somewhere inside `group`."""
    return any(
        child.name == name or (isinstance(child, Group) and contains(child, name))
        for child in group.children
    )


# --- moving ------------------------------------------------------------------------------------


def move(
    model: Questionnaire,
    name: str,
    *,
    direction: str | None = None,
    parent: str | None = None,
    position: int | None = None,
) -> None:
    """Moves `name` one step ('up'/'down': at the edge of a group it steps out of it), or to
    `position` (0-based) inside `parent` (None: top level)."""
    siblings, index, current_parent = locate(model, name)
    node = siblings[index]
    if direction in ("up", "down"):
        step = -1 if direction == "up" else 1
        target = index + step
        if 0 <= target < len(siblings):
            siblings[index], siblings[target] = siblings[target], siblings[index]
            return
        if current_parent is None:
            return  # already first or last: nothing to do
        del siblings[index]
        outer, group_index, _ = locate(model, current_parent)
        outer.insert(group_index if direction == "up" else group_index + 1, node)
        return
    if direction is not None:
        raise EditRefused("Direction inconnue.", "direction")
    if parent:
        if parent == name or (isinstance(node, Group) and contains(node, parent)):
            raise EditRefused("Un groupe ne peut pas être déplacé dans lui-même.", "parent")
    destination = siblings_of(model, parent)
    del siblings[index]
    at = len(destination) if position is None else max(0, min(position, len(destination)))
    destination.insert(at, node)


# --- references ----------------------------------------------------------------------------------


def references_to(model: Questionnaire, name: str) -> list[Reference]:
    """Where ${name} appears in the expressions and texts of other nodes."""
    found = []
    for _, node in model.walk():
        if node.name == name:
            continue
        for field_name, value in _text_fields(node):
            if any(match.group(1) == name for match in REFERENCE.finditer(value)):
                found.append(Reference(node.name, field_name))
    return found


def _text_fields(node: Node):
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, str):
            yield item.name, value
        elif isinstance(value, dict) and item.name != "extra":
            for text in value.values():
                if isinstance(text, str):
                    yield item.name, text


def rename_references(model: Questionnaire, old: str, new: str) -> None:
    """Every ${old} of the questionnaire's expressions and texts becomes ${new}."""

    def replace(text: str) -> str:
        return REFERENCE.sub(
            lambda match: "${" + new + "}" if match.group(1) == old else match.group(0), text
        )

    for _, node in model.walk():
        for item in fields(node):
            value = getattr(node, item.name)
            if isinstance(value, str) and item.name != "name":
                setattr(node, item.name, replace(value))
            elif isinstance(value, dict) and item.name != "extra":
                setattr(
                    node,
                    item.name,
                    {
                        key: replace(text) if isinstance(text, str) else text
                        for key, text in value.items()
                    },
                )


def refuse_cycles(model: Questionnaire, node: Node) -> None:
    """A question shown only if it is answered, or computed from itself, can never be decided:
    refused when saved rather than at publication."""
    from .dependencies import dependency_graph

    graph = dependency_graph(model)
    for cycle in graph.cycles():
        loop = cycle[:-1]
        if node.name not in loop:
            continue
        start = loop.index(node.name)
        loop = loop[start:] + loop[:start]
        following = loop[1] if len(loop) > 1 else loop[0]
        # The field of this node that reads the next name of the loop (calculation, relevant or
        # repeat_count); the group around it counts as relevance.
        field_name = graph.reads.get(node.name, {}).get(following, ("relevant", None))[0]
        raise EditRefused(
            "Cycle de dépendances : "
            + " → ".join(loop + [node.name])
            + " : une question ne peut pas dépendre d'elle-même, même par un détour.",
            field_name,
        )


# --- comparing two versions ----------------------------------------------------------------------


@dataclass
class VersionChanges:
    """What changed between two definitions, by question/group name and choice list name."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    choice_lists: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.choice_lists)


def compare_definitions(before: dict, after: dict) -> VersionChanges:
    """The changes from `before` to `after` (two definitions, as `Questionnaire.to_dict` gives)."""
    old_nodes = _nodes_by_name(Questionnaire.from_dict(before))
    new_nodes = _nodes_by_name(Questionnaire.from_dict(after))
    old_order = [name for name in old_nodes if name in new_nodes]
    new_order = [name for name in new_nodes if name in old_nodes]
    changes = VersionChanges(
        added=[name for name in new_nodes if name not in old_nodes],
        removed=[name for name in old_nodes if name not in new_nodes],
        changed=[name for name in new_order if old_nodes[name][1] != new_nodes[name][1]],
        moved=[
            name
            for name in new_order
            if old_nodes[name][0] != new_nodes[name][0]
            or old_order.index(name) != new_order.index(name)
        ],
    )
    old_lists, new_lists = before.get("choice_lists", {}), after.get("choice_lists", {})
    changes.choice_lists = sorted(
        name
        for name in set(old_lists) | set(new_lists)
        if old_lists.get(name) != new_lists.get(name)
    )
    return changes


def _nodes_by_name(model: Questionnaire) -> dict[str, tuple[tuple[str, ...], dict]]:
    """name -> (its groups, its own fields without children)."""
    nodes = {}
    for ancestors, node in model.walk():
        own = {
            item.name: getattr(node, item.name) for item in fields(node) if item.name != "children"
        }
        nodes[node.name] = (ancestors, own)
    return nodes
