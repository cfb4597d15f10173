"""Weighting a sample to population margins by raking (iterative proportional fitting), done by
weightipy, and what the weights do to the figures: weighted shares, and their spread (Kish's
design effect and effective sample size).

Pure: a DataFrame of respondents and the population margins in, weights and figures out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .tabulations import MULTIPLE, ClosedQuestion


@dataclass(frozen=True)
class Spread:
    weighted: int  # respondents who have a weight
    left_out: int  # respondents outside the margins (a profile missing or not in the targets)
    minimum: float
    maximum: float
    design_effect: float  # Kish: n Σw² / (Σw)²
    effective_size: float  # (Σw)² / Σw²


def rake(
    frame: pd.DataFrame, margins: dict[str, dict[str, float]], cap: float | None = None
) -> pd.Series:
    """A weight per respondent such that the weighted sample has the shares of each margin
    (column of `frame` → {value: population}), with a mean of 1; NaN for a respondent whose value
    of a margin column has no population (missing profile, commune outside the targets).
    A margin value no respondent has is dropped and the others' shares renormalised: raking cannot
    give weight to an empty cell. With `cap` (> 1), no weight exceeds cap × the mean weight:
    weightipy trims and rakes again until it holds, so a handful of respondents of a rare cell
    cannot carry the figures; the margins are then met only approximately."""
    import weightipy

    inside = pd.Series(True, index=frame.index)
    for column, targets in margins.items():
        inside &= frame[column].isin([key for key, value in targets.items() if value > 0])
    sample = frame.loc[inside, list(margins)].astype(str)
    weights = pd.Series(np.nan, index=frame.index, dtype=float)
    if sample.empty:
        return weights
    scheme = {}
    for column, targets in margins.items():
        present = set(sample[column])
        kept = {key: float(value) for key, value in targets.items() if key in present and value > 0}
        total = sum(kept.values())
        scheme[column] = {key: 100 * value / total for key, value in kept.items()}
    if all(len(targets) == 1 for targets in scheme.values()):
        weights[inside] = 1.0
        return weights
    weighted = weightipy.weight_dataframe(
        sample.reset_index(drop=True),
        weightipy.scheme_from_dict(scheme, rim_params={"cap": cap} if cap else None),
        weight_column="poids",
    )
    values = weighted["poids"].to_numpy(dtype=float)
    weights[inside] = values / values.mean()
    return weights


def spread(weights: pd.Series) -> Spread:
    kept = weights.dropna().to_numpy(dtype=float)
    if kept.size == 0:
        return Spread(0, len(weights), math.nan, math.nan, math.nan, 0.0)
    total, squares = kept.sum(), (kept**2).sum()
    return Spread(
        int(kept.size),
        int(len(weights) - kept.size),
        float(kept.min()),
        float(kept.max()),
        float(kept.size * squares / total**2),
        float(total**2 / squares),
    )


def weighted_shares(frame: pd.DataFrame, question: ClosedQuestion, weights: pd.Series) -> dict:
    """{answer: weighted percentage of the weighted respondents who answered}; for a multiple
    choice, each choice's share of them (the total exceeds 100)."""
    answers = frame[question.name]
    answered = answers.notna() & (answers.astype(str) != "") & weights.notna()
    if not answered.any():
        return {}
    kept_weights = weights[answered]
    base = float(kept_weights.sum())
    shares: dict[str, float] = {}
    for index, answer in answers[answered].items():
        keys = str(answer).split() if question.kind == MULTIPLE else [_key(answer)]
        for key in keys:
            shares[key] = shares.get(key, 0.0) + float(kept_weights[index])
    return {key: 100 * value / base for key, value in shares.items()}


def _key(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
