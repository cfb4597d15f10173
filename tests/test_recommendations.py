"""Préconisations: written by the collectif on the study's themes, resting on evidence that opens
what it points to (a verbatim in its answer, a survey figure, an indicator), followed year after
year, and carried over to the next edition."""

import pytest
import test_themes
from lxml import html as lxml_html
from sqlalchemy import select
from test_themes import NAMED, RENT

from analyse.pseudonymise import Span, render
from consultation.coding.models import Code, Codebook, Theme
from consultation.collectif.models import Evidence, Notification, Recommendation
from consultation.collectif.recommendation_evidence import (
    ERASED,
    add_figure,
    add_indicator,
    add_verbatims,
)
from consultation.collectif.recommendations import (
    RecommendationInvalid,
    add_entry,
    create_recommendation,
)
from consultation.indicators.models import Indicator
from consultation.questionnaire_store.models import Questionnaire
from consultation.studies.editions import prepare_next_edition
from consultation.studies.models import AuditEntry, Study
from consultation.studies.scope import ALL_STUDIES, current_study, enter_study
from consultation.submissions.answer_table import AnswerText
from consultation.submissions.rights import erase_submissions

pytestmark = pytest.mark.storage
# The theme pages' study: a theme « logement » with coded answers (one pseudonymised and validated),
# its closed question and the indicators the glossary links to it.
theme_study = test_themes.theme_study

BASE = "/etudes/etude-test/collectif/preconisations"
HOSTILE = "<script>alert('x')</script>"


def _tree(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _theme(db, key="logement") -> Theme:
    return db.session.scalar(
        select(Theme).join(Code, Code.id == Theme.code_id).where(Code.key == key)
    )


def _answers(db, text: str, questionnaire) -> list[int]:
    return list(
        db.session.scalars(
            select(AnswerText.submission_id).where(
                AnswerText.text == text, AnswerText.questionnaire_id == questionnaire.id
            )
        )
    )


@pytest.fixture()
def recommendation(db, theme_study):
    recommendation = create_recommendation(
        current_study(),
        title="Encadrer les loyers des petits logements",
        body="Avec les bailleurs sociaux.",
        committee="Cadre de vie",
        priority="haute",
        theme_ids=[_theme(db).id],
    )
    db.session.commit()
    return recommendation


def test_a_member_writes_a_preconisation_and_the_journal_says_so(db, login, theme_study):
    member = login("collectif")
    theme = _theme(db)
    response = member.post(
        f"{BASE}/nouvelle",
        data={
            "title": f"Un bus de nuit {HOSTILE}",
            "body": f"Jusqu'à minuit {HOSTILE}",
            "committee": "Cadre de vie",
            "priority": "haute",
            "themes": [str(theme.id)],
        },
    )
    assert response.status_code == 302
    page = member.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert HOSTILE not in body
    assert "Un bus de nuit &lt;script&gt;" in body
    tree = _tree(page)
    assert "Proposée" in _text(tree.find_class("reco-meta")[0])
    assert "Besoins" not in _text(tree.find_class("reco-themes")[0])
    assert theme.code.name in _text(tree.find_class("reco-themes")[0])

    recommendation = db.session.scalar(select(Recommendation))
    assert [entry.year for entry in recommendation.entries] == [2026]
    line = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "recommendation"))
    assert (line.action, line.user_id) == ("create", member.user.id)
    # The author follows what they wrote.
    assert _text(tree.find_class("reco-actions")[0]).endswith("Ne plus suivre")

    listing = _tree(member.get(BASE))
    card = listing.find_class("reco-card")[0]
    assert "Proposée" in _text(card) and "0 preuve(s)" in _text(card)
    assert "Cadre de vie" in _text(card)
    filtered = _tree(member.get(BASE, query_string={"statut": "realisee"}))
    assert not filtered.find_class("reco-card")
    assert "Aucune préconisation dans ce filtre." in _text(filtered.find_class("reco-list")[0])
    by_theme = _tree(member.get(BASE, query_string={"theme": theme.id, "priorite": "haute"}))
    assert len(by_theme.find_class("reco-card")) == 1


