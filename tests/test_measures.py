"""Frequencies, co-occurrences, agreement and concordance over codings."""

import math

import pandas as pd
import pytest

from analyse.measures import (
    MeasureInputError,
    code_frequencies,
    cohen_kappa_per_code,
    cooccurrence,
    krippendorff_alpha,
    kwic,
    kwic_texts,
)


@pytest.fixture()
def respondents():
    return pd.DataFrame(
        {
            "submission_id": [1, 2, 3, 4, 5],
            "public": ["jeune", "jeune", "âgé", "âgé", "âgé"],
            "commune": ["Tours", "Tours", "Joué-lès-Tours", "Tours", None],
        }
    )


@pytest.fixture()
def codings():
    return pd.DataFrame(
        {
            "submission_id": [1, 1, 2, 3, 3, 4, 5],
            "question": [
                "besoins",
                "besoins",
                "besoins",
                "besoins",
                "loisirs",
                "besoins",
                "besoins",
            ],
            "code": [
                "transport",
                "transport",
                "emploi",
                "transport",
                "isolement",
                "isolement",
                "isolement",
            ],
        }
    )


def test_frequencies_by_public_count_respondents_not_segments(codings, respondents):
    table = code_frequencies(codings, respondents, by="public")
    rows = {(r.public, r.code): r for r in table.itertuples()}
    transport_young = rows[("jeune", "transport")]
    assert (transport_young.respondents, transport_young.segments, transport_young.total) == (
        1,
        2,
        2,
    )
    assert transport_young.percent == 50.0
    isolation_old = rows[("âgé", "isolement")]
    assert (isolation_old.respondents, isolation_old.total, isolation_old.percent) == (3, 3, 100.0)
    # Within a public the most frequent code comes first.
    assert list(table[table.public == "âgé"].code) == ["isolement", "transport"]


def test_frequencies_by_commune_keep_unknown_places(codings, respondents):
    table = code_frequencies(codings, respondents, by="commune")
    assert "(non renseigné)" in set(table.commune)
    tours = table[(table.commune == "Tours") & (table.code == "transport")].iloc[0]
    assert (tours.respondents, tours.total) == (1, 3)


def test_frequencies_by_question_use_who_answered(codings, respondents):
    answers = pd.DataFrame(
        {"submission_id": [1, 2, 3, 4, 5, 3, 4], "question": ["besoins"] * 5 + ["loisirs"] * 2}
    )
    table = code_frequencies(codings, respondents, by="question", answers=answers)
    leisure = table[table.question == "loisirs"].iloc[0]
    assert (leisure.code, leisure.respondents, leisure.total, leisure.percent) == (
        "isolement",
        1,
        2,
        50.0,
    )


def test_overall_frequencies(codings, respondents):
    table = code_frequencies(codings, respondents)
    assert list(table.columns) == ["code", "respondents", "segments", "total", "percent"]
    assert table.iloc[0].code == "isolement" and table.iloc[0].percent == 60.0


def test_inputs_are_checked_with_french_messages(codings, respondents):
    with pytest.raises(MeasureInputError, match="colonne\\(s\\) absente\\(s\\) : code"):
        code_frequencies(codings.drop(columns="code"), respondents)
    with pytest.raises(MeasureInputError, match="quartier"):
        code_frequencies(codings, respondents, by="quartier")
    with pytest.raises(MeasureInputError, match="absente\\(s\\) des répondants"):
        code_frequencies(codings, respondents[respondents.submission_id != 5])


def test_cooccurrence_per_answer(codings):
    extra = pd.DataFrame({"submission_id": [4], "question": ["besoins"], "code": ["transport"]})
    matrix = cooccurrence(pd.concat([codings, extra]))
    assert matrix.loc["transport", "isolement"] == 1  # answer 4/besoins; 3 has them in two answers
    assert matrix.loc["isolement", "transport"] == 1
    assert matrix.loc["transport", "transport"] == 3
    assert matrix.loc["emploi", "isolement"] == 0


