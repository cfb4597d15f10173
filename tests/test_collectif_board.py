"""The theme board and a theme's discussion: members comment and take a stance, coders choose the
representative verbatims (read pseudonymised by the collectif), the chargé d'étude validates,
renames, merges and splits themes with the codings kept and a stale form refused."""

import hashlib
import uuid
from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html
from submission_records import definition

from analyse.nlp import text_hash
from analyse.pseudonymise import Span, render
from consultation.accounts.models import utcnow
from consultation.coding.models import Code, Coding, PseudonymisedAnswer, Theme
from consultation.coding.services import add_coding, create_default_codebook
from consultation.collectif import board
from consultation.collectif.following import is_following
from consultation.collectif.models import (
    Notification,
    ThemeComment,
    ThemeStance,
    ThemeVerbatim,
)
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.studies.models import AuditEntry
from consultation.studies.scope import current_study
from consultation.submissions.answer_table import write_answer_rows
from consultation.submissions.models import Submission
from consultation.territory.models import Commune

pytestmark = pytest.mark.storage

RENT = "Les loyers sont trop chers pour nous."
NAMED = "Appelez Kevin Martin, le logement trop cher le décourage."
BUS = "Il n'y a pas de bus le soir après 20 h."
STUDY = "/etudes/etude-test/collectif"


def _submission(questionnaire, public, commune, besoins):
    return Submission(
        client_uuid=str(uuid.uuid4()),
        content_hash=hashlib.sha256((besoins + uuid.uuid4().hex).encode()).hexdigest(),
        questionnaire_version_id=questionnaire.versions[0].id,
        public=public,
        age_band="18_25" if public == "jeune" else "75_84",
        commune_code=commune,
        answers={"logement": "locataire", "besoins": besoins, "age": 20},
    )


@pytest.fixture()
def board_study(db, login):
    """Three young people of Tours about rents and one old person of Joué naming someone (coded
    « logement », pseudonymisation validated); two about buses (« mobilite »). Themes
    « logement » and « mobilite »; a chargé d'étude (coder) and a member of the collectif."""
    db.session.add_all(
        [
            Commune(insee_code="37261", name="Tours"),
            Commune(insee_code="37122", name="Joué-lès-Tours"),
        ]
    )
    questionnaire = Questionnaire(title="Besoins des habitants")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    rents = [_submission(questionnaire, "jeune", "37261", RENT) for _ in range(3)]
    named = _submission(questionnaire, "age", "37122", NAMED)
    buses = [_submission(questionnaire, "jeune", "37261", BUS) for _ in range(2)]
    submissions = [*rents, named, *buses]
    db.session.add_all(submissions)
    db.session.flush()
    write_answer_rows(submissions, new=True)
    charge = login("charge_etude", name="Lucie Martin")
    member = login("collectif", name="Amina Diallo")
    codebook = create_default_codebook(questionnaire)
    codes = {code.key: code for code in codebook.codes}
    for submission in rents:
        add_coding(submission, "besoins", 4, 11, codes["logement"], charge.user.id)
    start = NAMED.index("logement")
    add_coding(named, "besoins", start, start + 8, codes["logement"], charge.user.id)
    for submission in buses:
        add_coding(submission, "besoins", 16, 19, codes["mobilite"], charge.user.id)
    spans = [Span(8, 20, "PERSONNE", "Kevin Martin")]
    db.session.add(
        PseudonymisedAnswer(
            submission_id=named.id,
            path="besoins",
            text_hash=text_hash(NAMED),
            text=render(NAMED, spans).text,
            spans=[{"start": 8, "end": 20, "kind": "PERSONNE", "text": "Kevin Martin"}],
            validated_at=datetime.now(timezone.utc),
            validated_by_id=charge.user.id,
        )
    )
    logement = Theme(code_id=codes["logement"].id, questions=[])
    mobilite = Theme(code_id=codes["mobilite"].id, questions=[])
    db.session.add_all([logement, mobilite])
    current_study().communes = db.session.query(Commune).order_by(Commune.name).all()
    db.session.commit()
    return {
        "questionnaire": questionnaire,
        "codebook": codebook,
        "codes": codes,
        "logement": logement,
        "mobilite": mobilite,
        "rents": rents,
        "named": named,
        "buses": buses,
        "charge": charge,
        "member": member,
    }


