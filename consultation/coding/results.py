"""What the codings say, computed through analyse: frequencies, co-occurrences, agreement between
coders, verbatims, keyword in context and word clouds.

Coders read the original answers; everyone else reads only the pseudonymised text a coder has
validated (a verbatim still waiting for validation is counted, never shown).

A coding « à revoir » (its words were edited since it was coded) is counted apart: it is left out
of frequencies, co-occurrences, verbatims and clouds until a coder confirms it, and an answer holding
one is left out of agreement, where one coder's uncertain coding would read as a disagreement."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import and_, case, distinct, func, literal_column, select

from ..extensions import db
from ..main.converters import MAX_DATABASE_ID
from ..submissions.answer_table import AnswerText, matching_ids_clause, search_words
from ..submissions.models import PUBLICS
from ..territory.models import Commune, Quartier
from . import figures
from .models import Code, Codebook, Coding, PseudonymisedAnswer, Suggestion
from .services import (
    AnswerRow,
    _answer_rows,
    _rows_query,
    active_codes,
    all_answer_rows,
    analysed_answers,
    attach,
    code_label,
    pseudonymised_result,
)

GROUPINGS = {
    "public": "Public",
    "commune": "Commune",
    "quartier": "Quartier",
    "question": "Question",
}
_PLACEHOLDER_TERM = re.compile(
    r"^\[?(personne_\d+|email|iban|nir|téléphone|telephone|identifiant|immatriculation|date_naissance|adresse)\]?$"
)


@dataclass
class Verbatim:
    row: AnswerRow
    before: str
    segment: str
    after: str
    code: Code
    coder: str


def rows_with_codings(codebook: Codebook) -> list[AnswerRow]:
    rows = all_answer_rows(codebook.questionnaire_id)
    attach(rows)
    return rows


def visible_text(row: AnswerRow, originals: bool) -> str | None:
    return row.text if originals else row.validated_text


def visible_span(
    row: AnswerRow, start: int, end: int, originals: bool
) -> tuple[str, int, int] | None:
    """(text, start, end) a reader may see: the original for coders, else the validated
    pseudonymised text with the span mapped onto it; None when not validated yet."""
    if originals:
        return row.text, start, end
    if row.validated_text is None:
        return None
    result = pseudonymised_result(row.text, row.pseudonymised)
    mapped_start, mapped_end = result.to_pseudonymised_span(start, end)
    return result.text, mapped_start, mapped_end


_ON_ANSWER = and_(Coding.submission_id == AnswerText.submission_id, Coding.path == AnswerText.path)
# Codings that agreement and results count: not « à revoir » (flagged by an edit, or coded on a
# text that is no longer the answer's).
SETTLED = and_(Coding.needs_review.is_(False), Coding.text_hash == AnswerText.text_hash)


def _driver_rows(query) -> list[tuple]:
    """Runs a SELECT of plain columns (integers, texts) on the session's connection, through the
    DB-API cursor."""
    connection = db.session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    parameters = compiled.params
    if compiled.positional:
        parameters = tuple(parameters[name] for name in compiled.positiontup)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


_NOT_GIVEN = "(non renseigné)"


def _group_column(by: str):
    """(SQL expression of the group, outer joins it needs) for a grouping of the results page."""
    if by == "public":
        return AnswerText.public
    if by == "commune":
        return Commune.name
    if by == "quartier":
        return Quartier.name
    return AnswerText.question


def _with_places(query):
    return query.outerjoin(Commune, Commune.insee_code == AnswerText.commune_code).outerjoin(
        Quartier, Quartier.id == AnswerText.quartier_id
    )


def _percent(respondents: int, total: int) -> float:
    # The same arithmetic as analyse.measures.code_frequencies (numpy's rounding).
    return float(np.round(100 * respondents / max(total, 1), 1)) if total > 0 else 0.0


@dataclass
class _SegmentMeasures:
    segments: dict[int, int]  # code id -> segments
    respondents: dict[int, set[int]]  # code id -> submissions
    pairs: dict[tuple[int, int], int]  # (code id, code id) -> answers holding both
    groups: dict[tuple[int, object], set[int]]  # (code id, group value) -> submissions


def _segment_measures(coded: list, group) -> _SegmentMeasures:
    """Segments and respondents per code, per code and group, and co-occurrences per pair of
    codes, from ONE read of the settled codings (with their answer's group) through the DB-API
    cursor. A passage coded alike by several coders (double coding) is one segment. At 100,000
    codings the read and these loops take a few tenths of a second; the same counts as grouped
    queries (a self-join for the pairs) took a second or more."""
    rows = _driver_rows(
        _with_places(
            select(
                Coding.submission_id, Coding.path, Coding.code_id, Coding.start, Coding.end, group
            )
            .select_from(Coding)
            .join(AnswerText, _ON_ANSWER)
        ).where(*coded)
    )
    segments: dict[int, int] = {}
    respondents: dict[int, set[int]] = {}
    groups: dict[tuple[int, object], set[int]] = {}
    codes_of_answer: dict[tuple[int, str], set[int]] = {}
    for submission_id, path, code_id, _start, _end, value in set(rows):
        segments[code_id] = segments.get(code_id, 0) + 1
        respondents.setdefault(code_id, set()).add(submission_id)
        groups.setdefault((code_id, value), set()).add(submission_id)
        codes_of_answer.setdefault((submission_id, path), set()).add(code_id)
    pairs: dict[tuple[int, int], int] = {}
    for codes in codes_of_answer.values():
        for first in codes:
            for second in codes:
                pairs[first, second] = pairs.get((first, second), 0) + 1
    return _SegmentMeasures(segments, respondents, pairs, groups)


def summary_in_sql(codebook: Codebook, by: str) -> dict:
    """The results page's measures as SQL aggregates over the answer table and the codings, in
    the shapes the pandas reference of the tests gives from every coding at once
    (tests/results_reference.py): a page then costs a few grouped queries whatever the number of
    answers."""
    return _summary(codebook, by, [_summary_counts(codebook, by)])


def _summary_counts(codebook: Codebook, by: str, *within) -> dict:
    """The counts the results page's measures are made of, for the analysed answers that also
    meet `within` (a range of submissions): each adds up over submissions, so the counts of
    disjoint ranges sum to those of their union (plain JSON: lists of [key…, count])."""
    where = [*analysed_answers(codebook.questionnaire_id), *within]
    labels = {code.id: code_label(code) for code in active_codes(codebook)}
    coded = [*where, SETTLED, Coding.code_id.in_(list(labels) or [0])]
    respondents = (
        db.session.scalar(select(func.count(distinct(AnswerText.submission_id))).where(*where)) or 0
    )
    group = _group_column(by)
    measures = _segment_measures(coded, group) if respondents else _SegmentMeasures({}, {}, {}, {})
    totals = db.session.execute(
        _with_places(
            select(group, func.count(distinct(AnswerText.submission_id))).select_from(AnswerText)
        )
        .where(*where)
        .group_by(group)
    ).all()
    return {
        "respondents": respondents,
        "segments": [[code_id, count] for code_id, count in measures.segments.items()],
        "code_respondents": [
            [code_id, len(submissions)] for code_id, submissions in measures.respondents.items()
        ],
        "groups": [
            [code_id, value, len(submissions)]
            for (code_id, value), submissions in measures.groups.items()
        ],
        "pairs": [[first, second, count] for (first, second), count in measures.pairs.items()],
        "totals": [[value, count] for value, count in totals],
    }


def _added(parts: list[dict], name: str) -> dict:
    """{key: sum over the parts} of the [key…, count] lists `name` of each part."""
    total: dict = {}
    for part in parts:
        for *key, count in part[name]:
            key = tuple(key) if len(key) > 1 else key[0]
            total[key] = total.get(key, 0) + count
    return total


def _summary(codebook: Codebook, by: str, parts: list[dict]) -> dict:
    """`summary_in_sql`'s figures from the `_summary_counts` of disjoint ranges of submissions."""
    codes = active_codes(codebook)
    labels = {code.id: code_label(code) for code in codes}
    by_label = {label: code for code in codes for label in [labels[code.id]]}
    label_of = (
        (lambda value: PUBLICS.get(value, value)) if by == "public" else (lambda value: value)
    )
    respondents = sum(part["respondents"] for part in parts)
    segments = _added(parts, "segments")
    overall = [
        {
            "code": labels[code_id],
            "respondents": count,
            "segments": segments[code_id],
            "total": respondents,
            "percent": _percent(count, respondents),
            "code_obj": by_label.get(labels[code_id]),
        }
        for code_id, count in _added(parts, "code_respondents").items()
        if code_id in labels
    ]
    overall.sort(key=lambda record: (-record["respondents"], record["code"]))

    totals: dict = {}
    for value, count in _added(parts, "totals").items():
        key = _NOT_GIVEN if value is None else label_of(value)
        totals[key] = totals.get(key, 0) + count
    cells: dict[str, dict] = {}
    for (code_id, value), count in _added(parts, "groups").items():
        if code_id not in labels:
            continue
        key = _NOT_GIVEN if value is None else label_of(value)
        cells.setdefault(labels[code_id], {})[key] = (count, _percent(count, totals.get(key, 0)))
    table = {
        "groups": sorted(totals, key=str) if respondents else [],
        "codes": [
            {"label": labels[code.id], "cells": cells[labels[code.id]]}
            for code in codes
            if labels[code.id] in cells
        ]
        if respondents
        else [],
        "totals": totals if respondents else {},
    }

    pairs = {
        pair: count
        for pair, count in _added(parts, "pairs").items()
        if pair[0] in labels and pair[1] in labels
    }
    present = sorted({labels[first] for first, _ in pairs})
    order = [labels[code.id] for code in codes if labels[code.id] in present]
    ids = {labels[code.id]: code.id for code in codes}
    matrix = [[pairs.get((ids[row], ids[column]), 0) for column in order] for row in order]
    return {
        "respondents": respondents,
        "overall": overall,
        "table": table,
        "cooccurrence": (order, matrix),
    }


def results_figures(codebook: Codebook, by: str) -> dict:
    """What the results page counts, grouped `by`: `summary_in_sql`'s measures, the publication
    counts, the codings « à revoir » and the answers a non-coder may read by public. Kept per
    process until a coding, answer, validation or code changes, and counted again only for the
    submissions whose rows changed (coding/figures.py: cached_in_parts)."""
    questionnaire_id = codebook.questionnaire_id

    def count(low: int, high: int) -> dict:
        within = _submissions_between(low, high)
        return {
            **_summary_counts(codebook, by, within),
            "publication": vars(
                publication_of(questionnaire_id, _by_question(questionnaire_id, low, high))
            ),
            "to_review": _to_review_count(questionnaire_id, within),
            "visible_by_public": visible_by_public(questionnaire_id, within),
        }

    def merge(parts: list[dict]) -> dict:
        summary = _summary(codebook, by, parts)
        # Codes are kept by id: an ORM object does not outlive its request.
        summary["overall"] = [
            {key: value for key, value in record.items() if key != "code_obj"}
            | {"code_id": record["code_obj"].id if record["code_obj"] else None}
            for record in summary["overall"]
        ]
        visible: dict = {}
        for part in parts:
            for public, number in part["visible_by_public"].items():
                visible[public] = visible.get(public, 0) + number
        return {
            **summary,
            "publication": _publication_added(parts),
            "to_review": sum(part["to_review"] for part in parts),
            "visible_by_public": visible,
        }

    found = figures.cached_in_parts(codebook, "results", (by,), count, merge)
    codes = {code.id: code for code in codebook.codes}
    return found | {
        "overall": [
            {**record, "code_obj": codes.get(record["code_id"])} for record in found["overall"]
        ],
        "publication": Publication(**found["publication"]),
        "visible_by_public": dict(found["visible_by_public"]),
    }


def _publication_added(parts: list[dict]) -> dict[str, int]:
    """The `Publication` counts of the parts (as dicts), summed."""
    return {
        name: sum(part["publication"][name] for part in parts)
        for name in ("answers", "analysed", "coded", "coded_validated")
    }


def agreement_figures(
    codebook: Codebook, question: str, coder_a: int | None, coder_b: int | None
) -> dict:
    """`agreement`'s figures for the codings of the questionnaire (of one question when given),
    from counts that add up over submissions (`_agreement_counts`): kept per process until the
    data change, and counted again only for the submissions whose rows changed
    (coding/figures.py: cached_in_parts). At 100,000 answers, counting everything again took a
    second on the first visit after any coding or edit."""
    return figures.cached_in_parts(
        codebook,
        "agreement",
        (question, coder_a, coder_b),
        lambda low, high: _agreement_counts(
            codebook, question, coder_a, coder_b, _submissions_between(low, high)
        ),
        lambda parts: _agreement_added(parts, coder_a, coder_b),
    )


def _agreement_counts(
    codebook: Codebook, question: str, coder_a: int | None, coder_b: int | None, *within
) -> dict:
    """What `agreement` measures, for the analysed answers that also meet `within` (a range of
    submissions), as counts that add up over disjoint ranges: the codings « à revoir » and the
    answers holding them (left out), the coders and the answers (units) left, per code how many
    answers k coders applied it to (Krippendorff's alpha reads nothing else when every coder is
    taken to have read every answer), and for coders A and B the answers either coded and, per
    code, the answers both, A alone and B alone applied it to (Cohen's kappa). Plain JSON."""
    where = [*analysed_answers(codebook.questionnaire_id), *within]
    held_codings = _driver_rows(
        select(Coding.submission_id, Coding.path)
        .join(AnswerText, _ON_ANSWER)
        .where(*where, ~SETTLED)
    )
    held = set(held_codings)
    labels = {code.id: code_label(code) for code in active_codes(codebook)}
    if question:
        where.append(AnswerText.question == question)
    rows = _driver_rows(
        select(
            Coding.submission_id,
            AnswerText.question,
            Coding.path,
            Coding.code_id,
            Coding.coder_id,
        )
        .join(AnswerText, _ON_ANSWER)
        .where(*where, SETTLED, Coding.code_id.in_(list(labels) or [0]))
    )
    pair = {coder_a, coder_b} if coder_a and coder_b and coder_a != coder_b else set()
    coders, units, pair_units = set(), set(), set()
    applied: dict[str, dict[tuple, set]] = {}  # code label -> answer -> coders who applied it
    for submission_id, question_name, path, code_id, coder_id in rows:
        # An answer with a coding à revoir is left out whole: its coders no longer code the same
        # words.
        if (submission_id, path) in held:
            continue
        unit = (submission_id, question_name)  # analyse.measures' unit: (submission, question)
        coders.add(coder_id)
        units.add(unit)
        if coder_id in pair:
            pair_units.add(unit)
        applied.setdefault(labels[code_id], {}).setdefault(unit, set()).add(coder_id)
    applied_by, kappa = [], []
    for label, by_unit in applied.items():
        together: dict[int, int] = {}
        both = only_a = only_b = 0
        for who in by_unit.values():
            together[len(who)] = together.get(len(who), 0) + 1
            if pair:
                by_a, by_b = coder_a in who, coder_b in who
                both += by_a and by_b
                only_a += by_a and not by_b
                only_b += by_b and not by_a
        applied_by.extend([label, k, count] for k, count in together.items())
        if both or only_a or only_b:
            kappa.append([label, both, only_a, only_b])
    return {
        "to_review": len(held_codings),
        "answers_left_out": len(held),
        "coders": sorted(coders),
        "units": len(units),
        "applied_by": applied_by,
        "pair_units": len(pair_units),
        "kappa": kappa,
    }


_TWO_CODERS = "Il faut au moins deux codeurs ayant codé ce questionnaire pour mesurer leur accord."


def _agreement_added(parts: list[dict], coder_a: int | None, coder_b: int | None) -> dict:
    """`agreement`'s figures from the `_agreement_counts` of disjoint ranges of submissions: the
    same rows through the same arithmetic (analyse.measures: kappa_record,
    nominal_alpha_of_presence)."""
    from analyse.measures import kappa_record, nominal_alpha_of_presence

    result = {
        "kappa": [],
        "alpha": [],
        "error": "",
        "to_review": sum(part["to_review"] for part in parts),
        "answers_left_out": sum(part["answers_left_out"] for part in parts),
    }
    coders = {coder for part in parts for coder in part["coders"]}
    units = sum(part["units"] for part in parts)
    if not units or len(coders) < 2:
        result["error"] = _TWO_CODERS
        return result
    if coder_a and coder_b and coder_a != coder_b:
        counts: dict[str, list[int]] = {}
        for part in parts:
            for label, *numbers in part["kappa"]:
                held = counts.setdefault(label, [0, 0, 0])
                for index, number in enumerate(numbers):
                    held[index] += number
        pair_units = sum(part["pair_units"] for part in parts)
        result["kappa"] = [
            _clean(kappa_record(label, pair_units, *counts[label])) for label in sorted(counts)
        ]
    applied_by: dict[str, dict[int, int]] = {}
    overall: dict[int, int] = {}
    for part in parts:
        for label, k, count in part["applied_by"]:
            by_k = applied_by.setdefault(label, {})
            by_k[k] = by_k.get(k, 0) + count
            overall[k] = overall.get(k, 0) + count
    result["alpha"] = [
        _clean(
            {
                "code": label,
                "alpha": nominal_alpha_of_presence(len(coders), units, applied_by[label]),
                "units": units,
            }
        )
        for label in sorted(applied_by)
    ] + [
        _clean(
            {
                "code": "TOUS",
                "alpha": nominal_alpha_of_presence(len(coders), units * len(applied_by), overall),
                "units": units * len(applied_by),
            }
        )
    ]
    return result


def to_review(questionnaire_id: int) -> tuple[int, set[tuple[int, str]]]:
    """Codings « à revoir » of the analysed answers (not counted in the results until a coder
    confirms them), and the answers that hold them."""
    held = db.session.execute(
        select(Coding.submission_id, Coding.path)
        .join(AnswerText, _ON_ANSWER)
        .where(*analysed_answers(questionnaire_id), ~SETTLED)
    ).all()
    return len(held), {(submission_id, path) for submission_id, path in held}


def _to_review_count(questionnaire_id: int, *within) -> int:
    """How many codings `to_review` finds, among the answers that also meet `within`."""
    return (
        db.session.scalar(
            select(func.count(Coding.id))
            .join(AnswerText, _ON_ANSWER)
            .where(*analysed_answers(questionnaire_id), *within, ~SETTLED)
        )
        or 0
    )


def _clean(record: dict) -> dict:
    return {
        key: (None if isinstance(value, float) and math.isnan(value) else value)
        for key, value in record.items()
    }


def verbatims(
    codebook: Codebook, rows: list[AnswerRow], code: Code, originals: bool
) -> tuple[list[Verbatim], int]:
    """Coded segments of the code and its sub-codes, and how many are waiting for a validated
    pseudonymisation (always 0 for coders)."""
    family = {code.id} | _descendant_ids(codebook, code)
    shown, waiting = [], 0
    codes = {c.id: c for c in codebook.codes}
    for row in rows:
        # A segment is quoted once per answer: coded alike by several coders (double coding), or
        # with the code and one of its sub-codes, it is one verbatim, with its coders.
        segments: dict[tuple[int, int], list] = {}
        for coding in row.settled_codings:
            if coding.code_id in family:
                coder = coding.coder.name or coding.coder.email if coding.coder else ""
                entry = segments.setdefault((coding.start, coding.end), [coding.code_id, []])
                if coding.code_id == code.id:
                    entry[0] = code.id  # the page's own code rather than a sub-code
                if coder not in entry[1]:
                    entry[1].append(coder)
        for (start, end), (code_id, coders) in segments.items():
            visible = visible_span(row, start, end, originals)
            if visible is None:
                waiting += 1
                continue
            text, start, end = visible
            shown.append(
                Verbatim(
                    row,
                    text[:start],
                    text[start:end],
                    text[end:],
                    codes[code_id],
                    ", ".join(coders),
                )
            )
    return shown, waiting


def code_family(codebook: Codebook, code: Code) -> set[int]:
    """The code's id and those of its sub-codes, at any depth."""
    return {code.id} | _descendant_ids(codebook, code)


def _descendant_ids(codebook: Codebook, code: Code) -> set[int]:
    found, pending = set(), [code.id]
    while pending:
        current = pending.pop()
        for child in codebook.codes:
            if child.parent_id == current and child.id not in found:
                found.add(child.id)
                pending.append(child.id)
    return found


def kwic_lines(
    questionnaire_id: int, lemma: str, originals: bool, *, limit: int = 200
) -> tuple[list[dict], int]:
    """Keyword in context over the answers holding the lemma, found through the full-text index
    (their folded words and the lemmas the analysis job wrote), then checked by analyse's kwic on
    their tokens; answers not analysed yet are all checked. Reads them in submission order until
    `limit` lines are found. Returns (lines, answers waiting for a validated pseudonymisation)."""
    from analyse.measures import kwic_texts

    from .jobs import analysis_cache

    where = analysed_answers(questionnaire_id)
    words = search_words(lemma)
    waiting = 0
    if not originals:
        total = db.session.scalar(select(func.count(AnswerText.id)).where(*where)) or 0
        waiting = total - sum(visible_by_public(questionnaire_id).values())
    if not words:
        return [], waiting
    # Two subqueries, each answered by its own index, rather than one OR that no index serves.
    found = AnswerText.id.in_(
        select(AnswerText.id).where(*where, AnswerText.lemmas.is_(None))
    ) | matching_ids_clause(words)
    query = (
        _rows_query(questionnaire_id)
        .where(found)
        .order_by(AnswerText.submission_id, AnswerText.position)
    )
    lines: list[dict] = []
    offset, batch = 0, 400
    while len(lines) < limit:
        rows = _answer_rows(query.limit(batch).offset(offset))
        if not rows:
            break
        offset += batch
        if not originals:
            attach(rows, codings=False, suggestions=False, memos=False)
        texts = [
            (index, text)
            for index, row in enumerate(rows)
            for text in [visible_text(row, originals)]
            if text is not None
        ]
        for line in kwic_texts(texts, lemma, cache=analysis_cache()):
            line["row"] = rows[line["id"]]
            lines.append(line)
    return lines[:limit], waiting


_ON_PSEUDONYMISED = and_(
    PseudonymisedAnswer.submission_id == AnswerText.submission_id,
    PseudonymisedAnswer.path == AnswerText.path,
)


def _validated_current():
    return and_(
        PseudonymisedAnswer.validated_at.is_not(None),
        PseudonymisedAnswer.text_hash == AnswerText.text_hash,
    )


def cloud_frequencies(
    codebook: Codebook, rows: list[AnswerRow], kind: str, key: str, originals: bool
) -> dict:
    """Lemma frequencies of the coded segments of a code (kind "code", key = code key) or of the
    answers of a public (kind "public", key = public), in the texts the reader may see."""
    from analyse.nlp import analyse_texts, count_terms

    from .jobs import analysis_cache

    texts = []
    if kind == "code":
        code = next((c for c in codebook.codes if c.key == key and c.merged_into_id is None), None)
        if code is None:
            return {}
        family = {code.id} | _descendant_ids(codebook, code)
        for row in rows:
            for coding in row.settled_codings:
                if coding.code_id in family:
                    visible = _cloud_span(row, coding.start, coding.end, originals)
                    if visible is not None:
                        texts.append(visible[0][visible[1] : visible[2]])
    else:
        texts = [
            text
            for row in rows
            if row.submission.public == key
            for text in [_cloud_text(row, originals)]
            if text
        ]
    analyses = analyse_texts(texts, cache=analysis_cache())
    counts = count_terms(analyses)
    return {
        term: count for term, count in counts.items() if not _PLACEHOLDER_TERM.match(term.lower())
    }


def _current_pseudonymised(row: AnswerRow):
    stored = row.pseudonymised
    return stored if stored is not None and stored.text_hash == row.hash else None


def _cloud_text(row: AnswerRow, originals: bool) -> str | None:
    """Clouds are shown and pasted into reports: even coders get the pseudonymised words when
    there are some, so that a name never ends up in a cloud."""
    stored = _current_pseudonymised(row)
    if originals and stored is not None:
        return stored.text
    return visible_text(row, originals)


def _cloud_span(row: AnswerRow, start: int, end: int, originals: bool):
    if originals and _current_pseudonymised(row) is not None:
        result = pseudonymised_result(row.text, row.pseudonymised)
        mapped_start, mapped_end = result.to_pseudonymised_span(start, end)
        return result.text, mapped_start, mapped_end
    return visible_span(row, start, end, originals)


def cloud_files(frequencies: dict) -> tuple[Path, Path]:
    from analyse.wordclouds import wordcloud_files

    return wordcloud_files(
        frequencies, Path(current_app.instance_path) / "wordclouds", width=720, height=400
    )


@dataclass
class Publication:
    """How far the answers are on their way to the collectif: analysed (pseudonymised
    automatically), coded, and coded with a pseudonymised text a coder validated, the only
    verbatims the collectif and the lecteurs read."""

    answers: int
    analysed: int
    coded: int
    coded_validated: int

    @property
    def coded_waiting(self) -> int:
        return self.coded - self.coded_validated


def _submissions_between(low: int, high: int):
    """The answer rows of the submissions of ids low to high - 1."""
    return (AnswerText.submission_id >= low) & (AnswerText.submission_id < high)


# Grouped by the question as written, SQLite (which keeps no statistics here) walks the whole
# questionnaire through the (questionnaire, question) index to get its rows in order, whatever the
# other conditions, then looks each row up: grouped by this expression, it chooses its index from
# the conditions (the questionnaire, or a range of its submissions), five to ten times faster.
_QUESTION = AnswerText.question.concat(literal_column("''")).label("question")


def _by_question(
    questionnaire_id: int, low: int | None = None, high: int | None = None
) -> dict[str, tuple[int, int, int, int]]:
    """{question: (answers, analysed, coded, coded and validated)} in one grouped query; codings
    are joined as the set of coded answers (a hash join) rather than looked up answer by answer.
    Of the submissions of ids low to high - 1 only, when given."""
    within = () if low is None else (_submissions_between(low, high),)
    coded = (
        select(Coding.submission_id, Coding.path)
        .where(*(() if low is None else (Coding.submission_id >= low, Coding.submission_id < high)))
        .distinct()
        .subquery()
    )
    is_coded = coded.c.submission_id.is_not(None)
    return {
        question: (answers or 0, analysed or 0, coded_count or 0, coded_validated or 0)
        for question, answers, analysed, coded_count, coded_validated in db.session.execute(
            select(
                _QUESTION,
                func.count(AnswerText.id),
                func.count(PseudonymisedAnswer.id).filter(
                    PseudonymisedAnswer.text_hash == AnswerText.text_hash
                ),
                func.count(AnswerText.id).filter(is_coded),
                func.count(AnswerText.id).filter(is_coded, _validated_current()),
            )
            .select_from(AnswerText)
            .outerjoin(
                coded,
                and_(
                    coded.c.submission_id == AnswerText.submission_id,
                    coded.c.path == AnswerText.path,
                ),
            )
            .outerjoin(PseudonymisedAnswer, _ON_PSEUDONYMISED)
            .where(*analysed_answers(questionnaire_id), *within)
            .group_by(_QUESTION)
        )
    }


def publication_of(questionnaire_id: int, by_question: dict | None = None) -> Publication:
    """`publication` counted in SQL over the answer table."""
    counts = list(
        (by_question if by_question is not None else _by_question(questionnaire_id)).values()
    )
    return (
        Publication(*(sum(values) for values in zip(*counts)))
        if counts
        else Publication(0, 0, 0, 0)
    )


def question_overview(
    questionnaire_id: int, low: int | None = None, high: int | None = None
) -> tuple[dict[str, dict], Publication]:
    """({question: {"answers", "coded", "suggestions"}}, publication) for the analysis home (of
    the submissions of ids low to high - 1 only, when given)."""
    within = () if low is None else (_submissions_between(low, high),)
    where = (*analysed_answers(questionnaire_id), *within)
    by_question = _by_question(questionnaire_id, low, high)
    overview = {
        question: {"answers": values[0], "coded": values[2], "suggestions": 0, "to_review": 0}
        for question, values in by_question.items()
    }
    for question, held in db.session.execute(
        select(_QUESTION, func.count(Coding.id))
        .select_from(AnswerText)
        .join(Coding, _ON_ANSWER)
        .where(*where, ~SETTLED)
        .group_by(_QUESTION)
    ):
        overview.setdefault(question, {"answers": 0, "coded": 0, "suggestions": 0, "to_review": 0})[
            "to_review"
        ] = held
    for question, suggestions in db.session.execute(
        select(_QUESTION, func.count(Suggestion.id))
        .select_from(AnswerText)
        .join(
            Suggestion,
            (Suggestion.submission_id == AnswerText.submission_id)
            & (Suggestion.path == AnswerText.path)
            & (Suggestion.text_hash == AnswerText.text_hash),
        )
        .where(*where, Suggestion.status == "pending")
        .group_by(_QUESTION)
    ):
        overview.setdefault(question, {"answers": 0, "coded": 0, "suggestions": 0, "to_review": 0})[
            "suggestions"
        ] = suggestions
    return overview, publication_of(questionnaire_id, by_question)


def home_figures(codebook: Codebook) -> tuple[dict[str, dict], Publication, int]:
    """(`question_overview`'s counts, its publication, `to_validate`) for the analysis home, kept
    until an answer, coding, suggestion, validation or code changes, and counted again only for
    the submissions whose rows changed (coding/figures.py: cached_in_parts)."""
    questionnaire_id = codebook.questionnaire_id

    def count(low: int, high: int) -> dict:
        counts, publication = question_overview(questionnaire_id, low, high)
        return {
            "counts": counts,
            "publication": vars(publication),
            "to_validate": to_validate(questionnaire_id, _submissions_between(low, high)),
        }

    def merge(parts: list[dict]) -> dict:
        counts: dict[str, dict] = {}
        for part in parts:
            for question, values in part["counts"].items():
                held = counts.setdefault(question, dict.fromkeys(values, 0))
                for name, number in values.items():
                    held[name] = held.get(name, 0) + number
        return {
            "counts": counts,
            "publication": _publication_added(parts),
            "to_validate": sum(part["to_validate"] for part in parts),
        }

    found = figures.cached_in_parts(codebook, "home", (), count, merge, suggestions=True)
    return found["counts"], Publication(**found["publication"]), found["to_validate"]


def to_validate(questionnaire_id: int, *within) -> int:
    """Answers pseudonymised automatically whose current text no coder has validated yet (among
    those that also meet `within`)."""
    where = (*analysed_answers(questionnaire_id), *within)
    pseudonymised, validated = db.session.execute(
        select(
            func.count(PseudonymisedAnswer.id),
            func.count(PseudonymisedAnswer.id).filter(_validated_current()),
        )
        .select_from(AnswerText)
        .join(PseudonymisedAnswer, _ON_PSEUDONYMISED)
        .where(*where)
    ).one()
    return (pseudonymised or 0) - (validated or 0)


def visible_by_public(questionnaire_id: int, *within) -> dict[str, int]:
    """Answers a non-coder may read (validated), by public: a word cloud with none is not drawn."""
    return dict(
        db.session.execute(
            select(AnswerText.public, func.count(AnswerText.id))
            .select_from(AnswerText)
            .join(PseudonymisedAnswer, _ON_PSEUDONYMISED)
            .where(*analysed_answers(questionnaire_id), *within, _validated_current())
            .group_by(AnswerText.public)
        ).all()
    )


def code_visible(codebook: Codebook, code: Code) -> bool:
    """Whether a non-coder may read at least one segment of the code or its sub-codes."""
    return (
        db.session.scalar(
            select(AnswerText.id)
            .select_from(AnswerText)
            .join(Coding, _ON_ANSWER)
            .join(PseudonymisedAnswer, _ON_PSEUDONYMISED)
            .where(
                *analysed_answers(codebook.questionnaire_id),
                _validated_current(),
                SETTLED,
                Coding.code_id.in_(code_family(codebook, code)),
            )
            .limit(1)
        )
        is not None
    )


def review_rows(
    codebook: Codebook,
    *,
    question: str = "",
    code_ids: set[int] | None = None,
    validated: bool,
    limit: int,
) -> tuple[list[AnswerRow], int, int]:
    """The pseudonymisation review in SQL: the first `limit` answers whose current text was
    pseudonymised, validated or not, coded answers first, then those with the most identifiers;
    with the counts of those waiting and of those validated."""
    current = and_(_ON_PSEUDONYMISED, PseudonymisedAnswer.text_hash == AnswerText.text_hash)
    where = [*analysed_answers(codebook.questionnaire_id)]
    if question:
        where.append(AnswerText.question == question)
    coded = select(Coding.id).where(_ON_ANSWER)
    if code_ids is not None:
        where.append(coded.where(Coding.code_id.in_(code_ids)).exists())
    is_validated = PseudonymisedAnswer.validated_at.is_not(None)
    waiting, validated_count = db.session.execute(
        select(
            func.count(AnswerText.id).filter(~is_validated),
            func.count(AnswerText.id).filter(is_validated),
        )
        .select_from(AnswerText)
        .join(PseudonymisedAnswer, current)
        .where(*where)
    ).one()
    query = (
        _rows_query(codebook.questionnaire_id)
        .join(PseudonymisedAnswer, current)
        .where(*where, is_validated if validated else ~is_validated)
        .order_by(
            case((coded.exists(), 0), else_=1),
            func.json_array_length(PseudonymisedAnswer.spans).desc(),
            AnswerText.submission_id,
            AnswerText.position,
        )
        .limit(limit)
    )
    rows = _answer_rows(query)
    attach(rows, suggestions=False, memos=False)
    return rows, waiting or 0, validated_count or 0


def verbatim_counts(
    codebook: Codebook, code_ids: set[int], *, public: str = "", commune: str = ""
) -> tuple[int, int]:
    """(segments of these codes, segments a non-coder may read), a passage coded alike by several
    coders, or with a code and one of its sub-codes, counted once, as the page quotes it; in SQL."""
    visible = and_(_ON_PSEUDONYMISED, _validated_current())
    where = [*analysed_answers(codebook.questionnaire_id), SETTLED, Coding.code_id.in_(code_ids)]
    if public:
        where.append(AnswerText.public == public)
    if commune:
        where.append(AnswerText.commune_code == commune)
    segments = (
        select(
            Coding.submission_id,
            Coding.path,
            Coding.start,
            Coding.end,
            PseudonymisedAnswer.id.is_not(None).label("visible"),
        )
        .distinct()
        .select_from(Coding)
        .join(AnswerText, _ON_ANSWER)
        .outerjoin(PseudonymisedAnswer, visible)
        .where(*where)
        .subquery()
    )
    total, shown = db.session.execute(
        select(func.count(), func.count().filter(segments.c.visible))
    ).one()
    return total or 0, shown or 0


def coded_answers_query(
    codebook: Codebook, code_ids: set[int], *, public: str = "", columns=None, commune: str = ""
):
    """The answers holding a coding of these codes (ids only unless `columns` gives a query)."""
    query = (
        columns
        if columns is not None
        else select(AnswerText.id).where(*analysed_answers(codebook.questionnaire_id))
    )
    query = query.where(
        select(Coding.id).where(_ON_ANSWER, SETTLED, Coding.code_id.in_(code_ids)).exists()
    )
    if commune:
        query = query.where(AnswerText.commune_code == commune)
    return query.where(AnswerText.public == public) if public else query


def coded_answer_count(
    codebook: Codebook, code_ids: set[int], *, public: str = "", commune: str = ""
) -> int:
    """How many answers hold a coding with one of these codes (the verbatims pages' length)."""
    query = coded_answers_query(codebook, code_ids, public=public, commune=commune)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def rows_coded_with(
    codebook: Codebook,
    code_ids: set[int],
    *,
    public: str = "",
    limit: int | None = None,
    offset: int = 0,
    commune: str = "",
) -> list[AnswerRow]:
    """The answers holding a coding of these codes (a page of them when `limit`), with their
    codings and pseudonymised text."""
    query = coded_answers_query(
        codebook,
        code_ids,
        public=public,
        columns=_rows_query(codebook.questionnaire_id),
        commune=commune,
    )
    query = query.order_by(AnswerText.submission_id, AnswerText.position)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = _answer_rows(query)
    attach(rows, suggestions=False, memos=False)
    return rows


def code_by_id(codebook: Codebook, code_id: int) -> Code | None:
    if not 0 < code_id <= MAX_DATABASE_ID:
        return None  # an id sent in JSON may be beyond what the database can hold
    code = db.session.get(Code, code_id)
    return code if code is not None and code.codebook_id == codebook.id else None