def _two_coders():
    rows = []
    # Ten answers; "logement": coders agree on 8 of 10; "santé": only A ever uses it.
    for i in range(10):
        if i < 5:
            rows.append((i, "q", "logement", "alice"))
        if i < 3 or i in (5, 6):
            rows.append((i, "q", "logement", "bruno"))
        if i == 9:
            rows.append((i, "q", "santé", "alice"))
    rows.append((7, "q", "autre", "bruno"))
    rows.append((8, "q", "autre", "alice"))
    return pd.DataFrame(rows, columns=["submission_id", "question", "code", "coder"])


def test_cohen_kappa_per_code():
    table = cohen_kappa_per_code(_two_coders(), "alice", "bruno").set_index("code")
    housing = table.loc["logement"]
    assert (housing.units, housing.both, housing.only_a, housing.only_b, housing.neither) == (
        10,
        3,
        2,
        2,
        3,
    )
    assert housing.agreement == pytest.approx(0.6)
    # po = .6, pe = .5*.5 + .5*.5 = .5 -> kappa .2
    assert housing.kappa == pytest.approx(0.2)
    assert table.loc["santé"].kappa == pytest.approx(0.0)


def test_kappa_is_one_for_identical_coding_and_reviewed_units_restrict():
    frame = pd.DataFrame(
        {
            "submission_id": [1, 1, 2, 3],
            "question": ["q"] * 4,
            "code": ["a", "a", "a", "a"],
            "coder": ["x", "y", "x", "y"],
        }
    )
    reviewed = pd.DataFrame(
        {"submission_id": [1, 1, 2, 3], "question": ["q"] * 4, "coder": ["x", "y", "x", "y"]}
    )
    table = cohen_kappa_per_code(frame, "x", "y", reviewed=reviewed)
    # Only answer 1 was read by both coders.
    assert table.iloc[0].units == 1 and table.iloc[0].kappa == 1.0


def test_krippendorff_alpha_per_code_and_overall():
    table = krippendorff_alpha(_two_coders()).set_index("code")
    assert set(table.index) == {"autre", "logement", "santé", "TOUS"}
    assert -1 <= table.loc["logement"].alpha < 0.5
    assert table.loc["TOUS"].units == 30
    perfect = _two_coders()
    perfect = pd.concat(
        [perfect[perfect.coder == "alice"], perfect[perfect.coder == "alice"].assign(coder="chloé")]
    )
    assert krippendorff_alpha(perfect, coders=["alice", "chloé"]).set_index("code").loc[
        "TOUS"
    ].alpha == pytest.approx(1.0)


def test_alpha_needs_two_coders():
    with pytest.raises(MeasureInputError, match="deux codeurs"):
        krippendorff_alpha(_two_coders()[lambda f: f.coder == "alice"])


def test_alpha_without_variation_is_undefined():
    frame = pd.DataFrame(
        {"submission_id": [1, 1], "question": ["q", "q"], "code": ["a", "a"], "coder": ["x", "y"]}
    )
    reviewed = pd.DataFrame({"submission_id": [1, 1], "question": ["q", "q"], "coder": ["x", "y"]})
    table = krippendorff_alpha(frame, reviewed=reviewed).set_index("code")
    assert math.isnan(table.loc["a"].alpha)


def test_kwic_on_pre_tokenised_input():
    text = "Le bus ne passe plus. Les bus du dimanche sont rares."
    tokens = [
        {
            "start": m.start(),
            "end": m.end(),
            "lemma": {"Les": "le", "sont": "être"}.get(m.group(), m.group().lower()),
        }
        for m in __import__("re").finditer(r"\w+|[^\w\s]", text)
    ]
    lines = kwic([("r1", text, tokens)], "BUS", window=2)
    assert [(line["left"], line["keyword"], line["right"]) for line in lines] == [
        ("Le", "bus", "ne passe"),
        ("plus. Les", "bus", "du dimanche"),
    ]


def test_kwic_on_real_lemmas():
    lines = kwic_texts(
        [(1, "Les médecins sont partis, plus aucun médecin au quartier."), (2, "Rien.")], "médecin"
    )
    assert [line["keyword"] for line in lines] == ["médecins", "médecin"]
    assert lines[1]["left"].endswith("plus aucun")
