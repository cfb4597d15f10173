"""Pseudonymisation with the real French spaCy model."""

import json
from pathlib import Path

import pytest

from analyse.pseudonymise import (
    Span,
    apply_corrections,
    default_nlp,
    detect,
    evaluate,
    pseudonymise,
    pseudonymise_many,
    pseudonymise_respondent,
)

SET_PATH = Path(__file__).parent / "data" / "pseudonymisation_set.jsonl"


@pytest.fixture(scope="module")
def nlp():
    return default_nlp()


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "02 47 21 60 00",
    ],
)
def test_french_phone_formats(nlp, phone):
    result = pseudonymise(f"Rappelez-moi au {phone} après 18h.", nlp)
    assert result.text == "Rappelez-moi au [TÉLÉPHONE] après 18h."


def test_every_kind_of_identifier_in_one_answer(nlp):
    text = (
        "Je suis Mme Lefèvre, née le 14/07/1952, 12 rue Jean Jaurès, bât. C, 37000 Tours. "
        "Mail : j.lefevre@orange.fr. Sécu 2 52 07 37 261 045 83, n° allocataire 2345678, "
        "IBAN FR76 3000 4008 2800 0112 3456 789, voiture AB-123-CD."
    )
    result = pseudonymise(text, nlp)
    assert result.text == (
        "Je suis Mme [PERSONNE_1], née le [DATE_NAISSANCE], [ADRESSE]. "
        "Mail : [EMAIL]. Sécu [NIR], n° allocataire [IDENTIFIANT], "
        "IBAN [IBAN], voiture [IMMATRICULATION]."
    )


def test_same_person_keeps_its_number(nlp):
    result = pseudonymise(
        "Mon fils Kevin Martin cherche un stage. Kevin a 17 ans. Ma voisine Mme Benali l'aide, "
        "et M. Martin, son père, ne dit rien.",
        nlp,
    )
    assert result.text == (
        "Mon fils [PERSONNE_1] cherche un stage. [PERSONNE_1] a 17 ans. Ma voisine Mme [PERSONNE_2] "
        "l'aide, et M. [PERSONNE_1], son père, ne dit rien."
    )


def test_places_institutions_and_common_words_are_left_alone(nlp):
    text = (
        "La mission locale de Saint-Pierre-des-Corps est loin de Tours. Rose et blanc sont les "
        "couleurs du club. On se retrouve place Plumereau, près du collège Jean Moulin, le 12 mars. "
        "J'ai 10000 euros de dettes envers la CAF."
    )
    assert pseudonymise(text, nlp).text == text


def test_lower_case_names_typed_on_a_phone(nlp):
    result = pseudonymise(
        "franchement kevin de la mission locale il est top, pas comme la rose", nlp
    )
    assert (
        result.text == "franchement [PERSONNE_1] de la mission locale il est top, pas comme la rose"
    )


def test_offsets_map_both_ways(nlp):
    text = "Appelez Mme Dupont au 06 12 34 56 78 pour le bus."
    result = pseudonymise(text, nlp)
    bus = text.index("bus")
    new_bus = result.to_pseudonymised_offset(bus)
    assert result.text[new_bus : new_bus + 3] == "bus"
    assert result.to_original_offset(new_bus) == bus
    # A coded segment that cut through the name covers the whole placeholder, and back.
    name_start = text.index("Dupont")
    start, end = result.to_pseudonymised_span(name_start + 2, text.index(" au"))
    assert result.text[start:end] == "[PERSONNE_1]"
    assert result.to_original_span(start, end) == (name_start, name_start + len("Dupont"))
    for replacement in result.replacements:
        assert text[replacement.start : replacement.end] == replacement.original
        assert result.text[replacement.new_start : replacement.new_end] == replacement.placeholder


def test_coder_corrections_add_and_remove(nlp):
    text = "Pierre m'a dit que Zorglub du foyer Bellevue passerait."
    result = pseudonymise(text, nlp)
    pierre = next(span for span in result.spans if span.text == "Pierre")
    zorglub = text.index("Zorglub")
    corrected = apply_corrections(
        result,
        remove=[(pierre.start, pierre.end)],
        add=[(zorglub, zorglub + len("Zorglub"), "PERSONNE")],
    )
    assert corrected.text.startswith("Pierre m'a dit que [PERSONNE_1] du foyer")
    assert [span.source for span in corrected.spans] == ["coder"]
    with pytest.raises(ValueError, match="aucun identifiant"):
        apply_corrections(result, remove=[(0, 3)])
    with pytest.raises(ValueError, match="hors du texte"):
        apply_corrections(result, add=[Span(0, 500, "PERSONNE")])


