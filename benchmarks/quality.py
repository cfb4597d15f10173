"""Quality of code suggestions, ours against the reference in the same run, by 5-fold
cross-validation on three sets:

(a) « ABS » — the demo's hand-coded answers (tests/data/coded_answers.csv) with the default ABS
    codebook and its rules (written alongside those answers: this set flatters the rules);
(b) « Municipal » — benchmarks/data/municipal_answers.csv: another domain (a town's consultation
    on redoing its market square), 34 codes of very unequal frequency incl. « Sans réponse / hors
    sujet », no rules; built apart from the rules (see benchmarks/data/make_municipal.py);
(c) « Nouveau livre de codes » — the ABS answers with the ABS codes stripped of every rule: ours
    learns from examples only.

Reference: TF-IDF of the words (1–2 grams, sublinear tf) + one-vs-rest logistic regression with
balanced classes, codes of probability ≥ 0.3 and at least the most probable one.
Prints micro/macro F1, precision, recall and the expected calibration error (ECE) of the shown
scores per set; with --write, stores the tables in docs/quality.md. Last line: JSON."""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyse.codebook import default_codebook, load_codebook  # noqa: E402
from analyse.quality import (  # noqa: E402
    cross_validate,
    load_coded_answers,
    suggester_system,
    word_tfidf_baseline,
)

DATA = ROOT / "benchmarks" / "data"
OURS, REFERENCE = "ours", "baseline"


def without_rules(codebook):
    stripped = codebook.copy()
    for code in stripped:
        code.keywords, code.phrases, code.regexes = [], [], []
    return stripped


def data_sets(abs_path: Path):
    abs_codebook = default_codebook()
    abs_examples = load_coded_answers(abs_path, abs_codebook)
    municipal_codebook = load_codebook(DATA / "municipal_codebook.json")
    municipal = load_coded_answers(DATA / "municipal_answers.csv", municipal_codebook)
    return {
        "abs": ("ABS (démo, règles + exemples)", abs_examples, abs_codebook),
        "municipal": ("Municipal (autre domaine, exemples seuls)", municipal, municipal_codebook),
        "new_codebook": (
            "Nouveau livre de codes (ABS sans règles)",
            abs_examples,
            without_rules(abs_codebook),
        ),
    }


def row(name: str, result) -> str:
    return (
        f"| {name} | {result.f1:.3f} | {result.macro_f1:.3f} | {result.precision:.3f} "
        f"| {result.recall:.3f} | {result.macro_precision:.3f} | {result.macro_recall:.3f} "
        f"| {result.calibration_error:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT / "tests" / "data" / "coded_answers.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="écrire docs/quality.md")
    arguments = parser.parse_args()

    started = time.perf_counter()
    lines = [
        f"Validation croisée à {arguments.folds} plis : chaque réponse est suggérée par un "
        "système entraîné sans elle. Micro = sur toutes les décisions ; macro = moyenne des codes "
        "utilisés ; ECE = écart moyen entre le score affiché et la part de suggestions justes.",
        "",
        "| Jeu — système | F1 micro | F1 macro | P micro | R micro | P macro | R macro | ECE |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    figures = {}
    reliability_lines = [
        "",
        "## Fiabilité des scores affichés (nous)",
        "",
        "Parmi les suggestions affichées avec un score dans la tranche, combien, leur score moyen "
        "et la part qui était juste : des scores calibrés ont les deux dernières colonnes égales.",
        "",
        "| Jeu | Tranche | Suggestions | Score moyen | Justes |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for key, (title, examples, codebook) in data_sets(Path(arguments.data)).items():
        systems = {OURS: suggester_system(), REFERENCE: word_tfidf_baseline}
        ours, baseline = cross_validate(examples, codebook, systems, folds=arguments.folds)
        lines.append(row(f"{title}, {len(examples)} réponses — nous", ours))
        lines.append(row(f"{title} — référence", baseline))
        figures[key] = {
            "micro_f1": round(ours.f1, 4),
            "macro_f1": round(ours.macro_f1, 4),
            "precision": round(ours.precision, 4),
            "recall": round(ours.recall, 4),
            "ece": round(ours.calibration_error, 4),
            "baseline_micro_f1": round(baseline.f1, 4),
            "baseline_macro_f1": round(baseline.macro_f1, 4),
            "baseline_precision": round(baseline.precision, 4),
            "baseline_recall": round(baseline.recall, 4),
            "baseline_ece": round(baseline.calibration_error, 4),
        }
        for bin_ in ours.reliability:
            reliability_lines.append(
                f"| {title} | {bin_.low:.0%}–{bin_.high:.0%} | {bin_.shown} "
                f"| {bin_.mean_score:.2f} | {bin_.right:.2f} |"
            )
        losses = [
            measure
            for measure in ("micro_f1", "macro_f1")
            if figures[key][measure] < figures[key]["baseline_" + measure]
        ]
        if losses:
            lines.append(f"| ↳ {title} : nous perdons en {', '.join(losses)} | | | | | | | |")
        print("\n".join(lines[-2 - bool(losses) :]), flush=True)
    elapsed = time.perf_counter() - started
    table = "\n".join(lines + reliability_lines) + "\n"
    print()
    print(table)
    if arguments.write:
        target = ROOT / "docs" / "quality.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text("# Qualité des suggestions de codes\n\n" + table, encoding="utf-8")
    print(json.dumps({"name": "quality", **figures, "seconds": round(elapsed, 1)}))


if __name__ == "__main__":
    main()