def _url(theme) -> str:
    return f"/etudes/etude-test/collectif/themes/{theme.id}"


def _tree(response):
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:500]
    return lxml_html.fromstring(response.get_data(as_text=True))


def _text(element) -> str:
    return " ".join(element.text_content().split())


# --- services ------------------------------------------------------------------------------------


def test_merge_keeps_the_codings_and_moves_comments_stances_and_verbatims(db, board_study):
    logement, mobilite = board_study["logement"], board_study["mobilite"]
    member, charge = board_study["member"].user, board_study["charge"].user
    board.post_comment(mobilite, member, "Le bus du soir manque.", url_of=_url)
    board.set_stance(mobilite, member, "accord")
    board.set_stance(mobilite, charge, "reserve")
    board.set_stance(logement, charge, "accord")  # the target's stance wins
    board.choose_verbatim(mobilite, board_study["buses"][0].id, "besoins", charge)
    codings_before = db.session.scalar(db.select(db.func.count(Coding.id)))

    moved = board.merge_themes(mobilite, logement, mobilite.version, url_of=_url)

    assert moved["codages"] == 2 and moved["commentaires"] == 1 and moved["verbatims"] == 1
    assert db.session.scalar(db.select(db.func.count(Coding.id))) == codings_before
    logement_code = board_study["codes"]["logement"]
    assert {
        coding.code_id
        for coding in db.session.scalars(
            db.select(Coding).where(Coding.submission_id.in_([s.id for s in board_study["buses"]]))
        )
    } == {logement_code.id}
    assert [c.body for c in board.thread(logement)] == ["Le bus du soir manque."]
    stances = {
        s.user_id: s.stance
        for s in db.session.scalars(
            db.select(ThemeStance).where(ThemeStance.theme_id == logement.id)
        )
    }
    assert stances == {member.id: "accord", charge.id: "accord"}
    assert [
        v.submission_id
        for v in db.session.scalars(
            db.select(ThemeVerbatim).where(ThemeVerbatim.theme_id == logement.id)
        )
    ] == [board_study["buses"][0].id]
    # The merged theme leads to its target; the board no longer lists it.
    assert board.current_theme(mobilite).id == logement.id
    listed = [theme.id for entry in board.study_themes() for theme in entry.themes]
    assert listed == [logement.id]


def test_a_comment_on_a_theme_merged_meanwhile_lands_on_the_target(client, db, board_study):
    logement, mobilite = board_study["logement"], board_study["mobilite"]
    member = board_study["member"]
    page = _tree(member.get(_url(mobilite)))  # read before the merge
    assert page.get_element_by_id("nouveau-commentaire") is not None
    board.merge_themes(mobilite, logement, None, url_of=_url)
    db.session.commit()

    response = member.post(f"{_url(mobilite)}/commentaires", data={"commentaire": "Et le soir ?"})

    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{_url(logement)}#discussion"
    )
    tree = _tree(member.get(response.headers["Location"]))
    assert "pendant que vous écriviez" in _text(tree.find_class("flash-warning")[0])
    thread = tree.find_class("thread")[0]
    assert "Et le soir ?" in _text(thread)


