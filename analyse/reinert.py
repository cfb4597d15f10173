"""Themes that emerge from free-text answers: the descending hierarchical classification of Reinert
(Alceste, IRaMuTeQ, the R package rainette), written from its published description.

1. Each answer is cut into text segments of about `segment_size` full words, at a sentence end when
   one is near; a short answer is one segment.
2. Each segment keeps the lemmas of its full words (nouns, verbs, adjectives, adverbs, proper nouns
   optionally), read from the project's spaCy pipeline; a lemma seen in fewer than
   `min_frequency` segments is dropped. The corpus becomes a binary segment × lemma matrix.
3. The largest class is cut in two along the first axis of a correspondence analysis of its
   matrix: segments are ordered by their score on that axis, and the cut kept is the one that
   maximises the χ² of the 2 × lemmas table of the two halves. Then each segment moves to the other
   half when that raises the χ² (rainette's reassignment), until none does. Lemmas seen fewer than
   `min_frequency` times in a class are left out when that class is cut in turn (rainette's `tsj`).
4. Step 3 repeats until there are `classes` terminal classes. For each class: its size, its
   characteristic lemmas (χ² of the 2 × 2 table class/rest × lemma present/absent, with the sign of
   the deviation), its typical segments (the highest sum of the positive χ² of their lemmas) and
   the profile modalities over-represented in it (χ² and p-value).

No randomness anywhere: the same input gives the same classes. Errors are `ReinertError` with a
French message for the person who asked.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse
from scipy.stats import chi2 as chi2_distribution

from analyse.nlp import TextAnalysis, analyse_texts, fold

FULL_WORD_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV"})
SENTENCE_ENDS = frozenset({".", "!", "?", "…", "...", "?!", "!?"})
WEAK_PUNCTUATION = frozenset({",", ";", ":"})
DEFAULT_SEGMENT_SIZE = 40
DEFAULT_MIN_FREQUENCY = 3
DEFAULT_MIN_SPLIT_MEMBERS = 10
# Beyond this many rows × columns the CA uses an iterative SVD on the sparse matrix.
_DENSE_LIMIT = 40_000
# Rows of the cumulative table computed at once when searching the cut (bounds memory).
_CUT_CHUNK = 512
_MAX_REASSIGN_PASSES = 20


class ReinertError(ValueError):
    """The corpus cannot be classified as asked; the message says why, in French."""


class CorpusTooSmall(ReinertError):
    def __init__(self, asked: int, possible: int, reason: str = ""):
        self.asked, self.possible = asked, possible
        message = (
            f"le corpus est trop petit pour {asked} classes : il n'en permet que {possible}"
            if possible >= 2
            else f"le corpus est trop petit pour {asked} classes : il ne permet aucune partition"
        )
        super().__init__(message + (f" ({reason})" if reason else "") + ".")


@dataclass(frozen=True)
class Segment:
    """A text segment: which answer, where in it, the text and its kept lemma keys."""

    answer: int  # index of the answer in the input
    start: int
    end: int
    text: str
    words: int  # full words in it (before the frequency filter)
    lemmas: tuple[str, ...]  # folded lemma keys, each once


@dataclass
class Term:
    lemma: str
    chi2: float
    sign: int  # +1 over-represented in the class, -1 under-represented
    p_value: float
    in_class: int  # segments of the class that contain it
    total: int  # segments of the corpus that contain it


@dataclass
class Modality:
    variable: str
    value: str
    chi2: float
    sign: int
    p_value: float
    in_class: int
    total: int


@dataclass
class ReinertClass:
    number: int  # 1..K, in the order of the dendrogram's leaves
    size: int  # segments
    share: float  # of the classified segments
    answers: int  # answers with at least one segment here
    terms: list[Term] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)  # segment indices, most typical first
    segment_scores: list[float] = field(default_factory=list)
    modalities: list[Modality] = field(default_factory=list)

    def top_lemmas(self, count: int = 10) -> list[str]:
        return [term.lemma for term in self.terms if term.sign > 0][:count]


@dataclass
class Split:
    """One bipartition: the class `parent` (a node id) gave `left` and `right` at χ² `chi2`."""

    parent: int
    left: int
    right: int
    chi2: float


@dataclass
class Classification:
    segments: list[Segment]
    segment_classes: list[int | None]  # class number per segment, None when it had no lemma kept
    classes: list[ReinertClass]
    splits: list[Split]
    leaves: dict[int, int]  # node id -> class number
    answer_classes: list[int | None]  # class of each answer's largest classified segment
    lemma_forms: dict[str, str]  # folded key -> lemma as displayed
    parameters: dict

    @property
    def unclassified(self) -> int:
        return sum(1 for number in self.segment_classes if number is None)

    def to_dict(self) -> dict:
        return {
            "parameters": self.parameters,
            "segments": [asdict(segment) for segment in self.segments],
            "segment_classes": self.segment_classes,
            "classes": [asdict(item) for item in self.classes],
            "splits": [asdict(item) for item in self.splits],
            "leaves": {str(node): number for node, number in self.leaves.items()},
            "answer_classes": self.answer_classes,
        }


# --- segmentation and lemmas -------------------------------------------------------------------


def _is_full_word(token, pos_kept: frozenset[str]) -> bool:
    return token.pos in pos_kept and token.counted and len(token.lemma) > 1


def segment_analysis(
    analysis: TextAnalysis,
    answer: int,
    *,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
    pos_kept: frozenset[str] = FULL_WORD_POS,
) -> list[Segment]:
    """Cuts one analysed answer into segments of about `segment_size` words. Once a segment has
    `segment_size` words it ends at the last sentence end seen in its second half, or else at the
    last comma, semicolon or colon there, or else right there. A rest shorter than half a segment
    joins the last segment, so that a short answer is always one segment."""
    tokens = analysis.tokens
    if not tokens:
        return []
    text = analysis.text
    pieces: list[tuple[int, int]] = []  # token index ranges
    start = 0
    words = 0
    strong = weak = -1  # last token index after which a cut is good, within the current piece
    for index, token in enumerate(tokens):
        if token.has_letters and not token.is_punct:
            words += 1
        token_text = text[token.start : token.end]
        if token_text in SENTENCE_ENDS and words >= segment_size // 2:
            strong = index
        elif token_text in WEAK_PUNCTUATION and words >= segment_size // 2:
            weak = index
        if words >= segment_size:
            cut = strong if strong >= 0 else weak if weak >= 0 else index
            pieces.append((start, cut + 1))
            start = cut + 1
            words = sum(1 for t in tokens[start : index + 1] if t.has_letters and not t.is_punct)
            strong = weak = -1
    if start < len(tokens):
        rest_words = sum(1 for t in tokens[start:] if t.has_letters and not t.is_punct)
        if pieces and rest_words < segment_size // 2:
            pieces[-1] = (pieces[-1][0], len(tokens))
        else:
            pieces.append((start, len(tokens)))

    segments = []
    for first, last in pieces:
        chunk = tokens[first:last]
        kept = [t for t in chunk if _is_full_word(t, pos_kept)]
        seen: dict[str, None] = {}
        for token in kept:
            seen.setdefault(fold(token.lemma), None)
        begin, finish = chunk[0].start, chunk[-1].end
        segment_text = text[begin:finish].strip()
        if not segment_text:
            continue
        segments.append(
            Segment(
                answer=answer,
                start=begin,
                end=finish,
                text=segment_text,
                words=sum(1 for t in chunk if t.has_letters and not t.is_punct),
                lemmas=tuple(seen),
            )
        )
    return segments


def lemma_display_forms(analyses: Sequence[TextAnalysis], pos_kept=FULL_WORD_POS) -> dict[str, str]:
    """Folded key -> the spelling of the lemma seen most often (accents kept)."""
    spellings: dict[str, Counter] = {}
    for analysis in analyses:
        for token in analysis.tokens:
            if _is_full_word(token, pos_kept):
                lemma = token.lemma.lower()
                spellings.setdefault(fold(lemma), Counter())[lemma] += 1
    return {
        key: max(counter.items(), key=lambda item: (item[1], item[0] != key, item[0]))[0]
        for key, counter in spellings.items()
    }


def segment_matrix(
    segments: Sequence[Segment], *, min_frequency: int = DEFAULT_MIN_FREQUENCY
) -> tuple[sparse.csr_matrix, list[str]]:
    """Binary segment × lemma matrix (CSR, one row per segment, float64) over the lemmas present in
    at least `min_frequency` segments, and those lemmas in column order (sorted, so that the
    result never depends on dictionary order)."""
    counts: Counter = Counter()
    for segment in segments:
        counts.update(segment.lemmas)
    vocabulary = sorted(lemma for lemma, count in counts.items() if count >= min_frequency)
    column = {lemma: index for index, lemma in enumerate(vocabulary)}
    indptr = [0]
    indices: list[int] = []
    for segment in segments:
        row = sorted({column[lemma] for lemma in segment.lemmas if lemma in column})
        indices.extend(row)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(segments), len(vocabulary)),
    )
    return matrix, vocabulary


# --- the bipartition ---------------------------------------------------------------------------


def first_axis_scores(matrix: sparse.csr_matrix) -> np.ndarray:
    """Row scores on the first axis of the correspondence analysis of `matrix` (no empty row or
    column): the first left singular vector of the standardised residuals D_r^-½ (P − r cᵀ) D_c^-½,
    scaled by D_r^-½. The sign is fixed (the first row with a non-zero score is negative) so that
    the order never depends on the SVD routine."""
    total = matrix.sum()
    row_mass = np.asarray(matrix.sum(axis=1)).ravel() / total
    col_mass = np.asarray(matrix.sum(axis=0)).ravel() / total
    row_scale = 1.0 / np.sqrt(row_mass)
    col_scale = 1.0 / np.sqrt(col_mass)
    n_rows, n_cols = matrix.shape
    if n_rows * n_cols <= _DENSE_LIMIT or min(n_rows, n_cols) < 3:
        dense = matrix.toarray() / total
        residuals = (dense - np.outer(row_mass, col_mass)) * np.outer(row_scale, col_scale)
        left, singular, _right = np.linalg.svd(residuals, full_matrices=False)
        vector, value = left[:, 0], singular[0]
    else:
        from scipy.sparse.linalg import LinearOperator, svds

        scaled = sparse.diags(row_scale) @ (matrix / total) @ sparse.diags(col_scale)
        scaled = scaled.tocsr()
        sqrt_r, sqrt_c = np.sqrt(row_mass), np.sqrt(col_mass)

        # The rank-one term r cᵀ scaled is sqrt(r) sqrt(c)ᵀ: applied without building it.
        def matvec(vector):
            vector = np.ravel(vector)
            return scaled @ vector - sqrt_r * (sqrt_c @ vector)

        def rmatvec(vector):
            vector = np.ravel(vector)
            return scaled.T @ vector - sqrt_c * (sqrt_r @ vector)

        operator = LinearOperator(
            (n_rows, n_cols), matvec=matvec, rmatvec=rmatvec, dtype=np.float64
        )
        start = np.cos(np.arange(min(n_rows, n_cols)) + 1.0)  # fixed start vector: deterministic
        left, singular, _right = svds(operator, k=1, v0=start, random_state=0)
        vector, value = left[:, 0], singular[0]
    if not np.isfinite(value) or value < 1e-9:
        return np.zeros(n_rows)
    scores = vector * row_scale * value
    nonzero = np.flatnonzero(np.abs(scores) > 1e-12)
    if nonzero.size and scores[nonzero[0]] > 0:
        scores = -scores
    return scores


def _chi2_of_halves(first_sums, first_total, col_sums, grand_total):
    """χ² of the 2 × lemmas table whose first row is `first_sums` (several rows at once when
    `first_sums` is 2-D): with a_j the first row and A its total, χ² = T(1/A + 1/B)(Σ a_j²/c_j − A²/T)."""
    second_total = grand_total - first_total
    with np.errstate(divide="ignore", invalid="ignore"):
        quadratic = (first_sums**2 / col_sums).sum(axis=-1)
        value = (
            grand_total
            * (1.0 / first_total + 1.0 / second_total)
            * (quadratic - first_total**2 / grand_total)
        )
    return np.where((first_total > 0) & (second_total > 0), value, -np.inf)


def best_cut(matrix: sparse.csr_matrix, order: np.ndarray) -> tuple[int, float]:
    """Over the rows taken in `order`, the number of rows in the first half that maximises the χ²
    of the two halves' lemma sums, and that χ². Computed on cumulative sums, a block of rows at a
    time; ties keep the first cut."""
    ordered = matrix[order].tocsr()
    col_sums = np.asarray(ordered.sum(axis=0)).ravel()
    grand_total = col_sums.sum()
    row_sums = np.asarray(ordered.sum(axis=1)).ravel()
    running = np.zeros(ordered.shape[1])
    running_total = 0.0
    best_size, best_value = 0, -np.inf
    n_rows = ordered.shape[0]
    for block_start in range(0, n_rows - 1, _CUT_CHUNK):
        block_end = min(block_start + _CUT_CHUNK, n_rows - 1)
        block = ordered[block_start:block_end].toarray()
        cumulative = running + np.cumsum(block, axis=0)
        totals = running_total + np.cumsum(row_sums[block_start:block_end])
        values = _chi2_of_halves(cumulative, totals, col_sums, grand_total)
        index = int(np.argmax(values))
        if values[index] > best_value + 1e-9:
            best_value, best_size = float(values[index]), block_start + index + 1
        running = cumulative[-1]
        running_total = totals[-1]
    return best_size, best_value


def reassign(matrix: sparse.csr_matrix, in_first: np.ndarray) -> tuple[np.ndarray, float]:
    """Moves a row to the other half whenever that raises the χ² of the two halves (rainette's
    step after the cut), pass after pass in row order, until a pass moves nothing."""
    in_first = in_first.copy()
    col_sums = np.asarray(matrix.sum(axis=0)).ravel()
    grand_total = float(col_sums.sum())
    inverse_cols = 1.0 / col_sums
    first_sums = np.asarray(matrix[in_first].sum(axis=0)).ravel()
    first_total = float(first_sums.sum())
    quadratic = float((first_sums**2 * inverse_cols).sum())

    def chi2_of(quad, total):
        other = grand_total - total
        if total <= 0 or other <= 0:
            return -math.inf
        return grand_total * (1.0 / total + 1.0 / other) * (quad - total * total / grand_total)

    current = chi2_of(quadratic, first_total)
    indptr, indices = matrix.indptr, matrix.indices
    for _pass in range(_MAX_REASSIGN_PASSES):
        moved = 0
        for row in range(matrix.shape[0]):
            columns = indices[indptr[row] : indptr[row + 1]]
            if columns.size == 0:
                continue
            sums = first_sums[columns]
            weights = inverse_cols[columns]
            if in_first[row]:  # leaving the first half: a_j -> a_j - 1
                new_quad = quadratic - float(((2 * sums - 1) * weights).sum())
                new_total = first_total - columns.size
            else:
                new_quad = quadratic + float(((2 * sums + 1) * weights).sum())
                new_total = first_total + columns.size
            candidate = chi2_of(new_quad, new_total)
            if candidate > current + 1e-9:
                step = -1.0 if in_first[row] else 1.0
                first_sums[columns] += step
                in_first[row] = not in_first[row]
                quadratic, first_total, current = new_quad, new_total, candidate
                moved += 1
        if not moved:
            break
    return in_first, current


def bipartition(matrix: sparse.csr_matrix) -> tuple[np.ndarray, float] | None:
    """Splits the rows of `matrix` in two (boolean mask of the first half, χ²), or None when the
    rows cannot be told apart (all alike)."""
    scores = first_axis_scores(matrix)
    if not np.any(np.abs(scores) > 1e-12):
        return None
    order = np.argsort(scores, kind="stable")
    size, _value = best_cut(matrix, order)
    if size <= 0 or size >= matrix.shape[0]:
        return None
    in_first = np.zeros(matrix.shape[0], dtype=bool)
    in_first[order[:size]] = True
    in_first, value = reassign(matrix, in_first)
    if in_first.all() or not in_first.any():
        return None
    return in_first, value


def _class_matrix(matrix: sparse.csr_matrix, rows: np.ndarray, min_frequency: int):
    """The rows of a class, over the lemmas seen at least `min_frequency` times in it; rows left
    without any lemma are returned apart (they follow the larger half)."""
    sub = matrix[rows]
    frequencies = np.asarray(sub.sum(axis=0)).ravel()
    sub = sub[:, np.flatnonzero(frequencies >= min_frequency)].tocsr()
    filled = np.asarray(sub.sum(axis=1)).ravel() > 0
    return sub[filled], rows[filled], rows[~filled]


# --- the classification ------------------------------------------------------------------------


def classify_matrix(
    matrix: sparse.csr_matrix,
    classes: int,
    *,
    min_frequency: int = DEFAULT_MIN_FREQUENCY,
    min_split_members: int = DEFAULT_MIN_SPLIT_MEMBERS,
    progress=None,
) -> tuple[np.ndarray, list[Split]]:
    """Descending hierarchical classification of the rows of a binary matrix whose rows all have a
    lemma: node ids per row (the leaves) and the splits in the order they happened. Node 0 is the
    whole corpus; a split of node n gives nodes 2k+1 and 2k+2 for its k-th split."""
    if classes < 2:
        raise ReinertError("le nombre de classes doit être au moins 2.")
    labels = np.zeros(matrix.shape[0], dtype=np.int64)
    splits: list[Split] = []
    blocked: set[int] = set()
    next_node = 1
    while len(splits) + 1 < classes:
        sizes = Counter(labels.tolist())
        candidates = [
            (size, -node)
            for node, size in sizes.items()
            if node not in blocked and size >= max(min_split_members, 2)
        ]
        if not candidates:
            raise CorpusTooSmall(
                classes,
                len(splits) + 1,
                "ajoutez des réponses, baissez le nombre de classes ou la fréquence minimale",
            )
        _size, negative_node = max(candidates)
        node = -negative_node
        rows = np.flatnonzero(labels == node)
        sub, filled_rows, empty_rows = _class_matrix(matrix, rows, min_frequency)
        result = bipartition(sub) if sub.shape[0] >= 2 and sub.shape[1] >= 2 else None
        if result is None:
            blocked.add(node)
            continue
        in_first, value = result
        left, right = next_node, next_node + 1
        next_node += 2
        labels[filled_rows[in_first]] = left
        labels[filled_rows[~in_first]] = right
        larger = left if in_first.sum() >= (~in_first).sum() else right
        labels[empty_rows] = larger
        splits.append(Split(parent=node, left=left, right=right, chi2=float(value)))
        if progress is not None:
            progress(len(splits), classes - 1)
    return labels, splits


def _leaf_order(splits: Sequence[Split]) -> list[int]:
    children = {split.parent: (split.left, split.right) for split in splits}
    order: list[int] = []

    def walk(node):
        if node in children:
            for child in children[node]:
                walk(child)
        else:
            order.append(node)

    walk(0)
    return order


def contingency_chi2(
    in_class: np.ndarray, with_feature: np.ndarray, class_size: int, total: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """χ² (no continuity correction, as IRaMuTeQ), sign and p-value of the 2 × 2 table
    class/rest × feature present/absent, for many features at once: `in_class` counts the class's
    segments having each feature, `with_feature` all segments having it."""
    a = in_class.astype(float)
    b = with_feature.astype(float) - a
    c = class_size - a
    d = total - class_size - b
    numerator = total * (a * d - b * c) ** 2
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(denominator > 0, numerator / denominator, 0.0)
    expected = with_feature * class_size / total
    sign = np.where(a >= expected, 1, -1)
    p_value = chi2_distribution.sf(value, 1)
    return value, sign, p_value


def classify(
    texts: Sequence[str],
    classes: int,
    *,
    profiles: Sequence[Mapping[str, str]] | None = None,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
    min_frequency: int = DEFAULT_MIN_FREQUENCY,
    min_split_members: int = DEFAULT_MIN_SPLIT_MEMBERS,
    proper_nouns: bool = False,
    typical_segments: int = 10,
    analyses: Sequence[TextAnalysis] | None = None,
    cache=None,
    progress=None,
) -> Classification:
    """Classes of the answers `texts` (see the module's docstring). `profiles`, parallel to
    `texts`, gives each answer's profile (variable -> modality) for the over-representation.
    `progress(done, total)` is called as the work goes (lemmas, then each split)."""
    if classes < 2:
        raise ReinertError("le nombre de classes doit être au moins 2.")
    if segment_size < 5:
        raise ReinertError("la taille des segments doit être d'au moins 5 mots.")
    texts = ["" if text is None else str(text) for text in texts]
    pos_kept = FULL_WORD_POS | {"PROPN"} if proper_nouns else FULL_WORD_POS
    analyses, segments, matrix, vocabulary, filled = _prepare(
        texts, segment_size, min_frequency, pos_kept, analyses, cache
    )
    if progress is not None:
        progress(0, classes - 1)
    used = matrix[filled]
    labels, splits = classify_matrix(
        used,
        classes,
        min_frequency=min_frequency,
        min_split_members=min_split_members,
        progress=progress,
    )
    leaves = {node: number for number, node in enumerate(_leaf_order(splits), start=1)}
    segment_classes: list[int | None] = [None] * len(segments)
    for row, label in zip(filled.tolist(), labels.tolist()):
        segment_classes[row] = leaves[label]

    forms = lemma_display_forms(analyses, pos_kept)
    result_classes = describe_classes(
        segments,
        segment_classes,
        matrix,
        vocabulary,
        forms,
        len(leaves),
        profiles=profiles,
        typical_segments=typical_segments,
    )
    answer_classes = answer_classes_of(segments, segment_classes, len(texts))
    parameters = {
        "classes": classes,
        "segment_size": segment_size,
        "min_frequency": min_frequency,
        "min_split_members": min_split_members,
        "proper_nouns": proper_nouns,
        "answers": len(texts),
        "segments": len(segments),
        "lemmas": len(vocabulary),
    }
    return Classification(
        segments=segments,
        segment_classes=segment_classes,
        classes=result_classes,
        splits=splits,
        leaves=leaves,
        answer_classes=answer_classes,
        lemma_forms=forms,
        parameters=parameters,
    )


def _prepare(texts, segment_size, min_frequency, pos_kept, analyses, cache):
    """Lemmas, segments and their matrix, or the French error that says why there is nothing to
    classify. Returns (analyses, segments, matrix, vocabulary, rows that have a lemma)."""
    if not any(text.strip() for text in texts):
        raise ReinertError("aucune réponse à classer : toutes les réponses sont vides.")
    if analyses is None:
        analyses = analyse_texts(texts, cache=cache)
    segments: list[Segment] = []
    for index, analysis in enumerate(analyses):
        segments.extend(
            segment_analysis(analysis, index, segment_size=segment_size, pos_kept=pos_kept)
        )
    if not any(segment.lemmas for segment in segments):
        raise ReinertError(
            "aucun mot plein (nom, verbe, adjectif, adverbe) dans les réponses : rien à classer."
        )
    matrix, vocabulary = segment_matrix(segments, min_frequency=min_frequency)
    filled = np.flatnonzero(np.asarray(matrix.sum(axis=1)).ravel() > 0)
    if matrix.shape[1] < 2 or filled.size < 2:
        raise ReinertError(
            f"trop peu de mots répétés : aucun mot plein n'apparaît dans au moins {min_frequency} "
            "segments, ou un seul. Ajoutez des réponses ou baissez la fréquence minimale."
        )
    distinct_rows = {tuple(matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]) for i in filled}
    if len(distinct_rows) < 2:
        raise ReinertError(
            "les réponses sont identiques (mêmes mots pleins) : il n'y a rien à séparer."
        )
    return analyses, segments, matrix, vocabulary, filled


def answer_classes_of(
    segments: Sequence[Segment], segment_classes: Sequence[int | None], answers: int
) -> list[int | None]:
    """Each answer's class: that of its largest classified segment (the first on a tie); None
    when none of its segments was classified."""
    best: list[tuple[int, int | None]] = [(-1, None)] * answers
    for segment, number in zip(segments, segment_classes):
        if number is not None and segment.words > best[segment.answer][0]:
            best[segment.answer] = (segment.words, number)
    return [number for _words, number in best]


def describe_classes(
    segments: Sequence[Segment],
    segment_classes: Sequence[int | None],
    matrix: sparse.csr_matrix,
    vocabulary: Sequence[str],
    forms: Mapping[str, str],
    count: int,
    *,
    profiles: Sequence[Mapping[str, str]] | None = None,
    typical_segments: int = 10,
) -> list[ReinertClass]:
    """Size, characteristic lemmas, typical segments and over-represented profile modalities of
    each class, all against the classified segments."""
    classified = np.array([number is not None for number in segment_classes])
    labels = np.array([number or 0 for number in segment_classes])
    used = matrix[np.flatnonzero(classified)].tocsr()
    used_labels = labels[classified]
    total = used.shape[0]
    with_term = np.asarray(used.sum(axis=0)).ravel()

    modality_rows: dict[tuple[str, str], np.ndarray] = {}
    if profiles is not None:
        answer_of = np.array([segment.answer for segment in segments])[classified]
        values_by_key: dict[tuple[str, str], list[int]] = {}
        for row, answer in enumerate(answer_of.tolist()):
            for variable, value in (profiles[answer] or {}).items():
                if value not in (None, ""):
                    values_by_key.setdefault((str(variable), str(value)), []).append(row)
        for key, rows in sorted(values_by_key.items()):
            mask = np.zeros(total, dtype=bool)
            mask[rows] = True
            modality_rows[key] = mask

    result = []
    for number in range(1, count + 1):
        members = used_labels == number
        size = int(members.sum())
        in_class = np.asarray(used[members].sum(axis=0)).ravel()
        values, signs, p_values = contingency_chi2(in_class, with_term, size, total)
        order = sorted(
            range(len(vocabulary)),
            key=lambda j: (-(values[j] * signs[j]), vocabulary[j]),
        )
        terms = [
            Term(
                lemma=forms.get(vocabulary[j], vocabulary[j]),
                chi2=round(float(values[j]), 4),
                sign=int(signs[j]),
                p_value=float(p_values[j]),
                in_class=int(in_class[j]),
                total=int(with_term[j]),
            )
            for j in order
            if in_class[j] > 0 or values[j] > 0
        ]
        positive = np.where(signs > 0, values, 0.0)
        member_rows = np.flatnonzero(members)
        scores = np.asarray(used[member_rows] @ positive).ravel()
        segment_index = np.flatnonzero(classified)[member_rows]
        ranked = sorted(zip(scores.tolist(), segment_index.tolist()), key=lambda p: (-p[0], p[1]))
        ranked = ranked[:typical_segments]
        modalities = []
        for (variable, value), mask in modality_rows.items():
            having = np.array([mask.sum()])
            inside = np.array([(mask & members).sum()])
            chi, sign, p_value = contingency_chi2(inside, having, size, total)
            modalities.append(
                Modality(
                    variable=variable,
                    value=value,
                    chi2=round(float(chi[0]), 4),
                    sign=int(sign[0]),
                    p_value=float(p_value[0]),
                    in_class=int(inside[0]),
                    total=int(having[0]),
                )
            )
        modalities.sort(key=lambda m: (-(m.chi2 * m.sign), m.variable, m.value))
        result.append(
            ReinertClass(
                number=number,
                size=size,
                share=size / total if total else 0.0,
                answers=len({segments[i].answer for i in segment_index.tolist()}),
                terms=terms,
                segments=[index for _score, index in ranked],
                segment_scores=[round(score, 4) for score, _index in ranked],
                modalities=modalities,
            )
        )
    return result


# --- double classification (rainette2) ---------------------------------------------------------


def _node_members(labels: np.ndarray, splits: Sequence[Split]) -> dict[int, np.ndarray]:
    """Boolean membership of every node of a classification tree except the root: a node holds
    the rows of every leaf below it."""
    children = {split.parent: (split.left, split.right) for split in splits}
    members: dict[int, np.ndarray] = {}

    def collect(node: int) -> np.ndarray:
        if node in children:
            mask = collect(children[node][0]) | collect(children[node][1])
        else:
            mask = labels == node
        if node != 0:
            members[node] = mask
        return mask

    collect(0)
    return members


def _units(segments: Sequence[Segment], size: int) -> np.ndarray:
    """For each segment, its unit of the second classification: consecutive segments of one
    answer merged until the unit has at least `size` words (a short answer stays one unit)."""
    unit_of = np.zeros(len(segments), dtype=np.int64)
    unit, words, answer = -1, size, None
    for index, segment in enumerate(segments):
        if segment.answer != answer or words >= size:
            unit, words, answer = unit + 1, 0, segment.answer
        unit_of[index] = unit
        words += segment.words
    return unit_of


def _best_partition(candidates: list[tuple[int, np.ndarray]], classes: int, budget: int):
    """Among crossed classes (size, mask), `classes` pairwise disjoint ones of largest total size
    (rainette2's criterion), by depth-first search pruned by the sizes still reachable; `budget`
    bounds the nodes visited (the best found by then is kept). None when there are not enough
    disjoint ones; with it, the largest number of disjoint ones seen."""
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i][0], i))
    sizes = [candidates[i][0] for i in order]
    masks = [candidates[i][1] for i in order]
    disjoint = [
        [not np.any(masks[a] & masks[b]) for b in range(len(order))] for a in range(len(order))
    ]
    best: list = [0, None]
    most = [0]
    visited = [0]

    def search(start: int, chosen: list[int], total: int) -> None:
        visited[0] += 1
        most[0] = max(most[0], len(chosen))
        if len(chosen) == classes:
            if total > best[0]:
                best[0], best[1] = total, list(chosen)
            return
        if visited[0] > budget:
            return
        needed = classes - len(chosen)
        for index in range(start, len(order)):
            if total + sizes[index] * needed <= best[0]:
                return  # sorted by size: nothing further can do better
            if all(disjoint[index][other] for other in chosen):
                chosen.append(index)
                search(index + 1, chosen, total + sizes[index])
                chosen.pop()

    search(0, [], 0)
    if best[1] is None:
        return None, most[0]
    return [order[index] for index in best[1]], most[0]


def double_classify(
    texts: Sequence[str],
    classes: int,
    *,
    profiles: Sequence[Mapping[str, str]] | None = None,
    segment_size: int = 20,
    unit_size: int = 40,
    min_frequency: int = DEFAULT_MIN_FREQUENCY,
    min_split_members: int = DEFAULT_MIN_SPLIT_MEMBERS,
    min_members: int = DEFAULT_MIN_SPLIT_MEMBERS,
    proper_nouns: bool = False,
    typical_segments: int = 10,
    analyses: Sequence[TextAnalysis] | None = None,
    cache=None,
    tree_classes: int | None = None,
    search_budget: int = 200_000,
) -> Classification:
    """Double classification, as rainette2 does: two classifications of the same answers, one on
    segments of `segment_size` words and one on units of at least `unit_size` words (consecutive
    segments of an answer merged), each down to `tree_classes` terminal classes (twice `classes`
    unless said, fewer when the corpus cannot give them); every class of one tree
    (at every level) is crossed with every class of the other, and the crossed classes that hold
    at least `min_members` segments and whose two classes are positively associated (χ² ≥ 3.84)
    are candidates. The result is the `classes` disjoint candidates with the most segments;
    segments in none of them stay unclassified: the classes kept are those both lengths agree on."""
    if classes < 2:
        raise ReinertError("le nombre de classes doit être au moins 2.")
    if unit_size <= segment_size:
        raise ReinertError("la taille des unités doit dépasser celle des segments.")
    texts = ["" if text is None else str(text) for text in texts]
    pos_kept = FULL_WORD_POS | {"PROPN"} if proper_nouns else FULL_WORD_POS
    analyses, segments, matrix, vocabulary, filled = _prepare(
        texts, segment_size, min_frequency, pos_kept, analyses, cache
    )
    used = matrix[filled]
    tree_classes = tree_classes or 2 * classes

    def tree(rows):
        # As deep as asked, or as deep as the corpus allows: the crossing may still find enough.
        try:
            return classify_matrix(
                rows, tree_classes, min_frequency=min_frequency, min_split_members=min_split_members
            )
        except CorpusTooSmall as error:
            if error.possible < 2:
                raise
            return classify_matrix(
                rows,
                error.possible,
                min_frequency=min_frequency,
                min_split_members=min_split_members,
            )

    first_labels, first_splits = tree(used)
    # Units: the segments' rows summed (binary again), over the segments that have a lemma.
    unit_of = _units([segments[i] for i in filled.tolist()], unit_size)
    grouping = sparse.csr_matrix(
        (np.ones(unit_of.size), (unit_of, np.arange(unit_of.size))),
        shape=(int(unit_of.max()) + 1, unit_of.size),
    )
    units = (grouping @ used).tocsr()
    units.data[:] = 1.0
    unit_labels, unit_splits = tree(units)
    second_labels = unit_labels[unit_of]

    first = _node_members(first_labels, first_splits)
    second = _node_members(second_labels, unit_splits)
    total = used.shape[0]
    candidates: list[tuple[int, np.ndarray]] = []
    for first_node in sorted(first):
        for second_node in sorted(second):
            both = first[first_node] & second[second_node]
            size = int(both.sum())
            if size < min_members:
                continue
            value, sign, _p = contingency_chi2(
                np.array([size]),
                np.array([int(second[second_node].sum())]),
                int(first[first_node].sum()),
                total,
            )
            if sign[0] > 0 and value[0] >= 3.84:
                candidates.append((size, both))
    chosen, most = _best_partition(candidates, classes, search_budget)
    if chosen is None:
        raise CorpusTooSmall(
            classes,
            most,
            "les deux classifications ne s'accordent pas sur assez de classes disjointes",
        )
    # Classes numbered by their first segment, so that the numbering does not depend on the search.
    picked = sorted((candidates[i][1] for i in chosen), key=lambda mask: int(np.argmax(mask)))
    segment_classes: list[int | None] = [None] * len(segments)
    for number, mask in enumerate(picked, start=1):
        for row in np.flatnonzero(mask).tolist():
            segment_classes[int(filled[row])] = number
    forms = lemma_display_forms(analyses, pos_kept)
    result_classes = describe_classes(
        segments,
        segment_classes,
        matrix,
        vocabulary,
        forms,
        classes,
        profiles=profiles,
        typical_segments=typical_segments,
    )
    parameters = {
        "classes": classes,
        "double": True,
        "segment_size": segment_size,
        "unit_size": unit_size,
        "min_frequency": min_frequency,
        "min_split_members": min_split_members,
        "min_members": min_members,
        "tree_classes": tree_classes,
        "proper_nouns": proper_nouns,
        "answers": len(texts),
        "segments": len(segments),
        "lemmas": len(vocabulary),
    }
    return Classification(
        segments=segments,
        segment_classes=segment_classes,
        classes=result_classes,
        splits=[],
        leaves={},
        answer_classes=answer_classes_of(segments, segment_classes, len(texts)),
        lemma_forms=forms,
        parameters=parameters,
    )
