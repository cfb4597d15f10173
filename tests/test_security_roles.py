"""Who may open what: every endpoint of the app, requested by an anonymous visitor and by each role.

The table below is the expected access of each endpoint. A view added without a line here fails
`test_every_endpoint_has_an_expected_access`, so nobody adds a page without deciding who sees it."""

from dataclasses import dataclass, field

import pytest
from flask import url_for
from security_records import role_clients, session_client, study
from sqlalchemy import inspect as sa_inspect

from consultation.accounts.roles import ADMIN, CHARGE_ETUDE, COLLECTIF, ENQUETEUR, LECTEUR, ROLES
from consultation.studies.scope import current_study

pytestmark = pytest.mark.storage

EVERYONE = ROLES
DESIGN = (ADMIN, CHARGE_ETUDE)
INTERVIEW = (ADMIN, CHARGE_ETUDE, ENQUETEUR)
REVIEW = (ADMIN, CHARGE_ETUDE)
CODE = (ADMIN, CHARGE_ETUDE)
READ_RESULTS = (ADMIN, CHARGE_ETUDE, COLLECTIF, LECTEUR)
DISCUSS = (ADMIN, CHARGE_ETUDE, COLLECTIF)
DECIDE = (ADMIN, CHARGE_ETUDE)

LOGIN = "login"  # anonymous: redirected to the login page
JSON_401 = "401"  # anonymous: a French JSON 401
PUBLIC = "public"  # anyone, logged in or not


@dataclass(frozen=True)
class Access:
    roles: tuple[str, ...]
    anonymous: str = LOGIN
    # "session": the browser's cookie; "bearer": a tablet's device token of a user with that role.
    auth: str = "session"
    params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    # What an allowed role gets for an object of another study: 404, or "redirect" for an
    # action that says « n'existe plus » and changes nothing (as for an object already removed).
    missing: str = "404"


