"""Suggested codes with their evidence, learned from coded answers; the quality measure; the
`consultation autocode` command."""

from pathlib import Path

import pytest

from analyse.codebook import default_codebook
from analyse.csv_input import read_csv
from analyse.quality import (
    cross_validate,
    load_coded_answers,
    scores,
    suggester_system,
    tuned_word_tfidf_baseline,
    word_tfidf_baseline,
)
from analyse.suggestions import SOURCE_MODEL, SOURCE_RULE, Suggester

CODED = Path(__file__).parent / "data" / "coded_answers.csv"


@pytest.fixture(scope="module")
def examples():
    return load_coded_answers(CODED, default_codebook())


@pytest.fixture(scope="module")
def suggester(examples):
    return Suggester.train(examples, default_codebook())


def test_the_labelled_set_is_large_varied_and_uses_the_codebook(examples):
    table = read_csv(CODED, required_columns=("id", "public", "question", "text", "codes"))
    assert table.ok and len(table.rows) >= 400
    assert {row["public"] for row in table.rows} == {"jeune", "age"}
    assert len({row["text"] for row in table.rows}) == len(table.rows)
    assert sum(1 for _text, codes in examples if len(codes) > 1) >= 100
    assert all(code in default_codebook() for _text, codes in examples for code in codes)


def test_suggestions_come_with_evidence_in_the_original_text(suggester):
    text = "Depuis que la poste a fermé, je dois prendre DEUX bus pour envoyer un colis"
    [found] = suggester.suggest([text])
    by_code = {suggestion.code: suggestion for suggestion in found}
    assert "mobilite" in by_code
    assert any(text[start:end].lower() == "bus" for start, end in by_code["mobilite"].spans)
    for suggestion in found:
        assert 0 < suggestion.score <= 1
        assert suggestion.spans, suggestion
        assert all(0 <= start < end <= len(text) for start, end in suggestion.spans)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_empty_answers_get_no_suggestion(suggester):
    assert suggester.suggest(["", "   "]) == [[], []]


def test_the_model_suggests_a_code_no_rule_names_and_points_at_the_words():
    examples = [
        ("on cherche une nounou pour le petit", {"petite-enfance"}),
        ("aucune nounou disponible le mercredi", {"petite-enfance"}),
        ("trouver une nounou c'est impossible", {"petite-enfance"}),
        ("nounou introuvable dans la commune", {"petite-enfance"}),
        ("le bus passe rarement", {"mobilite"}),
        ("les trottoirs sont sales", {"cadre-vie"}),
        ("le loyer augmente encore", {"logement-cout"}),
        ("rien de particulier", set()),
    ]
    suggester = Suggester.train(examples, default_codebook(), use_rules=False)
    text = "Il nous faudrait une nounou le soir"
    [found] = suggester.suggest([text], threshold=0.3)
    suggestion = next(s for s in found if s.code == "petite-enfance")
    assert suggestion.source == SOURCE_MODEL
    assert "nounou" in [text[start:end] for start, end in suggestion.spans]


def test_a_rule_coders_keep_rejecting_stops_being_suggested():
    # Coders never accepted « mobilité » for these answers although the keyword « bus » is there.
    rejected = [(f"le chauffeur du bus est sympa, rien à signaler {n}", set()) for n in range(12)]
    suggester = Suggester.train(rejected, default_codebook(), use_model=False)
    [found] = suggester.suggest(["j'ai vu le bus passer"])
    assert "mobilite" not in {s.code for s in found}
    untrained = Suggester(default_codebook())
    [found] = untrained.suggest(["j'ai vu le bus passer"])
    assert [(s.code, s.source) for s in found] == [("mobilite", SOURCE_RULE)]


def test_save_and_load_give_the_same_suggestions(suggester, tmp_path):
    texts = ["Le loyer est trop cher et la crèche est complète", "je me sens seule le dimanche"]
    path = tmp_path / "suggestions.joblib"
    suggester.save(path)
    assert Suggester.load(path).suggest(texts) == suggester.suggest(texts)


def test_retraining_is_advised_after_enough_new_codings(suggester):
    assert suggester.n_examples >= 400
    assert not suggester.needs_retraining(5)
    assert suggester.needs_retraining(suggester.n_examples)


def test_micro_and_per_code_scores():
    gold = [{"a"}, {"a", "b"}, set()]
    predicted = [{"a"}, {"b"}, {"b"}]
    result = scores(gold, predicted, ["a", "b"])
    per_code = {code.code: code for code in result.per_code}
    assert (per_code["a"].precision, per_code["a"].recall, per_code["a"].support) == (1.0, 0.5, 2)
    assert (per_code["b"].precision, per_code["b"].recall, per_code["b"].predicted) == (0.5, 1.0, 2)
    assert result.precision == pytest.approx(2 / 3) and result.recall == pytest.approx(2 / 3)


