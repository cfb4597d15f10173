"""Suggested codes for free-text answers, each with the words that justify it.

Two sources, combined:
- the codebook's rules (keywords, phrases, regexes): the evidence is the matched span;
- a multi-label model learned from the codings coders accepted: TF-IDF of lemmas and lemma pairs,
  one logistic regression per code (chosen over a calibrated linear SVM and spaCy's
  textcat_multilabel by cross-validation on tests/data/coded_answers.csv, see docs/quality.md);
  the evidence is the words with the highest contribution (weight × TF-IDF) to the score.

A rule's score is its precision measured on the training codings (smoothed toward a prior), so a
keyword that coders keep rejecting stops being suggested; when both sources speak their scores are
combined as independent evidence (1 − (1 − rule)(1 − model)).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .codebook import Codebook, RuleMatcher
from .nlp import (
    ALPHA,
    DEFAULT_MODEL,
    AnalysisCache,
    TextAnalysis,
    analyse_texts,
    collector_paused,
    text_hash,
)

SAVE_FORMAT = 1
DEFAULT_THRESHOLD = 0.5
RULE_PRIOR = 0.6  # precision assumed for a rule never seen in training codings
RULE_PRIOR_WEIGHT = 2.0
MIN_POSITIVES = 3  # a code needs this many coded examples before the model learns it
MAX_EVIDENCE = 3
RETRAIN_MIN_NEW = 20
RETRAIN_FRACTION = 0.1

SOURCE_RULE = "regle"
SOURCE_MODEL = "modele"
SOURCE_BOTH = "regle+modele"


class Suggestion(NamedTuple):
    """A suggested code (a named tuple: thousands are made per analysis, and a frozen dataclass
    costs five times as much to build)."""

    code: str
    score: float
    spans: tuple[tuple[int, int], ...]  # character offsets into the original text
    source: str  # "regle", "modele" or "regle+modele"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "score": round(self.score, 4),
            "spans": [list(span) for span in self.spans],
            "source": self.source,
        }


def features_with_spans(analysis: TextAnalysis) -> list[tuple[str, tuple[int, int]]]:
    """Model features (folded lemmas and adjacent lemma pairs, function words left out) with the
    character span each comes from, so a feature's weight can be shown on the text."""
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


def _feature_list(analysis: TextAnalysis) -> list[str]:
    """features_with_spans without the spans: what the vectorizer reads, for every answer."""
    tokens = analysis.tokens
    words = [key for key, index in analysis.match_keys if tokens[index].flags & ALPHA]
    return words + [first + " " + second for first, second in zip(words, words[1:])]


def _identity(features):
    return features


