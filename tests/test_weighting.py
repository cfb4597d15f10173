"""Raking a sample to population margins (weightipy), checked against hand computations."""

import math

import pandas as pd
import pytest

from analyse.tabulations import CATEGORICAL, MULTIPLE, OVERALL, ClosedQuestion
from analyse.weighting import rake, spread, weighted_shares


def test_one_margin_is_post_stratification_computed_by_hand():
    # 3 women and 1 man; the population is half and half: each woman weighs 0.5 / 0.75 = 2/3,
    # the man 0.5 / 0.25 = 2. Yes: two women → (2/3 + 2/3) / 4 = 33.3 %, not the raw 50 %.
    frame = pd.DataFrame(
        {"sex": ["femme", "femme", "femme", "homme"], "aide": ["oui", "oui", "non", "non"]}
    )
    weights = rake(frame, {"sex": {"femme": 5000, "homme": 5000}})
    assert weights.tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2])
    shares = weighted_shares(frame, ClosedQuestion("aide", CATEGORICAL), weights)
    assert shares[OVERALL] == pytest.approx({"oui": 100 / 3, "non": 200 / 3})
    summary = spread(weights)
    # Kish: n Σw² / (Σw)² = 4 × (3 × 4/9 + 4) / 16 = 4/3; effective size 4 / (4/3) = 3.
    assert summary.design_effect == pytest.approx(4 / 3)
    assert summary.effective_size == pytest.approx(3)
    assert (summary.minimum, summary.maximum) == pytest.approx((2 / 3, 2))


def test_two_margins_are_both_reached_and_the_outsiders_are_left_out():
    frame = pd.DataFrame(
        {
            "age_sex": [
                "26_59|femme",
                "26_59|femme",
                "60_74|homme",
                "60_74|femme",
                "",
                "26_59|homme",
            ],
            "commune": ["37261", "37122", "37261", "37261", "37261", "99999"],
            "aides": ["apl rsa", "apl", "", "rsa", "apl", "apl"],
        }
    )
    margins = {
        "age_sex": {"26_59|femme": 40, "60_74|homme": 20, "60_74|femme": 40, "26_59|homme": 30},
        "commune": {"37261": 75, "37122": 25},
    }
    weights = rake(frame, margins)
    assert math.isnan(weights[4]) and math.isnan(weights[5])
    kept = frame.assign(w=weights).dropna(subset=["w"])
    by_commune = kept.groupby("commune")["w"].sum() / kept["w"].sum()
    assert by_commune.to_dict() == pytest.approx({"37261": 0.75, "37122": 0.25}, abs=1e-3)
    # 26_59|homme has no respondent inside the margins: the other cells share 100 %.
    by_cell = kept.groupby("age_sex")["w"].sum() / kept["w"].sum()
    assert by_cell.to_dict() == pytest.approx(
        {"26_59|femme": 0.4, "60_74|homme": 0.2, "60_74|femme": 0.4}, abs=1e-3
    )
    assert spread(weights).left_out == 2
    shares = weighted_shares(frame, ClosedQuestion("aides", MULTIPLE, ("apl", "rsa")), weights)[
        OVERALL
    ]
    # Respondent 2 (no answer) is out of the base; apl: rows 0 and 1, rsa: rows 0 and 3.
    w = weights
    base = w[0] + w[1] + w[3]
    assert shares == pytest.approx(
        {"apl": 100 * (w[0] + w[1]) / base, "rsa": 100 * (w[0] + w[3]) / base}
    )


def test_a_cap_keeps_every_weight_under_it_and_says_the_margins_move():
    # 1 young respondent out of 20, 30 % of the population: raked, the young one weighs
    # 0.30 × 20 = 6 times the mean. Capped at 3, nobody weighs more than 3 times the mean.
    frame = pd.DataFrame({"age": ["jeune"] + ["age"] * 19})
    margins = {"age": {"jeune": 30, "age": 70}}
    raked = rake(frame, margins)
    assert raked.max() == pytest.approx(6.0)
    capped = rake(frame, margins, cap=3)
    assert capped.max() <= 3.0 + 1e-3 and capped.max() == pytest.approx(3.0, abs=1e-2)
    assert capped.mean() == pytest.approx(1.0)
    # The young share is no longer 30 % but 3 / 20 = 15 %: the cap's price, stated on the page.
    share = capped[0] / capped.sum()
    assert share == pytest.approx(0.15, abs=1e-2)


def test_multiple_choices_stored_as_lists_are_weighted_by_group():
    # As the submissions store them: lists (and one older space-separated text); a choice
    # ticked twice counts once; row 2 did not answer.
    frame = pd.DataFrame(
        {
            "aides": [["apl", "rsa"], ["apl"], None, "rsa apl", ["apl", "apl"]],
            "public": ["jeune", "age", "age", None, "jeune"],
        }
    )
    weights = pd.Series([1.0, 2.0, 1.0, 1.0, 1.0])
    shares = weighted_shares(
        frame, ClosedQuestion("aides", MULTIPLE, ("apl", "rsa")), weights, by="public"
    )
    # All: base 1 + 2 + 1 + 1 = 5; apl everyone, rsa rows 0 and 3 (2 / 5).
    assert shares[OVERALL] == pytest.approx({"apl": 100.0, "rsa": 40.0})
    # Young: rows 0 and 4 (base 2), rsa row 0 only; old: row 1 (apl); no profile: row 3.
    assert shares["jeune"] == pytest.approx({"apl": 100.0, "rsa": 50.0})
    assert shares["age"] == pytest.approx({"apl": 100.0})
    assert shares[""] == pytest.approx({"apl": 100.0, "rsa": 100.0})
