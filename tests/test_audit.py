"""The journal (audit log): each change, export and login leaves one line, with what changed
before and after, in the transaction of the change; the study's page filters and exports them."""

import csv
import io
import uuid
from datetime import datetime, timedelta

import pytest
from coding_records import coding_study
from sqlalchemy import select
from submission_records import device_token, payload, publish, stored_submission, territory
from test_exports import export_through_the_job

from consultation.coding.models import Code
from consultation.coding.services import create_default_codebook
from consultation.studies.models import AuditEntry
from consultation.submissions.models import Assignment, SubmissionRevision

pytestmark = pytest.mark.storage

JOURNAL = "/etudes/etude-test/journal"


def _lines(db, object_type=None, action=None, **where) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if action:
        query = query.where(AuditEntry.action == action)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


@pytest.fixture()
def answers(db, make_user):
    questionnaire = publish(db)
    territory(db)
    samir = make_user("enqueteur", name="Samir Benali")
    submission = stored_submission(db, questionnaire, samir)
    return {"questionnaire": questionnaire, "submission": submission, "samir": samir}


def test_an_edit_leaves_one_line_with_only_the_changed_answers(login, db, answers, the_study):
    submission = answers["submission"]
    charge = login("charge_etude")
    edited = dict(submission.answers) | {"age": 21, "besoins": "Un médecin <b>près</b> d'ici"}
    response = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={"answers": edited, "comment": "Erreur de saisie"},
    )
    assert response.status_code == 200 and response.get_json()["changed"]

    [line] = _lines(db, "submission", "edit")
    assert line.object_id == str(submission.id)
    assert line.user_id == charge.user.id and line.study_id == the_study.id
    assert line.before == {"age": 19, "besoins": "Un logement plus proche de la fac."}
    assert line.after == {
        "age": 21,
        "besoins": "Un médecin <b>près</b> d'ici",
        "comment": "Erreur de saisie",
    }
    # The revision history of the submission is kept as before.
    assert db.session.scalar(
        select(SubmissionRevision).where(SubmissionRevision.submission_id == submission.id)
    )

    page = charge.get(JOURNAL).get_data(as_text=True)
    assert "Modification" in page and f"Réponse n° {submission.id}</a>" in page
    assert f'href="/etudes/etude-test/reponses/{submission.id}"' in page
    # Answers are shown as text, never as markup.
    assert "Un médecin &lt;b&gt;près&lt;/b&gt; d&#39;ici" in page and "<b>près</b>" not in page


def test_a_state_change_leaves_one_line_with_the_states(login, db, answers):
    submission = answers["submission"]
    charge = login("charge_etude")
    charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "a_verifier", "comment": "Âge à confirmer"},
    )
    [line] = _lines(db, "submission", "state")
    assert line.before == {"state": "recue", "comment": ""}
    assert line.after == {"state": "a_verifier", "comment": "Âge à confirmer"}
    page = charge.get(JOURNAL, query_string={"action": "state"}).get_data(as_text=True)
    assert "Changement d&#39;état" in page and "Reçue" in page and "À vérifier" in page


def test_a_refused_state_change_leaves_no_line(login, db, answers):
    charge = login("charge_etude")
    charge.post(
        f"/etudes/etude-test/reponses/{answers['submission'].id}/etat",
        data={"state": "rejetee", "comment": ""},
    )
    assert _lines(db, "submission") == []


def test_a_rolled_back_request_leaves_no_line(login, db):
    """The code is created, then the coding on it is refused: the request is rolled back, and
    the line of the code's creation with it."""
    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    before = len(_lines(db))
    coder = login("charge_etude")
    before = len(_lines(db))
    response = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": study["submissions"][0].id,
            "path": "besoins",
            "start": 0,
            "end": 100_000,
            "new_code": "Code jamais créé",
        },
    )
    assert response.status_code == 422
    assert len(_lines(db)) == before
    assert db.session.scalar(select(Code).where(Code.name == "Code jamais créé")) is None


