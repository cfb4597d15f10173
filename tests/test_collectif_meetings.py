"""Meetings of the collectif: the chargée d'étude schedules one (typed in Paris time, stored in
UTC), its followers are told, she lists the people and who came, puts themes, préconisations and
free titles on the agenda, records decisions (one may validate a theme, refused when someone
changed the theme meanwhile), and prints the agenda with the record of decisions."""

import html
import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from security_records import HOSTILE, fast_user, role_clients, session_client, study

from consultation.coding.models import Theme
from consultation.collectif.following import follow, is_following, unfollow
from consultation.collectif.models import (
    Meeting,
    MeetingAttendee,
    MeetingItem,
    Notification,
    Recommendation,
)
from consultation.studies.models import AuditEntry
from consultation.studies.services import create_study

pytestmark = pytest.mark.storage

MEETINGS = "/etudes/etude-test/collectif/reunions"


def _text(response) -> str:
    """The page's text (tags dropped, entities read, spaces collapsed)."""
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture()
def records(app, db):
    records = study(db)
    records["clients"] = role_clients(app, db)
    records["charge_client"] = session_client(app, records["charge"])
    # The records' own meeting is not the first of the study: start without it.
    db.session.execute(db.delete(Notification))
    db.session.execute(db.delete(Meeting))
    db.session.commit()
    records["theme"] = db.session.scalars(db.select(Theme)).one()
    return records


def _schedule(client, title="Réunion de janvier", when="2027-01-12T18:30", place="Salle Léo"):
    return client.post(
        f"{MEETINGS}/nouvelle",
        data={"title": title, "starts_at": when, "place": place, "notes": "Ordre du jour à venir"},
    )


def _meeting(db) -> Meeting:
    return db.session.scalars(db.select(Meeting)).one()


def _meeting_of(db, records) -> Meeting:
    return db.session.scalars(
        db.select(Meeting).where(Meeting.study_id == records["study_id"])
    ).one()


def test_a_meeting_is_typed_in_paris_time_and_stored_in_utc(db, records):
    charge = records["charge_client"]
    assert _schedule(charge, when="2027-01-12T18:30").status_code == 302
    assert _meeting(db).starts_at == datetime(2027, 1, 12, 17, 30)  # winter: UTC+1
    page = _text(charge.get(f"{MEETINGS}/{_meeting(db).id}"))
    assert "12/01/2027 à 18:30" in page and "Salle Léo" in page
    # Summer time, and the French way of typing a date.
    charge.post(
        f"{MEETINGS}/{_meeting(db).id}/modifier",
        data={"title": "Réunion de juillet", "starts_at": "07/07/2027 09:00", "place": ""},
    )
    assert _meeting(db).starts_at == datetime(2027, 7, 7, 7, 0)


def test_scheduling_the_first_meeting_makes_the_collectif_follow_and_tells_it(db, records):
    study_id = records["study_id"]
    collectif = records["clients"]["collectif"].user
    lecteur = records["clients"]["lecteur"].user
    _schedule(records["charge_client"])
    assert is_following(collectif.id, study_id) and is_following(records["charge"].id, study_id)
    assert not is_following(lecteur.id, study_id)  # reads the results, not the meetings
    told = db.session.scalars(db.select(Notification)).all()
    # The chargée d'étude acted: only the other followers are told.
    assert records["charge"].id not in {n.user_id for n in told}
    note = next(n for n in told if n.user_id == collectif.id)
    assert note.kind == "reunion" and note.url == f"{MEETINGS}/{_meeting(db).id}"
    assert "12/01/2027 à 18:30" in note.message and "Réunion de janvier" in note.message

    # Who stopped following is not made a follower again by the next meeting.
    unfollow(collectif.id, study_id)
    db.session.commit()
    _schedule(records["charge_client"], title="Réunion de février", when="2027-02-09T18:30")
    assert not is_following(collectif.id, study_id)
    assert [
        n.message
        for n in db.session.scalars(db.select(Notification))
        if "février" in n.message and n.user_id == collectif.id
    ] == []


