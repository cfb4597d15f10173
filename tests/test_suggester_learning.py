"""The suggester learns the codebook it is given: rules only, examples only (codes no rule names),
or both; every answer gets at least its most probable code; thresholds per code; bad input."""

from pathlib import Path

import pytest

from analyse.codebook import Code, Codebook, default_codebook
from analyse.suggestions import SOURCE_RULE, Suggester


def _codebook(*codes: tuple[str, str]) -> Codebook:
    codebook = Codebook(name="Place du marché")
    for code_id, name in codes:
        codebook.add(Code(id=code_id, name=name))
    return codebook


MARKET = _codebook(
    ("stationnement", "Stationnement"),
    ("arbres", "Arbres"),
    ("bancs", "Bancs"),
    ("hors-sujet", "Sans réponse / hors sujet"),
)
TRAINING = [
    ("on ne trouve plus de place pour se garer le samedi", ["stationnement"]),
    ("garder le parking devant les commerces", ["stationnement"]),
    ("je tourne vingt minutes pour me garer", ["stationnement"]),
    ("le parking de la place va disparaître", ["stationnement"]),
    ("stationnement payant, plus personne ne viendra", ["stationnement"]),
    ("ne coupez pas les platanes", ["arbres"]),
    ("plus d'arbres et moins de béton", ["arbres"]),
    ("de l'ombre avec des arbres l'été", ["arbres"]),
    ("planter des arbres et des haies", ["arbres"]),
    ("les tilleuls malades à remplacer par d'autres arbres", ["arbres"]),
    ("des bancs pour s'asseoir", ["bancs"]),
    ("des bancs avec dossier pour les anciens", ["bancs"]),
    ("il manque des bancs à l'ombre", ["bancs"]),
    ("un banc près de la fontaine", ["bancs"]),
    ("je ne sais pas", ["hors-sujet"]),
    ("pas d'avis", ["hors-sujet"]),
    ("la cantine est trop chère", ["hors-sujet"]),
    ("rien à dire", ["hors-sujet"]),
]


@pytest.fixture(scope="module")
def market_suggester():
    return Suggester.train(TRAINING, MARKET)


def test_cold_start_suggests_from_the_rules_alone():
    suggester = Suggester(default_codebook())
    [bus, nothing] = suggester.suggest(["Il n'y a pas de bus le soir", "Bonne journée"])
    assert [(s.code, s.source) for s in bus] == [("mobilite", SOURCE_RULE)]
    assert nothing == []


def test_cold_start_scores_grow_with_the_evidence():
    suggester = Suggester(default_codebook())
    [one, many] = suggester.suggest(
        ["pas de bus", "pas de bus, pas de tram, et la voiture coûte trop cher en essence"]
    )
    assert one[0].code == "mobilite" and many[0].code == "mobilite"
    assert many[0].score > one[0].score


def test_examples_only_learn_codes_never_seen_before(market_suggester):
    assert market_suggester.model is not None
    found = market_suggester.suggest(
        ["impossible de se garer près du marché", "il faudrait planter des arbres sur la place"]
    )
    assert found[0][0].code == "stationnement"
    assert found[1][0].code == "arbres"


def test_every_answer_gets_at_least_its_most_probable_code(market_suggester):
    texts = ["la place", "mon chat est malade", "bof", "des fleurs peut-être"]
    for suggestions in market_suggester.suggest(texts):
        assert len(suggestions) >= 1
        assert all(0 <= s.score <= 1 for s in suggestions)


def test_the_off_topic_code_is_learned_like_any_other(market_suggester):
    [[first]] = [market_suggester.suggest(["je ne sais pas trop"])[0][:1]]
    assert first.code == "hors-sujet"


def test_without_a_none_code_an_answer_judged_off_topic_gets_no_suggestion():
    codebook = _codebook(("stationnement", "Stationnement"), ("arbres", "Arbres"))
    examples = [(text, [c for c in codes if c in codebook]) for text, codes in TRAINING]
    suggester = Suggester.train(examples, codebook)
    [off_topic, parking] = suggester.suggest(["je ne sais pas", "pas de place pour se garer"])
    assert off_topic == []
    assert [s.code for s in parking][:1] == ["stationnement"]


def test_thresholds_are_chosen_per_code_and_scores_vary():
    from analyse.quality import load_coded_answers

    coded = Path(__file__).parent / "data" / "coded_answers.csv"
    examples = load_coded_answers(coded, default_codebook())
    suggester = Suggester.train(examples[:300], default_codebook())
    thresholds = suggester.model.thresholds
    assert len(set(thresholds.round(3).tolist())) > 3
    assert all(0.1 <= t <= 0.9 for t in thresholds)
    # On answers it did not learn from, scores spread out: a coder can sort by them.
    found = suggester.suggest([text for text, _codes in examples[300:]])
    scores = {round(s.score, 2) for row in found for s in row}
    assert len(scores) > 20


