"""Themes that emerge from the answers: agreement of Reinert's classes with human themes, ours
against a TF-IDF + k-means baseline with the same number of classes, in the same run, and the time
to classify 5,000 answers.

Data: benchmarks/data/themes_answers.csv, 420 answers to an ABS's open question, each labelled with
one of six human themes (logement, santé, mobilité, emploi, lien social, enfance-jeunesse). Written
for this project (same licence as the project) by benchmarks/data/make_themes.py, before the
classification was tuned and never changed to suit it; see that file for how.

Also shown: the double classification (analyse.reinert.double_classify, segments of 20 words and
units of 40, as rainette2), where the segments both classifications do not agree on stay
unclassified (they count as one more class in the measures).

Ours: analyse.reinert.classify with K = 6, default parameters (segments of 40 words, lemmas in at
least 3 segments); an answer takes the class of its largest segment, an answer with no full word
gets a class of its own (« non classée ») in the measures. Baseline, tuned as a practitioner would:
TF-IDF of the words (sublinear tf, min_df 2, spaCy's French stop words, accents stripped), then
k-means with K = 6, 10 initialisations, seed 0. Agreement: normalised mutual information and
adjusted Rand index (scikit-learn). Time: 5,000 answers drawn by the same generator with another
seed, lemmas computed from scratch (no cache), spaCy model already loaded.

Last line: JSON."""

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from analyse.csv_input import read_csv  # noqa: E402
from analyse.nlp import load_pipeline  # noqa: E402
from analyse.reinert import classify, double_classify  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "themes_answers.csv"
CLASSES = 6
TIMED_ANSWERS = 5000
WORD = r"(?u)\b\w\w+\b"


def baseline_labels(texts: list[str], classes: int) -> list[int]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from spacy.lang.fr.stop_words import STOP_WORDS

    from analyse.nlp import fold

    # The stop words cut as the vectoriser cuts words (« quelqu'un » -> quelqu, un).
    stop_words = {piece for word in STOP_WORDS for piece in re.findall(WORD, fold(word))}
    vectoriser = TfidfVectorizer(
        sublinear_tf=True,
        min_df=2,
        stop_words=sorted(stop_words),
        strip_accents="unicode",
        lowercase=True,
        token_pattern=WORD,
    )
    matrix = vectoriser.fit_transform(texts)
    model = KMeans(n_clusters=classes, n_init=10, random_state=0)
    return model.fit_predict(matrix).tolist()


def our_labels(texts: list[str], classes: int) -> list[int]:
    result = classify(texts, classes)
    return [0 if number is None else number for number in result.answer_classes]


def double_labels(texts: list[str], classes: int) -> list[int]:
    result = double_classify(texts, classes)
    return [0 if number is None else number for number in result.answer_classes]


def timed_corpus(count: int) -> list[str]:
    import random

    from make_themes import THEMES, make_answer

    rng = random.Random(2027)
    names = sorted(THEMES)
    return [make_answer(names[index % len(names)], rng) for index in range(count)]


def main() -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    table = read_csv(DATA, required_columns=("text", "theme"))
    texts = [row["text"] for row in table.rows]
    truth = [row["theme"] for row in table.rows]
    load_pipeline()  # loading the model is not what is measured

    started = time.perf_counter()
    ours = our_labels(texts, CLASSES)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    double = double_labels(texts, CLASSES)
    double_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = baseline_labels(texts, CLASSES)
    baseline_seconds = time.perf_counter() - started

    figures = {
        "nmi": normalized_mutual_info_score(truth, ours),
        "baseline_nmi": normalized_mutual_info_score(truth, baseline),
        "ari": adjusted_rand_score(truth, ours),
        "baseline_ari": adjusted_rand_score(truth, baseline),
        "double_nmi": normalized_mutual_info_score(truth, double),
        "double_ari": adjusted_rand_score(truth, double),
    }
    print(f"{len(texts)} réponses, {len(set(truth))} thèmes humains, {CLASSES} classes")
    print("| Système | NMI | ARI | Secondes |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Reinert (nous) | {figures['nmi']:.3f} | {figures['ari']:.3f} | {ours_seconds:.1f} |")
    print(
        f"| Reinert double (nous, option) | {figures['double_nmi']:.3f} "
        f"| {figures['double_ari']:.3f} | {double_seconds:.1f} |"
    )
    print(
        f"| TF-IDF + k-means | {figures['baseline_nmi']:.3f} | {figures['baseline_ari']:.3f} "
        f"| {baseline_seconds:.1f} |"
    )
    losses = [name for name in ("nmi", "ari") if figures[name] < figures["baseline_" + name]]
    if losses:
        print(f"Nous perdons face à la référence en {', '.join(losses)}.")

    corpus = timed_corpus(TIMED_ANSWERS)
    started = time.perf_counter()
    classify(corpus, CLASSES)
    seconds_5000 = time.perf_counter() - started
    print(f"{TIMED_ANSWERS} réponses classées en {seconds_5000:.1f} s (lemmes compris)")
    print(
        json.dumps(
            {
                "name": "themes",
                **{key: round(value, 4) for key, value in figures.items()},
                "seconds_5000": round(seconds_5000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