def test_meetings_are_listed_upcoming_soonest_first_then_past_latest_first(db, records):
    charge = records["charge_client"]
    for title, when in (
        ("Bilan 2025", "2025-03-01T10:00"),
        ("Lancement 2026", "2026-01-15T10:00"),
        ("Réunion de mars", "2099-03-01T10:00"),
        ("Réunion de janvier", "2099-01-12T18:30"),
    ):
        assert _schedule(charge, title=title, when=when).status_code == 302
    page = _text(records["clients"]["lecteur"].get(MEETINGS))
    upcoming, past = page.split("Passées", 1)
    assert upcoming.index("Réunion de janvier") < upcoming.index("Réunion de mars")
    assert past.index("Lancement 2026") < past.index("Bilan 2025")
    assert "Bilan" not in upcoming and "Programmer une réunion" not in page


@pytest.mark.parametrize(
    ("when", "title", "message"),
    [
        ("demain soir", "Réunion", "Date et heure : indiquez une date et une heure réelles"),
        ("2027-02-30T18:00", "Réunion", "Date et heure : indiquez une date et une heure réelles"),
        ("", "Réunion", "Date et heure"),
        ("2027-01-12T18:30", "   ", "Titre : donnez un titre à la réunion."),
        ("2027-01-12T18:30", "x" * 301, "Titre : 300 caractères au plus"),
    ],
)
def test_a_bad_date_or_title_is_named_and_nothing_is_written(db, records, when, title, message):
    response = _schedule(records["charge_client"], title=title, when=when)
    assert response.status_code == 200
    assert message in _text(response)
    assert _count(db, Meeting) == 0 and _count(db, Notification) == 0


def test_a_control_character_is_dropped_and_a_nul_refused_not_a_server_error(db, records):
    refused = _schedule(records["charge_client"], title="Réunion\x00 de janvier")
    assert refused.status_code == 400
    assert "Le champ « title » contient un caractère invalide" in _text(refused)
    assert _count(db, Meeting) == 0
    assert _schedule(records["charge_client"], title="Réunion\x07 de janvier").status_code == 302
    assert _meeting(db).title == "Réunion de janvier"


def test_people_members_and_guests_and_who_was_there(app, db, records):
    charge = records["charge_client"]
    _schedule(charge)
    meeting_id = _meeting(db).id
    collectif = records["clients"]["collectif"].user
    url = f"{MEETINGS}/{meeting_id}"
    charge.post(f"{url}/personnes", data={"kind": "membre", "user_id": collectif.id})
    charge.post(
        f"{url}/personnes",
        data={"kind": "invite", "name": "Marie Dupont", "organisation": "Mairie de Tours"},
    )
    # Twice the same member, a guest without a name, someone of another study: refused.
    other = create_study("Autre étude", 2026, slug="autre-etude")
    stranger = fast_user(db, "collectif", "Paul Ailleurs", study_id=other.id)
    db.session.commit()
    for data, message in (
        (
            {"kind": "membre", "user_id": collectif.id},
            "Membre : cette personne est déjà sur la liste.",
        ),
        (
            {"kind": "invite", "name": " ", "organisation": "CAF"},
            "Nom : indiquez le nom de la personne invitée.",
        ),
        ({"kind": "membre", "user_id": stranger.id}, "Membre : choisissez un membre de l'étude"),
        ({"kind": "membre", "user_id": "abc"}, "Membre : choisissez un membre de l'étude"),
    ):
        response = charge.post(f"{url}/personnes", data=data, follow_redirects=True)
        assert message in _text(response)
    attendees = db.session.scalars(db.select(MeetingAttendee)).all()
    assert sorted((a.name, a.user_id) for a in attendees) == [
        ("", collectif.id),
        ("Marie Dupont", None),
    ]
    guest = next(a for a in attendees if a.name)
    charge.post(f"{url}/presences", data={"present": [str(guest.id)]})
    db.session.expire_all()
    assert {a.name: a.present for a in db.session.scalars(db.select(MeetingAttendee))} == {
        "": False,
        "Marie Dupont": True,
    }
    page = _text(records["clients"]["lecteur"].get(url))
    assert "Marie Dupont (Mairie de Tours) — présent·e" in page
    charge.post(f"{url}/personnes/{guest.id}/retirer")
    assert _count(db, MeetingAttendee) == 1


