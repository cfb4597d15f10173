"""Weighting a sample to population margins by raking (iterative proportional fitting), done by
weightipy, and what the weights do to the figures: weighted shares, and their spread (Kish's
design effect and effective sample size).

Pure: a DataFrame of respondents and the population margins in, weights and figures out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .tabulations import MISSING_GROUP, MULTIPLE, OVERALL, ClosedQuestion


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


def weighted_shares(
    frame: pd.DataFrame, question: ClosedQuestion, weights: pd.Series, by: str | None = None
) -> dict[str, dict[str, float]]:
    """{column: {answer: weighted percentage of the weighted respondents who answered}}: the
    column OVERALL, then one per value of the profile column `by` (an empty profile is
    MISSING_GROUP). For a multiple choice — a list of choices, or an older space-separated
    text — each choice's share of them (the total exceeds 100; a choice ticked twice counts
    once)."""
    answers = frame[question.name]
    kept = weights.notna() & answers.notna()
    if question.kind == MULTIPLE:
        listed = answers[kept].map(
            lambda value: value if isinstance(value, list) else str(value).split()
        )
        pairs = listed.explode()
        pairs = pairs[pairs.notna()].astype(str)
        pairs = pairs[pairs != ""]
        pairs = pairs[
            ~pd.DataFrame({"row": pairs.index, "key": pairs.to_numpy()}).duplicated().to_numpy()
        ]
    else:
        pairs = answers[kept].map(_key)
        pairs = pairs[pairs != ""]
    if pairs.empty:
        return {}
    answered = pairs.index.unique()
    keys = pairs.to_numpy()
    pair_weights = pd.Series(weights.loc[pairs.index].to_numpy(dtype=float))
    total = float(weights.loc[answered].sum())
    result = {
        OVERALL: {k: 100 * float(v) / total for k, v in pair_weights.groupby(keys).sum().items()}
    }
    if by:
        groups = frame[by].fillna(MISSING_GROUP).astype(str)
        sums = pair_weights.groupby([groups.loc[pairs.index].to_numpy(), keys]).sum()
        bases = weights.loc[answered].groupby(groups.loc[answered].to_numpy()).sum()
        for (group, key), value in sums.items():
            if bases[group] > 0:
                result.setdefault(group, {})[key] = 100 * float(value) / float(bases[group])
    return result


def _key(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
