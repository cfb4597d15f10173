"""Survey figures computed by analyse.tabulations, checked against hand computations."""

import math

import pandas as pd
import pytest

from analyse.tabulations import (
    CATEGORICAL,
    MULTIPLE,
    NUMERIC,
    OVERALL,
    SCALE,
    ClosedQuestion,
    small_cells,
    tabulate,
    wilson,
)

HOUSING = ClosedQuestion("logement", CATEGORICAL, ("locataire", "proprietaire", "heberge", "autre"))


def _respondents() -> pd.DataFrame:
    # Ten respondents: 6 tenants (4 young, 2 old), 3 owners (all old), 1 housed by someone (young).
    return pd.DataFrame(
        {
            "public": ["jeune"] * 4 + ["age"] * 2 + ["age"] * 3 + ["jeune"],
            "logement": ["locataire"] * 6 + ["proprietaire"] * 3 + ["heberge"],
            "aides": [["apl"], ["apl", "rsa"], [], None, "apl rsa", ["rsa"]]
            + [["aah"], None, None, ["apl", "apl"]],
            "satisfaction": [1, 2, 4, 5, 5, None, None, None, None, None],
        }
    )


def test_counts_percentages_and_wilson_interval_by_hand():
    table = tabulate(_respondents(), HOUSING)
    assert table.counts[OVERALL].tolist() == [6, 3, 1, 0]
    assert table.bases[OVERALL] == 10
    assert table.percent[OVERALL].tolist() == pytest.approx([60, 30, 10, 0])
    # Wilson for 6 out of 10, z = 1.96: centre (0.6 + z²/20) / (1 + z²/10),
    # half-width z / (1 + z²/10) · √(0.6 · 0.4 / 10 + z² / 400).
    z = 1.959963984540054
    centre = (0.6 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.024 + z * z / 400)
    assert table.low.at["locataire", OVERALL] == pytest.approx((centre - half) * 100)
    assert table.high.at["locataire", OVERALL] == pytest.approx((centre + half) * 100)
    # The published values for 6/10: 31.27 % to 83.18 %.
    assert table.low.at["locataire", OVERALL] == pytest.approx(31.27, abs=0.01)
    assert table.high.at["locataire", OVERALL] == pytest.approx(83.18, abs=0.01)
    # No answer: the interval still starts at 0, never below.
    assert table.low.at["autre", OVERALL] == 0
    assert table.high.at["autre", OVERALL] == pytest.approx(27.75, abs=0.01)


def test_wilson_of_nothing_is_undefined_not_an_error():
    low, high = wilson(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_cross_tab_gives_counts_and_column_percentages():
    table = tabulate(_respondents(), HOUSING, by="public")
    assert table.columns == [OVERALL, "age", "jeune"]
    assert table.counts.loc["locataire"].tolist() == [6, 2, 4]
    assert table.counts.loc["proprietaire"].tolist() == [3, 3, 0]
    assert table.bases.tolist() == [10, 5, 5]
    assert table.percent.loc["locataire"].tolist() == pytest.approx([60, 40, 80])
    # Each group's column adds to 100 %.
    assert table.percent.sum().tolist() == pytest.approx([100, 100, 100])


def test_multiple_choice_is_a_share_of_respondents_who_answered():
    table = tabulate(_respondents(), ClosedQuestion("aides", MULTIPLE, ("apl", "rsa", "aah")))
    # Answered: 6 respondents (an empty list and None are no answer); a choice ticked twice counts once.
    assert table.bases[OVERALL] == 6
    assert table.counts[OVERALL].tolist() == [4, 3, 1]
    assert table.percent[OVERALL].tolist() == pytest.approx([400 / 6, 50, 100 / 6])


def test_multiple_choice_reads_every_shape_an_answer_was_stored_in():
    frame = pd.DataFrame(
        {
            "public": ["jeune", "jeune", "age", "age", "age"],
            # An empty choice, a tuple, a list of nothing, an old text, a choice ticked twice.
            "aides": pd.Series(
                [["apl", ""], ("rsa", "apl"), [None], "aah", ["aah", "aah", "apl"]], dtype=object
            ),
        }
    )
    table = tabulate(frame, ClosedQuestion("aides", MULTIPLE, ("apl", "rsa", "aah")), by="public")
    assert table.columns == [OVERALL, "age", "jeune"]
    assert table.bases.tolist() == [4, 2, 2]
    assert table.counts.loc["apl"].tolist() == [3, 1, 2]
    assert table.counts.loc["rsa"].tolist() == [1, 0, 1]
    assert table.counts.loc["aah"].tolist() == [2, 2, 0]


def test_likert_mean_with_its_interval():
    scale = ClosedQuestion("satisfaction", SCALE, ("1", "2", "3", "4", "5"))
    table = tabulate(_respondents(), scale, by="public")
    assert table.rows == ["1", "2", "3", "4", "5"]
    assert table.counts[OVERALL].tolist() == [1, 1, 0, 1, 2]
    mean = table.means.loc[OVERALL]
    # (1 + 2 + 4 + 5 + 5) / 5 = 3.4; s² = (2.4² + 1.4² + 0.6² + 1.6² + 1.6²) / 4 = 3.3.
    assert mean["mean"] == pytest.approx(3.4)
    half = 1.959963984540054 * math.sqrt(3.3) / math.sqrt(5)
    assert (mean["low"], mean["high"]) == pytest.approx((3.4 - half, 3.4 + half))
    assert mean["n"] == 5
    # One answer among the old: a mean, but no interval.
    assert table.means.at["age", "n"] == 1 and table.means.at["age", "mean"] == 5
    assert math.isnan(table.means.at["age", "low"])


def test_numbers_with_many_values_are_cut_in_bands():
    frame = pd.DataFrame({"age": list(range(18, 68))})
    table = tabulate(frame, ClosedQuestion("age", NUMERIC))
    assert len(table.rows) == 5
    assert table.rows[0].startswith("18 à ")
    assert table.counts[OVERALL].sum() == 50
    assert table.means.at[OVERALL, "mean"] == pytest.approx(42.5)


def test_small_cells_are_masked_with_the_one_that_would_give_them_back():
    table = tabulate(_respondents(), HOUSING, by="public")
    masked = small_cells(table, 5)
    # Overall: 3 and 1 are small; 6 stays. « jeune »: 4 and 1 small. « age »: 2 and 3.
    assert masked[OVERALL].tolist() == [False, True, True, False]
    # In a column where one count alone would be hidden, a second one is hidden with it.
    frame = pd.DataFrame({"logement": ["locataire"] * 20 + ["heberge"] * 2 + ["proprietaire"] * 9})
    masked = small_cells(tabulate(frame, HOUSING), 5)
    assert masked[OVERALL].tolist() == [False, True, True, False]
    # Zero is never masked: nobody is singled out by it.
    assert not masked.at["autre", OVERALL]