def test_a_bad_form_names_the_field_and_keeps_what_was_typed(db, login, theme_study):
    member = login("collectif")
    response = member.post(
        f"{BASE}/nouvelle",
        data={"title": "", "body": "Un texte long à garder", "priority": "haute"},
    )
    assert response.status_code == 422
    tree = _tree(response)
    assert "Titre : il est obligatoire." in _text(tree)
    assert tree.get_element_by_id("body").text_content().strip() == "Un texte long à garder"
    too_long = member.post(f"{BASE}/nouvelle", data={"title": "x" * 301, "priority": "haute"})
    assert too_long.status_code == 422
    assert "Titre : 300 caractères au plus." in too_long.get_data(as_text=True)
    unknown = member.post(
        f"{BASE}/nouvelle", data={"title": "Bien", "priority": "haute", "themes": ["999999"]}
    )
    assert unknown.status_code == 422
    assert "Thèmes : l'un des thèmes choisis n'existe plus" in _text(_tree(unknown))
    odd = member.post(
        f"{BASE}/nouvelle", data={"title": "Bien", "priority": "urgente", "themes": ["x"]}
    )
    assert odd.status_code == 422
    assert "Thèmes : choix illisible, rechargez la page." in _text(_tree(odd))
    odd = member.post(f"{BASE}/nouvelle", data={"title": "Bien", "priority": "urgente"})
    assert "Priorité : choisissez haute, moyenne ou basse." in _text(_tree(odd))
    assert db.session.scalar(select(Recommendation)) is None


def test_a_stale_edit_is_refused_and_loses_nothing(db, login, recommendation):
    first, second = login("collectif"), login("charge_etude")
    url = f"{BASE}/{recommendation.id}/modifier"
    version = _tree(first.get(url)).get_element_by_id("version").get("value")
    assert _tree(second.get(url)).get_element_by_id("version").get("value") == version
    saved = first.post(
        url,
        data={
            "title": "Encadrer les loyers",
            "body": "Version de Bernard",
            "priority": "haute",
            "version": version,
            "themes": [str(_theme(db).id)],
        },
    )
    assert saved.status_code == 302
    stale = second.post(
        url,
        data={
            "title": "Plafonner les loyers",
            "body": "Version de Claire, longue à retaper",
            "priority": "basse",
            "version": version,
        },
    )
    assert stale.status_code == 409
    tree = _tree(stale)
    assert "modifiée par quelqu'un d'autre" in _text(tree.find_class("flash-error")[0])
    assert tree.get_element_by_id("body").text_content().strip() == (
        "Version de Claire, longue à retaper"
    )
    assert tree.get_element_by_id("title").get("value") == "Plafonner les loyers"
    assert "Version de Bernard" in _text(tree.find_class("stale-version")[0])
    db.session.expire_all()
    current = db.session.get(Recommendation, recommendation.id)
    assert (current.title, current.body) == ("Encadrer les loyers", "Version de Bernard")
    # Saved again from the shown form (it now carries the current version): accepted.
    again = second.post(
        url,
        data={
            "title": "Plafonner les loyers",
            "body": "Version de Claire",
            "priority": "basse",
            "version": tree.get_element_by_id("version").get("value"),
        },
    )
    assert again.status_code == 302


def test_verbatims_must_be_answers_coded_with_its_themes(db, theme_study, recommendation):
    questionnaire = theme_study["questionnaire"]
    named = _answers(db, NAMED, questionnaire)[0]
    rent = _answers(db, RENT, questionnaire)[0]
    uncoded = _answers(db, "Rien de particulier à signaler.", questionnaire)[0]
    for keys in ([f"{uncoded}:besoins"], [f"{named}:besoins", "abc:besoins"], [f"{named}:age"]):
        with pytest.raises(RecommendationInvalid) as refused:
            add_verbatims(recommendation, keys)
        assert "n'est pas codée avec un thème de cette préconisation" in str(refused.value)
    assert add_verbatims(recommendation, [f"{named}:besoins", f"{rent}:besoins"]) == 2
    assert add_verbatims(recommendation, [f"{named}:besoins"]) == 0
    assert [(e.kind, e.submission_id) for e in recommendation.evidence] == [
        ("verbatim", named),
        ("verbatim", rent),
    ]
    # Only the address, never the resident's words.
    assert all(
        "Kevin" not in evidence.label and "loyers" not in evidence.label
        for evidence in recommendation.evidence
    )


