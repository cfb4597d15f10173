"""Spans carried through an edit of their text (analyse.anchors), without Flask."""

import random

import pytest

from analyse.anchors import CHANGED, DELETED, MOVED, UNCHANGED, edit_opcodes, move_spans

ANSWER = "Il faudrait des logements moins chers, séparés, ça serait plus heureux avec un jardin."


def span_of(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def moved_words(old: str, new: str, words: str):
    (result,) = move_spans(old, new, [span_of(old, words)])
    return new[result.start : result.end], result.status


def test_prepended_words_move_every_span_onto_the_same_words():
    new = "Alors voilà : " + ANSWER
    for words in ("faudrait", "séparés, ça", "heureux avec un", "jardin."):
        assert moved_words(ANSWER, new, words) == (words, MOVED)


def test_an_edit_after_the_span_leaves_it_where_it_was():
    new = ANSWER.replace("un jardin", "un grand jardin")
    (result,) = move_spans(ANSWER, new, [span_of(ANSWER, "logements moins chers")])
    assert (result.start, result.end, result.status) == (
        *span_of(ANSWER, "logements moins chers"),
        UNCHANGED,
    )
    assert not result.needs_review


def test_an_edit_inside_the_span_keeps_it_and_asks_for_a_review():
    new = ANSWER.replace("moins chers", "vraiment moins chers")
    words, status = moved_words(ANSWER, new, "logements moins chers")
    assert (words, status) == ("logements vraiment moins chers", CHANGED)


def test_a_corrected_word_inside_the_span_asks_for_a_review():
    old = "Les loyrs sont trop chers."
    words, status = moved_words(old, "Les loyers sont trop chers.", "loyrs sont trop chers")
    assert (words, status) == ("loyers sont trop chers", CHANGED)


def test_text_typed_at_the_edges_of_a_span_stays_outside_it():
    old = "loyer cher"
    new = "le loyer très cher"
    assert moved_words(old, new, "loyer") == ("loyer", MOVED)
    assert moved_words(old, new, "cher") == ("cher", MOVED)


def test_a_repeated_word_removed_keeps_the_diffs_choice_of_which_one_went():
    old = "loyer loyer cher"
    results = move_spans(old, "loyer cher", [(0, 5), (6, 11)])
    assert [(r.start, r.end, r.status) for r in results] == [(0, 5, UNCHANGED), (6, 6, DELETED)]


def test_a_replaced_boundary_takes_the_replacement_in_and_asks_for_a_review():
    old = "Le bus passe peu le soir."
    new = "Le tram passe peu le soir."
    words, status = moved_words(old, new, "bus passe peu")
    assert words == "tram passe peu" and status == CHANGED


def test_removing_the_whole_span_leaves_an_empty_anchor_to_review():
    old = "Trop cher. Pas de bus le soir. Seule."
    new = "Trop cher. Seule."
    (result,) = move_spans(old, new, [span_of(old, "Pas de bus le soir.")])
    assert result.start == result.end == new.index("Seule.")
    assert result.status == DELETED and result.needs_review


def test_whitespace_only_edits_inside_a_span_do_not_change_its_words():
    old = "Les loyers  sont\ttrop chers."
    new = "Les loyers sont trop chers. "
    words, status = moved_words(old, new, "loyers  sont\ttrop")
    assert words == "loyers sont trop" and status == MOVED


def test_identical_text_changes_nothing():
    spans = [span_of(ANSWER, "faudrait"), (0, len(ANSWER))]
    assert [(r.start, r.end, r.status) for r in move_spans(ANSWER, ANSWER, spans)] == [
        (*spans[0], UNCHANGED),
        (*spans[1], UNCHANGED),
    ]


def test_an_emptied_answer_leaves_every_span_empty_and_to_review():
    results = move_spans(ANSWER, "", [span_of(ANSWER, "faudrait"), (0, len(ANSWER))])
    assert [(r.start, r.end, r.status) for r in results] == [(0, 0, DELETED), (0, 0, DELETED)]


def test_offsets_outside_the_old_text_are_clamped_and_flagged():
    (result,) = move_spans("court", "court", [(2, 40)])
    assert (result.start, result.end, result.status) == (2, 5, CHANGED)
    (result,) = move_spans("court", "très court", [(2, 40)])
    assert result.status == CHANGED and result.end == len("très court")


def test_an_empty_anchor_stays_empty_and_follows_the_text():
    (result,) = move_spans("abc def", "xx abc def", [(3, 3)])
    assert (result.start, result.end) == (6, 6)


@pytest.mark.parametrize("seed", range(40))
def test_spans_whose_words_are_untouched_keep_their_words(seed):
    """Random edits of a long answer: a span not reported for review still holds its words."""
    rng = random.Random(seed)
    words = (
        "logement",
        "loyer",
        "bus",
        "seule",
        "médecin",
        "jardin",
        "quartier",
        "aide",
        "et",
        "le",
    )
    old = " ".join(rng.choice(words) for _ in range(400))
    new = old
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(new))
        cut = rng.randint(0, 30)
        new = new[:at] + rng.choice(("", "très ", "Alors voilà : ", "X")) + new[at + cut :]
    spans = []
    for _ in range(30):
        start = rng.randint(0, len(old) - 1)
        spans.append((start, min(len(old), start + rng.randint(1, 60))))
    for (start, end), result in zip(spans, move_spans(old, new, spans), strict=True):
        assert 0 <= result.start <= result.end <= len(new)
        if not result.needs_review:
            assert " ".join(new[result.start : result.end].split()) == " ".join(
                old[start:end].split()
            )


def test_opcodes_cover_both_texts_of_a_long_answer_with_scattered_edits():
    rng = random.Random(7)
    old = " ".join(rng.choice(("loyer", "bus", "jardin", "seule", "aide")) for _ in range(1800))
    assert len(old) > 8_000
    new = (
        "Alors voilà : "
        + old[:3000]
        + " vraiment "
        + old[3000:7000].replace("bus", "tram")
        + old[7100:]
    )
    opcodes = edit_opcodes(old, new)
    assert opcodes[0][1] == 0 and opcodes[0][3] == 0
    assert opcodes[-1][2] == len(old) and opcodes[-1][4] == len(new)
    for before, after in zip(opcodes, opcodes[1:], strict=False):
        assert before[2] == after[1] and before[4] == after[3]
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
    far = span_of(old, old[8000:8040])
    (result,) = move_spans(old, new, [far])
    assert new[result.start : result.end] == old[far[0] : far[1]] and result.status == MOVED