def test_the_agenda_holds_themes_preconisations_and_free_titles_in_order(db, records):
    charge = records["charge_client"]
    _schedule(charge)
    meeting_id = _meeting(db).id
    url = f"{MEETINGS}/{meeting_id}"
    recommendation = Recommendation(
        study_id=records["study_id"],
        title="Un bus de nuit le vendredi",
        created_by_id=records["charge"].id,
    )
    db.session.add(recommendation)
    db.session.commit()
    charge.post(f"{url}/ordre-du-jour", data={"kind": "theme", "theme_id": records["theme"].id})
    charge.post(
        f"{url}/ordre-du-jour",
        data={"kind": "recommendation", "recommendation_id": recommendation.id},
    )
    charge.post(f"{url}/ordre-du-jour", data={"kind": "free", "title": "Calendrier du rapport"})
    labels = lambda: [  # noqa: E731
        (item.theme_id, item.recommendation_id, item.title)
        for item in db.session.scalars(db.select(MeetingItem).order_by(MeetingItem.position))
    ]
    assert labels() == [
        (records["theme"].id, None, ""),
        (None, recommendation.id, ""),
        (None, None, "Calendrier du rapport"),
    ]
    last = db.session.scalars(db.select(MeetingItem).where(MeetingItem.title != "")).one()
    charge.post(f"{url}/points/{last.id}/deplacer", data={"direction": "monter"})
    db.session.expire_all()
    assert [title for _, _, title in labels()] == ["", "Calendrier du rapport", ""]
    page = _text(records["clients"]["collectif"].get(url))
    assert (
        page.index("Thème : Transports du soir")
        < page.index("Calendrier du rapport")
        < page.index("Préconisation : Un bus de nuit le vendredi")
    )
    charge.post(f"{url}/points/{last.id}/retirer")
    db.session.expire_all()
    assert [(t, r) for t, r, _ in labels()] == [
        (records["theme"].id, None),
        (None, recommendation.id),
    ]
    assert [
        item.position
        for item in db.session.scalars(db.select(MeetingItem).order_by(MeetingItem.position))
    ] == [0, 1]


def test_an_item_of_another_study_is_refused_and_nothing_is_written(app, db, records):
    other = create_study("Autre étude", 2026, slug="autre-etude")
    db.session.commit()
    other_records = study(db, study_id=other.id)
    other_theme = db.session.scalar(
        db.select(Theme.id).where(Theme.code_id == other_records["code"].id)
    )
    charge = records["charge_client"]
    _schedule(charge)
    url = f"{MEETINGS}/{_meeting(db).id}"
    for data, message in (
        ({"kind": "theme", "theme_id": other_theme}, "Thème : choisissez un thème de cette étude."),
        (
            {"kind": "recommendation", "recommendation_id": "999999"},
            "Préconisation : choisissez une préconisation",
        ),
        ({"kind": "free", "title": ""}, "Intitulé du point : écrivez l'intitulé"),
        ({"kind": "autre"}, "Type de point"),
    ):
        response = charge.post(f"{url}/ordre-du-jour", data=data, follow_redirects=True)
        assert response.status_code == 200 and message in _text(response)
    assert _meeting_of(db, records).items == []
    # Another study's meeting through this study's address: not found.
    other_meeting = Meeting(study_id=other.id, title="Ailleurs", starts_at=datetime(2027, 1, 1))
    db.session.add(other_meeting)
    db.session.commit()
    assert charge.get(f"{MEETINGS}/{other_meeting.id}").status_code == 404


def _theme_item(db, records, charge):
    _schedule(charge)
    url = f"{MEETINGS}/{_meeting(db).id}"
    charge.post(f"{url}/ordre-du-jour", data={"kind": "theme", "theme_id": records["theme"].id})
    return url, db.session.scalars(db.select(MeetingItem)).one()


