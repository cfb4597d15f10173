"""How good are the suggestions? Micro- and macro-averaged precision/recall/F1, per-code scores
and the calibration error of the shown scores, measured by k-fold cross-validation on hand-coded
answers: each answer is suggested by a system trained without it.

Systems compared (same folds, same examples):
- our suggestions: codebook rules + the learned model, and each source alone;
- the reference: TF-IDF of the words as written (1–2 grams, sublinear tf) + one-vs-rest logistic
  regression with balanced classes, every code of probability ≥ 0.3 and at least the best one.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .code_model import C_GRID
from .codebook import Codebook
from .nlp import DEFAULT_MODEL, TextAnalysis, analyse_texts
from .suggestions import Suggester

Example = tuple[str, set[str]]
# fit(train analyses, train label sets) -> predict(test analyses) -> {code: score} per answer
System = Callable[
    [Sequence[TextAnalysis], Sequence[set[str]], Codebook],
    Callable[[Sequence[TextAnalysis]], list[dict[str, float]]],
]
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class CodeScore:
    code: str
    precision: float
    recall: float
    f1: float
    support: int  # answers coded with it by hand
    predicted: int  # answers the system gave it to


@dataclass
class SystemScore:
    name: str
    precision: float
    recall: float
    f1: float
    per_code: list[CodeScore] = field(default_factory=list)
    calibration_error: float | None = None  # expected calibration error of the shown scores
    reliability: list[ReliabilityBin] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the codes coders used: a code never suggested correctly counts as 0."""
        used = [code.f1 for code in self.per_code if code.support]
        return sum(used) / len(used) if used else 0.0

    @property
    def macro_precision(self) -> float:
        used = [code.precision for code in self.per_code if code.support]
        return sum(used) / len(used) if used else 0.0

    @property
    def macro_recall(self) -> float:
        used = [code.recall for code in self.per_code if code.support]
        return sum(used) / len(used) if used else 0.0


def load_coded_answers(path: str | os.PathLike, codebook: Codebook | None = None) -> list[Example]:
    """(text, codes) from a CSV with columns text and codes (codes joined by « | »)."""
    from .csv_input import CsvReadError, read_csv

    table = read_csv(path, required_columns=("text", "codes"))
    if not table.ok:
        raise CsvReadError("; ".join(table.problem_messages))
    examples = []
    for row in table.rows:
        codes = {code.strip() for code in row["codes"].split("|") if code.strip()}
        if codebook is not None:
            unknown = codes - set(codebook.ids)
            if unknown:
                raise ValueError(f"codes inconnus du livre de codes : {', '.join(sorted(unknown))}")
        examples.append((row["text"], codes))
    return examples


def scores(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], codes: Sequence[str], name: str = ""
) -> SystemScore:
    per_code = []
    total_tp = total_fp = total_fn = 0
    for code in codes:
        tp = sum(1 for g, p in zip(gold, predicted) if code in g and code in p)
        fp = sum(1 for g, p in zip(gold, predicted) if code not in g and code in p)
        fn = sum(1 for g, p in zip(gold, predicted) if code in g and code not in p)
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        precision, recall, f1 = _prf(tp, fp, fn)
        per_code.append(CodeScore(code, precision, recall, f1, tp + fn, tp + fp))
    precision, recall, f1 = _prf(total_tp, total_fp, total_fn)
    return SystemScore(name, precision, recall, f1, per_code)


@dataclass
class ReliabilityBin:
    low: float  # scores in [low, high)
    high: float
    shown: int  # suggestions shown with such a score
    mean_score: float
    right: float  # share of them that were right


