"""benchmarks/quality.py --write rewrites only its own blocks of docs/quality.md: the analysis
written by hand around the tables is kept."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.quality import MarkerError, write_between_markers  # noqa: E402

DOCUMENT = """# Qualité des suggestions de codes

<!-- quality:table:begin -->
| ancien tableau |
<!-- quality:table:end -->

## Où nous gagnons, où nous perdons

Écrit à la main.

<!-- quality:reliability:begin -->
| ancienne fiabilité |
<!-- quality:reliability:end -->
"""


def test_a_new_run_replaces_the_tables_and_keeps_what_was_written_by_hand():
    updated = write_between_markers(
        DOCUMENT, {"table": "| nouveau tableau |", "reliability": "| nouvelle fiabilité |"}
    )
    assert "ancien" not in updated
    assert updated.index("| nouveau tableau |") < updated.index("Écrit à la main.")
    assert updated.index("Écrit à la main.") < updated.index("| nouvelle fiabilité |")
    assert updated.startswith("# Qualité des suggestions de codes\n\n<!-- quality:table:begin")
    # A second run with the same figures changes nothing.
    again = write_between_markers(
        updated, {"table": "| nouveau tableau |", "reliability": "| nouvelle fiabilité |"}
    )
    assert again == updated


def test_without_markers_the_tables_are_added_at_the_end():
    hand_written = "# Qualité\n\nUne analyse écrite à la main, sans marqueurs.\n"
    updated = write_between_markers(hand_written, {"table": "| tableau |"})
    assert updated.startswith(hand_written.rstrip())
    assert updated.rstrip().endswith("| tableau |\n\n<!-- quality:table:end -->")


def test_markers_out_of_order_leave_the_file_as_it_is():
    broken = (
        DOCUMENT.replace("<!-- quality:table:begin -->", "@")
        .replace("<!-- quality:table:end -->", "<!-- quality:table:begin -->")
        .replace("@", "<!-- quality:table:end -->")
    )
    with pytest.raises(MarkerError, match="quality:table:begin"):
        write_between_markers(broken, {"table": "| tableau |"})


def test_the_committed_report_has_its_markers():
    report = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    for name in ("table", "reliability"):
        assert report.count(f"<!-- quality:{name}:begin -->") == 1
        assert report.count(f"<!-- quality:{name}:end -->") == 1
    assert "## Où nous gagnons, où nous perdons" in report.split("<!-- quality:table:end -->")[1]