ACCESS = {
    # main, accounts
    "main.index": Access(EVERYONE),
    "main.home": Access(EVERYONE),
    # the features' addresses before studies: to the person's study, or to choose one
    "main.before_studies": Access(EVERYONE, params={"feature": "analyse", "rest": "1/resultats"}),
    # studies: a member sees the study's home; the chargé d'étude manages its members
    "studies.index": Access(EVERYONE),
    "studies.create": Access((ADMIN,)),
    "studies.home": Access(EVERYONE),
    "studies.members": Access(DESIGN),
    "studies.change_role": Access(DESIGN),
    "studies.remove": Access(DESIGN),
    "studies.settings": Access(DESIGN),
    "studies.prepare_edition": Access(DESIGN),
    "studies.invite": Access(DESIGN),
    # revoking twice says « déjà révoquée » and changes nothing
    "studies.revoke_invitation": Access(DESIGN),
    # the invited person's page, outside any study: anyone holding the link
    "invitations.accept": Access(EVERYONE, anonymous=PUBLIC),
    # the journal of a study: its chargés d'étude and the admins; the platform's: admins
    "studies.journal": Access(DESIGN),
    "studies.journal_export": Access(DESIGN),
    "accounts.login": Access(EVERYONE, anonymous=PUBLIC),
    # a respondent's own answers, opened by their receipt code alone (rate limited, outside studies)
    "residents.lookup": Access(EVERYONE, anonymous=PUBLIC),
    "residents.download": Access(EVERYONE, anonymous=PUBLIC),
    "residents.erase": Access(EVERYONE, anonymous=PUBLIC),
    "accounts.logout": Access(EVERYONE),
    "accounts.users": Access((ADMIN,)),
    "accounts.edit_user": Access((ADMIN,)),
    "accounts.password": Access(EVERYONE),
    "accounts.logout_everywhere": Access(EVERYONE),
    "accounts.end_user_sessions": Access((ADMIN,)),
    "accounts.journal": Access((ADMIN,)),
    "accounts.journal_export": Access((ADMIN,)),
    # the glossary of indicators, shared by every study: everyone reads it; admins and the
    # chargés d'étude (of any study) document it
    "indicators.glossary": Access(EVERYONE),
    "indicators.indicator": Access(EVERYONE),
    "indicators.edit": Access(DESIGN),
    # which themes an indicator documents: edited by those who may edit the glossary
    "indicators.theme_keys": Access(DESIGN),
    "indicators.glossary_file": Access(EVERYONE, params={"fmt": "csv"}),
    "indicators.values_file": Access(EVERYONE, params={"fmt": "csv"}),
    # the web import: the same people; an upload is seen by the one who sent it (others: 404)
    "indicators.upload": Access(DESIGN),
    "indicators.contours": Access(DESIGN),
    "indicators.mapping": Access(DESIGN),
    "indicators.preview": Access(DESIGN),
    "indicators.start": Access(DESIGN),
    "indicators.import_status": Access(DESIGN),
    # jobs: only the one who started the job, or an admin (the study's job was started by another user)
    "jobs.status": Access((ADMIN,)),
    # interviews
    "interviews.index": Access(INTERVIEW),
    "interviews.app_shell": Access(INTERVIEW),
    "interviews.bootstrap": Access(INTERVIEW),
    "interviews.service_worker": Access(INTERVIEW),
    "interviews.assignments": Access(DESIGN),
    "interviews.remove_assignment": Access(DESIGN, missing="redirect"),
    # designer
    "designer.index": Access(DESIGN),
    "designer.create": Access(DESIGN),
    "designer.import_form": Access(DESIGN),
    "designer.editor": Access(DESIGN),
    "designer.settings": Access(DESIGN),
    "designer.new_question": Access(DESIGN),
    "designer.edit_question": Access(DESIGN, params={"name": "age"}),
    "designer.new_group": Access(DESIGN),
    "designer.edit_group": Access(DESIGN, params={"name": "menage"}),
    "designer.move": Access(DESIGN, params={"name": "age"}),
    "designer.delete": Access(DESIGN, params={"name": "age"}),
    "designer.choice_lists": Access(DESIGN),
    "designer.choice_list": Access(DESIGN),
    "designer.edit_choice": Access(DESIGN),
    "designer.move_choice": Access(DESIGN),
    "designer.delete_choice": Access(DESIGN),
    "designer.delete_choice_list": Access(DESIGN),
    "designer.versions": Access(DESIGN),
    "designer.publish": Access(DESIGN),
    "designer.duplicate": Access(DESIGN),
    "designer.export": Access(DESIGN, query={"version": 1}),
    "designer.check_expression": Access(DESIGN),
    "designer.preview": Access(DESIGN, query={"version": 1}),
    # review (back office)
    "review.index": Access(REVIEW),
    "review.submissions": Access(REVIEW),
    "review.submission": Access(REVIEW),
    "review.change_state": Access(REVIEW),
    "review.edit": Access(REVIEW),
    "review.paper": Access(REVIEW),
    "review.export": Access(REVIEW),
    # an export's page and file: only the one who asked, or an admin (the study's job is not an export: 404)
    "review.export_job": Access(REVIEW),
    "review.export_file": Access(REVIEW),
    "review.devices": Access(REVIEW),
    # a respondent's rights exercised through the team: copy of their data, erasure
    "review.submission_copy_file": Access(REVIEW, params={"fmt": "json"}),
    "review.erase": Access(REVIEW),
    "review.revoke_device": Access(REVIEW),
    # fieldwork: the counts against targets and the paper questionnaire, for who runs the study
    "fieldwork.index": Access(REVIEW),
    "fieldwork.paper_pdf": Access(REVIEW),
    # coding: coders see originals and change codings; the collectif and readers see results only
    "coding.index": Access(READ_RESULTS),
    "coding.create_codebook": Access(CODE),
    "coding.analyse": Access(CODE),
    "coding.retrain": Access(CODE),
    "coding.codebook": Access(CODE),
    "coding.code": Access(CODE),
    "coding.workspace": Access(CODE),
    "coding.api_add_coding": Access(CODE),
    "coding.api_remove_coding": Access(CODE),
    "coding.api_confirm_coding": Access(CODE),
    "coding.api_decide": Access(CODE),
    "coding.api_memo": Access(CODE),
    "coding.agreement": Access(CODE),
    "coding.pseudonymisation": Access(CODE),
    "coding.export": Access(CODE),
    "coding.export_file": Access(CODE, params={"name": "segments.csv"}),
    "coding.results_page": Access(READ_RESULTS),
    "coding.verbatims": Access(READ_RESULTS),
    "coding.cloud": Access(READ_RESULTS),
    "coding.survey_page": Access(READ_RESULTS),
    "coding.survey_file": Access(READ_RESULTS, params={"fmt": "csv"}),
    # themes: read like the results (verbatims pseudonymised, small cells masked for readers);
    # the chargés d'étude choose them and their questions
    "coding.themes_overview": Access(READ_RESULTS),
    "coding.themes_choose": Access(CODE),
    # emerging themes: readers read the classes; coders run them, make codes, export
    "coding.classes_page": Access(READ_RESULTS),
    "coding.classes_run": Access(CODE),
    "coding.classes_code": Access(CODE),
    "coding.classes_iramuteq": Access(CODE),
    "coding.classes_cloud": Access(READ_RESULTS),
    "coding.classes_csv": Access(CODE),
    "coding.theme_page": Access(READ_RESULTS, params={"key": "transports-du-soir"}),
    "coding.theme_settings": Access(CODE, params={"key": "transports-du-soir"}),
    # the weighting of the figures: who designs the study chooses its population margins
    "coding.survey_weighting": Access(DESIGN),
    # no weighting set in these records: 404 for the allowed roles
    "coding.survey_weighted_file": Access(READ_RESULTS, params={"fmt": "csv"}),
    # préconisations: read like the results; the collectif writes them, their evidence and
    # their follow-up, and follows them
    "collectif.recommendations": Access(READ_RESULTS),
    "collectif.recommendations_file": Access(READ_RESULTS, params={"fmt": "csv"}),
    "collectif.recommendation": Access(READ_RESULTS),
    "collectif.recommendation_verbatim": Access(READ_RESULTS),
    "collectif.recommendation_new": Access(DISCUSS),
    "collectif.recommendation_edit": Access(DISCUSS),
    "collectif.recommendation_entry": Access(DISCUSS),
    "collectif.recommendation_evidence_add": Access(DISCUSS),
    # removing twice says « déjà retirée » and changes nothing
    "collectif.recommendation_evidence_remove": Access(DISCUSS),
    "collectif.recommendation_follow": Access(DISCUSS),
    # answering online: the chargé d'étude opens a questionnaire, its codes and their sheet
    "public.index": Access(DESIGN),
    "public.edit": Access(DESIGN),
    "public.create_codes": Access(DESIGN),
    "public.codes_csv": Access(DESIGN),
    "public.codes_sheet": Access(DESIGN),
    "public.codes_pdf": Access(DESIGN),
    # the residents' pages, outside any study: anyone holding the link or the private link
    "respond.welcome": Access(EVERYONE, anonymous=PUBLIC),
    "respond.resume": Access(EVERYONE, anonymous=PUBLIC),
    "respond.step": Access(EVERYONE, anonymous=PUBLIC),
    "respond.later": Access(EVERYONE, anonymous=PUBLIC),
    "respond.thanks": Access(EVERYONE, anonymous=PUBLIC),
    "respond.accessibility": Access(EVERYONE, anonymous=PUBLIC),
    # the collectif's theme board: read like the results; members discuss (comments, stances,
    # follows), coders choose the representative verbatims, the chargés d'étude decide
    "collectif.board_page": Access(READ_RESULTS),
    "collectif.theme": Access(READ_RESULTS),
    "collectif.comment": Access(DISCUSS),
    "collectif.edit_comment": Access(DISCUSS),
    "collectif.remove_comment": Access(DISCUSS),
    "collectif.stance": Access(DISCUSS),
    "collectif.follow": Access(DISCUSS),
    "collectif.verbatim": Access(CODE),
    "collectif.status": Access(DECIDE),
    "collectif.rename": Access(DECIDE),
    "collectif.merge": Access(DECIDE),
    "collectif.split": Access(DECIDE),
    # meetings of the collectif: read like the results; the chargé d'étude runs them
    "collectif.meetings_list": Access(READ_RESULTS),
    "collectif.meeting": Access(READ_RESULTS),
    "collectif.print_agenda": Access(READ_RESULTS),
    "collectif.agenda_pdf": Access(READ_RESULTS),
    "collectif.new_meeting": Access(DECIDE),
    "collectif.edit_meeting": Access(DECIDE),
    "collectif.delete_meeting": Access(DECIDE),
    "collectif.add_attendee": Access(DECIDE),
    "collectif.remove_attendee": Access(DECIDE),
    "collectif.set_presence": Access(DECIDE),
    "collectif.add_item": Access(DECIDE),
    "collectif.move_item": Access(DECIDE),
    "collectif.remove_item": Access(DECIDE),
    "collectif.record_decision": Access(DECIDE),
    # notifications: each person's own (another person's notification: 404); following the
    # meetings is for those who discuss
    "collectif.notifications_page": Access(READ_RESULTS),
    "collectif.open_notification": Access(READ_RESULTS),
    "collectif.mark_all_read": Access(READ_RESULTS),
    "collectif.digest_setting": Access(READ_RESULTS),
    "collectif.follow_meetings": Access(DISCUSS),
    # the synthesis report: read by whoever reads the results, built by the chargés d'étude;
    # its public restitution is published by them and read by anyone (404 when unpublished)
    "collectif.reports": Access(READ_RESULTS),
    "collectif.build": Access(DECIDE),
    "collectif.report_page": Access(READ_RESULTS),
    "collectif.report_pdf": Access(READ_RESULTS),
    "collectif.report_xlsx": Access(READ_RESULTS),
    "collectif.publish_restitution": Access(DECIDE),
    "collectif.unpublish_restitution": Access(DECIDE),
    "collectif.preview_restitution": Access(DECIDE),
    "restitution.restitution": Access(EVERYONE, anonymous=PUBLIC),
    # JSON API
    "api-docs.openapi_json": Access(EVERYONE, anonymous=PUBLIC),
    "api.list_questionnaires": Access(INTERVIEW, anonymous=JSON_401),
    "api.get_version": Access(INTERVIEW, anonymous=JSON_401),
    "api.create_token": Access(INTERVIEW, anonymous=JSON_401),
    "api.create_submission": Access(INTERVIEW, anonymous=JSON_401, auth="bearer"),
    "api.revoke_current_token": Access(INTERVIEW, anonymous=JSON_401, auth="bearer"),
}