def test_cross_validation_predicts_each_answer_with_a_model_that_did_not_see_it(examples):
    subset = list(examples[:150])
    results = cross_validate(
        subset,
        default_codebook(),
        {
            "ours": suggester_system(),
            "baseline": word_tfidf_baseline,
        },
        folds=3,
    )
    ours = results[0]
    assert sum(code.support for code in ours.per_code) == sum(len(codes) for _text, codes in subset)
    assert 0 < ours.f1 <= 1
    # A system that memorised the answers would be perfect: held-out folds are not.
    assert ours.f1 < 1


def test_the_reference_tuned_by_inner_cross_validation_codes_every_answer(examples):
    """The reference whose C is chosen on the training answers alone, as a practitioner would:
    every held-out answer still gets at least one code, and it is scored like the others."""
    subset = list(examples[:120])
    [plain, tuned] = cross_validate(
        subset,
        default_codebook(),
        {"plain": word_tfidf_baseline, "tuned": tuned_word_tfidf_baseline},
        folds=3,
    )
    assert 0 < tuned.f1 < 1
    assert sum(code.predicted for code in tuned.per_code) >= len(subset)
    assert sum(code.support for code in tuned.per_code) == sum(
        code.support for code in plain.per_code
    )


@pytest.fixture()
def files(tmp_path):
    train = tmp_path / "codees.csv"
    lines = ["id,text,codes"]
    for index, (text, codes) in enumerate(load_coded_answers(CODED)[:200]):
        lines.append(f'{index},"{text.replace(chr(34), chr(34) * 2)}",{"|".join(sorted(codes))}')
    train.write_text("\n".join(lines) + "\n", encoding="utf-8")
    new = tmp_path / "nouvelles.csv"
    new.write_bytes(
        "id;text\r\nA1;Les loyers sont trop chers et il n'y a pas de bus le soir\r\nA2;\r\n"
        "A3;Je me sens seule depuis la mort de mon mari\r\n".encode("cp1252")
    )
    return train, new, tmp_path / "suggestions.csv"


def test_autocode_writes_codes_and_scores_for_each_row(runner, files):
    train, new, out = files
    result = runner.invoke(
        args=["autocode", "--train", str(train), "--input", str(new), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "3 réponse(s)" in result.output
    table = read_csv(out)
    assert table.columns == ["id", "codes", "scores"]
    rows = {row["id"]: row for row in table.rows}
    assert list(rows) == ["A1", "A2", "A3"]
    assert {"logement-cout", "mobilite"} <= set(rows["A1"]["codes"].split("|"))
    assert rows["A2"]["codes"] == "" and rows["A2"]["scores"] == ""
    assert "isolement" in rows["A3"]["codes"].split("|")
    for row in rows.values():
        if row["codes"]:
            assert len(row["codes"].split("|")) == len(row["scores"].split("|"))
            assert all(0 < float(score) <= 1 for score in row["scores"].split("|"))


def test_autocode_reports_bad_lines_by_number_and_keeps_the_previous_output(runner, files):
    train, new, out = files
    out.write_text("résultat précédent\n", encoding="utf-8")
    new.write_text("id,text\n1,ok\n2,trop,de,colonnes\n3,bien\n", encoding="utf-8")
    result = runner.invoke(
        args=["autocode", "--train", str(train), "--input", str(new), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "ligne 3 : 2 colonnes attendues, 4 trouvées" in result.output
    assert out.read_text(encoding="utf-8") == "résultat précédent\n"


def test_autocode_refuses_missing_columns_and_untrainable_files(runner, files, tmp_path):
    train, new, out = files
    wrong = tmp_path / "mauvais.csv"
    wrong.write_text("ident,texte\n1,bonjour\n", encoding="utf-8")
    result = runner.invoke(
        args=["autocode", "--train", str(wrong), "--input", str(new), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert (
        "colonne « text » absente" in result.output and "colonne « codes » absente" in result.output
    )

    uncoded = tmp_path / "sans_codes.csv"
    uncoded.write_text("id,text,codes\n1,bonjour,\n2,Les bus,\n", encoding="utf-8")
    result = runner.invoke(
        args=["autocode", "--train", str(uncoded), "--input", str(new), "--out", str(out)]
    )
    assert result.exit_code == 1 and "aucune réponse codée" in result.output
    assert not out.exists()


def test_a_new_run_only_computes_the_answers_it_has_not_seen(suggester, tmp_path):
    from analyse.nlp import AnalysisCache
    from analyse.suggestions import analyse_and_suggest

    cache = AnalysisCache(tmp_path / "analyses.sqlite")
    known: dict = {}
    first = analyse_and_suggest(
        ["Pas de bus le soir", "Les loyers sont trop chers"], suggester, cache=cache, known=known
    )
    assert len(known) == 2
    again = analyse_and_suggest(
        ["Les loyers sont trop chers", "Pas de bus le soir", "Une crèche SVP"],
        suggester,
        cache=cache,
        known=known,
    )
    assert len(known) == 3 and len(cache) == 3
    # The earlier answers' suggestions are the very same objects: not computed again.
    assert again[0] is first[1] and again[1] is first[0]
    assert "petite-enfance" in {s.code for s in again[2]}
