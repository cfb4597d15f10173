"""The sync API is scoped to the enquêteur's assignments: a token reads and feeds only the
questionnaires assigned to its enquêteur (an interview made under an assignment removed since may
still be sent), and a refusal does not tell whether the questionnaire exists."""

from datetime import timedelta

import pytest
from security_records import fast_user, session_client
from sqlalchemy import func, select
from submission_records import device_token, payload, publish, territory

from consultation.accounts.models import utcnow
from consultation.submissions.assignments import unassign
from consultation.submissions.models import Assignment, EndedAssignment, Submission

pytestmark = pytest.mark.storage


@pytest.fixture()
def study(db):
    questionnaire = publish(db, versions=1)
    territory(db)
    return questionnaire


def _tablet(app, db, role="enqueteur"):
    user = fast_user(db, role)
    db.session.commit()
    client = app.test_client()
    client.user = user
    client.headers = {"Authorization": f"Bearer {device_token(db, user)}"}
    return client


def _assign(db, questionnaire, user):
    assignment = Assignment(questionnaire_id=questionnaire.id, enumerator_id=user.id)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def _listed(client, headers=None):
    response = client.get(
        "/api/v1/questionnaires", headers=client.headers if headers is None else headers
    )
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()]


def _version(client, questionnaire, headers=None):
    return client.get(
        f"/api/v1/questionnaires/{questionnaire.id}/versions/1",
        headers=client.headers if headers is None else headers,
    )


def _send(client, questionnaire, **overrides):
    body = payload(questionnaire.id) | overrides
    return client.post("/api/v1/submissions", json=body, headers=client.headers)


def _count(db) -> int:
    return db.session.scalar(select(func.count(Submission.id)))


def test_assigned_enqueteur_lists_reads_and_sends(app, db, study):
    tablet = _tablet(app, db)
    _assign(db, study, tablet.user)
    assert _listed(tablet) == [study.id]
    assert _version(tablet, study).status_code == 200
    assert _send(tablet, study).status_code == 201


def test_enqueteur_without_assignment_sees_nothing_and_sends_nothing(app, db, study):
    tablet = _tablet(app, db)
    assert study.id not in _listed(tablet)

    hidden = _version(tablet, study)
    unknown = tablet.get("/api/v1/questionnaires/999999/versions/1", headers=tablet.headers)
    # Same answer as for a questionnaire that does not exist: its existence does not leak.
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json() == unknown.get_json()
    assert "definition" not in hidden.get_json()

    refused = _send(tablet, study)
    nonexistent = _send(tablet, study, questionnaire_id=999999)
    assert refused.status_code == nonexistent.status_code == 422
    assert refused.get_json()["message"] == nonexistent.get_json()["message"]
    assert refused.get_json()["code"] == "version_inconnue"
    assert _count(db) == 0


def test_assignment_of_another_enqueteur_does_not_count(app, db, study):
    tablet = _tablet(app, db)
    colleague = fast_user(db, "enqueteur")
    _assign(db, study, colleague)
    assert study.id not in _listed(tablet)
    assert _version(tablet, study).status_code == 404
    assert _send(tablet, study).status_code == 422
    assert _count(db) == 0


def test_after_removal_interviews_made_before_are_still_accepted_and_nothing_else(app, db, study):
    tablet = _tablet(app, db)
    assignment = _assign(db, study, tablet.user)
    assignment.assigned_at = utcnow() - timedelta(days=10)
    db.session.commit()
    assert unassign(assignment.id, None)
    db.session.commit()
    assert db.session.scalar(select(func.count(EndedAssignment.id))) == 1

    # Listing and downloading stop at once.
    assert study.id not in _listed(tablet)
    assert _version(tablet, study).status_code == 404

    made_during = (utcnow() - timedelta(days=3)).isoformat()
    kept = _send(tablet, study, started_at=made_during, completed_at=made_during)
    assert kept.status_code == 201, kept.get_json()

    made_after = (utcnow() + timedelta(days=2)).isoformat()
    assert _send(tablet, study, started_at=made_after, completed_at=made_after).status_code == 422
    made_before_the_assignment = (utcnow() - timedelta(days=30)).isoformat()
    assert (
        _send(
            tablet,
            study,
            started_at=made_before_the_assignment,
            completed_at=made_before_the_assignment,
        ).status_code
        == 422
    )
    # An interview without a date cannot show that it was made while the assignment lasted.
    assert _send(tablet, study, started_at=None, completed_at=None).status_code == 422
    assert _count(db) == 1


def test_reassigned_enqueteur_sends_again(app, db, study):
    from consultation.submissions.assignments import assign

    tablet = _tablet(app, db)
    assert unassign(_assign(db, study, tablet.user).id, None)
    db.session.commit()
    assign(study.id, tablet.user.id, None)
    db.session.commit()
    later = (utcnow() + timedelta(days=2)).isoformat()
    assert _send(tablet, study, started_at=later, completed_at=later).status_code == 201
    assert _version(tablet, study).status_code == 200


@pytest.mark.parametrize("role", ["charge_etude", "admin"])
def test_charge_etude_and_admin_use_every_questionnaire(app, db, study, role):
    tablet = _tablet(app, db, role)
    assert study.id in _listed(tablet)
    assert _version(tablet, study).status_code == 200
    assert _send(tablet, study).status_code == 201


def test_a_logged_in_enqueteur_reading_with_a_session_is_scoped_too(app, db, study):
    user = fast_user(db, "enqueteur")
    db.session.commit()
    browser = session_client(app, user)
    assert study.id not in _listed(browser, headers={})
    assert _version(browser, study, headers={}).status_code == 404
    _assign(db, study, user)
    assert _listed(browser, headers={}) == [study.id]
    assert _version(browser, study, headers={}).status_code == 200


def test_a_conflict_names_no_other_submission(app, db, study):
    first, second = _tablet(app, db), _tablet(app, db)
    _assign(db, study, first.user)
    _assign(db, study, second.user)
    body = payload(study.id)
    stored = first.post("/api/v1/submissions", json=body, headers=first.headers)
    assert stored.status_code == 201
    stored_id = stored.get_json()["id"]

    # The other enquêteur learnt the UUID (or the whole body): neither answer gives the row away.
    changed = payload(study.id, uuid=body["uuid"], device_id="autre-tablette")
    for attempt in (changed, body):
        response = second.post("/api/v1/submissions", json=attempt, headers=second.headers)
        assert response.status_code == 409
        refusal = response.get_json()
        assert "id" not in refusal and str(stored_id) not in response.get_data(as_text=True)
        assert "identifiant" in refusal["message"]
    # The author resending the same interview still gets its own row back.
    again = first.post("/api/v1/submissions", json=body, headers=first.headers)
    assert again.status_code == 200 and again.get_json()["id"] == stored_id
    assert db.session.get(Submission, stored_id).enumerator_id == first.user.id
