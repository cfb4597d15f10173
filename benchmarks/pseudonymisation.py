"""Precision and recall of the pseudonymisation on tests/data/pseudonymisation_set.jsonl, per kind
of identifier, with and without spaCy's recogniser, and the time per answer."""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyse.pseudonymise import default_nlp, detect_many, evaluate  # noqa: E402


def main() -> None:
    examples = [
        json.loads(line)
        for line in (ROOT / "tests/data/pseudonymisation_set.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line
    ]
    nlp = default_nlp()
    detect_many(["Chauffe."], nlp)  # load the lexicon outside the timing
    texts = [example["text"] for example in examples]
    print(
        f"{len(examples)} réponses, dont {sum(1 for e in examples if not e['spans'])} sans identifiant"
    )
    summary = {"name": "pseudonymisation"}
    for label, key, use_ner in (
        ("règles + spaCy", "ner", True),
        ("règles seules", "rules_only", False),
    ):
        started = time.perf_counter()
        found = detect_many(texts, nlp, use_ner=use_ner)
        elapsed = time.perf_counter() - started
        print(f"\n{label} — {1000 * elapsed / len(texts):.1f} ms par réponse")
        print(f"{'type':<16}{'attendus':>9}{'trouvés':>9}{'précision':>11}{'rappel':>9}")
        scores = evaluate(examples, lambda _texts, found=found: found)
        for kind, score in scores.items():
            expected = score.true_positives + score.false_negatives
            predicted = score.true_positives + score.false_positives
            print(
                f"{kind:<16}{expected:>9}{predicted:>9}{score.precision:>11.3f}{score.recall:>9.3f}"
            )
        overall = scores["TOUS"]
        summary |= {
            f"{key}_precision": round(overall.precision, 3),
            f"{key}_recall": round(overall.recall, 3),
            f"{key}_ms_per_answer": round(1000 * elapsed / len(texts), 2),
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