def test_a_synced_interview_is_not_an_edit_but_paper_entry_is(login, client, db, answers):
    token = device_token(db, answers["samir"])
    db.session.add(
        Assignment(questionnaire_id=answers["questionnaire"].id, enumerator_id=answers["samir"].id)
    )
    db.session.commit()
    response = client.post(
        "/api/v1/submissions",
        json=payload(answers["questionnaire"].id),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert _lines(db, "submission") == []

    charge = login("charge_etude")
    body = {
        "uuid": str(uuid.uuid4()),
        "answers": {"age": 67, "logement": "proprietaire", "aides": []},
        "profile": {"public": "age", "age_band": "60_74", "sex": "homme", "commune": "37122"},
        "consent": {"given": True, "recorded_by": "Accueil du CCAS"},
    }
    response = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{answers['questionnaire'].id}/papier",
        json=body,
    )
    assert response.status_code == 201
    [line] = _lines(db, "submission", "paper_entry")
    assert line.object_id == str(response.get_json()["id"]) and line.user_id == charge.user.id


def test_each_export_download_leaves_one_line(login, db, answers, the_study):
    charge = login("charge_etude")
    response = export_through_the_job(charge, answers["questionnaire"].id, {"format": "xlsx"})
    filename = response.headers["Content-Disposition"].split("filename=")[1].strip('"')
    [line] = _lines(db, "export", "download")
    assert line.user_id == charge.user.id and line.study_id == the_study.id
    assert line.after["file"] == filename and line.after["rows"] == 1
    assert line.after["questionnaire_id"] == answers["questionnaire"].id

    job_id = line.object_id
    assert charge.get(f"/etudes/etude-test/reponses/exports/{job_id}/fichier").status_code == 200
    assert len(_lines(db, "export", "download")) == 2


def test_coding_exports_of_personal_data_are_recorded(login, db):
    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    coder = login("charge_etude")
    base = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/export"
    assert coder.get(f"{base}/segments.csv", query_string={"originaux": "1"}).status_code == 200
    assert coder.get(f"{base}/projet.qdpx").status_code == 200
    assert coder.get(f"{base}/livre.qdc").status_code == 200  # the codebook alone: no one's data
    lines = _lines(db, "export", "download")
    assert [(line.after["file"], line.after["pseudonymised"]) for line in lines] == [
        ("segments.csv", False),
        ("projet.qdpx", True),
    ]


