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

The score shown is not that raw probability: balanced class weights push every code's
probabilities up, so « 80 % » would be right far less often than 8 times in 10. The same
out-of-fold probabilities calibrate it (Platt scaling of the suggestions that would have been
shown against whether they were right): a suggestion shown at 60 % is right about 60 % of the time.
One monotone curve for all codes keeps the order of the suggestions and needs no more examples
than the thresholds do.

The regularisation C is chosen the same way, among C_GRID, on the same inner folds and features:
the C whose out-of-fold decisions (per-code thresholds tuned on them, at least the most probable
code) had the best micro-F1. How many examples per code and how
varied they are differs from one study to the next, and so does the C that suits them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import chain

import numpy as np

from .nlp import ALPHA, TextAnalysis, fold

DEFAULT_C = 10.0  # with too few answers to choose by inner folds
C_GRID = (3.0, 10.0, 30.0, 100.0)
CHAR_WEIGHT = 0.6  # the char block is scaled down so that lemmas keep most of the weight
RULE_WEIGHT = 1.0
INNER_FOLDS = 3
MIN_POSITIVES_FOR_TUNING = 4  # below this, a code keeps the default threshold
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
# Chosen thresholds are pulled toward the default by this many pseudo-examples: with few examples
# the out-of-fold F1 curve is noisy.
THRESHOLD_PRIOR_WEIGHT = 4.0
# Below this many out-of-fold suggestions, the raw probabilities are shown as they are.
MIN_CALIBRATION_POINTS = 30


def features_with_spans(analysis: TextAnalysis) -> list[tuple[str, tuple[int, int]]]:
    """Lemma features with the character span each comes from, so that a feature's weight can be
    shown on the text."""
    starts, ends, flags = analysis.starts, analysis.ends, analysis.flags
    # Words only: emoji and symbols carry no lemma worth weighing.
    words = [
        (key, index)
        for key, index in zip(analysis.match_key_list, analysis.match_key_tokens)
        if flags[index] & ALPHA
    ]
    found = []
    for position, (key, index) in enumerate(words):
        found.append((key, (starts[index], ends[index])))
        if position + 1 < len(words):
            next_key, next_index = words[position + 1]
            found.append((key + " " + next_key, (starts[index], ends[next_index])))
    return found


def lemma_features(analysis: TextAnalysis) -> list[str]:
    """Folded lemmas of the words and adjacent lemma pairs: what the lemma block counts."""
    words = analysis.word_key_list
    return words + [first + " " + second for first, second in zip(words, words[1:])]


def _identity(features):
    return features


CHAR_NGRAMS = (2, 5)


def _word_char_ngrams(word: str) -> list[str]:
    """sklearn's « char_wb » n-grams of one word: within the word padded by a space each side."""
    padded = f" {word} "
    found = []
    for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        offset = 0
        found.append(padded[offset : offset + n])
        while offset + n < len(padded):
            offset += 1
            found.append(padded[offset : offset + n])
        if offset == 0:  # a word shorter than n counts once
            break
    return found


def char_ngrams(text: str) -> list[str]:
    """Character n-grams (2–5) of the folded words of a text."""
    return [gram for word in text.split() for gram in _word_char_ngrams(fold(word))]


def word_keys(analysis: TextAnalysis) -> list[str]:
    """The folded lemmas of the words of an answer, in order (what lemma features pair up)."""
    return analysis.word_key_list


class _Numbering(dict):
    """Strings numbered 0, 1, 2… in the order first seen; `new` lists those not handed out yet.
    Read with map(numbering.__getitem__, strings): one C loop for a whole batch."""

    def __init__(self):
        super().__init__()
        self.new: list[str] = []

    def __missing__(self, string: str) -> int:
        number = self[string] = len(self)
        self.new.append(string)
        return number

    def ids(self, strings) -> np.ndarray:
        return np.fromiter(map(self.__getitem__, strings), np.int64)


