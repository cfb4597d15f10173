"""benchmarks/quality.py --external: the measure that decides, on a coded set written elsewhere,
is one command; a file it cannot use gets a French message naming it, not a traceback."""

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "quality.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_an_outside_set_is_measured_alone_against_both_references(tmp_path):
    # The first 150 answers of the voie verte set, with its three most frequent codes only: codes
    # the default codebook has never heard of, and no rule.
    with open(ROOT / "benchmarks" / "data" / "voie_verte_answers.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))[:150]
    counts: dict[str, int] = {}
    for row in rows:
        for code in row["codes"].split("|"):
            counts[code] = counts.get(code, 0) + 1
    kept = sorted(counts, key=counts.get, reverse=True)[:3]
    outside = tmp_path / "consultation_exterieure.csv"
    with open(outside, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "codes"])
        for row in rows:
            codes = [code for code in row["codes"].split("|") if code in kept]
            writer.writerow([row["text"], "|".join(codes) or "sans-code"])

    finished = _run("--external", str(outside), "--folds", "2")

    assert finished.returncode == 0, finished.stderr[-2000:]
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    assert set(figures) == {"name", "external", "seconds"}
    measured = figures["external"]
    for prefix in ("", "baseline_", "tuned_baseline_"):
        assert 0 < measured[f"{prefix}micro_f1"] <= 1
        assert 0 < measured[f"{prefix}macro_f1"] <= 1
    assert "consultation_exterieure.csv (exemples seuls), 150 réponses — nous" in finished.stdout


def test_an_unusable_outside_file_is_named_in_french(tmp_path):
    missing_column = tmp_path / "sans_codes.csv"
    missing_column.write_text("text\nLe bus ne passe plus.\n", encoding="utf-8")

    finished = _run("--external", str(missing_column))

    assert finished.returncode != 0
    assert "sans_codes.csv" in finished.stderr
    assert "codes" in finished.stderr
    assert "Traceback" not in finished.stderr
    too_small = tmp_path / "trop_petit.csv"
    too_small.write_text("text,codes\nLe bus,transport\nLe loyer,logement\n", encoding="utf-8")
    finished = _run("--external", str(too_small))
    assert finished.returncode != 0
    assert "trop_petit.csv : 2 réponse(s) et 2 code(s)" in finished.stderr
    assert "Traceback" not in finished.stderr

    docs = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    assert _run("--external", str(missing_column), "--write").returncode != 0
    assert (ROOT / "docs" / "quality.md").read_text(encoding="utf-8") == docs
