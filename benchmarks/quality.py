"""Quality of code suggestions: cross-validated micro-F1 and per-code precision/recall on the
hand-coded answers, ours against a TF-IDF + logistic regression baseline. Prints the table and,
with --write, stores it in docs/quality.md."""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyse.codebook import default_codebook  # noqa: E402
from analyse.quality import cross_validate, format_markdown, load_coded_answers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT / "tests" / "data" / "coded_answers.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="écrire docs/quality.md")
    arguments = parser.parse_args()

    codebook = default_codebook()
    examples = load_coded_answers(arguments.data, codebook)
    started = time.perf_counter()
    results = cross_validate(examples, codebook, folds=arguments.folds)
    elapsed = time.perf_counter() - started
    table = format_markdown(results, codebook, n_examples=len(examples), folds=arguments.folds)
    print(table)
    if arguments.write:
        target = ROOT / "docs" / "quality.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text("# Qualité des suggestions de codes\n\n" + table, encoding="utf-8")
    ours, baseline = results[0], results[-1]
    print(
        json.dumps(
            {
                "name": "quality",
                "micro_f1": round(ours.f1, 4),
                "baseline_micro_f1": round(baseline.f1, 4),
                "seconds": round(elapsed, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
