"""French lemmas for counting and matching, on the real spaCy model."""

import pytest

from analyse.nlp import (
    AnalysisCache,
    TextAnalysis,
    Token,
    analyse_texts,
    count_terms,
    load_pipeline,
    pipeline_version,
    text_hash,
)


@pytest.fixture(scope="session")
def nlp():
    return load_pipeline()


def test_only_the_components_lemmas_need_are_loaded(nlp):
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "attribute_ruler", "lemmatizer"]
    assert "fr_core_news_sm" in pipeline_version()
    assert "parser" not in nlp.component_names


def test_one_pipeline_per_process_whatever_the_call(nlp):
    # The same Language object for lemmas and for names: the package is loaded once.
    from analyse.nlp import entity_recogniser
    from analyse.pseudonymise import default_nlp

    assert load_pipeline("fr_core_news_sm") is nlp
    assert load_pipeline(model="fr_core_news_sm") is nlp
    assert default_nlp() is nlp
    assert [component.name for component in entity_recogniser(nlp)] == ["ner"]


def test_terms_are_lemmas_without_stop_words_punctuation_numbers_or_emoji(nlp):
    [analysis] = analyse_texts(["Les Médecins partent, 3 rendez-vous annulés en 2024 !!! 😡"])
    terms = analysis.terms()
    assert "médecin" in terms  # lemma, lower-case, accent kept for display
    assert not {"les", "le", ",", "!", "3", "2024", "😡"} & set(terms)


def test_token_offsets_point_into_the_original_text(nlp):
    text = "  Y'a pas d'bus le dimanche…\nJe marche 2 km 😢"
    [analysis] = analyse_texts([text])
    assert analysis.text == text
    for token in analysis.tokens:
        assert text[token.start : token.end] == analysis.token_text(token)
        assert analysis.token_text(token).strip()
    assert any(analysis.token_text(token) == "dimanche" for token in analysis.tokens)


def test_empty_long_emoji_and_foreign_answers_do_not_break(nlp):
    long_answer = "Le loyer est trop cher et le bus ne passe pas. " * 220
    assert len(long_answer) > 10_000
    results = analyse_texts(
        ["", "   ", None, "😀😀😀", long_answer, "The bus never comes, das ist schlecht."]
    )
    assert [len(result.tokens) for result in results[:3]] == [0, 0, 0]
    assert results[3].terms() == []
    assert results[4].terms().count("loyer") == 220
    assert results[4].tokens[-1].end <= len(long_answer)
    assert "bus" in results[5].terms()


def test_a_text_longer_than_the_pipeline_accepts_is_cut_without_losing_offsets(nlp):
    original = nlp.max_length
    nlp.max_length = 200
    try:
        text = "Les loyers augmentent encore. " * 30
        [analysis] = analyse_texts([text])
    finally:
        nlp.max_length = original
    assert [t.lemma for t in analysis.tokens].count("loyer") == 30
    assert all(
        text[t.start : t.end] in ("Les", "loyers", "augmentent", "encore", ".")
        for t in analysis.tokens
    )


def test_counting_merges_spellings_with_and_without_accents(nlp):
    counts = count_terms(analyse_texts(["Le médecin", "le MEDECIN", "les médecins", "l'hôpital"]))
    assert counts["médecin"] == 3
    assert "medecin" not in counts


def test_on_disk_cache_is_reused_by_a_new_process_and_only_new_texts_are_added(nlp, tmp_path):
    path = tmp_path / "analyses.sqlite"
    first = analyse_texts(["Trop de bruit la nuit", "Pas de médecin"], cache=AnalysisCache(path))
    assert len(AnalysisCache(path)) == 2

    reopened = AnalysisCache(path)  # as another process would
    again = analyse_texts(["Pas de médecin", "Trop de bruit la nuit", "Une crèche"], cache=reopened)
    assert again[0] == first[1] and again[1] == first[0]
    assert len(AnalysisCache(path)) == 3


def test_cached_tokens_are_used_instead_of_parsing_again(nlp, tmp_path):
    cache = AnalysisCache(tmp_path / "analyses.sqlite")
    text = "Les bus passent rarement"
    planted = TextAnalysis(text, (Token(0, 3, "marqueur", "NOUN", 16),))
    cache.put_many({(text_hash(text), pipeline_version()): planted.to_cache()})
    [analysis] = analyse_texts([text], cache=AnalysisCache(cache.path))
    assert analysis.terms() == ["marqueur"]
    # Another pipeline version is another key: the planted entry does not leak into it.
    cache.put_many({(text_hash("Une crèche"), "autre-modèle"): planted.to_cache()})
    [other] = analyse_texts(["Une crèche"], cache=cache)
    assert other.terms() == ["crèche"]


def test_a_cache_file_of_the_previous_layout_is_emptied_and_then_filled_again(nlp, tmp_path):
    import sqlite3

    path = tmp_path / "analyses.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE analysis (text_hash TEXT NOT NULL, pipeline TEXT NOT NULL,"
            " tokens TEXT NOT NULL, PRIMARY KEY (text_hash, pipeline)) WITHOUT ROWID"
        )
        connection.execute(
            "INSERT INTO analysis VALUES (?, ?, ?)",
            (text_hash("Pas de médecin"), pipeline_version(), "ancien format"),
        )
    connection.close()
    cache = AnalysisCache(path)
    assert len(cache) == 0  # the old rows, words of answers included, are gone
    [analysis] = analyse_texts(["Pas de médecin"], cache=cache)
    assert analysis.terms() == ["médecin"]
    assert len(AnalysisCache(path)) == 1


def test_forgotten_texts_leave_the_cache_file_whatever_their_pipeline(nlp, tmp_path):
    cache = AnalysisCache(tmp_path / "analyses.sqlite")
    analyse_texts(["Pas de médecin", "Trop de bruit"], cache=cache)
    planted = TextAnalysis("Pas de médecin", (Token(0, 3, "marqueur", "NOUN", 16),))
    cache.put_many({(text_hash("Pas de médecin"), "autre-modèle"): planted.to_cache()})
    cache.forget([text_hash("Pas de médecin")])
    reopened = AnalysisCache(cache.path)
    assert len(reopened) == 1
    keys = [(text_hash(text), pipeline_version()) for text in ("Pas de médecin", "Trop de bruit")]
    assert list(reopened.get_many(keys)) == [keys[1]]


def test_identical_texts_in_one_call_give_identical_results(nlp):
    results = analyse_texts(["Pas de bus", "Pas de bus", "pas de bus"])
    assert results[0] == results[1]
    assert [t.lemma for t in results[0].tokens] == [t.lemma for t in results[2].tokens]


def test_serialised_analysis_round_trips(nlp):
    [analysis] = analyse_texts(["Je me sens seule depuis l'hiver"])
    assert TextAnalysis.from_json(analysis.text, analysis.to_json()) == analysis
    assert TextAnalysis.from_cache(analysis.text, analysis.to_cache()) == analysis


def test_an_uninstalled_model_is_reported_in_french():
    with pytest.raises(LookupError, match="non installé"):
        load_pipeline("fr_core_news_inexistant")