class LemmaModel:
    """One-vs-rest linear classifiers over TF-IDF of lemma features.

    kind "logreg": logistic regression (scores are probabilities as they come);
    kind "svm": linear SVM with Platt-calibrated scores (sigmoid fitted by cross-validation)."""

    def __init__(self, kind: str = "logreg", *, C: float = 10.0):
        if kind not in ("logreg", "svm"):
            raise ValueError(f"modèle inconnu : {kind}")
        self.kind = kind
        self.C = C
        self.codes: list[str] = []
        self.vectorizer = None
        self.estimators: list = []
        self.weights: np.ndarray | None = None  # codes × features, for evidence

    def fit(
        self, analyses: Sequence[TextAnalysis], label_sets: Sequence[set[str]], codes: Iterable[str]
    ) -> LemmaModel:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1)
        matrix = self.vectorizer.fit_transform([_feature_list(analysis) for analysis in analyses])
        self.codes, self.estimators, weights = [], [], []
        for code in codes:
            target = np.fromiter(
                (code in labels for labels in label_sets), dtype=bool, count=len(label_sets)
            )
            positives = int(target.sum())
            if positives < MIN_POSITIVES or positives == len(target):
                continue
            estimator = self._estimator(positives)
            estimator.fit(matrix, target)
            self.codes.append(code)
            self.estimators.append(estimator)
            weights.append(self._coefficients(estimator))
        self.weights = np.vstack(weights) if weights else np.zeros((0, matrix.shape[1]))
        return self

    def _estimator(self, positives: int):
        from sklearn.linear_model import LogisticRegression

        if self.kind == "logreg":
            return LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced")
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        return CalibratedClassifierCV(
            LinearSVC(C=self.C / 8, class_weight="balanced"), method="sigmoid", cv=min(3, positives)
        )

    def _coefficients(self, estimator) -> np.ndarray:
        if self.kind == "logreg":
            return estimator.coef_[0]
        return np.mean(
            [calibrated.estimator.coef_[0] for calibrated in estimator.calibrated_classifiers_],
            axis=0,
        )

    def transform(self, analyses: Sequence[TextAnalysis]):
        """TF-IDF rows of the answers, as the fitted vectorizer computes them (sublinear tf, idf,
        l2 norm), with the vocabulary looked up in C (map over dict.get) rather than word by word."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        lookup = self.vectorizer.vocabulary_.get
        columns: list[int] = []
        offsets = [0]
        for analysis in analyses:
            columns.extend(
                [column for column in map(lookup, _feature_list(analysis)) if column is not None]
            )
            offsets.append(len(columns))
        counts = csr_matrix(
            (np.ones(len(columns)), columns, offsets),
            shape=(len(analyses), len(self.vectorizer.vocabulary_)),
        )
        counts.sum_duplicates()
        if self.vectorizer.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1
        counts.data *= self.vectorizer.idf_[counts.indices]
        return normalize(counts, norm=self.vectorizer.norm, copy=False)

    def predict_proba(self, matrix) -> np.ndarray:
        if not self.estimators:
            return np.zeros((matrix.shape[0], 0))
        return np.column_stack(
            [estimator.predict_proba(matrix)[:, 1] for estimator in self.estimators]
        )

    def evidence(self, analysis: TextAnalysis, row, code_index: int) -> tuple[tuple[int, int], ...]:
        """Spans of the features that pushed this code's score up the most."""
        row = row.tocsr()
        return self.evidence_of(analysis, row.indices, row.data, code_index)

    def evidence_of(
        self, analysis: TextAnalysis, columns, values, code_index: int
    ) -> tuple[tuple[int, int], ...]:
        """evidence() from the answer's TF-IDF row given as its columns and values (slices of the
        CSR arrays: taking a row of a sparse matrix costs more than the rest)."""
        vocabulary = self.vectorizer.vocabulary_
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
        chosen = sorted(best, key=best.get, reverse=True)[:MAX_EVIDENCE]
        return _merge_spans(span for feature in chosen for span in spans[feature])


