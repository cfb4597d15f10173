"""Measures over codings: how often each code comes up, by public, place or question; which codes
come together; and whether coders agree (Cohen's kappa per code, Krippendorff's alpha).

Inputs are pandas DataFrames with plain columns:

- codings: one row per coded segment — `submission_id`, `question` (the answer path), `code`, and
  for agreement `coder`; extra columns are ignored.
- respondents: one row per submission — `submission_id` and profile columns (`public`, `commune`,
  `quartier`…).

A unit of analysis is one answer: (submission_id, question). Every function checks its inputs
and raises `MeasureInputError` with a French message naming the missing column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd

UNIT = ("submission_id", "question")


class MeasureInputError(ValueError):
    """Inputs that cannot be measured; the message is in French."""


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MeasureInputError(f"{name} : un tableau (DataFrame) est attendu")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise MeasureInputError(
            f"{name} : colonne(s) absente(s) : {', '.join(missing)} (présentes : {', '.join(map(str, frame.columns))})"
        )


# --- frequencies -------------------------------------------------------------------------------


def code_frequencies(
    codings: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    by: str | None = None,
    answers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per code (and per group when `by` names a respondent column or "question"): how many
    respondents it was coded for, how many segments, and the share of respondents of the group.

    The denominator is the number of respondents in the group; with `by="question"` it is the
    number who answered that question, taken from `answers` (submission_id, question) when given,
    else from the respondents that have any coding on that question."""
    _require(codings, ("submission_id", "code"), "codages")
    _require(respondents, ("submission_id",), "répondants")
    if respondents["submission_id"].duplicated().any():
        raise MeasureInputError("répondants : un même submission_id apparaît plusieurs fois")
    unknown = set(codings["submission_id"]) - set(respondents["submission_id"])
    if unknown:
        raise MeasureInputError(
            f"codages : {len(unknown)} réponse(s) absente(s) des répondants (ex. {sorted(map(str, unknown))[0]})"
        )
    columns = ["code", "respondents", "segments", "total", "percent"]
    if by is None:
        totals = pd.Series({"": respondents["submission_id"].nunique()})
        frame = codings.assign(_group="")
    elif by == "question":
        _require(codings, ("question",), "codages")
        base = answers if answers is not None else codings
        _require(base, ("submission_id", "question"), "réponses")
        totals = base.groupby("question")["submission_id"].nunique()
        frame = codings.assign(_group=codings["question"])
    else:
        _require(respondents, (by,), "répondants")
        profile = respondents[["submission_id", by]].copy()
        profile[by] = profile[by].fillna("(non renseigné)")
        totals = profile.groupby(by)["submission_id"].nunique()
        frame = codings.merge(profile, on="submission_id", how="left").rename(
            columns={by: "_group"}
        )
    if frame.empty:
        return pd.DataFrame(columns=([by] if by else []) + columns)
    grouped = frame.groupby(["_group", "code"], sort=True)
    result = pd.DataFrame(
        {
            "respondents": grouped["submission_id"].nunique(),
            "segments": grouped.size(),
        }
    ).reset_index()
    result["total"] = result["_group"].map(totals).fillna(0).astype(int)
    result["percent"] = np.where(
        result["total"] > 0, 100 * result["respondents"] / result["total"].clip(lower=1), 0.0
    )
    result["percent"] = result["percent"].round(1)
    result = result.sort_values(["_group", "respondents", "code"], ascending=[True, False, True])
    if by is None:
        return result.drop(columns="_group").reset_index(drop=True)[columns]
    return result.rename(columns={"_group": by}).reset_index(drop=True)[[by] + columns]


