"""Suggested codes for free-text answers, each with the words that justify it.

Two sources:
- the codebook's rules (keywords, phrases, regexes): the evidence is the matched span. Before any
  coding (cold start) they are all there is; a rule's score is then its precision measured on the
  training codings (smoothed toward a prior), so a keyword coders keep rejecting stops being
  suggested;
- a model learned from coded answers (analyse.code_model): one logistic regression per code on
  lemma and character n-grams plus one feature per matching rule, a decision threshold per code
  chosen by cross-validation inside the training data. It learns any codebook, rules or not,
  including codes no rule names and a "no code" decision; the evidence is the words with the
  highest contribution (weight × TF-IDF) to the score.

Once a model is trained, every non-empty answer gets at least its most probable code (or nothing,
when the most probable decision is "no code"), and the codes the model knows are scored by the
model alone: the rule that matched is one of its features, weighed by what coders did with it.
Codes without any coded example keep their rule's score.
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

from .code_model import (
    DEFAULT_THRESHOLD,
    NO_CODE,
    CodeModel,
    features_with_spans,
    none_code,
)
from .codebook import Codebook, RuleMatcher
from .nlp import (
    DEFAULT_MODEL,
    AnalysisCache,
    TextAnalysis,
    analyse_texts,
    collector_paused,
    text_hash,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Suggester",
    "Suggestion",
    "analyse_and_suggest",
    "features_with_spans",
    "train_suggester",
]

SAVE_FORMAT = 2
RULE_PRIOR = 0.6  # precision assumed for a rule never seen in training codings
RULE_PRIOR_WEIGHT = 2.0
# Each further distinct span a code's rules match adds this fraction of the evidence of one match:
# an answer naming the bus, the tram and the timetable is more surely about transport.
RULE_EXTRA_MATCH = 0.5
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


def _merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    ordered = sorted(set(spans))
    if not ordered:
        return ()
    merged = [ordered[0]]
    for span in ordered[1:]:
        last_start, last_end = merged[-1]
        if span[0] <= last_end:
            if span[1] > last_end:
                merged[-1] = (last_start, span[1])
        else:
            merged.append(span)
    return tuple(merged)


def _rule_score(precision: float, spans: list[tuple[int, int]]) -> float:
    distinct = len(set(spans))
    return 1 - (1 - precision) ** (1 + RULE_EXTRA_MATCH * (distinct - 1))


@dataclass
class Suggester:
    codebook: Codebook
    model: CodeModel | None = None
    rule_precision: dict[str, float] = field(default_factory=dict)
    # None: each code's own threshold chosen in training; a number: one threshold for every code.
    threshold: float | None = None
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

    @property
    def none_code(self) -> str | None:
        """The codebook's "no code / off-topic" code, recognised by its name."""
        return none_code([(code.id, code.name) for code in self.codebook])

    # ---- learning ------------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[str | TextAnalysis, Iterable[str]]],
        codebook: Codebook,
        *,
        cache: AnalysisCache | None = None,
        threshold: float | None = None,
        nlp_model: str = DEFAULT_MODEL,
        use_rules: bool = True,
        use_model: bool = True,
        use_chars: bool = True,
    ) -> Suggester:
        """Learn from (answer text, accepted codes). Codes unknown to the codebook are ignored; an
        answer with no code teaches the "no code" decision (the codebook's own such code if it
        has one)."""
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
        rule_hits = [set() for _ in analyses]
        if use_rules:
            matcher = suggester.matcher
            rule_hits = [{match.code for match in matcher.match(a)} for a in analyses]
            suggester.rule_precision = _measure_rules(rule_hits, label_sets)
        if use_model and examples:
            nothing = suggester.none_code or NO_CODE
            targets = [labels or {nothing} for labels in label_sets]
            kept = [
                index
                for index, analysis in enumerate(analyses)
                if analysis.text.strip()  # an empty answer teaches nothing about words
            ]
            try:
                model = CodeModel(use_chars=use_chars).fit(
                    [analyses[i] for i in kept],
                    [targets[i] for i in kept],
                    [*codebook.ids, *([NO_CODE] if nothing == NO_CODE else [])],
                    [rule_hits[i] for i in kept],
                )
            except ValueError:
                # No word at all in the coded answers (empty, emoji only): nothing to learn.
                model = None
            suggester.model = model if model is not None and model.codes else None
        return suggester

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
        """For each text, the codes the suggester decides on, best first (`threshold` replaces
        the per-code thresholds by one for every code)."""
        analyses = _analyses(list(texts), cache=cache, model=self.nlp_model)
        return self.suggest_analyses(analyses, threshold=threshold)

    def suggest_analyses(
        self, analyses: Sequence[TextAnalysis], *, threshold: float | None = None
    ) -> list[list[Suggestion]]:
        threshold = self.threshold if threshold is None else threshold
        with collector_paused():
            return self._decide(analyses, threshold)

    def _decide(
        self, analyses: Sequence[TextAnalysis], threshold: float | None
    ) -> list[list[Suggestion]]:
        known_codes = self.codebook.codes
        matcher = self.matcher if self.use_rules else None
        all_rule_spans = [
            matcher.spans_by_code(analysis) if matcher is not None else {} for analysis in analyses
        ]
        model = self.model if self.use_model else None
        probabilities = lemma_rows = None
        model_index: dict[str, int] = {}
        if model is not None and analyses:
            hits = [set(spans) for spans in all_rule_spans]
            matrix, lemma_rows = model.features_and_lemmas(analyses, hits)
            probabilities = model.probabilities(matrix)
            thresholds = (
                model.thresholds if threshold is None else np.full(len(model.codes), threshold)
            )
            model_index = {code: k for k, code in enumerate(model.codes)}
            # The decisions of the whole batch at once, read row by row as plain lists: numpy
            # calls per answer cost more than the decisions.
            shown_scores = model.shown_score(probabilities).tolist()
            best_of = np.argmax(probabilities, axis=1).tolist()
            above_rows, above_columns = np.nonzero(probabilities >= thresholds)
            above_ends = np.cumsum(np.bincount(above_rows, minlength=len(analyses))).tolist()
            above_columns = above_columns.tolist()
        rule_threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        nothing = self.none_code or NO_CODE
        codes = model.codes if model is not None else []
        results = []
        for row, (analysis, rule_spans) in enumerate(zip(analyses, all_rule_spans)):
            if not analysis.text.strip():
                results.append([])
                continue
            chosen: dict[str, float] = {}
            if probabilities is not None:
                # Decided on the raw probabilities and their thresholds, shown calibrated.
                shown = shown_scores[row]
                best = best_of[row]
                if codes[best] == nothing:
                    # The most probable decision is "no code": the codebook's code, or nothing.
                    chosen = {nothing: shown[best]} if nothing in known_codes else {}
                    results.append(
                        self._suggestions(
                            chosen, rule_spans, analysis, row, lemma_rows, model_index
                        )
                    )
                    continue
                for index in above_columns[above_ends[row - 1] if row else 0 : above_ends[row]]:
                    code = codes[index]
                    if code != nothing and code in known_codes:
                        chosen[code] = shown[index]
                code = codes[best]
                if code != nothing and code in known_codes:
                    chosen[code] = shown[best]
            for code, spans in rule_spans.items():
                if code in known_codes and code not in model_index:
                    score = _rule_score(self.rule_precision.get(code, RULE_PRIOR), spans)
                    if score >= rule_threshold:
                        chosen[code] = score
            results.append(
                self._suggestions(chosen, rule_spans, analysis, row, lemma_rows, model_index)
            )
        return results

    def _suggestions(
        self, chosen, rule_spans, analysis, row, lemma_rows, index: dict[str, int]
    ) -> list[Suggestion]:
        """`index`: the model's column of each code it knows (empty without a model)."""
        suggestions = []
        for code, score in chosen.items():
            in_model = code in index
            if code in rule_spans:
                spans = rule_spans[code]
                spans = (spans[0],) if len(spans) == 1 else _merge_spans(spans)
                source = SOURCE_BOTH if in_model else SOURCE_RULE
            else:
                source = SOURCE_MODEL
                spans = _merge_spans(
                    self.model.evidence(analysis, lemma_rows, row, index[code], MAX_EVIDENCE)
                )
            suggestions.append(Suggestion(code, score, spans, source))
        # Best first; equal scores in code order.
        suggestions.sort(key=lambda suggestion: (-suggestion.score, suggestion.code))
        return suggestions

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


def _measure_rules(rule_hits: Sequence[set[str]], label_sets: Sequence[set[str]]) -> dict:
    hits: dict[str, int] = {}
    correct: dict[str, int] = {}
    for codes, labels in zip(rule_hits, label_sets):
        for code in codes:
            hits[code] = hits.get(code, 0) + 1
            correct[code] = correct.get(code, 0) + (code in labels)
    return {
        code: (correct[code] + RULE_PRIOR * RULE_PRIOR_WEIGHT) / (hits[code] + RULE_PRIOR_WEIGHT)
        for code in hits
    }


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
        # The collector paused for the whole batch, and its token lists gone before it runs again:
        # otherwise it walks every live analysis once or twice (a tenth of our time over spaCy's).
        with collector_paused():
            analyses = analyse_texts(
                list(new.values()),
                cache=cache,
                model=suggester.nlp_model,
                text_hashes=list(new),
            )
            known.update(zip(new, suggester.suggest_analyses(analyses)))
            del analyses
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
