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

import pandas as pd
from flask import current_app

from ..extensions import db
from ..main.converters import MAX_DATABASE_ID
from .models import Code, Codebook
from .services import AnswerRow, active_codes, all_answer_rows, attach, code_label, pseudonymised_result

GROUPINGS = {"public": "Public", "commune": "Commune", "quartier": "Quartier", "question": "Question"}
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


def visible_span(row: AnswerRow, start: int, end: int, originals: bool) -> tuple[str, int, int] | None:
    """(text, start, end) a reader may see: the original for coders, else the validated
    pseudonymised text with the span mapped onto it; None when not validated yet."""
    if originals:
        return row.text, start, end
    if row.validated_text is None:
        return None
    result = pseudonymised_result(row.text, row.pseudonymised)
    mapped_start, mapped_end = result.to_pseudonymised_span(start, end)
    return result.text, mapped_start, mapped_end


def codings_frame(codebook: Codebook, rows: list[AnswerRow]) -> pd.DataFrame:
    labels = {code.id: code_label(code) for code in active_codes(codebook)}
    records = [
        {"submission_id": row.submission.id, "question": row.question, "path": row.path,
         "code": labels.get(coding.code_id, "?"), "code_id": coding.code_id,
         "coder": coding.coder.name or coding.coder.email if coding.coder else str(coding.coder_id),
         "coder_id": coding.coder_id, "start": coding.start, "end": coding.end}
        for row in rows for coding in row.settled_codings if coding.code_id in labels
    ]
    return pd.DataFrame.from_records(
        records, columns=["submission_id", "question", "path", "code", "code_id", "coder", "coder_id", "start", "end"]
    )


def segments_frame(codebook: Codebook, rows: list[AnswerRow]) -> pd.DataFrame:
    """The codings with a passage coded alike by several coders (double coding) counted once: the
    segments the results count, as the verbatims page quotes them."""
    return codings_frame(codebook, rows).drop_duplicates(["submission_id", "path", "code_id", "start", "end"])


def respondents_frame(rows: list[AnswerRow]) -> pd.DataFrame:
    seen = {}
    for row in rows:
        submission = row.submission
        if submission.id not in seen:
            seen[submission.id] = {
                "submission_id": submission.id,
                "public": row.public_label,
                "commune": submission.commune.name if submission.commune else None,
                "quartier": submission.quartier.name if submission.quartier else None,
            }
    return pd.DataFrame.from_records(list(seen.values()), columns=["submission_id", "public", "commune", "quartier"])


def frequencies(codebook: Codebook, rows: list[AnswerRow], by: str) -> dict:
    """{"groups": [...], "codes": [{"label", "cells": {group: (respondents, percent)}}], "totals"}."""
    from analyse.measures import code_frequencies

    codings = segments_frame(codebook, rows)
    respondents = respondents_frame(rows)
    answers = pd.DataFrame.from_records(
        [{"submission_id": row.submission.id, "question": row.question} for row in rows],
        columns=["submission_id", "question"],
    ).drop_duplicates()
    if respondents.empty:
        return {"groups": [], "codes": [], "totals": {}}
    table = code_frequencies(codings, respondents, by=by, answers=answers if by == "question" else None)
    if by == "question":
        totals = answers.groupby("question")["submission_id"].nunique().to_dict()
    else:
        totals = respondents[by].fillna("(non renseigné)").value_counts().to_dict()
    groups = sorted(totals, key=str)
    by_code: dict[str, dict] = {}
    for record in table.to_dict("records"):
        by_code.setdefault(record["code"], {})[record[by]] = (int(record["respondents"]), float(record["percent"]))
    order = [code_label(code) for code in active_codes(codebook)]
    codes = [{"label": label, "cells": by_code[label]} for label in order if label in by_code]
    return {"groups": groups, "codes": codes, "totals": totals}


def overall_frequencies(codebook: Codebook, rows: list[AnswerRow]) -> list[dict]:
    from analyse.measures import code_frequencies

    codings = segments_frame(codebook, rows)
    respondents = respondents_frame(rows)
    if respondents.empty or codings.empty:
        return []
    table = code_frequencies(codings, respondents)
    ids = {code_label(code): code for code in active_codes(codebook)}
    return [dict(record, code_obj=ids.get(record["code"])) for record in table.to_dict("records")]