def _merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(set(spans)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


@dataclass
class Suggester:
    codebook: Codebook
    model: LemmaModel | None = None
    rule_precision: dict[str, float] = field(default_factory=dict)
    threshold: float = DEFAULT_THRESHOLD
    n_examples: int = 0
    nlp_model: str = DEFAULT_MODEL
    use_rules: bool = True
    use_model: bool = True
    # Identifies this trained suggester: stored suggestions of another version are stale.
    version: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        self._matcher: RuleMatcher | None = None

    @property
    def matcher(self) -> RuleMatcher:
        if self._matcher is None or self._matcher.fingerprint != self.codebook.fingerprint():
            self._matcher = RuleMatcher(self.codebook, model=self.nlp_model)
        return self._matcher

    # ---- learning ------------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[str | TextAnalysis, Iterable[str]]],
        codebook: Codebook,
        *,
        model_kind: str = "logreg",
        cache: AnalysisCache | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        nlp_model: str = DEFAULT_MODEL,
        use_rules: bool = True,
        use_model: bool = True,
    ) -> Suggester:
        """Learn from (answer text, accepted codes). Codes unknown to the codebook are ignored."""
        examples = list(examples)
        analyses = _analyses([text for text, _codes in examples], cache=cache, model=nlp_model)
        label_sets = [{code for code in codes if code in codebook} for _text, codes in examples]
        suggester = cls(
            codebook,
            threshold=threshold,
            n_examples=len(examples),
            nlp_model=nlp_model,
            use_rules=use_rules,
            use_model=use_model,
        )
        if use_rules:
            suggester.rule_precision = suggester._measure_rules(analyses, label_sets)
        if use_model and examples:
            suggester.model = LemmaModel(model_kind).fit(analyses, label_sets, codebook.ids)
        return suggester

    def _measure_rules(self, analyses, label_sets) -> dict[str, float]:
        hits: dict[str, int] = {}
        correct: dict[str, int] = {}
        matcher = self.matcher
        for analysis, labels in zip(analyses, label_sets):
            for code in {match.code for match in matcher.match(analysis)}:
                hits[code] = hits.get(code, 0) + 1
                correct[code] = correct.get(code, 0) + (code in labels)
        return {
            code: (correct[code] + RULE_PRIOR * RULE_PRIOR_WEIGHT)
            / (hits[code] + RULE_PRIOR_WEIGHT)
            for code in hits
        }

    def needs_retraining(self, n_new_codings: int) -> bool:
        """True once enough new codings have been accepted since training to be worth a new model:
        at least 20, and at least a tenth of what the model was trained on."""
        return n_new_codings >= max(RETRAIN_MIN_NEW, RETRAIN_FRACTION * self.n_examples)

    # ---- suggesting ----------------------------------------------------------------------------
    def suggest(
        self,
        texts: Iterable[str | TextAnalysis],
        *,
        cache: AnalysisCache | None = None,
        threshold: float | None = None,
    ) -> list[list[Suggestion]]:
        """For each text, the codes whose score reaches the threshold, best first."""
        analyses = _analyses(list(texts), cache=cache, model=self.nlp_model)
        return self.suggest_analyses(analyses, threshold=threshold)

    def suggest_analyses(
        self, analyses: Sequence[TextAnalysis], *, threshold: float | None = None
    ) -> list[list[Suggestion]]:
        threshold = self.threshold if threshold is None else threshold
        with collector_paused():
            return self.score_analyses(analyses, evidence_from=threshold, keep_from=threshold)

    def score_analyses(
        self,
        analyses: Sequence[TextAnalysis],
        *,
        evidence_from: float | None = None,
        keep_from: float = 0.0,
    ) -> list[list[Suggestion]]:
        """Every code either source gives a score of 0.05 or more (and `keep_from` or more), best
        first. The model's evidence is computed for suggestions scoring `evidence_from` or more (by
        default the threshold): it is the costly part, and nobody looks at the others."""
        evidence_from = self.threshold if evidence_from is None else evidence_from
        codebook_ids = self.codebook.codes
        matcher = self.matcher if self.use_rules else None
        all_rule_spans = (
            [matcher.spans_by_code(analysis) for analysis in analyses]
            if matcher is not None
            else [{} for _ in analyses]
        )
        model = self.model if self.use_model else None
        model_scores: list[dict[str, float]] = [{} for _ in analyses]
        matrix = None
        if model is not None and model.estimators and analyses:
            matrix = model.transform(analyses).tocsr()
            probabilities = model.predict_proba(matrix)
            # One pass over the matrix instead of one numpy call per answer.
            rows, columns = np.nonzero(probabilities >= 0.05)
            codes = model.codes
            for row, column, value in zip(
                rows.tolist(), columns.tolist(), probabilities[rows, columns].tolist()
            ):
                model_scores[row][codes[column]] = value
        rule_precision, threshold = self.rule_precision, self.threshold
        index = {code: k for k, code in enumerate(model.codes)} if matrix is not None else {}
        results = []
        for row_index, (rule_spans, scores) in enumerate(zip(all_rule_spans, model_scores)):
            suggestions = []
            for code in (rule_spans.keys() | scores.keys()) if scores else rule_spans:
                if code not in codebook_ids:
                    continue
                in_rules = code in rule_spans
                rule_score = rule_precision.get(code, RULE_PRIOR) if in_rules else 0.0
                model_score = scores.get(code, 0.0)
                score = 1 - (1 - rule_score) * (1 - model_score)
                if score < keep_from:
                    continue
                if in_rules:
                    spans = rule_spans[code]
                    spans = (spans[0],) if len(spans) == 1 else _merge_spans(spans)
                    source = SOURCE_BOTH if model_score >= threshold else SOURCE_RULE
                else:
                    source = SOURCE_MODEL
                    # Evidence of model-only suggestions only for those shown.
                    if score >= evidence_from:
                        first, last = matrix.indptr[row_index], matrix.indptr[row_index + 1]
                        spans = model.evidence_of(
                            analyses[row_index],
                            matrix.indices[first:last],
                            matrix.data[first:last],
                            index[code],
                        )
                    else:
                        spans = ()
                suggestions.append(Suggestion(code, score, spans, source))
            # Best first; equal scores in code order, whatever the order sets gave them.
            suggestions.sort(key=lambda suggestion: (-suggestion.score, suggestion.code))
            results.append(suggestions)
        return results

    # ---- persistence -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Pickled with joblib, written to a temporary file then renamed."""
        import joblib
        import sklearn

        path = Path(path)
        state = {
            "format": SAVE_FORMAT,
            "sklearn": sklearn.__version__,
            "codebook": self.codebook.to_dict(),
            "model": self.model,
            "rule_precision": self.rule_precision,
            "threshold": self.threshold,
            "n_examples": self.n_examples,
            "nlp_model": self.nlp_model,
            "use_rules": self.use_rules,
            "use_model": self.use_model,
            "version": self.version,
        }
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        os.close(handle)
        try:
            joblib.dump(state, temp_name)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike) -> Suggester:
        """Only load files this application wrote: unpickling runs code."""
        import joblib
        import sklearn

        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("format") != SAVE_FORMAT:
            raise ValueError(f"{path} : modèle de suggestions d'un format inconnu, à réentraîner")
        if state.get("sklearn") != sklearn.__version__:
            raise ValueError(
                f"{path} : modèle entraîné avec scikit-learn {state.get('sklearn')}, "
                f"{sklearn.__version__} installé : à réentraîner"
            )
        return cls(
            Codebook.from_dict(state["codebook"]),
            model=state["model"],
            rule_precision=state["rule_precision"],
            threshold=state["threshold"],
            n_examples=state["n_examples"],
            nlp_model=state["nlp_model"],
            use_rules=state["use_rules"],
            use_model=state["use_model"],
            version=state["version"],
        )


