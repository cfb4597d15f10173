"""Codings, suggestions and pseudonymisations follow an edit of the answer they point into.

When a submission's answers are replaced (a back-office edit, a paper entry corrected, a tablet's
correction of an interview it sent), every answer whose text changed has its anchors mapped
through the diff of old and new text (analyse.anchors), in the same transaction as the edit:

- a coding moves with its words; where the coded words themselves changed it is kept, flagged
  « à revoir » with the words it had, and left out of agreement and results until a coder confirms
  or removes it;
- a pending suggestion whose evidence moved intact follows it; one whose evidence changed (or that
  had none, so rested on the whole answer) is dropped: the next analysis suggests again on the new
  text. A decision already taken stands if its evidence is intact;
- the pseudonymised version loses its validation and keeps the old text's hash, so it is no longer
  shown to the collectif and the next analysis detects identifiers again on the whole new text: an
  edit may have typed a name that no span of the old text could cover, so mapping the old
  replacements over would let it through;
- memos are on the answer (submission and path), not on a span: they stay.

One service function, `move_anchors_after_edit`, called for the submission domain's
`answers_replaced` signal; it flushes and never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from analyse.anchors import move_spans
from analyse.nlp import text_hash

from ..extensions import db
from ..submissions.events import answers_replaced
from .models import Coding, PseudonymisedAnswer, Suggestion
from .services import text_at


@dataclass
class AnchorsMoved:
    """What an edit did to the anchors of one submission."""

    answers: int = 0  # answers whose text changed and had anchors
    codings_moved: int = 0
    codings_to_review: int = 0
    codings_merged: int = 0  # two codings of one coder and code that became the same span
    suggestions_dropped: int = 0
    pseudonymisations_unvalidated: int = 0


def move_anchors_after_edit(submission, old_answers: dict, new_answers: dict) -> AnchorsMoved:
    """Move every coding, suggestion and pseudonymisation of `submission` whose answer text
    differs between `old_answers` and `new_answers`."""
    report = AnchorsMoved()
    codings = list(
        db.session.scalars(
            select(Coding).where(Coding.submission_id == submission.id).order_by(Coding.id)
        )
    )
    suggestions = list(
        db.session.scalars(select(Suggestion).where(Suggestion.submission_id == submission.id))
    )
    pseudonymised = list(
        db.session.scalars(
            select(PseudonymisedAnswer).where(PseudonymisedAnswer.submission_id == submission.id)
        )
    )
    paths = {item.path for item in (*codings, *suggestions, *pseudonymised)}
    for path in sorted(paths):
        old = text_at(old_answers or {}, path) or ""
        new = text_at(new_answers or {}, path) or ""
        if old == new:
            continue
        report.answers += 1
        _move_codings([c for c in codings if c.path == path], old, new, report)
        _move_suggestions([s for s in suggestions if s.path == path], old, new, report)
        for stored in pseudonymised:
            if stored.path == path and stored.validated_at is not None:
                stored.validated_at, stored.validated_by_id = None, None
                report.pseudonymisations_unvalidated += 1
    db.session.flush()
    return report


@answers_replaced.connect
def _follow_replaced_answers(submission, *, before: dict, after: dict, **_) -> AnchorsMoved:
    return move_anchors_after_edit(submission, before, after)


def _move_codings(codings: list[Coding], old: str, new: str, report: AnchorsMoved) -> None:
    if not codings:
        return
    old_hash, new_hash = text_hash(old), text_hash(new)
    moved = move_spans(old, new, [(coding.start, coding.end) for coding in codings])
    # Offsets of a coding made on another text than `old` cannot be trusted: it is reviewed too.
    targets = []
    for coding, result in zip(codings, moved, strict=True):
        trusted = coding.text_hash == old_hash
        words = old[coding.start : coding.end] if trusted else ""
        targets.append((coding, result, result.needs_review or not trusted, words))
    kept: dict[tuple, Coding] = {}
    survivors = []
    for coding, result, to_review, words in targets:
        identity = (result.start, result.end, coding.code_id, coding.coder_id)
        if identity in kept:
            # Two codings of one coder with one code now cover the same words: one is enough,
            # flagged if either was.
            first = kept[identity]
            if to_review and not first.needs_review:
                first.needs_review, first.words_before = True, words
            db.session.delete(coding)
            report.codings_merged += 1
            continue
        kept[identity] = coding
        survivors.append((coding, result, to_review, words))
    if report.codings_merged:
        db.session.flush()  # the duplicates go before a survivor takes their span
    moving = [
        coding
        for coding, result, _, _ in survivors
        if (coding.start, coding.end) != (result.start, result.end)
    ]
    if len(moving) > 1:
        # Park the moving codings on spans no other coding can hold, so that the unique
        # (answer, span, code, coder) never sees two rows while one takes another's old place.
        for coding in moving:
            coding.start, coding.end = 0, 1_000_000_000 + coding.id
        db.session.flush()
    for coding, result, to_review, words in survivors:
        if to_review and not coding.needs_review:
            coding.needs_review, coding.words_before = True, words
        if coding in moving:
            report.codings_moved += 1
        coding.start, coding.end, coding.text_hash = result.start, result.end, new_hash
        report.codings_to_review += coding.needs_review


def _move_suggestions(
    suggestions: list[Suggestion], old: str, new: str, report: AnchorsMoved
) -> None:
    old_hash, new_hash = text_hash(old), text_hash(new)
    for suggestion in suggestions:
        if suggestion.text_hash != old_hash:
            continue  # made on an older text: the next analysis replaces it
        spans = [tuple(span) for span in suggestion.spans or []]
        moved = move_spans(old, new, spans) if spans else []
        intact = bool(spans) and not any(result.needs_review for result in moved)
        if intact:
            suggestion.spans = [[result.start, result.end] for result in moved]
            suggestion.text_hash = new_hash
        elif suggestion.status == "pending":
            db.session.delete(suggestion)
            report.suggestions_dropped += 1
        # A decision on evidence that changed keeps the old hash: the next analysis may suggest again.