def cooccurrences(codebook: Codebook, rows: list[AnswerRow]) -> tuple[list[str], list[list[int]]]:
    from analyse.measures import cooccurrence

    codings = codings_frame(codebook, rows)
    if codings.empty:
        return [], []
    matrix = cooccurrence(codings, unit=("submission_id", "path"))
    order = [code_label(code) for code in active_codes(codebook) if code_label(code) in matrix.index]
    matrix = matrix.loc[order, order]
    return order, matrix.values.tolist()


def to_review_count(rows: list[AnswerRow]) -> int:
    """Codings « à revoir » among the rows: not counted in the results until confirmed."""
    return sum(len(row.codings_to_review) for row in rows)


def agreement(codebook: Codebook, rows: list[AnswerRow], coder_a: int | None, coder_b: int | None) -> dict:
    from analyse.measures import MeasureInputError, cohen_kappa_per_code, krippendorff_alpha

    measured = [row for row in rows if not row.codings_to_review]
    codings = codings_frame(codebook, measured)
    result = {"kappa": [], "alpha": [], "error": "", "to_review": to_review_count(rows),
              "answers_left_out": len(rows) - len(measured)}
    if codings.empty or codings["coder_id"].nunique() < 2:
        result["error"] = "Il faut au moins deux codeurs ayant codé ce questionnaire pour mesurer leur accord."
        return result
    codings = codings.assign(coder=codings["coder_id"])
    try:
        if coder_a and coder_b and coder_a != coder_b:
            kappa = cohen_kappa_per_code(codings, coder_a, coder_b)
            result["kappa"] = [_clean(record) for record in kappa.to_dict("records")]
        alpha = krippendorff_alpha(codings)
        result["alpha"] = [_clean(record) for record in alpha.to_dict("records")]
    except MeasureInputError as error:
        result["error"] = str(error)
    return result


def _clean(record: dict) -> dict:
    return {key: (None if isinstance(value, float) and math.isnan(value) else value) for key, value in record.items()}


def verbatims(codebook: Codebook, rows: list[AnswerRow], code: Code, originals: bool) -> tuple[list[Verbatim], int]:
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
            shown.append(Verbatim(row, text[:start], text[start:end], text[end:], codes[code_id], ", ".join(coders)))
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


def kwic_lines(rows: list[AnswerRow], lemma: str, originals: bool, *, limit: int = 200) -> tuple[list[dict], int]:
    from analyse.measures import kwic_texts

    from .jobs import analysis_cache

    texts, waiting = [], 0
    for index, row in enumerate(rows):
        text = visible_text(row, originals)
        if text is None:
            waiting += 1
        else:
            texts.append((index, text))
    lines = kwic_texts(texts, lemma, cache=analysis_cache())
    for line in lines:
        line["row"] = rows[line["id"]]
    return lines[:limit], waiting


def cloud_frequencies(codebook: Codebook, rows: list[AnswerRow], kind: str, key: str, originals: bool) -> dict:
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
        texts = [text for row in rows if row.submission.public == key
                 for text in [_cloud_text(row, originals)] if text]
    analyses = analyse_texts(texts, cache=analysis_cache())
    counts = count_terms(analyses)
    return {term: count for term, count in counts.items() if not _PLACEHOLDER_TERM.match(term.lower())}


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

    return wordcloud_files(frequencies, Path(current_app.instance_path) / "wordclouds", width=720, height=400)


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


def publication(rows: list[AnswerRow]) -> Publication:
    coded = [row for row in rows if row.codings]
    return Publication(
        answers=len(rows),
        analysed=sum(1 for row in rows if _current_pseudonymised(row) is not None),
        coded=len(coded),
        coded_validated=sum(1 for row in coded if row.validated_text is not None),
    )


def visible_by_public(rows: list[AnswerRow]) -> dict[str, int]:
    """Answers a non-coder may read (validated), by public: a word cloud with none is not drawn."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.validated_text is not None:
            counts[row.submission.public] = counts.get(row.submission.public, 0) + 1
    return counts


def code_by_id(codebook: Codebook, code_id: int) -> Code | None:
    if not 0 < code_id <= MAX_DATABASE_ID:
        return None  # an id sent in JSON may be beyond what the database can hold
    code = db.session.get(Code, code_id)
    return code if code is not None and code.codebook_id == codebook.id else None