def test_split_moves_the_ticked_codings_to_a_new_theme(db, board_study):
    logement = board_study["logement"]
    rents = board_study["rents"]
    ticked = [(rents[0].id, "besoins"), (rents[1].id, "besoins")]
    board.choose_verbatim(logement, rents[0].id, "besoins", board_study["charge"].user)
    total = db.session.scalar(db.select(db.func.count(Coding.id)))

    new_theme = board.split_theme(logement, "Loyers trop chers", ticked, logement.version)

    assert new_theme.code.name == "Loyers trop chers" and new_theme.status == "propose"
    assert db.session.scalar(db.select(db.func.count(Coding.id))) == total  # moved, not deleted
    by_submission = {
        c.submission_id: c.code_id
        for c in db.session.scalars(
            db.select(Coding).where(Coding.submission_id.in_([s.id for s in rents]))
        )
    }
    assert by_submission == {
        rents[0].id: new_theme.code_id,
        rents[1].id: new_theme.code_id,
        rents[2].id: logement.code_id,
    }
    # The chosen verbatim follows its answer.
    assert db.session.scalar(db.select(ThemeVerbatim.theme_id)) == new_theme.id
    line = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.object_type == "theme", AuditEntry.action == "split")
    ).one()
    assert line.after["codages"] == 2 and line.after["nouveau_theme"] == "Loyers trop chers"


def test_a_sub_code_becomes_a_theme_of_its_own(db, board_study):
    logement = board_study["logement"]
    cout = board_study["codes"]["logement-cout"]
    new_theme = board.promote_subcode(logement, cout, None)
    assert new_theme.code_id == cout.id and cout.parent_id is None
    assert cout.id not in {code.id for code in board.subcodes(logement)}


def test_a_stale_version_is_refused_and_nothing_is_overwritten(db, board_study):
    logement = board_study["logement"]
    read_at = logement.version
    board.set_status(logement, "discussion", read_at, url_of=_url)
    with pytest.raises(board.BoardError, match="modifié par quelqu'un d'autre"):
        board.set_status(logement, "ecarte", read_at, url_of=_url)
    assert logement.status == "discussion"
    with pytest.raises(board.BoardError, match="modifié par quelqu'un d'autre"):
        board.rename_theme(logement, "Autre nom", read_at)
    assert logement.code.name == "Logement"