def analyse_and_suggest(
    texts: Sequence[str],
    suggester: Suggester,
    *,
    cache: AnalysisCache | None = None,
    known: dict[str, list[Suggestion]] | None = None,
) -> list[list[Suggestion]]:
    """Suggestions for each text, computing only those not in `known` ({sha256 of text:
    suggestions} of earlier runs of the same suggester, updated in place): adding 1 % of answers
    costs about 1 % of the first run. Keep one `known` per `suggester.version`."""
    known = {} if known is None else known
    digests = [text_hash(text or "") for text in texts]
    new: dict[str, str] = {}
    for digest, text in zip(digests, texts):
        if digest not in known and digest not in new:
            new[digest] = text or ""
    if new:
        analyses = analyse_texts(list(new.values()), cache=cache, model=suggester.nlp_model)
        known.update(zip(new, suggester.suggest_analyses(analyses)))
    return [known[digest] for digest in digests]


def train_suggester(
    examples: Iterable[tuple[str, Iterable[str]]],
    codebook: Codebook,
    path: str | os.PathLike | None = None,
    **options,
) -> Suggester:
    """What a background job calls: train on the accepted codings and, given a path, save there."""
    suggester = Suggester.train(examples, codebook, **options)
    if path is not None:
        suggester.save(path)
    return suggester


def _analyses(items: Sequence[str | TextAnalysis], *, cache, model) -> list[TextAnalysis]:
    to_analyse = [
        (index, item) for index, item in enumerate(items) if not isinstance(item, TextAnalysis)
    ]
    results = list(items)
    if to_analyse:
        done = analyse_texts([item for _index, item in to_analyse], cache=cache, model=model)
        for (index, _item), analysis in zip(to_analyse, done):
            results[index] = analysis
    return results
