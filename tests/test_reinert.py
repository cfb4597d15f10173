"""Reinert's classification of free-text answers, on the real spaCy model and a small corpus with
two themes anyone would tell apart (doctors, buses)."""

import pytest

from analyse.nlp import analyse_texts
from analyse.reinert import (
    CorpusTooSmall,
    ReinertError,
    classify,
    segment_analysis,
)

HEALTH = [
    "Il manque un médecin généraliste dans le quartier, il faut attendre trois mois pour un rendez-vous.",
    "Trouver un médecin est impossible, les rendez-vous chez le dentiste prennent des mois.",
    "Le médecin est parti à la retraite, plus de rendez-vous possible au cabinet médical.",
    "Les soins coûtent cher et le médecin ne prend plus de nouveaux patients.",
    "Un cabinet médical avec un médecin et un dentiste, des rendez-vous plus rapides.",
]
BUS = [
    "Le bus passe trop rarement, il faudrait une ligne de bus le dimanche.",
    "Sans voiture on ne peut rien faire, le bus ne passe pas le soir.",
    "Plus de bus vers la gare, la ligne actuelle est toujours en retard.",
    "Une ligne de bus directe vers la gare et le marché, avec plus de passages.",
    "Le bus est trop cher et la ligne ne dessert pas le quartier le soir.",
]
TEXTS = (HEALTH + BUS) * 3
PROFILES = [{"public": "âgé" if i % 10 < 5 else "jeune"} for i in range(len(TEXTS))]


@pytest.fixture(scope="module")
def two_themes():
    return classify(TEXTS, 2, profiles=PROFILES, min_split_members=4)


def test_the_two_classes_separate_the_two_themes(two_themes):
    classes = two_themes.answer_classes
    health_classes = {classes[i] for i in range(len(TEXTS)) if i % 10 < 5}
    bus_classes = {classes[i] for i in range(len(TEXTS)) if i % 10 >= 5}
    assert len(health_classes) == 1 and len(bus_classes) == 1
    assert health_classes != bus_classes
    by_number = {item.number: item for item in two_themes.classes}
    health = by_number[health_classes.pop()]
    bus = by_number[bus_classes.pop()]
    assert health.size == bus.size == 15
    assert health.top_lemmas(2) == ["médecin", "rendez-vous"]
    assert bus.top_lemmas(2) == ["bus", "ligne"]
    # The typical segment of a class speaks of its theme.
    assert "médecin" in two_themes.segments[health.segments[0]].text
    assert "bus" in two_themes.segments[bus.segments[0]].text
    # The elderly answered about doctors in this corpus: over-represented there.
    [top] = health.modalities[:1]
    assert (top.variable, top.value, top.sign) == ("public", "âgé", 1)
    assert top.p_value < 0.001


def test_chi2_of_a_characteristic_word_is_the_two_by_two_chi2(two_themes):
    health = next(item for item in two_themes.classes if "médecin" in item.top_lemmas(1))
    [mois] = [term for term in health.terms if term.lemma == "mois"]
    # « mois » is in 2 of the 5 health answers (×3): 6 of the class's 15 segments, 0 of the 15
    # others. χ² = N (ad − bc)² / ((a+b)(c+d)(a+c)(b+d)) with a=6, b=0, c=9, d=15.
    a, b, c, d = 6, 0, 9, 15
    expected = 30 * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert (mois.in_class, mois.total) == (6, 6)
    assert mois.chi2 == pytest.approx(expected) == pytest.approx(7.5)
    assert mois.sign == 1
    [bus] = [term for term in health.terms if term.lemma == "bus"]
    assert bus.sign == -1


def test_same_input_same_classes(two_themes):
    again = classify(TEXTS, 2, profiles=PROFILES, min_split_members=4)
    assert again.answer_classes == two_themes.answer_classes
    assert [item.terms[:5] for item in again.classes] == [
        item.terms[:5] for item in two_themes.classes
    ]


def test_a_short_answer_is_one_segment_a_long_one_is_cut_at_sentence_ends():
    short, long = analyse_texts(
        [
            "Plus de bus le soir.",
            " ".join(
                f"Phrase numéro {n} sur le bus qui passe trop rarement dans notre quartier le soir."
                for n in range(12)
            ),
        ]
    )
    assert len(segment_analysis(short, 0)) == 1
    segments = segment_analysis(long, 1, segment_size=40)
    assert len(segments) >= 2
    assert all(segment.text.endswith(".") for segment in segments)
    assert all(20 <= segment.words <= 60 for segment in segments)
    assert sum(segment.words for segment in segments) == 12 * 14  # the number is not a word


def test_answers_without_a_full_word_are_refused_in_french():
    with pytest.raises(ReinertError, match="aucun mot plein"):
        classify(["Et le la ?", "Oui.", "Non !", "🙂"], 2)
    with pytest.raises(ReinertError, match="toutes les réponses sont vides"):
        classify(["", "  ", None], 2)


def test_identical_answers_are_refused_in_french():
    with pytest.raises(ReinertError, match="identiques"):
        classify(["Le bus ne passe pas le soir."] * 20, 2)


def test_a_corpus_too_small_says_how_many_classes_it_can_give():
    with pytest.raises(CorpusTooSmall) as raised:
        classify(TEXTS, 12, min_split_members=4)
    error = raised.value
    assert error.asked == 12 and 2 <= error.possible < 12
    assert f"il n'en permet que {error.possible}" in str(error)


def test_the_number_of_classes_is_checked():
    with pytest.raises(ReinertError, match="au moins 2"):
        classify(TEXTS, 1)


def test_an_answer_with_no_full_word_has_no_class(two_themes):
    result = classify([*TEXTS, "Oui !"], 2, min_split_members=4)
    assert result.answer_classes[-1] is None
    assert result.answer_classes[:-1] == two_themes.answer_classes


def test_the_iterative_svd_of_large_corpora_gives_the_same_classes(two_themes, monkeypatch):
    import analyse.reinert as reinert

    monkeypatch.setattr(reinert, "_DENSE_LIMIT", 0)
    result = classify(TEXTS, 2, profiles=PROFILES, min_split_members=4)
    assert result.answer_classes == two_themes.answer_classes


def test_the_double_classification_keeps_the_classes_both_lengths_agree_on(two_themes):
    from analyse.reinert import double_classify

    result = double_classify(TEXTS, 2, min_members=4, min_split_members=4)
    assert result.answer_classes == two_themes.answer_classes
    assert result.parameters["double"] is True
    with pytest.raises(ReinertError, match="taille des unités"):
        double_classify(TEXTS, 2, segment_size=40, unit_size=40)
    with pytest.raises(CorpusTooSmall, match="ne s'accordent pas"):
        double_classify(TEXTS, 5, min_members=4, min_split_members=4)


def test_a_very_long_answer_is_cut_into_many_segments():
    long_answer = " ".join(
        "Le bus ne passe plus le soir et le médecin est parti, il faut attendre."
        for _ in range(400)
    )
    result = classify([long_answer, *TEXTS], 2, min_split_members=4)
    from_long = [segment for segment in result.segments if segment.answer == 0]
    assert len(from_long) > 100
    assert all(segment.words <= 60 for segment in from_long)
    assert result.answer_classes[0] is not None