def test_a_decision_validates_the_theme_and_tells_its_followers(db, records):
    charge = records["charge_client"]
    url, item = _theme_item(db, records, charge)
    collectif = records["clients"]["collectif"].user
    follow(collectif.id, records["study_id"], theme_id=records["theme"].id)
    db.session.commit()
    version = records["theme"].version
    response = charge.post(
        f"{url}/points/{item.id}/decision",
        data={
            "decision": "Thème retenu pour le rapport.",
            "theme_status": "valide",
            "theme_version": version,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(MeetingItem, item.id)
    assert (
        item.decision == "Thème retenu pour le rapport."
        and item.decided_by_id == records["charge"].id
    )
    assert db.session.get(Theme, records["theme"].id).status == "valide"
    told = db.session.scalars(
        db.select(Notification).where(Notification.kind == "theme_valide")
    ).all()
    assert [
        (n.user_id, n.message.startswith("Thème « Transports du soir » : validé")) for n in told
    ] == [(collectif.id, True)]
    page = _text(records["clients"]["lecteur"].get(url))
    assert "Thème retenu pour le rapport." in page and "par Lucie Martin" in page
    actions = set(
        db.session.scalars(
            db.select(AuditEntry.action).where(AuditEntry.object_type.in_(["meeting", "theme"]))
        )
    )
    assert {"create", "add", "decision", "state"} <= actions


def test_a_theme_changed_meanwhile_refuses_the_whole_decision(db, records):
    charge = records["charge_client"]
    url, item = _theme_item(db, records, charge)
    stale = records["theme"].version
    theme = db.session.get(Theme, records["theme"].id)
    theme.status = "discussion"  # someone else, from the board
    db.session.commit()
    response = charge.post(
        f"{url}/points/{item.id}/decision",
        data={"decision": "On valide.", "theme_status": "valide", "theme_version": stale},
        follow_redirects=True,
    )
    assert "Statut du thème : le thème a été modifié par quelqu'un d'autre" in _text(response)
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).status == "discussion"
    assert db.session.get(MeetingItem, item.id).decision == ""
    # An empty decision, or a status that does not exist: named, nothing kept.
    for data, message in (
        ({"decision": "  "}, "Décision : écrivez ce qui a été décidé sur ce point."),
        (
            {"decision": "Oui", "theme_status": "adopte"},
            "Statut du thème : choisissez l'un des statuts",
        ),
    ):
        response = charge.post(f"{url}/points/{item.id}/decision", data=data, follow_redirects=True)
        assert message in _text(response)
    db.session.expire_all()
    assert db.session.get(MeetingItem, item.id).decision == ""


def test_hostile_titles_and_decisions_are_shown_as_text_on_every_page(db, records):
    charge = records["charge_client"]
    mark = HOSTILE[0] + HOSTILE[1]
    _schedule(charge, title=f"{mark} Réunion", place=mark)
    url = f"{MEETINGS}/{_meeting(db).id}"
    charge.post(f"{url}/ordre-du-jour", data={"kind": "free", "title": f"{mark} Point"})
    charge.post(f"{url}/personnes", data={"kind": "invite", "name": mark, "organisation": mark})
    item = db.session.scalars(db.select(MeetingItem)).one()
    charge.post(f"{url}/points/{item.id}/decision", data={"decision": f"{mark} Décidé"})
    collectif = records["clients"]["collectif"]
    for page_url in (
        MEETINGS,
        url,
        f"{url}/ordre-du-jour",
        "/etudes/etude-test/collectif/notifications",
    ):
        page = collectif.get(page_url).get_data(as_text=True)
        for payload in HOSTILE:
            assert payload not in page, page_url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, page_url
    pdf = collectif.get(f"{url}/ordre-du-jour.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "<script>alert(1)</script>" in text and "Décidé" in text


def test_the_printed_agenda_has_the_people_the_items_and_the_decisions(db, records):
    charge = records["charge_client"]
    url, item = _theme_item(db, records, charge)
    charge.post(f"{url}/ordre-du-jour", data={"kind": "free", "title": "Questions diverses"})
    charge.post(
        f"{url}/personnes",
        data={"kind": "invite", "name": "Marie Dupont", "organisation": "Mairie de Tours"},
    )
    charge.post(
        f"{url}/personnes", data={"kind": "invite", "name": "Jean Martin", "organisation": "CAF"}
    )
    marie = db.session.scalars(
        db.select(MeetingAttendee).where(MeetingAttendee.name == "Marie Dupont")
    ).one()
    charge.post(f"{url}/presences", data={"present": [str(marie.id)]})
    charge.post(
        f"{url}/points/{item.id}/decision",
        data={"decision": "Un groupe de travail sur les transports."},
    )

    html = _text(records["clients"]["lecteur"].get(f"{url}/ordre-du-jour"))
    assert "@media print" in html and "Télécharger le PDF" in html

    response = records["clients"]["lecteur"].get(f"{url}/ordre-du-jour.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "Réunion de janvier" in text and "12/01/2027 à 18:30" in text and "Salle Léo" in text
    assert re.search(r"Présentes \(1\) Marie Dupont \(Mairie de Tours\)", text)
    assert re.search(r"non présentes \(1\) Jean Martin \(CAF\)", text)
    assert text.index("Thème : Transports du soir") < text.index("Questions diverses")
    assert "Un groupe de travail sur les transports." in text and "par Lucie Martin" in text


def test_cancelling_an_upcoming_meeting_tells_its_followers(db, records):
    charge = records["charge_client"]
    _schedule(charge, when="2099-01-12T18:30")
    meeting = _meeting(db)
    db.session.execute(db.delete(Notification))
    db.session.commit()
    assert charge.post(f"{MEETINGS}/{meeting.id}/supprimer").status_code == 302
    assert _count(db, Meeting) == 0
    collectif = records["clients"]["collectif"].user
    [note] = db.session.scalars(db.select(Notification).where(Notification.user_id == collectif.id))
    assert "annulée" in note.message and note.url == MEETINGS
    # The collectif may read but not schedule.
    assert _schedule(records["clients"]["collectif"]).status_code == 403


def test_the_demo_has_a_past_meeting_with_decisions_and_one_to_come(app, db):
    from consultation.coding.demo import seed_themes
    from consultation.demo.collectif_meetings import seed_meetings
    from consultation.demo.seed import ABS_STUDY, seed_demo

    seed_demo(10)  # leaves us in the demo's study
    seed_themes()
    assert seed_meetings() == 2
    assert seed_meetings() == 0  # rerun: nothing more
    db.session.commit()
    from consultation.accounts.services import find_user

    member = session_client(app, find_user("collectif@demo.fr"))
    base = f"/etudes/{ABS_STUDY['slug']}/collectif/reunions"
    page = _text(member.get(base))
    upcoming, past = page.split("Passées", 1)
    assert "premières préconisations" in upcoming and "Premier collectif projet" in past
    held = db.session.scalars(db.select(Meeting).order_by(Meeting.starts_at)).first()
    detail = _text(member.get(f"{base}/{held.id}"))
    assert "Thème validé : les transports du soir reviennent" in detail
    assert "Rapport de synthèse pour février" in detail and "Nadia Belkacem" in detail
    assert "1 non lue" in _text(member.get(f"/etudes/{ABS_STUDY['slug']}/"))


def test_the_journal_links_a_meeting_while_it_exists(db, records):
    charge = records["charge_client"]
    _schedule(charge, when="2099-01-12T18:30")
    meeting_id = _meeting(db).id
    journal = charge.get("/etudes/etude-test/journal").get_data(as_text=True)
    assert f'href="{MEETINGS}/{meeting_id}"' in journal and "Réunion" in journal
    charge.post(f"{MEETINGS}/{meeting_id}/supprimer")
    journal = charge.get("/etudes/etude-test/journal").get_data(as_text=True)
    assert f'href="{MEETINGS}/{meeting_id}"' not in journal