def test_logins_are_recorded_without_study_and_without_password(client, db, make_user):
    user = make_user("charge_etude", email="claire@exemple.fr")
    wrong = client.post(
        "/compte/connexion", data={"email": "Claire@exemple.fr", "password": "pas-le-bon-mdp"}
    )
    assert wrong.status_code == 200
    client.post(
        "/compte/connexion", data={"email": "inconnu@exemple.fr", "password": "secret-tape-123"}
    )
    [known, unknown] = _lines(db, "account", "login_failed")
    assert known.user_id == user.id and known.user_label == "Claire@exemple.fr"
    assert known.study_id is None and known.after == {"reason": "mot_de_passe"}
    assert unknown.user_id is None and unknown.user_label == "inconnu@exemple.fr"
    assert unknown.after == {"reason": "inconnu"}
    for line in (known, unknown):
        assert "pas-le-bon-mdp" not in str(line.after) and "secret-tape" not in str(line.after)

    from conftest import PASSWORD

    assert (
        client.post(
            "/compte/connexion", data={"email": user.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    [success] = _lines(db, "account", "login", user_id=user.id)
    assert success.study_id is None


def test_the_platform_journal_shows_logins_to_admins_only(app, login, db):
    app.test_client().post(
        "/compte/connexion", data={"email": "intrus@exemple.fr", "password": "devine-123456"}
    )
    admin = login("admin")
    page = admin.get("/compte/journal").get_data(as_text=True)
    assert "intrus@exemple.fr (adresse saisie)" in page and "Connexion refusée" in page
    assert "aucun compte à cette adresse" in page
    assert login("charge_etude").get("/compte/journal").status_code == 403
    csv_file = admin.get("/compte/journal/export.csv")
    assert csv_file.status_code == 200 and "intrus@exemple.fr" in csv_file.data.decode("utf-8-sig")


def test_the_journal_filters_by_person_object_action_and_date(login, db, answers):
    submission = answers["submission"]
    claire = login("charge_etude", name="Claire Durand")
    paul = login("charge_etude", name="Paul Girard")
    claire.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "a_verifier", "comment": "Âge à confirmer"},
    )
    paul.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "validee", "comment": ""},
    )
    # An old line, from another day.
    old = AuditEntry(
        at=datetime(2025, 1, 10, 9, 0),
        user_id=paul.user.id,
        study_id=_lines(db, "submission")[0].study_id,
        object_type="questionnaire",
        object_id=str(answers["questionnaire"].id),
        action="publish",
        after={"version": 1},
    )
    db.session.add(old)
    db.session.commit()

    def shown(**filters) -> str:
        response = claire.get(JOURNAL, query_string=filters)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    by_claire = shown(person=claire.user.id, object_type="submission")
    assert "1 ligne<" in by_claire and "À vérifier" in by_claire and "Validée" not in by_claire
    by_paul = shown(person=paul.user.id)
    assert "2 lignes" in by_paul and "Publication" in by_paul
    assert "2 lignes" in shown(action="state")
    assert "2 lignes" in shown(action="state", object_type="submission")
    january = shown(date_from="2025-01-01", date_to="2025-01-31")
    assert "1 ligne<" in january and "10/01/2025 10:00:00" in january  # Paris, winter: UTC+1
    assert f'href="/etudes/etude-test/questionnaires/{answers["questionnaire"].id}"' in january
    assert "Aucune ligne" in shown(date_from="2025-01-11", date_to="2025-01-31")
    # A bad date is an error on the field, not a 500, and filters nothing else.
    bad = claire.get(JOURNAL, query_string={"date_from": "demain"})
    assert bad.status_code == 200
    # The person filter lists who has lines here, with labels tied to their fields.
    page = shown()
    assert '<label for="person">Personne</label>' in page and "Paul Girard" in page


def test_the_journal_is_paginated_newest_first(login, db, the_study):
    charge = login("charge_etude")
    start = datetime(2025, 6, 1, 8, 0)
    db.session.add_all(
        AuditEntry(
            at=start + timedelta(minutes=index),
            study_id=the_study.id,
            object_type="code",
            object_id=str(1000 + index),
            action="create",
            after={"name": f"Code {index}"},
        )
        for index in range(60)
    )
    db.session.commit()
    first = charge.get(JOURNAL, query_string={"object_type": "code"}).get_data(as_text=True)
    assert "60 lignes" in first and "Page 1 sur 2" in first
    assert first.index("Code n° 1059") < first.index("Code n° 1010")
    assert "Code n° 1009" not in first
    second = charge.get(JOURNAL, query_string={"object_type": "code", "page": 2}).get_data(
        as_text=True
    )
    assert "Code n° 1009" in second and "Code n° 1000" in second