def test_a_verbatim_of_another_study_is_refused_through_the_form(
    db, login, theme_study, recommendation
):
    from security_records import study

    other = Study(name="Autre étude", year=2026, slug="autre-etude-reco")
    db.session.add(other)
    db.session.commit()
    mine = current_study()
    records = study(db, study_id=other.id)
    enter_study(mine, None)
    member = login("collectif")
    response = member.post(
        f"{BASE}/{recommendation.id}/preuves",
        data={"kind": "verbatim", "verbatims": [f"{records['submission'].id}:besoins"]},
    )
    assert response.status_code == 302
    page = _tree(member.get(response.headers["Location"]))
    assert "n'est pas codée avec un thème de cette préconisation" in _text(page)
    assert _text(page.get_element_by_id("preuves")).endswith("Aucune preuve pour l'instant.")


def test_readers_see_pseudonymised_verbatims_coders_the_originals(
    db, login, theme_study, recommendation
):
    questionnaire = theme_study["questionnaire"]
    named = _answers(db, NAMED, questionnaire)[0]
    rent = _answers(db, RENT, questionnaire)[0]
    member = login("collectif")
    candidates = _tree(member.get(f"{BASE}/{recommendation.id}")).find_class("candidates")[0]
    # Readers may link only what they can read: the validated pseudonymised answer.
    assert [box.get("value") for box in candidates.iter("input")] == [f"{named}:besoins"]
    assert "Kevin Martin" not in _text(candidates)
    member.post(
        f"{BASE}/{recommendation.id}/preuves",
        data={"kind": "verbatim", "verbatims": [f"{named}:besoins"]},
    )
    add_verbatims(recommendation, [f"{rent}:besoins"])
    db.session.commit()
    pseudonymised = render(NAMED, [Span(8, 20, "PERSONNE", "Kevin Martin")]).text
    evidence = _tree(member.get(f"{BASE}/{recommendation.id}")).get_element_by_id("preuves")
    assert "Kevin Martin" not in _text(evidence)
    assert "logement trop cher" in _text(evidence)
    assert "en attente de la validation de sa pseudonymisation" in _text(evidence)
    links = [a.get("href") for a in evidence.iter("a")]
    context = _tree(member.get(links[0]))
    assert pseudonymised.replace(" ", "") in _text(context).replace(" ", "")
    assert "Kevin Martin" not in _text(context)
    coder = theme_study["coder"]
    coded = _tree(coder.get(links[0]))
    assert "Kevin Martin" in _text(coded)
    assert "Cette question dans l'espace de codage" in _text(coded)


def test_an_erased_verbatim_says_so_and_nothing_breaks(db, login, theme_study, recommendation):
    named = _answers(db, NAMED, theme_study["questionnaire"])[0]
    add_verbatims(recommendation, [f"{named}:besoins"])
    db.session.commit()
    evidence_id = recommendation.evidence[0].id
    erase_submissions([named], reason="la personne")
    db.session.commit()
    for role in ("collectif", "lecteur", "charge_etude"):
        client = login(role)
        page = client.get(f"{BASE}/{recommendation.id}")
        assert page.status_code == 200
        item = _tree(page).get_element_by_id("preuves").find_class("evidence")[0]
        assert ERASED in _text(item)
        context = client.get(f"{BASE}/{recommendation.id}/preuves/{evidence_id}")
        assert context.status_code == 200
        assert ERASED in _text(_tree(context).find_class("gone")[0])
    assert "Kevin" not in db.session.get(Evidence, evidence_id).label