def test_shown_scores_say_how_often_a_suggestion_is_right():
    """Among suggestions shown at about 70 %, about 70 % are right, on answers not learnt from;
    the raw probabilities of balanced classifiers (and rule hits) are more confident than that."""
    import random

    from analyse.quality import calibration_error, load_coded_answers

    coded = Path(__file__).parent / "data" / "coded_answers.csv"
    examples = load_coded_answers(coded, default_codebook())
    random.Random(7).shuffle(examples)
    suggester = Suggester.train(examples[:300], default_codebook())
    held_out = examples[300:]
    gold = [set(codes) for _text, codes in held_out]

    def shown():
        found = suggester.suggest([text for text, _codes in held_out])
        return [[(s.code, s.score) for s in row] for row in found]

    calibrated = shown()
    assert suggester.model.calibration is not None
    suggester.model.calibration = None
    uncalibrated = shown()
    errors = [
        calibration_error(gold, [dict(row) for row in rows]) for rows in (calibrated, uncalibrated)
    ]
    assert errors[0] < 0.12 and errors[0] < errors[1], errors
    # Calibration keeps the order of the suggestions, best first.
    assert [[c for c, _s in row] for row in calibrated] == [
        [c for c, _s in row] for row in uncalibrated
    ]


def test_one_example_per_code_still_gives_a_sensible_result():
    examples = [
        ("impossible de se garer", ["stationnement"]),
        ("plantez des arbres", ["arbres"]),
        ("des bancs", ["bancs"]),
    ]
    suggester = Suggester.train(examples, MARKET)
    [found] = suggester.suggest(["on ne peut plus se garer"])
    assert found and found[0].code == "stationnement"


def test_a_training_set_coded_none_everywhere_learns_nothing_and_says_nothing():
    examples = [(text, ["hors-sujet"]) for text, _codes in TRAINING]
    suggester = Suggester.train(examples, MARKET)
    assert suggester.model is None
    assert suggester.suggest(["des arbres svp"]) == [[]]


def test_empty_english_and_very_long_answers(market_suggester):
    long_answer = ("Il faut garder le parking de la place du marché. " * 200)[:10_000]
    empty, english, long_found = market_suggester.suggest(
        ["", "We need more parking spaces and trees", long_answer]
    )
    assert empty == []
    assert len(english) >= 1
    assert long_found[0].code == "stationnement"
    assert all(0 <= start < end <= len(long_answer) for s in long_found for start, end in s.spans)


def test_autocode_refuses_a_training_file_coded_none_everywhere(runner, tmp_path):
    import json

    codebook = tmp_path / "livre.json"
    codebook.write_text(
        json.dumps({"format": 1, "name": "Place", "codes": [c.to_dict() for c in MARKET]}),
        encoding="utf-8",
    )
    train = tmp_path / "codees.csv"
    train.write_text(
        "id,text,codes\n1,pas d'avis,hors-sujet\n2,rien,hors-sujet\n", encoding="utf-8"
    )
    new = tmp_path / "nouvelles.csv"
    new.write_text("id,text\n1,des arbres\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        args=[
            "autocode",
            "--train",
            str(train),
            "--input",
            str(new),
            "--out",
            str(out),
            "--codebook",
            str(codebook),
        ]
    )
    assert result.exit_code == 1
    assert "« Sans réponse / hors sujet »" in result.output
    assert not out.exists()


def _chosen_C(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("Régularisation")]
    return line.split("C = ")[1].split(",")[0]


def test_autocode_chooses_the_regularisation_on_its_training_answers_and_says_which(
    runner, tmp_path
):
    """Two training files of the same study need not suit the same C: each is chosen by
    cross-validation inside the coded answers given, and the command says which it took."""
    from analyse.quality import load_coded_answers

    coded = load_coded_answers(Path(__file__).parent / "data" / "coded_answers.csv")
    new = tmp_path / "nouvelles.csv"
    new.write_text("id,text\n1,il n'y a pas de bus le soir\n", encoding="utf-8")
    chosen = []
    for size in (200, 300):
        train = tmp_path / f"codees_{size}.csv"
        lines = ["id,text,codes"]
        for index, (text, codes) in enumerate(coded[:size]):
            quoted = text.replace('"', '""')
            lines.append(f'{index},"{quoted}",{"|".join(sorted(codes))}')
        train.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = tmp_path / f"out_{size}.csv"
        result = runner.invoke(
            args=["autocode", "--train", str(train), "--input", str(new), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "choisie par validation croisée sur les réponses codées" in result.output
        for C in ("3", "10", "30", "100"):
            assert f"C = {C} : 0," in result.output  # every C tried, with its inner F1
        chosen.append(_chosen_C(result.output))
    assert chosen[0] != chosen[1]