def reliability(
    gold: Sequence[set[str]], predicted: Sequence[dict[str, float]], bins: int = CALIBRATION_BINS
) -> list[ReliabilityBin]:
    """The suggestions shown, by score bin: how many, their mean score, the share that was right.
    Calibrated scores have the last two equal."""
    totals = np.zeros(bins)
    score_sums = np.zeros(bins)
    right = np.zeros(bins)
    for labels, shown in zip(gold, predicted):
        for code, score in shown.items():
            index = min(int(score * bins), bins - 1)
            totals[index] += 1
            score_sums[index] += score
            right[index] += code in labels
    return [
        ReliabilityBin(
            k / bins,
            (k + 1) / bins,
            int(totals[k]),
            score_sums[k] / totals[k],
            right[k] / totals[k],
        )
        for k in range(bins)
        if totals[k]
    ]


def calibration_error(
    gold: Sequence[set[str]], predicted: Sequence[dict[str, float]], bins: int = CALIBRATION_BINS
) -> float:
    """Expected calibration error of the suggestions shown: in each score bin, the gap between the
    mean score and the share of those suggestions that were right, weighted by the bin's size.
    0 means « shown at 60 %, right 60 % of the time »."""
    table = reliability(gold, predicted, bins)
    total = sum(row.shown for row in table)
    if not total:
        return 0.0
    return float(sum(abs(row.mean_score - row.right) * row.shown for row in table) / total)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def fold_indices(n: int, folds: int, seed: int = 0) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[k::folds] for k in range(folds)]


def cross_validate(
    examples: Sequence[Example],
    codebook: Codebook,
    systems: dict[str, System] | None = None,
    *,
    folds: int = 5,
    seed: int = 0,
    model: str = DEFAULT_MODEL,
) -> list[SystemScore]:
    """Score each system on held-out folds; every answer is predicted once, by a system that did
    not see it in training."""
    systems = systems if systems is not None else default_systems()
    analyses = analyse_texts([text for text, _codes in examples], model=model)
    gold = [set(codes) for _text, codes in examples]
    predictions: dict[str, list[dict[str, float]]] = {
        name: [{} for _ in examples] for name in systems
    }
    for test_indices in fold_indices(len(examples), folds, seed):
        test_set = set(test_indices)
        train = [index for index in range(len(examples)) if index not in test_set]
        for name, system in systems.items():
            predict = system([analyses[i] for i in train], [gold[i] for i in train], codebook)
            for index, labels in zip(test_indices, predict([analyses[i] for i in test_indices])):
                predictions[name][index] = labels
    results = []
    for name in systems:
        result = scores(gold, [set(shown) for shown in predictions[name]], codebook.ids, name)
        result.calibration_error = calibration_error(gold, predictions[name])
        result.reliability = reliability(gold, predictions[name])
        results.append(result)
    return results


# ---- the systems ---------------------------------------------------------------------------------
def suggester_system(*, threshold: float | None = None, **options) -> System:
    def fit(analyses, label_sets, codebook):
        suggester = Suggester.train(
            zip(analyses, label_sets), codebook, threshold=threshold, **options
        )

        def predict(test):
            return [{s.code: s.score for s in row} for row in suggester.suggest_analyses(test)]

        return predict

    return fit


# The grid our model chooses its C from: the same search for both is the fair comparison.
BASELINE_C_GRID = C_GRID
BASELINE_INNER_FOLDS = 3


def word_tfidf_baseline(
    analyses, label_sets, codebook, *, threshold: float = 0.3, C: float | None = 1.0
):
    """The reference: TF-IDF of the words as written (1–2 grams, sublinear tf) + one logistic
    regression per code with balanced classes; every code of probability ≥ 0.3, and at least the
    most probable one. C=None: chosen among BASELINE_C_GRID (3 to 100) by cross-validation inside the
    training answers (micro-F1 of that same decision rule), as a practitioner would tune it."""
    texts = [analysis.text for analysis in analyses]
    if C is None:
        C = _inner_cv_choice(texts, label_sets, codebook.ids, threshold)
        return _fit_tfidf_baseline(texts, label_sets, codebook.ids, threshold, C, fast=True)
    return _fit_tfidf_baseline(texts, label_sets, codebook.ids, threshold, C)


