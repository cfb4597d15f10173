"""How an answer is drawn: its text cut at every coding and evidence boundary, so each piece knows
which codes cover it (one coloured underline each) and whether a suggestion points at it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Piece:
    text: str
    start: int
    colours: list[str]
    names: list[str]
    evidence: bool


def pieces(text: str, codings=(), suggestions=()) -> list[Piece]:
    bounds = {0, len(text)}
    spans = []
    for coding in codings:
        start, end = max(0, coding.start), min(len(text), coding.end)
        if start < end:
            spans.append((start, end, coding.code))
            bounds.update((start, end))
    evidence = []
    for suggestion in suggestions:
        for start, end in suggestion.spans or []:
            start, end = max(0, start), min(len(text), end)
            if start < end:
                evidence.append((start, end))
                bounds.update((start, end))
    ordered = sorted(bounds)
    result = []
    for start, end in zip(ordered, ordered[1:]):
        covering = [code for s, e, code in spans if s <= start and end <= e]
        unique = list({code.id: code for code in covering}.values())
        result.append(
            Piece(
                text[start:end],
                start,
                [code.colour for code in unique],
                [code.name for code in unique],
                any(s <= start and end <= e for s, e in evidence),
            )
        )
    return result


def initials(user) -> str:
    name = (getattr(user, "name", "") or getattr(user, "email", "") or "?").replace("@", " ")
    parts = [part for part in name.replace("-", " ").split() if part]
    return "".join(part[0].upper() for part in parts[:2]) or "?"