def test_figure_and_indicator_links_open_their_pages(db, login, theme_study, recommendation):
    questionnaire = theme_study["questionnaire"]
    hlm = db.session.scalar(select(Indicator).where(Indicator.code == "PART_HLM"))
    with pytest.raises(RecommendationInvalid):
        add_figure(recommendation, questionnaire.id, "besoins")  # a free-text question
    add_figure(recommendation, questionnaire.id, "logement")
    add_indicator(recommendation, hlm.id)
    db.session.commit()
    reader = login("lecteur")
    evidence = _tree(reader.get(f"{BASE}/{recommendation.id}")).get_element_by_id("preuves")
    links = {_text(a): a.get("href") for a in evidence.iter("a")}
    figure = next(href for text, href in links.items() if "#chiffre-logement" in href)
    survey = _tree(reader.get(figure.split("#")[0]))
    assert survey.get_element_by_id("chiffre-logement") is not None
    indicator_page = reader.get(links["Part des logements HLM"])
    assert indicator_page.status_code == 200
    assert "Part des logements HLM" in indicator_page.get_data(as_text=True)
    # The indicator linked to the theme is offered first to who writes.
    member = login("collectif")
    select_ = _tree(member.get(f"{BASE}/{recommendation.id}")).get_element_by_id(
        "preuve-indicateur"
    )
    assert select_.find("optgroup").get("label") == "Reliés aux thèmes de la préconisation"
    db.session.delete(db.session.get(Indicator, hlm.id))
    db.session.commit()
    gone = _tree(reader.get(f"{BASE}/{recommendation.id}")).get_element_by_id("preuves")
    assert "Cet indicateur a été supprimé du glossaire" in _text(gone)


def test_follow_up_dates_the_status_and_tells_the_followers(db, login, recommendation):
    follower, charge = login("collectif"), login("charge_etude")
    follower.post(f"{BASE}/{recommendation.id}/suivre")
    response = charge.post(
        f"{BASE}/{recommendation.id}/suivi",
        data={"status": "retenue", "note": f"Votée en conseil {HOSTILE}"},
    )
    assert response.status_code == 302
    notes = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.kind) for n in notes] == [(follower.user.id, "preconisation_statut")]
    assert notes[0].url.endswith(f"/preconisations/{recommendation.id}")
    page = follower.get(f"{BASE}/{recommendation.id}")
    assert HOSTILE not in page.get_data(as_text=True)
    entries = _tree(page).get_element_by_id("suivi").find_class("entry")
    assert "Retenue" in _text(entries[0]) and "Votée en conseil" in _text(entries[0])
    assert "Proposée" in _text(entries[1])
    card = _tree(follower.get(BASE)).find_class("reco-card")[0]
    assert "Retenue depuis le" in _text(card)
    bad = charge.post(f"{BASE}/{recommendation.id}/suivi", data={"status": "oubliee"})
    assert bad.status_code == 302
    flashed = _tree(charge.get(bad.headers["Location"])).find_class("flash-error")[0]
    assert "Statut : choisissez l'un des statuts proposés." in _text(flashed)
    db.session.expire_all()
    assert db.session.get(Recommendation, recommendation.id).status == "retenue"


def test_the_theme_page_lists_its_preconisations(db, theme_study, recommendation):
    page = _tree(
        theme_study["coder"].get(
            f"/etudes/etude-test/analyse/{theme_study['questionnaire'].id}/themes/logement"
        )
    )
    section = page.get_element_by_id("preconisations")
    assert "Encadrer les loyers des petits logements" in _text(section)
    board = _tree(theme_study["coder"].get(f"/etudes/etude-test/collectif/themes/{_theme(db).id}"))
    link = board.get_element_by_id("preconisations").find(".//a")
    assert link.get("href") == f"{BASE}/{recommendation.id}"


def test_the_list_exports_as_csv_with_formulas_neutralised(db, login, theme_study):
    create_recommendation(current_study(), title='=HYPERLINK("x")', theme_ids=[])
    db.session.commit()
    response = login("lecteur").get(f"{BASE}.csv")
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert login("lecteur").get(f"{BASE}.xlsx").status_code == 200