def test_a_concurrent_change_that_wins_the_race_refuses_the_other(db, board_study):
    """Both read version 1; the other request's UPDATE lands first: ours matches no row."""
    logement = board_study["logement"]
    db.session.execute(
        db.update(Theme)
        .where(Theme.id == logement.id)
        .values(version=Theme.version + 1, status="ecarte")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(board.BoardError, match="modifié par quelqu'un d'autre"):
        board.set_status(logement, "valide", None, url_of=_url)


def test_a_decision_on_a_theme_merged_meanwhile_is_refused(db, board_study):
    logement, mobilite = board_study["logement"], board_study["mobilite"]
    board.merge_themes(mobilite, logement, None, url_of=_url)
    with pytest.raises(board.BoardError, match="fusionné dans « Logement »"):
        board.set_status(mobilite, "valide", None, url_of=_url)
    with pytest.raises(board.BoardError, match="fusionné dans « Logement »"):
        board.merge_themes(logement, mobilite, None, url_of=_url)
    assert mobilite.status == "propose" and logement.status == "propose"


def test_a_removed_comment_keeps_its_place_without_its_text(db, board_study):
    logement, member = board_study["logement"], board_study["member"].user
    first, _ = board.post_comment(logement, member, "Premier avis.", url_of=_url)
    board.post_comment(logement, member, "Second avis.", url_of=_url)
    with pytest.raises(board.BoardError):
        board.remove_comment(first, board_study["charge"].user)  # not a moderator here
    board.remove_comment(first, member)
    thread = board.thread(logement)
    assert [(c.body, c.removed_at is not None) for c in thread] == [
        ("", True),
        ("Second avis.", False),
    ]
    assert board.discussions([logement.id])[logement.id].comments == 1


def test_validating_tells_the_followers_and_commenting_makes_one_follow(db, board_study):
    logement = board_study["logement"]
    member, charge = board_study["member"].user, board_study["charge"].user
    board.post_comment(logement, member, "À valider.", url_of=_url)
    assert is_following(member.id, current_study().id, theme_id=logement.id)
    board.set_status(logement, "valide", logement.version, url_of=_url)
    notes = db.session.scalars(db.select(Notification).where(Notification.user_id == member.id))
    assert [(n.kind, n.message) for n in notes] == [
        ("theme_valide", "Le thème « Logement » a été validé.")
    ]
    board.post_comment(logement, charge, "Validé en réunion.", url_of=_url)
    kinds = [n.kind for n in db.session.scalars(db.select(Notification))]
    assert kinds.count("commentaire") == 1  # to the member; not to the author


def test_a_chosen_verbatim_is_pseudonymised_for_the_collectif_and_original_for_coders(
    db, board_study
):
    logement, charge = board_study["logement"], board_study["charge"].user
    board.choose_verbatim(logement, board_study["named"].id, "besoins", charge)
    board.choose_verbatim(logement, board_study["rents"][0].id, "besoins", charge)

    shown, hidden = board.chosen_verbatims(logement, originals=False)
    assert [item.text for item in shown] == [
        render(NAMED, [Span(8, 20, "PERSONNE", "Kevin Martin")]).text
    ]
    assert "Kevin" not in shown[0].text and hidden == 1

    shown, hidden = board.chosen_verbatims(logement, originals=True)
    assert [(item.text, item.validated) for item in shown] == [(NAMED, True), (RENT, False)]
    assert hidden == 0


def test_only_an_answer_coded_with_the_theme_can_be_chosen(db, board_study):
    with pytest.raises(board.BoardError, match="pas .*codée avec ce thème"):
        board.choose_verbatim(
            board_study["logement"],
            board_study["buses"][0].id,
            "besoins",
            board_study["charge"].user,
        )


# --- pages ---------------------------------------------------------------------------------------


def test_the_board_groups_themes_by_status_with_their_weight_and_discussion(db, board_study):
    logement, member = board_study["logement"], board_study["member"]
    board.post_comment(logement, member.user, "Très présent chez les jeunes.", url_of=_url)
    board.set_stance(logement, member.user, "reserve")
    board.choose_verbatim(logement, board_study["named"].id, "besoins", board_study["charge"].user)
    board.set_status(logement, "valide", None, url_of=_url)
    db.session.commit()

    tree = _tree(member.get(f"{STUDY}/"))

    valide = tree.get_element_by_id("statut-valide")
    card = valide.find_class("theme-card")[0]
    text = _text(card)
    assert "Logement" in text and "Validé" in text
    assert "4 réponse(s) de 4 répondant(s), dans 2 commune(s)" in text
    assert "1 commentaire(s)" in text and "1 avec des réserves" in text
    assert "[PERSONNE" in text or "Kevin" not in text
    assert "Kevin" not in text
    propose = tree.get_element_by_id("statut-propose")
    assert "Mobilité" in _text(propose) and "Logement" not in _text(propose)
    links = [a.get("href") for a in card.iter("a")]
    assert _url(logement) in links
    assert any("/analyse/" in href and href.endswith("/themes/logement") for href in links)


def test_the_coder_reads_the_original_and_the_pending_pseudonymisation(db, board_study):
    logement, charge = board_study["logement"], board_study["charge"]
    board.choose_verbatim(logement, board_study["rents"][0].id, "besoins", charge.user)
    db.session.commit()
    coder_view = _tree(charge.get(_url(logement)))
    chosen = coder_view.find_class("chosen-verbatims")[0]
    assert RENT in _text(chosen) and "pseudonymisation à valider" in _text(chosen)
    member_view = _tree(board_study["member"].get(_url(logement)))
    chosen = member_view.find_class("chosen-verbatims")[0]
    assert RENT not in _text(chosen) and "pseudonymisation à valider" not in _text(chosen)
    assert "1 verbatim(s) retenu(s) attendent" in _text(member_view.get_element_by_id("verbatims"))


def test_a_coder_chooses_and_drops_a_verbatim_from_the_discussion_page(db, board_study):
    logement, charge = board_study["logement"], board_study["charge"]
    named = board_study["named"]
    response = charge.post(
        f"{_url(logement)}/verbatims",
        data={"submission_id": named.id, "path": "besoins", "action": "retenir"},
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(ThemeVerbatim.submission_id)) == named.id
    charge.post(
        f"{_url(logement)}/verbatims",
        data={"submission_id": named.id, "path": "besoins", "action": "retirer"},
    )
    assert db.session.scalar(db.select(db.func.count(ThemeVerbatim.id))) == 0


def test_a_comment_with_html_is_shown_escaped(db, board_study):
    member = board_study["member"]
    logement = board_study["logement"]
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    member.post(f"{_url(logement)}/commentaires", data={"commentaire": hostile})
    body = member.get(_url(logement)).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert" in body


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("   ", "Commentaire : écrivez votre commentaire avant de l'envoyer."),
        ("mot " * 1200, "000 caractères au plus ; le vôtre en compte 4 799. Raccourcissez-le."),
    ],
)
def test_an_empty_or_too_long_comment_gets_a_french_message_and_keeps_the_text(
    db, board_study, written, message
):
    member, logement = board_study["member"], board_study["logement"]
    response = member.post(f"{_url(logement)}/commentaires", data={"commentaire": written})
    assert response.status_code == 422
    tree = _tree(response)
    assert message in _text(tree.get_element_by_id("commentaire-erreur"))
    # What was written is still in the field.
    assert tree.get_element_by_id("commentaire").text_content() == written
    assert db.session.scalar(db.select(db.func.count(ThemeComment.id))) == 0