# Files served to anyone (stylesheets, scripts of the login page).
NOT_CHECKED = {"static"}


def _id(record) -> int:
    """The record's id, read from its identity: still known after a request deleted the row."""
    state = sa_inspect(record, raiseerr=False)
    return state.identity[0] if state is not None else record.id


def _url_values(records: dict) -> dict:
    """A realistic value for each URL parameter name of the app."""
    return {
        "questionnaire_id": _id(records["questionnaire"]),
        "number": 1,
        "submission_id": _id(records["submission"]),
        "code_id": _id(records["code"]),
        "coding_id": _id(records["coding"]),
        "theme_id": _id(records["theme"]),
        "comment_id": _id(records["theme_comment"]),
        "suggestion_id": _id(records["suggestion"]),
        "run_id": _id(records["classification"]),
        "decision": "accepter",
        "question": "besoins",
        "kind": "public",
        "key": "jeune",
        "fmt": "svg",
        "list_name": "logement",
        "choice_name": "locataire",
        "assignment_id": _id(records["assignment"]),
        "token_id": _id(records["device_token"]),
        "job_id": _id(records["job"]),
        "indicator_id": _id(records["indicator"]),
        "upload_id": _id(records["indicator_upload"]),
        "user_id": _id(records["charge"]),
        "invitation_id": _id(records["invitation"]),
        "token": records["invitation_token"],
        "link_token": records["link_token"],
        "secret": records["draft_secret"],
        "meeting_id": _id(records["meeting"]),
        "item_id": _id(records["meeting_item"]),
        "attendee_id": _id(records["attendee"]),
        "notification_id": _id(records["notification"]),
        "report_id": _id(records["report"]),
        "slug": records["slug"],
        "recommendation_id": _id(records["recommendation"]),
        "evidence_id": _id(records["evidence"]),
    }


