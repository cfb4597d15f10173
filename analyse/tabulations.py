"""Figures of a survey's closed questions: counts, percentages with 95 % confidence intervals,
cross-tabs by a respondent profile column, means of scales, and the masking of small cells.

Input is one DataFrame with a row per respondent: a column per question holding the answers as
stored (a choice name for select_one, a list of choice names for select_multiple, a number for
integer, decimal and rating) and the profile columns to group by. Output is plain tables keyed
by choice names and group keys; labels are the caller's business.

Intervals. A proportion's interval is Wilson's score interval, which stays inside [0, 1] and keeps
its coverage for small counts and proportions near 0 or 1, where the textbook p ± 1.96·√(p(1−p)/n)
gives negative bounds. For a select_multiple, each choice is a proportion of the respondents who
answered the question (a respondent ticks several: the percentages add to more than 100). A mean's
interval is the normal one, mean ± 1.96·s/√n; for the small groups where Student's t would differ,
the cells are masked for the roles that see masked figures anyway.

Unweighted: each respondent counts once (weighting to population margins is not done yet)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile
OVERALL = "__ensemble__"  # the key of the column of all respondents
MISSING_GROUP = ""  # the group of respondents whose profile column is empty
CATEGORICAL, MULTIPLE, SCALE, NUMERIC = "categorical", "multiple", "scale", "numeric"
DISTINCT_VALUES_KEPT = 10  # a number question with at most this many values keeps each value
BANDS = 5  # otherwise: this many bands at the quantiles


@dataclass(frozen=True)
class ClosedQuestion:
    """What tabulation needs of a question: its answers' column, its kind and, for choices, their
    names in the questionnaire's order (for a rating scale, start to end)."""

    name: str
    kind: str  # CATEGORICAL, MULTIPLE, SCALE or NUMERIC
    choices: tuple[str, ...] = ()


@dataclass
class Table:
    """One question's figures: rows are the choices (or values, or bands), columns are OVERALL
    then each group. `bases` is the number of respondents who answered, per column; for a scale or
    a number, `means` holds mean, low, high and n per column."""

    question: str
    kind: str
    rows: list[str]
    columns: list[str]
    counts: pd.DataFrame
    bases: pd.Series
    percent: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame
    means: pd.DataFrame | None = None
    masked: pd.DataFrame | None = field(default=None)


def wilson(successes, n, z: float = Z95):
    """Wilson's score interval (low, high) of successes out of n, as proportions; arrays work
    element-wise. n = 0 gives (nan, nan)."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        z2 = z * z
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    return low, high


def mean_interval(values: pd.Series, z: float = Z95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the numbers in `values`; the interval is mean ± z·s/√n."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = z * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


@dataclass
class _Groups:
    """A profile column read once for all the questions of a frame: its text per row (`series`,
    an empty profile as MISSING_GROUP), each row's group as a number (`codes`), the groups."""

    series: pd.Series
    codes: np.ndarray
    keys: list[str]


def _groups(frame: pd.DataFrame, by: str | None) -> _Groups | None:
    if not by:
        return None
    series = frame[by].fillna(MISSING_GROUP).astype(str)
    codes, keys = pd.factorize(series.to_numpy())
    return _Groups(series, codes, [str(key) for key in keys])


def tabulate(frame: pd.DataFrame, question: ClosedQuestion, by: str | None = None) -> Table:
    """The question's table: all respondents, then one column per value of the profile column
    `by` (sorted; an empty profile is the group MISSING_GROUP)."""
    return tabulate_all(frame, [question], by)[0]


def tabulate_all(
    frame: pd.DataFrame, questions: list[ClosedQuestion], by: str | None = None
) -> list[Table]:
    """The tables of several questions of one frame, the profile column read once."""
    groups = _groups(frame, by)
    return [_table(frame[question.name], question, groups) for question in questions]


