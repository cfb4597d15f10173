"""The suggestions on the demo's answers stay what they were when they were recorded
(tests/data/suggestions_recorded.json): making the suggester faster must not change a single
code, span, source or score.

The file holds the answers themselves (the 410 hand-coded ones and the free-text answers of the
demo's 300 submissions) and, for each, the suggestions of the suggester trained on the hand-coded
answers and of the rules alone (cold start). Recorded again, after a change that is meant to
change suggestions (or a new spaCy model), with:
    .venv/bin/python tests/test_suggestion_stability.py"""

import json
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyse.codebook import default_codebook  # noqa: E402
from analyse.quality import load_coded_answers  # noqa: E402
from analyse.suggestions import Suggester, analyse_and_suggest  # noqa: E402

CODED = ROOT / "tests" / "data" / "coded_answers.csv"
RECORDED = ROOT / "tests" / "data" / "suggestions_recorded.json"
DEMO_SUBMISSIONS = 300


def suggesters() -> dict[str, Suggester]:
    codebook = default_codebook()
    return {
        "trained": Suggester.train(load_coded_answers(CODED, codebook), codebook),
        "rules": Suggester(codebook),
    }


def _plain(found) -> list[list]:
    return [[s.code, s.score, [list(span) for span in s.spans], s.source] for s in found]


@pytest.fixture(scope="module")
def recorded():
    return json.loads(RECORDED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def trained_suggesters():
    return suggesters()


@pytest.mark.parametrize("name", ["trained", "rules"])
def test_suggestions_on_the_demo_answers_are_unchanged(recorded, trained_suggesters, name):
    texts = recorded["texts"]
    expected = recorded["suggestions"][name]
    # In batches of different sizes, as the analysis job and the workspace ask for them.
    found = []
    for start, end in ((0, 1), (1, 200), (200, len(texts))):
        found.extend(analyse_and_suggest(texts[start:end], trained_suggesters[name]))
    assert len(found) == len(expected)
    for text, got, wanted in zip(texts, found, expected):
        got = _plain(got)
        assert [s[0] for s in got] == [s[0] for s in wanted], text
        assert [s[2:] for s in got] == [s[2:] for s in wanted], text
        assert [s[1] for s in got] == pytest.approx([s[1] for s in wanted], abs=1e-9), text


def demo_texts() -> list[str]:
    """The free-text answers of the demo's submissions, drawn as consultation.demo.seed draws
    them."""
    from consultation.demo.seed import _answers
    from consultation.demo.territory import COMMUNES

    texts = []
    for index in range(1, DEMO_SUBMISSIONS + 1):
        rng = random.Random(index)
        public = "jeune" if rng.random() < 0.52 else "age"
        code = rng.choice(list(COMMUNES))
        commune_name, quartier_names = COMMUNES[code]
        quartier_name = rng.choice(quartier_names)
        if public == "jeune":
            age = rng.randint(16, 25)
        else:
            age = rng.choice([rng.randint(60, 74), rng.randint(75, 84), rng.randint(85, 96)])
        answers = _answers(rng, public, age, commune_name, quartier_name)
        texts.extend(
            value for value in answers.values() if isinstance(value, str) and " " in value.strip()
        )
    return texts


def record() -> None:
    texts = [text for text, _codes in load_coded_answers(CODED, default_codebook())]
    texts += [text for text in dict.fromkeys(demo_texts()) if text not in set(texts)]
    texts += ["", "   ", "😡", "loyer"]
    suggestions = {
        name: [_plain(found) for found in suggester.suggest(texts)]
        for name, suggester in suggesters().items()
    }

    # One line per answer, so that a change shows as the lines of the answers it touched.
    def lines(values):
        return ",\n".join(json.dumps(value, ensure_ascii=False) for value in values)

    RECORDED.write_text(
        '{"texts": [\n'
        + lines(texts)
        + '\n],\n"suggestions": {\n'
        + ",\n".join(f'"{name}": [\n{lines(found)}\n]' for name, found in suggestions.items())
        + "\n}}\n",
        encoding="utf-8",
    )
    print(f"{len(texts)} réponses enregistrées dans {RECORDED}")


if __name__ == "__main__":
    record()