def test_the_charge_removes_a_members_comment_which_stays_as_removed(db, board_study):
    member, charge, logement = board_study["member"], board_study["charge"], board_study["logement"]
    member.post(f"{_url(logement)}/commentaires", data={"commentaire": "Hors sujet"})
    comment = db.session.scalars(db.select(ThemeComment)).one()
    charge.post(f"{_url(logement)}/commentaires/{comment.id}/retirer")
    thread = _tree(member.get(_url(logement))).find_class("thread")[0]
    assert "Commentaire retiré." in _text(thread) and "Hors sujet" not in _text(thread)
    # Its place in the thread stays, with its author.
    assert "Amina Diallo" in _text(thread)


def test_a_stale_status_form_gets_a_french_message(db, board_study):
    charge, logement = board_study["charge"], board_study["logement"]
    read_at = logement.version
    charge.post(f"{_url(logement)}/statut", data={"statut": "discussion", "version": read_at})
    response = charge.post(
        f"{_url(logement)}/statut", data={"statut": "ecarte", "version": read_at}
    )
    tree = _tree(charge.get(response.headers["Location"]))
    assert "modifié par quelqu'un d'autre" in _text(tree.find_class("flash-error")[0])
    assert _text(tree.get_element_by_id("statut-actuel")) == "En discussion"


def test_the_member_edits_their_comment_and_sets_a_stance(db, board_study):
    member, logement = board_study["member"], board_study["logement"]
    member.post(f"{_url(logement)}/commentaires", data={"commentaire": "Premier jet"})
    comment = db.session.scalars(db.select(ThemeComment)).one()
    member.post(
        f"{_url(logement)}/commentaires/{comment.id}/modifier",
        data={"commentaire": "Version revue"},
    )
    member.post(f"{_url(logement)}/position", data={"position": "desaccord"})
    tree = _tree(member.get(_url(logement)))
    thread = tree.find_class("thread")[0]
    assert "Version revue" in _text(thread) and "modifié" in _text(thread)
    assert "1 pas d'accord" in _text(tree.find_class("stance-summary")[0])
    other = board_study["charge"]
    refused = other.post(
        f"{_url(logement)}/commentaires/{comment.id}/modifier", data={"commentaire": "Pirate"}
    )
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(ThemeComment, comment.id).body == "Version revue"