def _table(answers: pd.Series, question: ClosedQuestion, groups: _Groups | None) -> Table:
    if question.kind == MULTIPLE:
        counts, bases = _multiple_counts(answers, groups)
        rows = _ordered(question.choices, counts.index)
    else:
        codes, keys, rows = _coded(answers, question)
        answered = codes >= 0
        counts, bases = _counted(codes[answered], keys, np.flatnonzero(answered), groups)
    # The respondents without the profile (MISSING_GROUP) come last.
    group_keys = sorted(
        (key for key in counts.columns if key != OVERALL), key=lambda key: (key == "", key)
    )
    columns = [OVERALL] + group_keys if groups is not None else [OVERALL]
    counts = counts.reindex(index=rows, columns=columns, fill_value=0).astype(int)
    bases = bases.reindex(columns, fill_value=0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts.to_numpy() / bases.to_numpy()
    low, high = wilson(counts.to_numpy(), np.broadcast_to(bases.to_numpy(), counts.shape))
    shaped = lambda array: pd.DataFrame(array * 100, index=rows, columns=columns)  # noqa: E731
    table = Table(
        question.name,
        question.kind,
        rows,
        columns,
        counts,
        bases,
        shaped(share),
        shaped(low),
        shaped(high),
    )
    if question.kind in (SCALE, NUMERIC):
        table.means = _means(answers, groups, columns)
    return table


def _coded(answers: pd.Series, question: ClosedQuestion) -> tuple[np.ndarray, list[str], list[str]]:
    """Each answer as the number of its row key (-1: not answered), the row keys (text) of those
    numbers, and the rows in order: the choices, then values met in the answers that the choices
    do not list (from an older version). A number question with many values is cut into bands
    at its quantiles. Numbers and object arrays throughout: pandas' text columns cost more than
    the counting itself."""
    if question.kind in (SCALE, NUMERIC):
        numbers = pd.to_numeric(answers, errors="coerce").to_numpy(dtype=float)
        missing = np.isnan(numbers)
        distinct = np.unique(numbers[~missing])
        if question.kind == NUMERIC and len(distinct) > DISTINCT_VALUES_KEPT:
            return _bands(numbers, missing)
        codes = np.searchsorted(distinct, numbers)
        codes[missing] = -1
        keys = [_number_key(value) for value in distinct]
        known = list(question.choices) if question.kind == SCALE else []
        return codes, keys, _ordered(known, keys)
    codes, keys = _text_codes(answers.to_numpy(dtype=object))
    return codes, keys, _ordered(question.choices, keys)


def _text_codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each value as the number of its text (-1: missing or empty), and those texts: values
    that read the same (1 and "1") share a number. pandas numbers the distinct objects in C;
    only those few are turned into text."""
    codes, uniques = pd.factorize(values)
    numbered: dict[str, int] = {}
    remap = np.array(
        [numbered.setdefault(key, len(numbered)) if key else -1 for key in map(str, uniques)]
        + [-1],
        dtype=np.int64,
    )
    return remap[codes], list(numbered)  # -1 (missing) reads the last entry, -1 too


def _bands(numbers: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    edges = np.unique(np.round(np.quantile(numbers[~missing], np.linspace(0, 1, BANDS + 1)), 2))
    labels = [
        f"{_number_key(low)} à {_number_key(high)}" for low, high in zip(edges[:-1], edges[1:])
    ]
    banded = pd.cut(numbers, edges, labels=False, include_lowest=True)
    codes = np.where(np.isnan(banded), -1, np.nan_to_num(banded, nan=-1)).astype(np.int64)
    return codes, labels, labels


def _number_key(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}".replace(".", ",")


def _ordered(known, found) -> list[str]:
    rows = list(dict.fromkeys(known))
    rows += sorted(str(value) for value in found if str(value) not in set(rows))
    return rows


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct integers of an array, sorted: a sort and one comparison, cheaper than
    numpy's hashing unique on the hundred thousand rows of a large survey."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _counted(
    value_codes: np.ndarray, values: list, rows: np.ndarray, groups: _Groups | None
) -> tuple[pd.DataFrame, pd.Series]:
    """Counts of each value overall and by group, from each (row, value) pair as numbers: one
    bincount each, not a group-by over text pairs. `rows` are the pairs' row positions in the
    frame; a group nobody of answered is left out, as the table never shows it."""
    answered = _distinct(rows)
    counts = pd.DataFrame(
        {OVERALL: np.bincount(value_codes, minlength=len(values))}, index=pd.Index(values)
    )
    bases = pd.Series({OVERALL: len(answered)})
    if groups is not None:
        width = len(groups.keys)
        pair_groups = groups.codes[rows]
        crossed = np.bincount(
            value_codes * width + pair_groups, minlength=len(values) * width
        ).reshape(len(values), width)
        group_bases = np.bincount(groups.codes[answered], minlength=width)
        present = group_bases > 0
        keys = [key for key, kept in zip(groups.keys, present) if kept]
        counts = pd.concat(
            [counts, pd.DataFrame(crossed[:, present], index=counts.index, columns=keys)], axis=1
        )
        bases = pd.concat([bases, pd.Series(group_bases[present], index=keys)])
    return counts, bases


def _multiple_counts(answers: pd.Series, groups: _Groups | None):
    """Respondents ticking each choice; the base is the respondents who ticked at least one.
    Lists (the stored form) are flattened in C, each list and each choice touched once; an older
    answer stored as a space-separated text is split, and anything else goes through pandas'
    explode as before. A choice ticked twice by one respondent counts once."""
    values = answers.to_numpy(dtype=object)
    kinds = np.fromiter(map(type, values), dtype=object, count=len(values))
    lists = kinds == list  # noqa: E721 (element-wise, on a numpy array of types)
    chosen = values[lists]
    lengths = np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen))
    items = np.fromiter(chain.from_iterable(chosen), dtype=object, count=int(lengths.sum()))
    rows = np.repeat(np.flatnonzero(lists), lengths)
    if not lists.all():
        others = pd.Series(values[~lists], index=np.flatnonzero(~lists), dtype=object)
        texts = (kinds[~lists] == str).astype(bool)  # noqa: E721 (element-wise)
        if texts.any():
            others[texts] = others[texts].map(str.split)
        ticked = others.explode()
        items = np.concatenate([items, ticked.to_numpy(dtype=object)])
        rows = np.concatenate([rows, ticked.index.to_numpy(dtype=np.int64)])
    codes, keys = _text_codes(items)  # missing and empty choices: -1
    answered = codes >= 0
    width = max(len(keys), 1)
    pairs = _distinct(rows[answered] * width + codes[answered])
    return _counted(pairs % width, keys, pairs // width, groups)


def _means(answers: pd.Series, groups: _Groups | None, columns: list[str]) -> pd.DataFrame:
    numbers = pd.to_numeric(answers, errors="coerce").to_numpy(dtype=float)
    records = {OVERALL: mean_interval(pd.Series(numbers))}
    if groups is not None:
        known = ~np.isnan(numbers)
        codes, values = groups.codes[known], numbers[known]
        width = len(groups.keys)
        n = np.bincount(codes, minlength=width)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(codes, values, minlength=width) / n
            # Deviations from each group's mean, squared: steadier than Σx² − (Σx)²/n.
            squares = np.bincount(codes, (values - mean[codes]) ** 2, minlength=width)
            half = Z95 * np.sqrt(squares / (n - 1)) / np.sqrt(n)
        for index, key in enumerate(groups.keys):
            if n[index] == 0:
                continue
            if n[index] == 1:
                records[key] = (float(mean[index]), math.nan, math.nan, 1)
            else:
                centre = float(mean[index])
                records[key] = (centre, centre - half[index], centre + half[index], int(n[index]))
    means = pd.DataFrame.from_dict(records, orient="index", columns=["mean", "low", "high", "n"])
    return means.reindex(columns).fillna({"n": 0}).astype({"n": int})


def small_cells(table: Table, minimum: int) -> pd.DataFrame:
    """Cells to hide from readers who may not see small counts: a count from 1 to minimum − 1,
    and, in a column of a single-choice question where only one cell is so hidden, the next
    smallest count too (else the column's base minus the others would give it back)."""
    counts = table.counts
    masked = (counts > 0) & (counts < minimum)
    if table.kind != MULTIPLE:
        for column in counts.columns:
            if masked[column].sum() == 1:
                others = counts[column][~masked[column] & (counts[column] > 0)]
                if len(others):
                    masked.loc[others.idxmin(), column] = True
    return masked


def small_bases(table: Table, minimum: int) -> pd.Series:
    """Columns with fewer answering respondents than `minimum` (their mean is hidden too)."""
    return (table.bases > 0) & (table.bases < minimum)