def test_batch_gives_the_same_result_as_one_by_one(nlp):
    texts = ["Mme Dupont au 06 12 34 56 78", "", "Rien à dire.", "Ma fille Inès a 17 ans."]
    batch = pseudonymise_many(texts, nlp)
    assert [r.text for r in batch] == [pseudonymise(t, nlp).text for t in texts]
    assert batch[1].text == "" and batch[2].replacements == ()


def test_one_respondent_keeps_numbers_across_answers(nlp):
    first, second = pseudonymise_respondent(
        ["Ma fille Inès m'aide. Mon voisin Raymond aussi.", "Sans Raymond je serais seule."], nlp
    )
    assert first.text == "Ma fille [PERSONNE_1] m'aide. Mon voisin [PERSONNE_2] aussi."
    assert second.text == "Sans [PERSONNE_2] je serais seule."


def test_long_answer_and_emoji(nlp):
    text = ("Le quartier manque de tout 😡. " * 300) + "Appelez Fatou au 07 81 45 66 02 🙏"
    result = pseudonymise(text, nlp)
    assert result.text.endswith("Appelez [PERSONNE_1] au [TÉLÉPHONE] 🙏")


def _load_set():
    return [json.loads(line) for line in SET_PATH.read_text(encoding="utf-8").splitlines() if line]


def test_the_test_set_is_consistent():
    examples = _load_set()
    assert len(examples) >= 150
    assert sum(1 for example in examples if not example["spans"]) >= 50
    for example in examples:
        for span in example["spans"]:
            assert example["text"][span["start"] : span["end"]] == span["text"]


def test_precision_and_recall_on_the_test_set(nlp):
    scores = evaluate(_load_set(), lambda texts: [detect(t, nlp) for t in texts])
    overall = scores["TOUS"]
    assert overall.recall >= 0.95 and overall.precision >= 0.95, overall
    for kind in ("PERSONNE", "TELEPHONE", "EMAIL", "ADRESSE"):
        assert scores[kind].recall >= 0.9, scores[kind]
        assert scores[kind].precision >= 0.9, scores[kind]


def test_evaluate_counts_misses_and_false_alarms():
    examples = [
        {"text": "Mme Dupont", "spans": [{"start": 4, "end": 10, "kind": "PERSONNE"}]},
        {"text": "à Tours", "spans": []},
    ]
    scores = evaluate(examples, lambda texts: [[], [Span(2, 7, "PERSONNE")]])
    assert (
        scores["PERSONNE"].true_positives,
        scores["PERSONNE"].false_positives,
        scores["PERSONNE"].false_negatives,
    ) == (0, 1, 1)
    assert scores["TOUS"].precision == 0.0 and scores["TOUS"].recall == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le bus ne passe plus le dimanche. Il faut une navette.", False),
        ("les loyers sont trop chers", False),
        ("J'en ai parlé à Mme Leroy à la mairie.", True),
        ("Kevin ne trouve pas d'apprentissage.", True),  # a first name opening the sentence
        ("Pour la CAF il faut tout faire en ligne.", True),  # capitals inside a sentence
    ],
)
def test_recogniser_runs_only_where_it_can_find_a_name(text, expected):
    from analyse.pseudonymise import may_name_a_person

    assert may_name_a_person(text) is expected


def test_skipping_the_recogniser_loses_no_identifier(nlp, monkeypatch):
    """The gate must be lossless: the same spans as with the recogniser run on every text."""
    from analyse import pseudonymise as module

    texts = [
        json.loads(line)["text"]
        for line in SET_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    # Names only the recogniser finds (surnames missing from the first-name list).
    from_recogniser = [
        "Je vais chez Gonzalvez le mardi.",
        "On en a parlé avec Kowalczyk.",
        "je vais chez Ahmadou Traoré le lundi",
    ]
    texts += from_recogniser + [
        "Kevin et Martin sont partis.",
        "Marie. Elle ne vient plus.",
        "«Fatou» m'aide",
        "Appelez Fatou Diallo",
        "DUPONT ne répond pas",
        "Voir avec Jean-Pierre",
    ]
    gated = module.detect_many(texts, nlp)
    for text, spans in zip(texts, gated):
        if text in from_recogniser:
            assert [span.source for span in spans] == ["ner"], text
    monkeypatch.setattr(module, "may_name_a_person", lambda text: True)
    assert module.detect_many(texts, nlp) == gated