def test_the_charge_renames_merges_and_splits_from_the_pages(db, board_study):
    charge = board_study["charge"]
    logement, mobilite = board_study["logement"], board_study["mobilite"]
    charge.post(f"{_url(logement)}/nom", data={"nom": "Logement cher", "version": logement.version})
    db.session.expire_all()
    assert db.session.get(Code, logement.code_id).name == "Logement cher"
    page = _tree(charge.get(f"{_url(logement)}/scinder"))
    boxes = page.xpath("//input[@name='reponses']")
    assert len(boxes) == 4
    response = charge.post(
        f"{_url(logement)}/scinder",
        data={
            "mode": "reponses",
            "nom": "Propriétaires",
            "reponses": [boxes[0].get("value")],
            "version": db.session.get(Theme, logement.id).version,
        },
    )
    assert response.status_code == 302
    new_theme = db.session.scalars(
        db.select(Theme).join(Code).where(Code.name == "Propriétaires")
    ).one()
    response = charge.post(
        f"{_url(mobilite)}/fusion", data={"cible": new_theme.id, "version": mobilite.version}
    )
    assert response.headers["Location"].endswith(_url(new_theme))
    assert board.current_theme(db.session.get(Theme, mobilite.id)).id == new_theme.id


def test_another_studys_theme_is_not_found(db, board_study, login):
    from consultation.studies.services import create_study

    other = create_study("Autre", 2026, slug="autre-etude-board")
    db.session.commit()
    member = board_study["member"]
    assert (
        member.get(
            f"/etudes/autre-etude-board/collectif/themes/{board_study['logement'].id}"
        ).status_code
        == 404
    )
    admin = login("admin")
    assert (
        admin.get(f"/etudes/{other.slug}/collectif/themes/{board_study['logement'].id}").status_code
        == 404
    )


def test_the_demo_board_shows_a_collectif_at_work(app, runner, db):
    """After `make run`: the collectif's member reads comments, stances, a validated theme and
    pseudonymised verbatims on the board; a rerun adds nothing."""
    from consultation.demo.seed import ABS_STUDY, DEMO_PASSWORD
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    result = runner.invoke(args=["demo", "--submissions", "40"])
    assert result.exit_code == 0, result.output
    enter_study(find_study(ABS_STUDY["slug"]), None)
    client = app.test_client()
    client.post("/compte/connexion", data={"email": "collectif@demo.fr", "password": DEMO_PASSWORD})
    tree = _tree(client.get(f"/etudes/{ABS_STUDY['slug']}/collectif/"))
    validated = _text(tree.get_element_by_id("statut-valide"))
    assert "Isolement" in validated and "1 commentaire(s)" in validated
    discussed = _text(tree.get_element_by_id("statut-discussion"))
    assert "Logement" in discussed and "2 commentaire(s)" in discussed
    assert tree.find_class("card-verbatims")
    comments = db.session.scalar(db.select(db.func.count(ThemeComment.id)))
    assert comments == 4
    assert runner.invoke(args=["demo", "--submissions", "40"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(ThemeComment.id))) == comments


def test_the_journal_links_a_comment_to_its_place_in_the_discussion(db, board_study):
    logement, charge = board_study["logement"], board_study["charge"]
    board_study["member"].post(f"{_url(logement)}/commentaires", data={"commentaire": "Vu"})
    comment = db.session.scalars(db.select(ThemeComment)).one()
    tree = _tree(charge.get("/etudes/etude-test/journal"))
    links = [a.get("href") for a in tree.iter("a")]
    assert f"{_url(logement)}#commentaire-{comment.id}" in links