def _url(app, endpoint: str, records: dict, study: str | None = None) -> str:
    """The endpoint's address for `records`, in the test's study or in `study` (a slug)."""
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    access = ACCESS[endpoint]
    values = {name: value for name, value in _url_values(records).items() if name in rule.arguments}
    values |= access.params
    if study is not None:
        values["study"] = study
    missing = rule.arguments - set(values) - {"study"}
    assert not missing, f"{endpoint}: no test value for {missing}"
    return url_for(endpoint, **values, **access.query)


def _methods(app, endpoint: str) -> list[str]:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _request(client, method: str, url: str, headers=None):
    if method == "GET":
        return client.get(url, headers=headers)
    # An empty form, or an empty JSON object for the JSON endpoints: enough to pass the role check.
    if "/api/" in url or url.endswith("/expression"):
        return client.open(url, method=method, json={}, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def _bearer_headers(db, user, study_id: int) -> dict:
    from consultation.accounts.tokens import issue_token

    _, token = issue_token(user, "Tablette de test", study_id)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_every_endpoint_has_an_expected_access(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_CHECKED
    assert sorted(endpoints - set(ACCESS)) == [], (
        "endpoints without a line in ACCESS: decide who may open them"
    )
    assert sorted(set(ACCESS) - endpoints) == [], (
        "lines of ACCESS for endpoints that no longer exist"
    )


def _expect(response, method, url, who, expected):
    """`expected`: "login", "401", "public", "allowed", "403", "hidden" or "404"."""
    status = response.status_code
    where = f"{method} {url} as {who}: {status}"
    assert status < 500, where
    if expected == LOGIN:
        assert status == 302 and "/compte/connexion" in response.headers["Location"], where
    elif expected == JSON_401:
        assert status == 401, where
        message = response.get_json()["message"].lower()
        assert "jeton" in message or "connectez" in message, f"{where} {message}"
    elif expected == PUBLIC:
        assert status not in (401, 403), where
    elif expected == "allowed":
        assert status not in (401, 403), f"{where} {response.get_data(as_text=True)[:300]}"
    elif expected == "redirect":
        assert status == 302, where
    elif expected == "hidden":
        # Refused by role, or not found: either way nothing about the object shows.
        assert status in (403, 404), where
    elif expected == "403":
        assert status == 403, where
        body = (
            response.get_json()["message"] if response.is_json else response.get_data(as_text=True)
        )
        assert "rôle ne permet pas" in body, f"{where}: no French explanation"
    else:
        assert status == 404, where


def _is_study_route(app, endpoint: str) -> bool:
    return app.url_map.is_endpoint_expecting(endpoint, "study")


@pytest.fixture()
def two_studies(app, db):
    """The records of the test's study (A) and of another study (B); clients per role, members of
    A only."""
    from consultation.studies.services import create_study

    records = study(db)
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    other_records = study(db, study_id=other.id)
    return records, other_records, role_clients(app, db)


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_roles_on_endpoint(app, db, endpoint, two_studies):
    """Every route, every role, in the member's study and in the other one: allowed or 403 as the
    role allows in its own study; 404 for another study's pages and for another study's objects
    reached through one's own study (their existence does not leak); only an administrator sees
    every study."""
    records, other_records, clients = two_studies
    access = ACCESS[endpoint]
    in_study = _is_study_route(app, endpoint)
    url = _url(app, endpoint, records)
    variants = []
    if in_study:
        # B's page, by its own address; then B's objects through A's address.
        other_url = _url(app, endpoint, other_records, study="autre-etude")
        crossed_url = _url(app, endpoint, other_records)
        variants.append(("other", other_url))
        if _has_ids(app, endpoint):
            variants.append(("crossed", crossed_url))
    variants.append(("own", url))
    # Refused roles first: they must change nothing, so the allowed ones find every record.
    order = (
        [None]
        + [role for role in ROLES if role not in access.roles]
        + [role for role in ROLES if role in access.roles]
    )
    for variant, target in variants:
        for method in _methods(app, endpoint):
            for role in order:
                client = clients[role]
                headers = None
                if access.auth == "bearer" and role is not None:
                    headers = _bearer_headers(db, client.user, records["study_id"])
                    client = session_client(app, None)
                response = _request(client, method, target, headers)
                who = f"{role or 'anonyme'} ({variant})"
                _expect(response, method, target, who, _expected(access, role, variant))


def _has_ids(app, endpoint: str) -> bool:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    return any(name.endswith("_id") for name in rule.arguments)


def _expected(access: Access, role: str | None, variant: str) -> str:
    if role is None:
        return access.anonymous
    if variant == "own":
        return "allowed" if role in access.roles else "403"
    if variant == "other":
        # Not a member of B: B does not exist for them. The administrator sees every study.
        return "allowed" if role == ADMIN else "404"
    # B's object through A's address: not found (or refused by role before any lookup).
    return access.missing if role in access.roles else "hidden"


def test_a_job_is_visible_to_whoever_started_it(app, db):
    records = study(db)
    starter = session_client(app, records["charge"])
    response = starter.get(url_for("jobs.status", job_id=_id(records["job"])))
    assert response.status_code == 200 and response.get_json()["status_label"] == "En cours"


def test_an_enqueteur_token_stops_working_once_the_account_becomes_a_reader(app, db):
    records = study(db)
    headers = _bearer_headers(db, records["enqueteur"], records["study_id"])
    client = session_client(app, None)
    assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    from consultation.studies.services import add_member

    add_member(current_study(), records["enqueteur"], LECTEUR)
    db.session.commit()
    refused = client.get("/api/v1/questionnaires", headers=headers)
    assert (
        refused.status_code == 403
        and refused.get_json()["message"] == "Votre rôle ne permet pas cette action."
    )


def test_a_deactivated_account_is_logged_out_of_every_page(app, db):
    records = study(db)
    client = session_client(app, records["charge"])
    assert client.get("/etudes/etude-test/questionnaires/").status_code == 200
    records["charge"].active = False
    db.session.commit()
    response = client.get("/etudes/etude-test/questionnaires/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
