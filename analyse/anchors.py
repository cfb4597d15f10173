"""Spans of a text carried through an edit of that text.

A coding, a suggestion's evidence or a pseudonymised identifier points at [start, end) of an
answer. When the answer is edited (a typo fixed, « Alors voilà : » prepended), each span is mapped
through the character diff of the old and new text: an edit before the span moves it, an edit after
it leaves it, an edit inside it (or the removal of the whole span) changes the coded words, which a
coder must then look at again. Whitespace-only changes inside a span do not change its words.

Pure: strings and integers in, `MovedSpan` out; no Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

UNCHANGED = "unchanged"  # same offsets, same words
MOVED = "moved"  # same words at new offsets
CHANGED = "changed"  # words inside the span were edited: kept, to be reviewed
DELETED = "deleted"  # every character of the span was removed: an empty anchor, to be reviewed

# Above this many character pairs, the middle of the texts is first aligned word by word:
# SequenceMatcher on characters grows with the product of the lengths.
_CHARACTER_PAIRS = 1_000_000
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")

Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class MovedSpan:
    start: int
    end: int
    status: str

    @property
    def needs_review(self) -> bool:
        return self.status in (CHANGED, DELETED)


def move_spans(old: str, new: str, spans: Iterable[Sequence[int]]) -> list[MovedSpan]:
    """Each (start, end) of `old` mapped onto `new`, in the same order, with its status.

    A span outside `old` (offsets left over from an earlier unmapped edit) is clamped and marked
    CHANGED: its words cannot be vouched for."""
    spans = [(int(span[0]), int(span[1])) for span in spans]
    if old == new:
        return [_identical(old, start, end) for start, end in spans]
    opcodes = edit_opcodes(old, new)
    return [_move(old, new, opcodes, start, end) for start, end in spans]


def _identical(text: str, start: int, end: int) -> MovedSpan:
    clamped_start, clamped_end = _clamp(text, start, end)
    if (clamped_start, clamped_end) != (start, end):
        return MovedSpan(clamped_start, clamped_end, CHANGED)
    return MovedSpan(start, end, UNCHANGED)


def _clamp(text: str, start: int, end: int) -> tuple[int, int]:
    start = min(max(start, 0), len(text))
    return start, min(max(end, start), len(text))


def _move(old: str, new: str, opcodes: list[Opcode], start: int, end: int) -> MovedSpan:
    clamped_start, clamped_end = _clamp(old, start, end)
    out_of_range = (clamped_start, clamped_end) != (start, end)
    start, end = clamped_start, clamped_end
    new_start = _map_start(opcodes, start, len(old), len(new))
    new_end = max(new_start, _map_end(opcodes, end)) if end > start else new_start
    touched = out_of_range or any(_inside(opcode, start, end) for opcode in opcodes)
    if touched and _words(old[start:end]) != _words(new[new_start:new_end]):
        status = DELETED if new_start == new_end and start < end else CHANGED
    elif out_of_range:
        status = CHANGED
    else:
        status = UNCHANGED if (new_start, new_end) == (start, end) else MOVED
    return MovedSpan(new_start, new_end, status)


def _map_start(opcodes: list[Opcode], position: int, old_length: int, new_length: int) -> int:
    """Where the character at `position` went; the start of whatever replaced it if it was
    edited. Text inserted right before a span is outside it."""
    if position >= old_length:
        return new_length
    for tag, i1, i2, j1, _j2 in opcodes:
        if i1 <= position < i2:
            return j1 + (position - i1) if tag == "equal" else j1
    return new_length


def _map_end(opcodes: list[Opcode], position: int) -> int:
    """Where the end boundary after character `position - 1` went; the end of whatever replaced
    that character if it was edited. Text inserted right after a span is outside it."""
    if position <= 0:
        return 0
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 < position <= i2:
            return j1 + (position - i1) if tag == "equal" else j2
    return opcodes[-1][4] if opcodes else 0


def _inside(opcode: Opcode, start: int, end: int) -> bool:
    tag, i1, i2, _j1, _j2 = opcode
    if tag == "equal":
        return False
    if tag == "insert":
        return start < i1 < end
    return i1 < end and start < i2


def _words(text: str) -> str:
    return " ".join(text.split())


def edit_opcodes(old: str, new: str) -> list[Opcode]:
    """The character diff of `old` and `new` as difflib opcodes (tag, i1, i2, j1, j2).

    The common beginning and end are cut off first (most edits are local: a typo, a sentence
    added), so a 10,000-character answer costs only its edited middle; a large middle is aligned
    on words first, then each replaced run on characters."""
    if old == new:
        return [("equal", 0, len(old), 0, len(new))] if old else []
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    opcodes: list[Opcode] = []
    if prefix:
        opcodes.append(("equal", 0, prefix, 0, prefix))
    opcodes.extend(_diff(old, new, prefix, len(old) - suffix, prefix, len(new) - suffix))
    if suffix:
        opcodes.append(("equal", len(old) - suffix, len(old), len(new) - suffix, len(new)))
    return _slid_to_word_edges(_merged(opcodes), old, new)


def _merged(opcodes: list[Opcode]) -> list[Opcode]:
    merged: list[Opcode] = []
    for opcode in opcodes:
        if opcode[1] == opcode[2] and opcode[3] == opcode[4]:
            continue
        if merged and merged[-1][0] == opcode[0] == "equal":
            merged[-1] = ("equal", merged[-1][1], opcode[2], merged[-1][3], opcode[4])
        else:
            merged.append(opcode)
    return merged


def _slid_to_word_edges(opcodes: list[Opcode], old: str, new: str) -> list[Opcode]:
    """Text typed or removed between two equal runs can often sit in several places: « le »
    typed before « loyer » diffs as « e l » inserted after its first « l ». Slide each such
    insertion or deletion to where its edges fall between words, so that it stays outside a span
    that starts or ends there."""
    result = list(opcodes)
    for index, (tag, i1, i2, j1, j2) in enumerate(result):
        if tag not in ("insert", "delete"):
            continue
        before = result[index - 1] if index > 0 else None
        after = result[index + 1] if index + 1 < len(result) else None
        if (before is not None and before[0] != "equal") or (
            after is not None and after[0] != "equal"
        ):
            continue
        # Work in the text that holds the run: the new text for an insertion, the old for a deletion.
        text, low, high = (new, j1, j2) if tag == "insert" else (old, i1, i2)
        floor = (before[3] if tag == "insert" else before[1]) if before is not None else low
        ceiling = (after[4] if tag == "insert" else after[2]) if after is not None else high
        left = 0
        while low - left - 1 >= floor and text[low - left - 1] == text[high - left - 1]:
            left += 1
        right = 0
        while high + right < ceiling and text[low + right] == text[high + right]:
            right += 1
        best = max(
            range(-left, right + 1),
            key=lambda shift: (
                _edge_score(text, low + shift) + _edge_score(text, high + shift),
                shift == 0,
            ),
        )
        if best == 0:
            continue
        i1, i2, j1, j2 = i1 + best, i2 + best, j1 + best, j2 + best
        result[index] = (tag, i1, i2, j1, j2)
        if before is not None:
            result[index - 1] = ("equal", before[1], i1, before[3], j1)
        if after is not None:
            result[index + 1] = ("equal", i2, after[2], j2, after[4])
    return _merged(result)


def _edge_score(text: str, position: int) -> int:
    """How good a place `position` is for an edit's edge: between words (or at an end of the
    text), then at punctuation; inside a word is worst. Ties keep the diff's own place."""
    if position <= 0 or position >= len(text):
        return 2
    if text[position - 1].isspace() or text[position].isspace():
        return 2
    if not (text[position - 1].isalnum() and text[position].isalnum()):
        return 1
    return 0


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving: string comparisons run in C."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _diff(
    old: str, new: str, i1: int, i2: int, j1: int, j2: int, *, by_words: bool = True
) -> list[Opcode]:
    if i1 == i2 and j1 == j2:
        return []
    if i1 == i2:
        return [("insert", i1, i1, j1, j2)]
    if j1 == j2:
        return [("delete", i1, i2, j1, j1)]
    if (i2 - i1) * (j2 - j1) <= _CHARACTER_PAIRS or not by_words:
        matcher = SequenceMatcher(None, old[i1:i2], new[j1:j2], autojunk=False)
        return [
            (tag, i1 + a1, i1 + a2, j1 + b1, j1 + b2)
            for tag, a1, a2, b1, b2 in matcher.get_opcodes()
        ]
    old_tokens = [match.span() for match in _TOKENS.finditer(old, i1, i2)]
    new_tokens = [match.span() for match in _TOKENS.finditer(new, j1, j2)]
    matcher = SequenceMatcher(
        None, [old[a:b] for a, b in old_tokens], [new[a:b] for a, b in new_tokens]
    )
    opcodes: list[Opcode] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        start_old = (
            old_tokens[a1][0] if a1 < a2 else (old_tokens[a1][0] if a1 < len(old_tokens) else i2)
        )
        end_old = old_tokens[a2 - 1][1] if a1 < a2 else start_old
        start_new = (
            new_tokens[b1][0] if b1 < b2 else (new_tokens[b1][0] if b1 < len(new_tokens) else j2)
        )
        end_new = new_tokens[b2 - 1][1] if b1 < b2 else start_new
        if tag == "replace":
            # Words replaced by words: align their characters too, so that « loyers » → « loyer »
            # touches one character, not the word.
            small = (end_old - start_old) * (end_new - start_new) <= _CHARACTER_PAIRS
            opcodes.extend(
                _diff(old, new, start_old, end_old, start_new, end_new, by_words=False)
                if small
                else [(tag, start_old, end_old, start_new, end_new)]
            )
        else:
            opcodes.append((tag, start_old, end_old, start_new, end_new))
    return opcodes
