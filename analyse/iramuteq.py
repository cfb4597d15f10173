"""Corpus files for IRaMuTeQ (and Alceste), so that researchers can go on with the answers there,
and the classes of a classification as rows for a CSV file.

IRaMuTeQ's format: each text starts with a line `**** *variable_modalite *autre_modalite`, its
text follows. Its manual asks for variable names and modalities without spaces, accents or special
characters (the first `_` separates the variable from the modality, so neither may hold another),
and for texts without `*` (a line starting with stars is read as a new text or a theme) nor `$`.
Here every answer is one text on one line, UTF-8, which IRaMuTeQ reads as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analyse.nlp import fold

_NOT_ALLOWED_IN_NAMES = re.compile(r"[^a-z0-9]+")
_RESERVED_IN_TEXT = re.compile(r"[*$]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CorpusAnswer:
    text: str
    profile: Mapping[str, object] = field(default_factory=dict)


def starred_name(value: object) -> str:
    """A variable name or modality as IRaMuTeQ accepts it: lower-case ASCII letters and digits
    only (« 60 ans et plus » -> 60ansetplus, « Saint-Étienne » -> saintetienne); "nr" (non
    renseigné) when nothing is left."""
    name = _NOT_ALLOWED_IN_NAMES.sub("", fold(str(value)))
    return name or "nr"


def clean_text(text: str) -> str:
    """The answer on one line, without the characters IRaMuTeQ reserves."""
    text = _RESERVED_IN_TEXT.sub(" ", str(text))
    return _SPACES.sub(" ", text).strip()


def corpus_text(answers: Iterable[CorpusAnswer], variables: Sequence[str]) -> str:
    """The IRaMuTeQ corpus of `answers`, with the `variables` of their profile in that order (a
    missing value is written « nr »). Empty answers are left out: IRaMuTeQ would count them as
    texts without a word."""
    names = [starred_name(variable) for variable in variables]
    if len(set(names)) != len(names):
        raise ValueError("deux variables ont le même nom une fois nettoyées pour IRaMuTeQ")
    lines = []
    for answer in answers:
        text = clean_text(answer.text or "")
        if not text:
            continue
        stars = " ".join(
            f"*{name}_{starred_name(answer.profile.get(variable) or '')}"
            for name, variable in zip(names, variables)
        )
        lines.append(f"**** {stars}".rstrip())
        lines.append(text)
    return "\n".join(lines) + ("\n" if lines else "")


def corpus_bytes(answers: Iterable[CorpusAnswer], variables: Sequence[str]) -> bytes:
    return corpus_text(answers, variables).encode("utf-8")


CLASS_COLUMNS = ("id", "segment", "classe", "texte")


def class_rows(classification, answer_ids: Sequence[object]) -> list[dict[str, object]]:
    """One row per segment of an `analyse.reinert.Classification`: the id of its answer, its
    number in the answer (from 1), its class (empty when it was not classified) and its text."""
    rows = []
    numbers: dict[int, int] = {}
    for segment, number in zip(classification.segments, classification.segment_classes):
        numbers[segment.answer] = numbers.get(segment.answer, 0) + 1
        rows.append(
            {
                "id": answer_ids[segment.answer],
                "segment": numbers[segment.answer],
                "classe": "" if number is None else number,
                "texte": segment.text,
            }
        )
    return rows
