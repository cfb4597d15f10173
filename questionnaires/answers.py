"""Walking one submission's answers: the questions answered, through repeat groups, by path.

Answers are a JSON object: a question's answer under its name; a repeat group under its name as a
list of instances, each an object of the same kind; plain groups do not nest. A path names one
answer: "commune", "membres[1]/prenom", "menages[0]/enfants[2]/age" (0-based instances).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .model import Group, Question, Questionnaire


def is_repeat(value) -> bool:
    """Whether an answer is a repeat's instances: a non-empty list of objects."""
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def instances_of(parent, repeat: str) -> list[Mapping]:
    """The instances of `repeat` in `parent` (what is not an object is left out)."""
    instances = parent.get(repeat) if isinstance(parent, Mapping) else None
    if isinstance(instances, list):
        return [instance for instance in instances if isinstance(instance, Mapping)]
    return []


class RepeatInstance(NamedTuple):
    """One instance of the innermost repeat of a chain: its answers, its path ("menage[1]/enfants[0]",
    None at the top level) and its index in its repeat (None at the top level)."""

    answers: Mapping
    path: str | None
    index: int | None


def repeat_instances(answers: Mapping, chain: Sequence[str]) -> list[RepeatInstance]:
    """Every instance of the innermost repeat of `chain` (repeat names, outermost first); the
    answers themselves when `chain` is empty. Indexes count what is not an object too."""
    found = [RepeatInstance(answers, None, None)] if isinstance(answers, Mapping) else []
    for repeat in chain:
        deeper = []
        for parent, context, _index in found:
            instances = parent.get(repeat)
            if not isinstance(instances, list):
                continue
            for index, instance in enumerate(instances):
                if isinstance(instance, Mapping):
                    step = f"{repeat}[{index}]"
                    deeper.append(
                        RepeatInstance(instance, f"{context}/{step}" if context else step, index)
                    )
        found = deeper
    return found


def repeat_chain(model: Questionnaire, name: str) -> list[str] | None:
    """The repeat groups around question `name`, outermost first; None when there is no such question."""
    for ancestors, node in model.walk():
        if node.name == name and not isinstance(node, Group):
            chain = []
            for ancestor in ancestors:
                group = model.find(ancestor)
                if isinstance(group, Group) and group.repeat:
                    chain.append(ancestor)
            return chain
    return None


@dataclass(frozen=True)
class Answer:
    """One answer of a submission: where, to what, what, and in which instance of its repeat."""

    path: str
    question: Question
    value: object
    repeat_index: int | None


Plan = list[tuple[Question, list[str]]]


def answer_plan(model: Questionnaire, types: Iterable[str] | None = None) -> Plan:
    """[(question, its repeat chain)] in form order, of the questions of `types` (None: all):
    worked out once per version, then walked for each of its submissions."""
    wanted = set(types) if types is not None else None
    return [
        (question, repeat_chain(model, question.name) or [])
        for question in model.questions()
        if wanted is None or question.type in wanted
    ]


def walk_plan(plan: Plan, answers: Mapping) -> Iterator[Answer]:
    """The answers present (even blank) to the questions of `plan`, question by question in plan
    order, each through every instance of its repeats."""
    for question, chain in plan:
        for instance, context, index in repeat_instances(answers or {}, chain):
            if question.name in instance:
                path = f"{context}/{question.name}" if context else question.name
                yield Answer(path, question, instance[question.name], index)


def walk_answers(
    model: Questionnaire, answers: Mapping, types: Iterable[str] | None = None
) -> Iterator[Answer]:
    """`walk_plan` over the questions of `model` (of `types` when given)."""
    return walk_plan(answer_plan(model, types), answers)


_PATH_PART = re.compile(r"^(?P<name>[A-Za-z_][\w.-]*)(?:\[(?P<index>\d+)\])?$")


def answer_at(answers: Mapping, path: str):
    """The answer at `path` ("name", "group[i]/name"), None when there is none."""
    current = answers
    for part in path.split("/"):
        match = _PATH_PART.match(part)
        if match is None or not isinstance(current, dict):
            return None
        current = current.get(match["name"])
        if match["index"] is not None:
            index = int(match["index"])
            if not isinstance(current, list) or index >= len(current):
                return None
            current = current[index]
    return current


def question_of(path: str) -> str:
    """The question's name at the end of a path."""
    return path.rsplit("/", 1)[-1]
