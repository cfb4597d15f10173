"""The model that learns a codebook from coded answers: one logistic regression per code over
TF-IDF features, with a decision threshold per code chosen by cross-validation inside the training
data.

Features, each a block of one sparse matrix:
- lemma features (folded lemmas and adjacent lemma pairs, function words left out), sublinear tf;
  their weights also give the evidence shown on the text;
- character n-grams (2–5, within words) of the folded text: they catch spelling variants, plurals
  the lemmatiser misses and the typos of real answers (« medecin », « médecins », « medcin »);
- one column per code whose codebook rule matched: the model learns how far each rule is right
  for this study's coders instead of trusting it blindly.

Classes are balanced per code (a code of five examples among a thousand is not drowned), and the
threshold of each code is the one that maximised its F1 on out-of-fold probabilities: a rare code
whose probabilities stay low still gets suggested when it is the right one, a frequent code whose
probabilities run high is not suggested everywhere. "No code" is learned as a code like the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .nlp import ALPHA, TextAnalysis, fold

DEFAULT_C = 10.0
CHAR_WEIGHT = 0.6  # the char block is scaled down so that lemmas keep most of the weight
RULE_WEIGHT = 1.0
INNER_FOLDS = 3
MIN_POSITIVES_FOR_TUNING = 4  # below this, a code keeps the default threshold
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
# Chosen thresholds are pulled toward the default by this many pseudo-examples: with few examples
# the out-of-fold F1 curve is noisy.
THRESHOLD_PRIOR_WEIGHT = 4.0


def features_with_spans(analysis: TextAnalysis) -> list[tuple[str, tuple[int, int]]]:
    """Lemma features with the character span each comes from, so that a feature's weight can be
    shown on the text."""
    keys = analysis.match_keys
    tokens = analysis.tokens
    # Words only: emoji and symbols carry no lemma worth weighing.
    words = [(key, tokens[index]) for key, index in keys if tokens[index].flags & ALPHA]
    found = []
    for position, (key, token) in enumerate(words):
        found.append((key, (token.start, token.end)))
        if position + 1 < len(words):
            next_key, next_token = words[position + 1]
            found.append((key + " " + next_key, (token.start, next_token.end)))
    return found


def lemma_features(analysis: TextAnalysis) -> list[str]:
    """Folded lemmas of the words and adjacent lemma pairs: what the lemma block counts."""
    tokens = analysis.tokens
    words = [key for key, index in analysis.match_keys if tokens[index].flags & ALPHA]
    return words + [first + " " + second for first, second in zip(words, words[1:])]


def _identity(features):
    return features


def _folded_text(analysis: TextAnalysis) -> str:
    return fold(analysis.text)


class CodeModel:
    """Multi-label classifier: `fit` on analyses, label sets and rule hits (the codes whose rules
    matched each answer); `probabilities` gives answers × codes; `thresholds` one per code."""

    def __init__(self, *, C: float = DEFAULT_C, use_chars: bool = True):
        self.C = C
        self.use_chars = use_chars
        self.codes: list[str] = []
        self.rule_codes: list[str] = []
        self.lemma_vectorizer = None
        self.char_vectorizer = None
        self.estimators: list = []
        self.thresholds: np.ndarray = np.zeros(0)
        self.weights: np.ndarray | None = None  # codes × lemma features, for evidence

    # ---- features ------------------------------------------------------------------------------
    def _fit_vectorizers(self, analyses: Sequence[TextAnalysis], rule_codes: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.lemma_vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        self.lemma_vectorizer.fit([lemma_features(analysis) for analysis in analyses])
        if self.use_chars:
            self.char_vectorizer = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                # A fragment seen once is noise, unless there are only a handful of answers.
                min_df=2 if len(analyses) >= 10 else 1,
            )
            self.char_vectorizer.fit([_folded_text(analysis) for analysis in analyses])
        self.rule_codes = list(rule_codes)

    def lemma_matrix(self, analyses: Sequence[TextAnalysis]):
        return self.lemma_vectorizer.transform([lemma_features(analysis) for analysis in analyses])

    def features(self, analyses: Sequence[TextAnalysis], rule_hits: Sequence[set[str]]):
        from scipy.sparse import csr_matrix, hstack

        blocks = [self.lemma_matrix(analyses)]
        if self.char_vectorizer is not None:
            blocks.append(
                self.char_vectorizer.transform([_folded_text(a) for a in analyses]) * CHAR_WEIGHT
            )
        if self.rule_codes:
            position = {code: k for k, code in enumerate(self.rule_codes)}
            rows, columns = [], []
            for row, hits in enumerate(rule_hits):
                for code in hits:
                    if code in position:
                        rows.append(row)
                        columns.append(position[code])
            blocks.append(
                csr_matrix(
                    (np.full(len(rows), RULE_WEIGHT), (rows, columns)),
                    shape=(len(analyses), len(self.rule_codes)),
                )
            )
        return hstack(blocks, format="csr")

    # ---- learning ------------------------------------------------------------------------------
    def fit(
        self,
        analyses: Sequence[TextAnalysis],
        label_sets: Sequence[set[str]],
        codes: Sequence[str],
        rule_hits: Sequence[set[str]] | None = None,
        *,
        seed: int = 0,
    ) -> CodeModel:
        rule_hits = rule_hits if rule_hits is not None else [set() for _ in analyses]
        rule_codes = sorted({code for hits in rule_hits for code in hits})
        self._fit_vectorizers(analyses, rule_codes)
        matrix = self.features(analyses, rule_hits)
        targets = []
        self.codes = []
        for code in codes:
            target = np.fromiter((code in labels for labels in label_sets), bool, len(label_sets))
            # A code on every answer or on none cannot be told apart from the others.
            if 0 < target.sum() < len(target):
                self.codes.append(code)
                targets.append(target)
        self.estimators = [self._estimator().fit(matrix, target) for target in targets]
        self.thresholds = self._tune_thresholds(matrix, targets, seed)
        n_lemmas = len(self.lemma_vectorizer.vocabulary_)
        self.weights = (
            np.vstack([estimator.coef_[0][:n_lemmas] for estimator in self.estimators])
            if self.estimators
            else np.zeros((0, n_lemmas))
        )
        return self

    def _estimator(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced")

    def _tune_thresholds(self, matrix, targets: list[np.ndarray], seed: int) -> np.ndarray:
        """Per code, the threshold that maximised F1 on out-of-fold probabilities (the vectorizers
        are fitted once on all training answers: only the classifiers are refitted per fold)."""
        thresholds = np.full(len(targets), DEFAULT_THRESHOLD)
        n = matrix.shape[0]
        if n < 2 * INNER_FOLDS:
            return thresholds
        order = np.random.default_rng(seed).permutation(n)
        folds = [order[k::INNER_FOLDS] for k in range(INNER_FOLDS)]
        for index, target in enumerate(targets):
            positives = int(target.sum())
            if positives < MIN_POSITIVES_FOR_TUNING:
                continue
            out_of_fold = np.zeros(n)
            for test in folds:
                train = np.setdiff1d(order, test)
                if not 0 < target[train].sum() < len(train):
                    out_of_fold[test] = target[train].mean()
                    continue
                estimator = self._estimator().fit(matrix[train], target[train])
                out_of_fold[test] = estimator.predict_proba(matrix[test])[:, 1]
            best, best_f1 = DEFAULT_THRESHOLD, -1.0
            for threshold in THRESHOLD_GRID:
                predicted = out_of_fold >= threshold
                tp = int((predicted & target).sum())
                f1 = 2 * tp / (predicted.sum() + positives) if predicted.sum() + positives else 0
                if f1 > best_f1 + 1e-9:
                    best, best_f1 = float(threshold), f1
            thresholds[index] = (positives * best + THRESHOLD_PRIOR_WEIGHT * DEFAULT_THRESHOLD) / (
                positives + THRESHOLD_PRIOR_WEIGHT
            )
        return thresholds

    # ---- predicting ----------------------------------------------------------------------------
    def probabilities(self, matrix) -> np.ndarray:
        if not self.estimators:
            return np.zeros((matrix.shape[0], 0))
        return np.column_stack(
            [estimator.predict_proba(matrix)[:, 1] for estimator in self.estimators]
        )

    def evidence(
        self, analysis: TextAnalysis, lemma_row, code_index: int, limit: int
    ) -> list[tuple[int, int]]:
        """Spans of the lemma features that pushed this code's score up the most."""
        vocabulary = self.lemma_vectorizer.vocabulary_
        columns, values = lemma_row.indices, lemma_row.data
        contributions = dict(
            zip(columns.tolist(), (values * self.weights[code_index, columns]).tolist())
        )
        best: dict[str, float] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        for feature, span in features_with_spans(analysis):
            column = vocabulary.get(feature)
            if column is None or contributions.get(column, 0.0) <= 0:
                continue
            best[feature] = contributions[column]
            spans.setdefault(feature, []).append(span)
        chosen = sorted(best, key=best.get, reverse=True)[:limit]
        return [span for feature in chosen for span in spans[feature]]


# A code meaning "nothing to code here" is recognised by its name; without one, the model learns
# this internal label from the answers coded with no code, and suggests nothing when it wins.
NO_CODE = "__aucun-code__"
_NONE_NAMES = (
    "aucun code",
    "aucune reponse",
    "aucun theme",
    "sans reponse",
    "hors sujet",
    "hors-sujet",
    "sans objet",
    "non pertinent",
    "rien a signaler",
    "none",
    "ne sait pas",
    "nsp",
)


def none_code(codes: Sequence[tuple[str, str]]) -> str | None:
    """The id of the code that means "no code / off-topic" among (id, name) pairs, if any."""
    import re

    # At the start of the name only: « Aucun transport le soir » is a code about transport.
    pattern = re.compile(r"\W*(" + "|".join(map(re.escape, _NONE_NAMES)) + r")(?![a-z])")
    for code_id, name in codes:
        if fold(name).strip(" .!") in ("aucun", "rien", "autre / aucun"):
            return code_id
        if pattern.match(fold(name)) or pattern.match(fold(code_id).replace("_", " ")):
            return code_id
    return None