def test_the_csv_holds_the_filtered_lines_and_its_download_is_recorded(login, db, answers):
    submission = answers["submission"]
    charge = login("charge_etude", name="Claire Durand")
    charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "rejetee", "comment": "Doublon ; même personne"},
    )
    response = charge.get(f"{JOURNAL}/export.csv", query_string={"object_type": "submission"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Date (heure de Paris)",
        "Personne",
        "Adresse e-mail",
        "Objet",
        "N°",
        "Action",
        "Avant",
        "Après",
    ]
    [row] = rows[1:]
    assert row[1:6] == [
        "Claire Durand",
        charge.user.email,
        "Réponse",
        str(submission.id),
        "Changement d'état",
    ]
    assert row[6] == "État : Reçue ; Commentaire : —"
    assert row[7] == "État : Rejetée ; Commentaire : Doublon ; même personne"
    [download] = _lines(db, "export", "download")
    assert download.user_id == charge.user.id
    assert download.after == {
        "file": "journal.csv",
        "rows": 1,
        "filters": {"object_type": "submission"},
    }


def test_only_the_study_managers_open_the_journal(login, db):
    from consultation.studies.services import create_study

    assert login("lecteur").get(JOURNAL).status_code == 403
    assert login("enqueteur").get(f"{JOURNAL}/export.csv").status_code == 403
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    outsider = login("charge_etude", study=other)
    assert outsider.get(JOURNAL).status_code == 404
    assert outsider.get(f"{JOURNAL}/export.csv").status_code == 404
    assert login("admin").get(JOURNAL).status_code == 200


def test_questionnaire_and_codebook_changes_are_recorded(login, db):
    charge = login("charge_etude")
    created = charge.post(
        "/etudes/etude-test/questionnaires/nouveau",
        data={"title": "Besoins des seniors", "language": "fr"},
    )
    assert created.status_code == 302
    [line] = _lines(db, "questionnaire", "create")
    assert line.after["title"] == "Besoins des seniors"

    study = coding_study(db)
    codebook = create_default_codebook(study["questionnaire"])
    db.session.commit()
    code = next(code for code in codebook.codes if code.key == "logement-cout")
    old_name = code.name
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/{code.id}"
    renamed = charge.post(
        url,
        data={
            "action": "edit",
            "name": "Coût du logement",
            "description": code.description,
            "colour": code.colour,
            "keywords": "\n".join(code.keywords),
            "phrases": "\n".join(code.phrases),
            "regexes": "\n".join(code.regexes),
        },
    )
    assert renamed.status_code == 302, renamed.get_data(as_text=True)[:2000]
    [rename] = _lines(db, "code", "rename")
    assert rename.before == {"name": old_name} and rename.after == {"name": "Coût du logement"}
    assert rename.user_id == charge.user.id
    page = charge.get(JOURNAL, query_string={"object_type": "code"}).get_data(as_text=True)
    assert f'href="{url}"' in page and "Renommage" in page


def test_a_draft_edit_says_which_elements_it_touched(login, db):
    from consultation.designer.services import add_node, create_questionnaire, delete_node
    from consultation.studies.models import AuditEntry
    from questionnaires import Question

    questionnaire = create_questionnaire("Besoins des habitants")
    add_node(questionnaire, Question("integer", "age", {"fr": "Quel âge avez-vous ?"}))
    add_node(questionnaire, Question("text", "besoins", {"fr": "De quoi manquez-vous ?"}))
    delete_node(questionnaire, "age")
    db.session.commit()
    edits = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.object_type == "questionnaire", AuditEntry.action == "edit")
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.after for entry in edits] == [
        {"version": 1, "ajoutés": ["age"]},
        {"version": 1, "ajoutés": ["besoins"]},
        {"version": 1, "supprimés": ["age"]},
    ]
    journal = login("charge_etude").get("/etudes/etude-test/journal").get_data(as_text=True)
    assert "ajoutés" in journal and "besoins" in journal and "supprimés" in journal


def test_memos_and_tablet_tokens_leave_a_line_without_their_text(app, db, login):
    from consultation.accounts.tokens import issue_token, revoke_token
    from consultation.studies.models import AuditEntry
    from consultation.studies.scope import current_study_id

    enqueteur = login("enqueteur").user
    device_token, _ = issue_token(enqueteur, "Tablette du CCAS")
    revoke_token(device_token, enqueteur)
    db.session.commit()
    lines = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.object_type == "device_token")
        .order_by(AuditEntry.id)
    ).all()
    assert [(line.action, line.study_id, line.user_id) for line in lines] == [
        ("create", current_study_id(), enqueteur.id),
        ("revoke", current_study_id(), enqueteur.id),
    ]
    assert lines[0].after == {"personne": enqueteur.email, "appareil": "Tablette du CCAS"}