def cooccurrence(codings: pd.DataFrame, *, unit: Sequence[str] = UNIT) -> pd.DataFrame:
    """Square matrix code × code: in how many answers both codes were applied (the diagonal: in
    how many answers the code was applied)."""
    _require(codings, (*unit, "code"), "codages")
    # A dense answer × code presence matrix (codes are few) multiplied by itself: the same counts
    # as a crosstab, without pandas grouping every answer one by one.
    present = codings[[*unit, "code"]].dropna().drop_duplicates()
    codes = sorted(present["code"].unique())
    if present.empty:
        return pd.DataFrame(index=codes, columns=codes, dtype=int)
    answer_index = present.groupby(list(unit), sort=False).ngroup().to_numpy()
    code_index = pd.Categorical(present["code"], categories=codes).codes
    presence = np.zeros((answer_index.max() + 1, len(codes)), dtype=np.int64)
    presence[answer_index, code_index] = 1
    return pd.DataFrame(presence.T @ presence, index=codes, columns=codes).astype(int)


# --- agreement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Presence:
    units: list[tuple]
    codes: list[str]
    coders: list[str]
    # coder -> code -> set of units where the coder applied the code
    applied: dict[str, dict[str, set]]
    # coder -> units the coder looked at
    reviewed: dict[str, set]


def _presence(
    codings: pd.DataFrame,
    coders: Sequence[str] | None,
    reviewed: pd.DataFrame | None,
    codes: Sequence[str] | None,
) -> _Presence:
    _require(codings, (*UNIT, "code", "coder"), "codages")
    coders = (
        list(coders) if coders is not None else sorted(codings["coder"].dropna().unique(), key=str)
    )
    if len(coders) < 2:
        raise MeasureInputError("accord entre codeurs : au moins deux codeurs sont nécessaires")
    selected = codings[codings["coder"].isin(coders)]
    if reviewed is not None:
        _require(reviewed, (*UNIT, "coder"), "réponses relues")
        seen = {coder: set() for coder in coders}
        for row in reviewed.itertuples(index=False):
            record = row._asdict()
            if record["coder"] in seen:
                seen[record["coder"]].add((record["submission_id"], record["question"]))
        units = sorted(set().union(*seen.values()), key=str)
    else:
        # Without a record of what each coder read, every coder is taken to have read every
        # answer that any of them coded.
        units = sorted(
            set(zip(selected["submission_id"].tolist(), selected["question"].tolist())), key=str
        )
        seen = {coder: set(units) for coder in coders}
    codes = list(codes) if codes is not None else sorted(selected["code"].unique(), key=str)
    applied = {coder: {code: set() for code in codes} for coder in coders}
    # Plain lists: iterating pandas columns boxes every value (seconds at 100,000 codings).
    for submission_id, question, code, coder in zip(
        selected["submission_id"].tolist(),
        selected["question"].tolist(),
        selected["code"].tolist(),
        selected["coder"].tolist(),
    ):
        if code in applied[coder]:
            applied[coder][code].add((submission_id, question))
    return _Presence(units, codes, coders, applied, seen)


def cohen_kappa(a: Sequence[int], b: Sequence[int]) -> float:
    """Cohen's kappa of two binary ratings. When both coders gave one single value throughout,
    chance agreement is total and kappa is undefined (NaN) unless they agree everywhere (1.0)."""
    if len(a) != len(b):
        raise MeasureInputError("kappa : les deux séries doivent avoir la même longueur")
    n = len(a)
    if n == 0:
        return math.nan
    observed = sum(1 for x, y in zip(a, b) if x == y) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        return 1.0 if observed == 1 else math.nan
    return (observed - expected) / (1 - expected)


def _indicator(units: set, position: dict) -> np.ndarray:
    """Boolean vector over `position`'s units: True where the unit is in `units`."""
    vector = np.zeros(len(position), dtype=bool)
    indexes = [position[unit] for unit in units if unit in position]
    vector[indexes] = True
    return vector


def _kappa_counts(n: int, both: int, only_a: int, only_b: int, sum_a: int, sum_b: int) -> float:
    """`cohen_kappa` from the counts of two binary ratings (same arithmetic)."""
    if n == 0:
        return math.nan
    observed = (n - only_a - only_b) / n
    pa, pb = sum_a / n, sum_b / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        return 1.0 if observed == 1 else math.nan
    return (observed - expected) / (1 - expected)


