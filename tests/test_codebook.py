"""The codebook: hierarchy, the operations of the coding workspace, rules matched on lemmas."""

import json

import pytest

from analyse.codebook import (
    Code,
    Codebook,
    CodebookError,
    RuleMatcher,
    default_codebook,
    load_codebook,
    save_codebook,
)
from analyse.nlp import analyse_texts


@pytest.fixture(scope="module")
def matcher():
    return RuleMatcher(default_codebook())


def matched(matcher, text):
    [analysis] = analyse_texts([text])
    return {(match.code, text[match.start : match.end]) for match in matcher.match(analysis)}


def codes(matcher, text):
    return {code for code, _span in matched(matcher, text)}


def test_default_codebook_has_the_abs_themes_and_their_sub_themes():
    codebook = default_codebook()
    themes = {code.id for code in codebook.themes()}
    assert {
        "logement",
        "mobilite",
        "emploi",
        "acces-droits",
        "sante",
        "isolement",
        "loisirs",
        "securite",
        "cadre-vie",
        "numerique",
        "services-publics",
        "jeunesse",
        "vieillissement",
        "alimentation",
        "petite-enfance",
    } <= themes
    assert {child.id for child in codebook.children("logement")} == {
        "logement-cout",
        "logement-insalubrite",
        "logement-social",
        "logement-adaptation",
    }
    assert {child.id for child in codebook.children("numerique")} == {
        "numerique-fracture",
        "numerique-demarches",
    }
    assert codebook.label("sante-mentale") == "Santé › Santé mentale"
    for code in codebook:
        assert len(code.keywords) + len(code.phrases) >= 5, code.id


def test_keywords_match_inflected_forms_whatever_the_case_and_accents(matcher):
    assert ("sante-soins", "MEDECINS") in matched(matcher, "Y a plus de MEDECINS ici")
    assert "logement-cout" in codes(matcher, "Les loyers sont vraiment trop chers")
    assert "mobilite" in codes(matcher, "des bus le soir !!")


def test_phrases_match_through_function_words_and_inflection(matcher):
    found = matched(matcher, "Franchement je me sens très seule, je me sens seule depuis l'hiver")
    assert ("isolement", "sens seule") in found
    assert ("numerique-demarches", "Tout se fait sur internet") in matched(
        matcher, "Tout se fait sur internet maintenant"
    )


def test_a_negated_state_is_not_matched_but_a_missing_service_is(matcher):
    assert "isolement" not in codes(matcher, "Je ne me sens pas seule, mes enfants passent souvent")
    assert "isolement" not in codes(matcher, "je ne suis pas isolée du tout")
    assert "sante-soins" in codes(matcher, "Il n'y a pas de médecin dans le village")


def test_regexes_match_on_the_original_text(matcher):
    assert ("emploi", "Pôle emploi") in matched(matcher, "Pôle emploi ne me rappelle jamais")


def test_unrelated_text_matches_nothing(matcher):
    assert codes(matcher, "Je suis content, merci pour tout") == set()


def test_rename_move_and_merge_keep_ids_and_return_the_mapping():
    codebook = default_codebook()
    codebook.rename("mobilite", "Transports et déplacements")
    assert codebook["mobilite"].name == "Transports et déplacements"

    codebook.move("numerique-demarches", "services-publics")
    assert codebook["numerique-demarches"].parent == "services-publics"
    with pytest.raises(CodebookError, match="sous lui-même"):
        codebook.move("logement", "logement-cout")

    keywords_before = set(codebook["logement-social"].keywords)
    mapping = codebook.merge(["logement-social", "logement-cout"], "logement")
    assert mapping == {"logement-social": "logement", "logement-cout": "logement"}
    assert "logement-social" not in codebook and "logement-cout" not in codebook
    assert keywords_before <= set(codebook["logement"].keywords)


def test_merging_a_theme_moves_its_sub_codes_under_the_target():
    codebook = default_codebook()
    mapping = codebook.merge(["numerique"], "services-publics")
    assert mapping == {"numerique": "services-publics"}
    assert codebook["numerique-fracture"].parent == "services-publics"
    with pytest.raises(CodebookError):
        codebook.merge(["sante"], "sante-soins")


def test_a_code_with_sub_codes_cannot_be_removed():
    codebook = default_codebook()
    with pytest.raises(CodebookError, match="sous-codes"):
        codebook.remove("sante")
    codebook.remove("sante-mentale")
    assert "sante-mentale" not in codebook


def test_save_and_load_round_trip(tmp_path):
    codebook = default_codebook()
    codebook.add(
        Code(
            id="transition",
            name="Transition écologique",
            colour="#15803d",
            keywords=["vélo", "compost"],
            parent="cadre-vie",
        )
    )
    path = tmp_path / "livre.json"
    save_codebook(codebook, path)
    again = load_codebook(path)
    assert again.to_dict() == codebook.to_dict()
    assert again.fingerprint() == codebook.fingerprint()


def test_every_problem_of_an_invalid_codebook_is_listed(tmp_path):
    path = tmp_path / "livre.json"
    path.write_text(
        json.dumps(
            {
                "codes": [
                    {"id": "a", "name": "A", "colour": "rouge"},
                    {"id": "a", "name": "A bis"},
                    {"id": "b", "name": "B", "parent": "inconnu"},
                    {"id": "c", "name": "", "regexes": ["(non fermée"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CodebookError) as raised:
        load_codebook(path)
    problems = " | ".join(raised.value.problems)
    for fragment in (
        "couleur « rouge »",
        "« a » en double",
        "parent « inconnu »",
        "nom manquant",
        "(non fermée",
    ):
        assert fragment in problems


def test_a_cycle_in_the_hierarchy_is_refused():
    with pytest.raises(CodebookError, match="boucle"):
        Codebook.from_dict(
            {
                "codes": [
                    {"id": "a", "name": "A", "parent": "b"},
                    {"id": "b", "name": "B", "parent": "a"},
                ]
            }
        )