def test_the_next_edition_carries_over_all_but_the_abandoned(db, login, theme_study):
    questionnaire = theme_study["questionnaire"]
    questionnaire.form_id = "abs_2026"
    study = current_study()
    theme = _theme(db)
    kept = create_recommendation(study, title="Encadrer les loyers", theme_ids=[theme.id])
    named = _answers(db, NAMED, questionnaire)[0]
    add_verbatims(kept, [f"{named}:besoins"])
    add_figure(kept, questionnaire.id, "logement")
    hlm = db.session.scalar(select(Indicator).where(Indicator.code == "PART_HLM"))
    add_indicator(kept, hlm.id)
    add_entry(kept, study, status="en_cours", note="Groupe de travail lancé")
    dropped = create_recommendation(study, title="Abandonnée", theme_ids=[theme.id])
    add_entry(dropped, study, status="abandonnee")
    db.session.commit()

    new = prepare_next_edition(study)
    db.session.commit()
    carried = list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.study_id == new.id)
            .execution_options(**{ALL_STUDIES: True})
        )
    )
    assert [r.title for r in carried] == ["Encadrer les loyers"]
    copy = carried[0]
    assert (copy.status, copy.carried_from_id) == ("en_cours", kept.id)
    assert [(e.status, e.year) for e in copy.entries] == [("proposee", 2026), ("en_cours", 2026)]
    new_theme = copy.themes[0]
    new_book = db.session.scalar(
        select(Codebook)
        .where(Codebook.id == new_theme.code.codebook_id)
        .execution_options(**{ALL_STUDIES: True})
    )
    assert new_theme.id != theme.id and new_theme.code.key == "logement"
    assert new_book.study_id == new.id
    new_questionnaire = db.session.scalar(
        select(Questionnaire)
        .where(Questionnaire.id == new_book.questionnaire_id)
        .execution_options(**{ALL_STUDIES: True})
    )
    assert new_questionnaire.study_id == new.id
    assert sorted((e.kind, e.questionnaire_id, e.indicator_id) for e in copy.evidence) == sorted(
        [("figure", new_questionnaire.id, None), ("indicator", None, hlm.id)]
    )

    charge = login("charge_etude", study=new)
    page = charge.get(f"/etudes/{new.slug}/collectif/preconisations/{copy.id}")
    notice = _tree(page).find_class("carried-over")[0]
    assert "Reprise de l'édition 2026" in _text(notice)
    assert "1 verbatim(s)" in _text(notice)
    assert notice.find(".//a").get("href") == f"{BASE}/{kept.id}"


def test_the_demo_has_preconisations_with_evidence_and_follow_up(app, runner, db):
    from consultation.demo.seed import ABS_STUDY, DEMO_PASSWORD
    from consultation.studies.services import find_study

    runner.invoke(args=["demo", "--submissions", "40"])
    enter_study(find_study(ABS_STUDY["slug"]), None)
    recommendations = list(db.session.scalars(select(Recommendation)))
    assert len(recommendations) == 3
    assert all(r.themes and r.committee for r in recommendations)
    kinds = {e.kind for r in recommendations for e in r.evidence}
    assert kinds == {"verbatim", "figure", "indicator"}
    assert {r.status for r in recommendations} == {"en_cours", "retenue", "proposee"}
    client = app.test_client()
    client.post("/compte/connexion", data={"email": "collectif@demo.fr", "password": DEMO_PASSWORD})
    first = min(recommendations, key=lambda r: r.position)
    page = client.get(f"/etudes/{ABS_STUDY['slug']}/collectif/preconisations/{first.id}")
    assert page.status_code == 200
    assert len(_tree(page).get_element_by_id("preuves").find_class("evidence")) >= 3


def test_the_verbatims_the_coders_chose_are_offered_first(db, theme_study, recommendation):
    from consultation.collectif.models import ThemeVerbatim
    from consultation.collectif.recommendation_evidence import verbatim_candidates

    questionnaire = theme_study["questionnaire"]
    last_rent = max(_answers(db, RENT, questionnaire))
    db.session.add(ThemeVerbatim(theme_id=_theme(db).id, submission_id=last_rent, path="besoins"))
    db.session.flush()
    offered = verbatim_candidates(recommendation, originals=True)
    assert offered[0].key == f"{last_rent}:besoins" and offered[0].chosen
    assert len(offered) == 7 and not any(candidate.chosen for candidate in offered[1:])
    # Readers are offered only what they may read, the chosen answer waiting for its validation.
    assert [c.key for c in verbatim_candidates(recommendation, originals=False)] == [
        f"{_answers(db, NAMED, questionnaire)[0]}:besoins"
    ]


def test_a_change_of_themes_alone_moves_the_version(db, theme_study, recommendation):
    from consultation.collectif.recommendations import RecommendationStale, update_recommendation

    version = recommendation.version
    fields = {
        "title": recommendation.title,
        "body": recommendation.body,
        "committee": recommendation.committee,
        "priority": recommendation.priority,
    }
    assert update_recommendation(recommendation, version=version, theme_ids=[], **fields)
    assert recommendation.version == version + 1
    with pytest.raises(RecommendationStale):
        update_recommendation(recommendation, version=version, theme_ids=[_theme(db).id], **fields)
    assert recommendation.themes == []