def cohen_kappa_per_code(
    codings: pd.DataFrame,
    coder_a: str,
    coder_b: str,
    *,
    reviewed: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per code, presence/absence in each answer both coders read: kappa, raw agreement and the
    counts a coder discussion starts from (both, only A, only B, neither)."""
    presence = _presence(codings, [coder_a, coder_b], reviewed, codes)
    common = [
        u
        for u in presence.units
        if u in presence.reviewed[coder_a] and u in presence.reviewed[coder_b]
    ]
    position = {unit: index for index, unit in enumerate(common)}
    records = []
    for code in presence.codes:
        # Presence vectors over the common units, counted with numpy (integers: the same kappa).
        a, b = (_indicator(presence.applied[coder][code], position) for coder in (coder_a, coder_b))
        both = int(np.count_nonzero(a & b))
        only_a = int(np.count_nonzero(a & ~b))
        only_b = int(np.count_nonzero(b & ~a))
        records.append(kappa_record(code, len(common), both, only_a, only_b))
    return pd.DataFrame.from_records(
        records,
        columns=["code", "kappa", "agreement", "units", "both", "only_a", "only_b", "neither"],
    )


def kappa_record(code: str, units: int, both: int, only_a: int, only_b: int) -> dict:
    """`cohen_kappa_per_code`'s row for a code from its counts over the `units` answers both
    coders read: answers where both coders applied it, A alone, B alone. Counts made apart on
    disjoint sets of answers add up to those of their union, and give the same row."""
    return {
        "code": code,
        "kappa": _kappa_counts(units, both, only_a, only_b, both + only_a, both + only_b),
        "agreement": (units - only_a - only_b) / units if units else math.nan,
        "units": units,
        "both": both,
        "only_a": only_a,
        "only_b": only_b,
        "neither": units - both - only_a - only_b,
    }


def krippendorff_alpha(
    codings: pd.DataFrame,
    *,
    coders: Sequence[str] | None = None,
    reviewed: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Krippendorff's alpha (nominal) across any number of coders, per code on presence/absence in
    each answer, and overall ("TOUS") over every (answer, code) pair. Answers a coder did not read
    are missing values, as the measure allows. NaN when there is no variation at all."""
    presence = _presence(codings, coders, reviewed, codes)
    records = []
    overall_rows: list[list[np.ndarray]] = [[] for _ in presence.coders]
    position = {unit: index for index, unit in enumerate(presence.units)}
    # Per coder: 0.0 where read, NaN where not; a code's row sets 1.0 where applied (and read).
    unread = {coder: ~_indicator(presence.reviewed[coder], position) for coder in presence.coders}
    for code in presence.codes:
        matrix = []
        for coder in presence.coders:
            row = _indicator(presence.applied[coder][code], position).astype(float)
            row[unread[coder]] = np.nan
            matrix.append(row)
        for overall, values in zip(overall_rows, matrix):
            overall.append(values)
        records.append({"code": code, "alpha": _alpha(matrix), "units": len(presence.units)})
    overall_rows = [np.concatenate(parts) if parts else np.array([]) for parts in overall_rows]
    records.append(
        {
            "code": "TOUS",
            "alpha": _alpha(overall_rows),
            "units": len(presence.units) * len(presence.codes),
        }
    )
    return pd.DataFrame.from_records(records, columns=["code", "alpha", "units"])


def _alpha(matrix: list[list[float]]) -> float:
    data = np.array(matrix, dtype=float)
    values = data[~np.isnan(data)]
    if data.size == 0 or len(np.unique(values)) < 2:
        return math.nan
    # Units coded by a single coder carry no pairable value; the package handles them as missing.
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def nominal_alpha_of_presence(coders: int, units: int, applied_by: Mapping[int, int]) -> float:
    """`krippendorff_alpha`'s figure for one code (or every code, "TOUS") when every coder read
    every unit, from counts alone: `applied_by[k]` units where k of the `coders` applied the
    code (k from 1; the other units, none). A unit's coincidences depend on k only, so these
    counts are all alpha reads: figures counted apart on disjoint sets of units add up to the
    alpha of their union. The same arithmetic as the krippendorff package from its coincidence
    matrix on; the matrix itself is summed exactly (integers, divided once), where the package
    adds a fraction per unit: the two are the same number when coders - 1 is a power of two
    (2, 3 or 5 coders), and may differ in the last bits otherwise."""
    together = {k: count for k, count in applied_by.items() if count}
    if units <= 0 or coders < 2 or not together or together.get(coders, 0) == units:
        return math.nan  # one value throughout (no code anywhere, or everywhere): no variation
    pairs = [[0, 0], [0, 0]]  # coincidences (absent, present) x (absent, present), times coders - 1
    for k, count in [(0, units - sum(together.values())), *together.items()]:
        pairs[0][0] += count * (coders - k) * (coders - k - 1)
        pairs[0][1] += count * (coders - k) * k
        pairs[1][0] += count * k * (coders - k)
        pairs[1][1] += count * k * (k - 1)
    o = np.array(pairs, dtype=np.float64) / (coders - 1)
    n_v = o.sum(axis=0)
    e = np.divide(np.outer(n_v, n_v) - np.diagflat(n_v), n_v.sum() - 1, dtype=np.float64)
    values = np.array([0.0, 1.0])
    d = (values[:, np.newaxis] != values[np.newaxis, :]).astype(np.float64)
    return float(1 - (o * d).sum() / (e * d).sum())


# --- keyword in context ------------------------------------------------------------------------


def kwic(
    documents: Iterable[tuple[object, str, Iterable]],
    lemma: str,
    *,
    window: int = 6,
) -> list[dict]:
    """Keyword in context for a lemma. Each document is (id, text, tokens) where a token has
    `start`, `end` and `lemma` (analyse.nlp's `Token`, a spaCy token through `idx`, or a dict).
    Matching ignores case and accents; `window` is the number of words each side."""
    from analyse.nlp import fold

    wanted = fold(lemma.strip())
    if not wanted:
        raise MeasureInputError("concordance : lemme vide")
    lines = []
    for document_id, text, tokens in documents:
        spans = [_token_span(token) for token in tokens]
        words = [
            span
            for span in spans
            if text[span[0] : span[1]].strip() and any(c.isalnum() for c in text[span[0] : span[1]])
        ]
        for index, (start, end, token_lemma) in enumerate(words):
            if fold(token_lemma) != wanted:
                continue
            left_start = words[max(0, index - window)][0] if index else start
            right_end = words[min(len(words) - 1, index + window)][1]
            lines.append(
                {
                    "id": document_id,
                    "left": " ".join(text[left_start:start].split()),
                    "keyword": text[start:end],
                    "right": " ".join(text[end:right_end].split()),
                    "start": start,
                    "end": end,
                }
            )
    return lines


def _token_span(token) -> tuple[int, int, str]:
    if isinstance(token, dict):
        return token["start"], token["end"], token["lemma"]
    if hasattr(token, "idx"):  # spaCy Token
        return token.idx, token.idx + len(token.text), token.lemma_
    return token.start, token.end, token.lemma


def kwic_texts(
    texts: Iterable[tuple[object, str]], lemma: str, *, window: int = 6, cache=None
) -> list[dict]:
    """`kwic` over raw texts: (id, text) pairs lemmatised by analyse.nlp (cached when `cache`)."""
    from analyse.nlp import analyse_texts

    pairs = [(document_id, text or "") for document_id, text in texts]
    analyses = analyse_texts([text for _, text in pairs], cache=cache)
    return kwic(
        (
            (document_id, analysis.text, analysis.tokens)
            for (document_id, _), analysis in zip(pairs, analyses)
        ),
        lemma,
        window=window,
    )