def tuned_word_tfidf_baseline(analyses, label_sets, codebook, *, threshold: float = 0.3):
    """The reference with its C chosen by inner cross-validation."""
    return word_tfidf_baseline(analyses, label_sets, codebook, threshold=threshold, C=None)


def _fit_tfidf_baseline(texts, label_sets, codes, threshold: float, C: float, *, fast=False):
    vectorizer, matrix = _tfidf(texts)
    return _baseline_predictor(vectorizer, matrix, label_sets, codes, threshold, C, fast=fast)


def _tfidf(texts):
    """The reference's vectorizer fitted on these texts, and their matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    return vectorizer, vectorizer.fit_transform(texts)


def _baseline_predictor(vectorizer, matrix, label_sets, codes, threshold, C, *, fast=False):
    from sklearn.linear_model import LogisticRegression

    # The search for C fits 24 models per code: liblinear, fifteen times faster than lbfgs here
    # (and slower still at large C), with its intercept scaled up so that it is hardly penalised:
    # the same model in practice.
    solver = {"solver": "liblinear", "intercept_scaling": 10.0} if fast else {"max_iter": 1000}
    models = {}
    for code in codes:
        target = np.array([code in labels for labels in label_sets])
        if 0 < target.sum() < len(target):
            models[code] = LogisticRegression(C=C, class_weight="balanced", **solver).fit(
                matrix, target
            )

    def predict(test):
        """`test`: texts or analyses, or their matrix by this vectorizer already."""
        if isinstance(test, list):
            test = vectorizer.transform(
                [item if isinstance(item, str) else item.text for item in test]
            )
        if not models:
            return [{} for _ in range(test.shape[0])]
        test_matrix = test
        fitted = list(models)
        probabilities = np.column_stack(
            [models[code].predict_proba(test_matrix)[:, 1] for code in fitted]
        )
        chosen = []
        for row in probabilities:
            picked = set(np.flatnonzero(row >= threshold).tolist()) | {int(np.argmax(row))}
            chosen.append({fitted[k]: float(row[k]) for k in picked})
        return chosen

    return predict


def _inner_cv_choice(texts, label_sets, codes, threshold: float) -> float:
    """The C of BASELINE_C_GRID whose decisions had the best micro-F1 on inner held-out folds
    of the training answers (ties: the smaller C, the stronger regularisation). Each inner fold's
    TF-IDF is fitted once and serves every C: it does not depend on C."""
    if len(texts) < 2 * BASELINE_INNER_FOLDS:
        return 1.0
    inner = []
    for test in fold_indices(len(texts), BASELINE_INNER_FOLDS, seed=1):
        test_set = set(test)
        train = [i for i in range(len(texts)) if i not in test_set]
        vectorizer, matrix = _tfidf([texts[i] for i in train])
        test_matrix = vectorizer.transform([texts[i] for i in test])
        inner.append((train, test, vectorizer, matrix, test_matrix))
    gold = [label_sets[i] for _train, test, *_ in inner for i in test]
    best_c, best_f1 = 1.0, -1.0
    for C in BASELINE_C_GRID:
        predicted = []
        for train, _test, vectorizer, matrix, test_matrix in inner:
            predict = _baseline_predictor(
                vectorizer,
                matrix,
                [label_sets[i] for i in train],
                codes,
                threshold,
                C,
                fast=True,
            )
            predicted += [set(shown) for shown in predict(test_matrix)]
        f1 = scores(gold, predicted, codes).f1
        if f1 > best_f1 + 1e-9:
            best_c, best_f1 = C, f1
    return best_c


def default_systems() -> dict[str, System]:
    return {
        "Nos suggestions (règles + modèle)": suggester_system(),
        "Règles seules": suggester_system(use_model=False),
        "Modèle seul (sans règles)": suggester_system(use_rules=False),
        "Référence : TF-IDF mots 1–2 + régression logistique, seuil 0,3": word_tfidf_baseline,
    }