class _Interned:
    """Strings numbered in the order first seen, each with the columns `columns_of(string)`
    gives, computed once and stored end to end in one array: a batch's columns are then gathered
    by numpy whatever its number of words."""

    def __init__(self, columns_of):
        # Numbers are handed out in order: two threads suggesting with one model take turns.
        self._lock = threading.Lock()
        self.numbering = _Numbering()
        self._columns_of = columns_of
        self._ends = np.zeros(1, dtype=np.int64)  # columns of string i: _ends[i]:_ends[i + 1]
        self._columns = np.zeros(0, dtype=np.int32)

    def ids(self, strings) -> np.ndarray:
        with self._lock:
            return self._ids(strings)

    def _ids(self, strings) -> np.ndarray:
        found = self.numbering.ids(strings)
        new = self.numbering.new
        if new:
            pending = [self._columns_of(string) for string in new]
            lengths = np.fromiter(map(len, pending), np.int64, len(pending))
            self._ends = np.concatenate((self._ends, self._ends[-1] + np.cumsum(lengths)))
            self._columns = np.concatenate(
                [self._columns, np.fromiter(chain.from_iterable(pending), np.int32)]
            )
            new.clear()
        return found

    def gather(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the strings `ids` end to end, and where each string's end."""
        starts = self._ends[ids]
        lengths = self._ends[ids + 1] - starts
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(
            ends[-1] if len(ends) else 0
        )
        return self._columns[positions], ends


def _summed(counts):
    """`counts` (CSR, repeated columns in a row) with each row's repeats summed and its columns in
    order, as sum_duplicates leaves it, but by two transpositions that each take one pass (CSC
    lists each column's rows in order, and back): sum_duplicates sorts every row first, which cost
    more than the rest of the char block. The counts are whole numbers, so the order they are
    added in changes nothing."""
    by_column = counts.tocsc()
    by_column.sum_duplicates()  # its rows are already in order: one pass
    return by_column.tocsr()


_PAIR = np.int64(1 << 31)  # a pair of lemma numbers (a, b) is a * _PAIR + b


class _LemmaColumns:
    """The columns of a fitted lemma vocabulary by lemma number: one array for single lemmas,
    a sorted array of pair codes for pairs. A vocabulary with a feature of three words or more
    (a lemma holding a space) is left to sklearn (`usable` False)."""

    def __init__(self, vocabulary: dict[str, int]):
        self._lock = threading.Lock()  # see _Interned
        self.vocabulary = vocabulary
        self.numbering = _Numbering()
        self.single = np.zeros(0, dtype=np.int64)
        self.usable = all(feature.count(" ") < 2 for feature in vocabulary)
        pairs = [
            (feature.split(" "), column) for feature, column in vocabulary.items() if " " in feature
        ]
        if not self.usable:
            return
        firsts = self.ids([first for (first, _second), _column in pairs])
        seconds = self.ids([second for (_first, second), _column in pairs])
        codes = firsts * _PAIR + seconds
        order = np.argsort(codes, kind="stable")
        self._pair_codes = codes[order]
        self._pair_columns = np.array([column for _words, column in pairs], dtype=np.int64)[order]

    def ids(self, keys) -> np.ndarray:
        with self._lock:
            return self._ids(keys)

    def _ids(self, keys) -> np.ndarray:
        found = self.numbering.ids(keys)
        new = self.numbering.new
        if new:
            get = self.vocabulary.get
            self.single = np.concatenate(
                (self.single, np.fromiter((get(key, -1) for key in new), np.int64, len(new)))
            )
            new.clear()
        return found

    def pairs(self, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The column of each pair (firsts[i], seconds[i]), -1 when not in the vocabulary."""
        known = self._pair_codes
        if not len(known) or not len(firsts):
            return np.full(len(firsts), -1, dtype=np.int64)
        codes = firsts * _PAIR + seconds
        positions = np.minimum(np.searchsorted(known, codes), len(known) - 1)
        return np.where(known[positions] == codes, self._pair_columns[positions], -1)


class CodeModel:
    """Multi-label classifier: `fit` on analyses, label sets and rule hits (the codes whose rules
    matched each answer); `probabilities` gives answers × codes; `thresholds` one per code."""

    def __init__(self, *, C: float | None = None, use_chars: bool = True):
        """C=None: chosen among C_GRID by cross-validation inside the training answers."""
        self.choose_C = C is None
        self.C = DEFAULT_C if C is None else C
        self.use_chars = use_chars
        self.codes: list[str] = []
        self.rule_codes: list[str] = []
        self.lemma_vectorizer = None
        self.char_vectorizer = None
        self.estimators: list = []
        self.thresholds: np.ndarray = np.zeros(0)
        self.weights: np.ndarray | None = None  # codes × lemma features, for evidence

    # (slope, intercept) of the calibration on logit(probability); None: raw probabilities shown.
    # A class attribute, so that a model saved before calibration existed still loads.
    calibration: tuple[float, float] | None = None
    # C → inner micro-F1 of the decisions, when C was chosen by inner folds; None otherwise.
    C_scores: dict[float, float] | None = None
    # Per code, whether its threshold was tuned on out-of-fold probabilities (False: too few
    # examples, it kept DEFAULT_THRESHOLD); None for a model saved before this was recorded.
    threshold_tuned: np.ndarray | None = None

    # ---- features ------------------------------------------------------------------------------
    def _fit_vectorizers(self, analyses: Sequence[TextAnalysis], rule_codes: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.lemma_vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        self.lemma_vectorizer.fit([lemma_features(analysis) for analysis in analyses])
        if self.use_chars:
            self.char_vectorizer = TfidfVectorizer(
                analyzer=char_ngrams,
                sublinear_tf=True,
                # A fragment seen once is noise, unless there are only a handful of answers.
                min_df=2 if len(analyses) >= 10 else 1,
            )
            self.char_vectorizer.fit([analysis.text for analysis in analyses])
        self.rule_codes = list(rule_codes)

    def char_matrix(self, analyses: Sequence[TextAnalysis]):
        """The char block, as the fitted TfidfVectorizer would give it, but counted from each
        word's columns, computed once per distinct word and gathered for the whole batch by numpy:
        answers repeat their words far more than their texts, and sklearn's n-gram loop, then a
        Python step per word, were a third of the time of suggesting."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        vectorizer = self.char_vectorizer
        if vectorizer.analyzer == "char_wb":  # a model saved before: its own, slower, path
            return vectorizer.transform([fold(analysis.text) for analysis in analyses])
        words = self.__dict__.get("_char_words")
        if words is None:
            vocabulary = vectorizer.vocabulary_
            words = self._char_words = _Interned(
                lambda word: [
                    column
                    for gram in _word_char_ngrams(fold(word))
                    if (column := vocabulary.get(gram)) is not None
                ]
            )
        splits = [analysis.text.split() for analysis in analyses]
        ids = words.ids(chain.from_iterable(splits))
        indices, word_ends = words.gather(ids)
        # Each answer's columns end where its last word's do.
        answer_ends = np.cumsum(np.fromiter(map(len, splits), np.int64, len(splits)))
        indptr = np.concatenate(([0], word_ends))[np.concatenate(([0], answer_ends))]
        counts = _summed(
            csr_matrix(
                (np.ones(len(indices)), indices, indptr),
                shape=(len(analyses), len(vectorizer.vocabulary_)),
            )
        )
        counts.data = (1 + np.log(counts.data)) * vectorizer.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)

    def __getstate__(self):
        state = self.__dict__.copy()
        for cache in ("_word_columns", "_char_words", "_lemma_columns"):
            state.pop(cache, None)  # caches, rebuilt on use
        return state

    def lemma_matrix(self, analyses: Sequence[TextAnalysis]):
        """The lemma block, as the fitted TfidfVectorizer gives it, counted by numpy: each folded
        lemma is numbered once per process, its column and those of the known pairs of lemmas
        looked up for the whole batch at once (sklearn builds a dict per answer and a string per
        pair of words)."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        vectorizer = self.lemma_vectorizer
        columns = self.__dict__.get("_lemma_columns")
        if columns is None:
            columns = self._lemma_columns = _LemmaColumns(vectorizer.vocabulary_)
        if not columns.usable:  # a vocabulary this path cannot read: sklearn's own
            return vectorizer.transform([lemma_features(analysis) for analysis in analyses])
        word_lists = [analysis.word_key_list for analysis in analyses]
        lengths = np.fromiter(map(len, word_lists), np.int64, len(word_lists))
        ids = columns.ids(chain.from_iterable(word_lists))
        rows = np.repeat(np.arange(len(analyses)), lengths)
        singles = columns.single[ids]
        # A pair is two neighbours in one answer: not across the end of an answer.
        same_answer = rows[1:] == rows[:-1]
        pairs = columns.pairs(ids[:-1][same_answer], ids[1:][same_answer])
        all_rows = np.concatenate((rows, rows[:-1][same_answer]))
        all_columns = np.concatenate((singles, pairs))
        found = all_columns >= 0
        counts = csr_matrix(
            (np.ones(int(found.sum())), (all_rows[found], all_columns[found])),
            shape=(len(analyses), len(vectorizer.vocabulary_)),
        )
        counts.sum_duplicates()
        counts.sort_indices()
        # TfidfTransformer.transform's arithmetic, in its order.
        np.log(counts.data, counts.data)
        counts.data += 1.0
        counts.data *= vectorizer.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)

    def features(self, analyses: Sequence[TextAnalysis], rule_hits: Sequence[set[str]]):
        return self.features_and_lemmas(analyses, rule_hits)[0]

    def features_and_lemmas(
        self, analyses: Sequence[TextAnalysis], rule_hits: Sequence[set[str]]
    ) -> tuple:
        """The model's features, and their lemma block alone (what evidence is read from),
        computed once."""
        from scipy.sparse import csr_matrix, hstack

        lemmas = self.lemma_matrix(analyses).tocsr()
        blocks = [lemmas]
        if self.char_vectorizer is not None:
            blocks.append(self.char_matrix(analyses) * CHAR_WEIGHT)
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
        return hstack(blocks, format="csr"), lemmas

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
        inner_folds = self._inner_folds(analyses, rule_hits, rule_codes, seed)
        n = len(analyses)
        tuned = {}  # C → (thresholds, out-of-fold probabilities, inner micro-F1)
        for C in C_GRID if self.choose_C and inner_folds else (self.C,):
            out_of_fold = self._out_of_fold(inner_folds, targets, n, C)
            thresholds = _tune_thresholds(out_of_fold, targets)
            tuned[C] = (thresholds, out_of_fold, _decision_f1(out_of_fold, targets, thresholds))
        if len(tuned) > 1:
            # Ties (e.g. no code frequent enough to tune): the default, else the smaller C.
            self.C = max(tuned, key=lambda C: (round(tuned[C][2], 9), C == DEFAULT_C, -C))
            self.C_scores = {C: float(found[2]) for C, found in tuned.items()}
        self.thresholds, out_of_fold, _ = tuned[self.C]
        self.threshold_tuned = ~np.isnan(out_of_fold).all(axis=0)
        self.estimators = [self._estimator().fit(matrix, target) for target in targets]
        self.calibration = _fit_calibration(out_of_fold, targets, self.thresholds)
        n_lemmas = len(self.lemma_vectorizer.vocabulary_)
        self.weights = (
            np.vstack([estimator.coef_[0][:n_lemmas] for estimator in self.estimators])
            if self.estimators
            else np.zeros((0, n_lemmas))
        )
        return self

    def _estimator(self, C: float | None = None):
        from sklearn.linear_model import LogisticRegression

        C = self.C if C is None else C
        # The dual problem: the features (char n-grams above all) far outnumber the answers, and
        # liblinear solves the same regularised objective fifteen to twenty times faster there
        # (probabilities within 1e-4 of the primal's on the voie verte set); choosing C fits
        # thirteen models per code. More iterations than the default: at C = 100 the dual needs
        # them to converge. Its coordinates are visited in a random order: seeded, so that the
        # same codings give the same model.
        return LogisticRegression(
            C=C,
            solver="liblinear",
            class_weight="balanced",
            dual=True,
            max_iter=1000,
            random_state=0,
        )

    def _inner_folds(self, analyses, rule_hits, rule_codes, seed: int) -> list[tuple]:
        """(train rows, test rows, train features, test features) per inner fold, with
        vectorizers fitted on the fold's training answers only: fitted on all of them, the test
        answers' words would already be in the vocabulary and their probabilities too confident
        for the calibration learnt from them."""
        n = len(analyses)
        if n < 2 * INNER_FOLDS:
            return []
        order = np.random.default_rng(seed).permutation(n)
        folds = []
        for k in range(INNER_FOLDS):
            test = np.sort(order[k::INNER_FOLDS])
            train = np.setdiff1d(order, test)
            inner = CodeModel(C=self.C, use_chars=self.use_chars)
            train_analyses = [analyses[i] for i in train]
            inner._fit_vectorizers(train_analyses, rule_codes)
            folds.append(
                (
                    train,
                    test,
                    inner.features(train_analyses, [rule_hits[i] for i in train]),
                    inner.features([analyses[i] for i in test], [rule_hits[i] for i in test]),
                )
            )
        return folds

    def _out_of_fold(self, folds: list[tuple], targets: list[np.ndarray], n: int, C: float):
        """Out-of-fold probabilities at this C (answers × codes; NaN for codes too rare to
        tune)."""
        all_out_of_fold = np.full((n, len(targets)), np.nan)
        if not folds:
            return all_out_of_fold
        for index, target in enumerate(targets):
            if int(target.sum()) < MIN_POSITIVES_FOR_TUNING:
                continue
            out_of_fold = np.zeros(n)
            for train, test, train_matrix, test_matrix in folds:
                if not 0 < target[train].sum() < len(train):
                    out_of_fold[test] = target[train].mean()
                    continue
                estimator = self._estimator(C).fit(train_matrix, target[train])
                out_of_fold[test] = estimator.predict_proba(test_matrix)[:, 1]
            all_out_of_fold[:, index] = out_of_fold
        return all_out_of_fold

    # ---- predicting ----------------------------------------------------------------------------
    def probabilities(self, matrix) -> np.ndarray:
        """Each code's probability for each answer: what each binary logistic regression's
        predict_proba gives, computed for all codes in one sparse product (a call per code
        cost more than the product itself)."""
        if not self.estimators:
            return np.zeros((matrix.shape[0], 0))
        coefficients = np.vstack([estimator.coef_[0] for estimator in self.estimators])
        intercepts = np.array([estimator.intercept_[0] for estimator in self.estimators])
        scores = np.asarray(matrix @ coefficients.T) + intercepts
        return _sigmoid(scores)

    def shown_score(self, probabilities: np.ndarray) -> np.ndarray:
        """The score shown for raw probabilities: the calibrated chance that the suggestion is
        right."""
        if self.calibration is None:
            return probabilities
        slope, intercept = self.calibration
        return _sigmoid(slope * _logit(probabilities) + intercept)

    def evidence(
        self, analysis: TextAnalysis, lemma_rows, row: int, code_index: int, limit: int
    ) -> list[tuple[int, int]]:
        """Spans of the lemma features that pushed this code's score up the most (`lemma_rows`:
        the CSR lemma block of the answers, read in place rather than sliced row by row)."""
        vocabulary = self.lemma_vectorizer.vocabulary_
        start, end = lemma_rows.indptr[row], lemma_rows.indptr[row + 1]
        columns, values = lemma_rows.indices[start:end], lemma_rows.data[start:end]
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


def _tune_thresholds(out_of_fold: np.ndarray, targets: list[np.ndarray]) -> np.ndarray:
    """Per code, the threshold that maximised F1 on its out-of-fold probabilities, pulled toward
    the default; the default for codes too rare to tune."""
    thresholds = np.full(len(targets), DEFAULT_THRESHOLD)
    for index, target in enumerate(targets):
        probabilities = out_of_fold[:, index]
        if np.isnan(probabilities).any():
            continue
        positives = int(target.sum())
        best, best_f1 = DEFAULT_THRESHOLD, -1.0
        for threshold in THRESHOLD_GRID:
            predicted = probabilities >= threshold
            tp = int((predicted & target).sum())
            f1 = 2 * tp / (predicted.sum() + positives) if predicted.sum() + positives else 0
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(threshold), f1
        thresholds[index] = (positives * best + THRESHOLD_PRIOR_WEIGHT * DEFAULT_THRESHOLD) / (
            positives + THRESHOLD_PRIOR_WEIGHT
        )
    return thresholds


def _decision_f1(out_of_fold: np.ndarray, targets: list[np.ndarray], thresholds) -> float:
    """Micro-F1 of the suggester's decision on out-of-fold probabilities: the codes at or above
    their threshold and the most probable one, over the codes frequent enough to tune (« no code »
    counted as a code)."""
    tuned = ~np.isnan(out_of_fold).all(axis=0)
    if not tuned.any():
        return 0.0
    probabilities = out_of_fold[:, tuned]
    truth = np.column_stack(targets)[:, tuned]
    predicted = probabilities >= thresholds[tuned]
    best = np.argmax(probabilities, axis=1)
    predicted[np.arange(len(probabilities)), best] = True
    tp = int((predicted & truth).sum())
    total = int(predicted.sum() + truth.sum())
    return 2 * tp / total if total else 0.0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit  # no overflow for the large scores of a confident model

    return expit(x)


def _fit_calibration(
    out_of_fold: np.ndarray, targets: list[np.ndarray], thresholds: np.ndarray
) -> tuple[float, float] | None:
    """Platt scaling of the suggestions the model would have shown on out-of-fold answers: those
    at or above their code's threshold and each answer's most probable code. None when there are
    too few of them, or when they do not say that a higher probability is more often right."""
    if not targets or np.isnan(out_of_fold).all():
        return None
    tuned = ~np.isnan(out_of_fold).all(axis=0)
    probabilities = out_of_fold[:, tuned]
    truth = np.column_stack(targets)[:, tuned]
    shown = probabilities >= thresholds[tuned]
    shown[np.arange(len(probabilities)), np.argmax(probabilities, axis=1)] = True
    if shown.sum() < MIN_CALIBRATION_POINTS or truth[shown].all() or not truth[shown].any():
        return None
    from sklearn.linear_model import LogisticRegression

    x = _logit(probabilities[shown]).reshape(-1, 1)
    fitted = LogisticRegression(C=100.0).fit(x, truth[shown])
    slope = float(fitted.coef_[0][0])
    if slope <= 0:
        return None
    return slope, float(fitted.intercept_[0])


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
