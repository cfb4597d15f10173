"""Records for the security tests: one study with a row behind every URL parameter of the app
(questionnaire, published version, submission, codebook, code, coding, suggestion, memo,
assignment, device token, job, invitation and its link's secret), and clients logged in per role.

`study(db, mark="")` puts `mark` in every text a user can type (titles, labels, names, answers,
code names, memos), so the escaping tests can look for it on every page."""

import uuid
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher

from consultation.accounts.models import User, utcnow
from consultation.accounts.roles import ROLES
from consultation.indicators.models import Indicator, IndicatorUpload
from consultation.jobs.recovery import worker_name
from consultation.questionnaire_store.models import (
    DRAFT,
    PUBLISHED,
    Questionnaire,
    QuestionnaireVersion,
)
from questionnaires import Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel

PASSWORD = "motdepasse-solide-42"
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # One argon2 hash for every user of these tests: hashing costs a third of a second.
    return PasswordHasher().hash(PASSWORD)


def fast_user(db, role: str, name: str = "", study_id: int | None = None) -> User:
    """An administrator, or a member of the study `study_id` (the test's study by default)."""
    from consultation.studies.models import Membership
    from consultation.studies.scope import current_study_id

    user = User(
        email=f"{role}-{uuid.uuid4().hex[:8]}@exemple.fr",
        is_admin=role == "admin",
        name=name or f"Camille {role}",
        password_hash=_password_hash(),
    )
    db.session.add(user)
    db.session.flush()
    if role != "admin":
        db.session.add(
            Membership(study_id=study_id or current_study_id(), user_id=user.id, role=role)
        )
        db.session.flush()
    return user


def session_client(app, user: User | None):
    """A test client whose session holds `user`, as Flask-Login's login_user leaves it."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        client.user = user
    return client


def role_clients(app, db, mark: str = "", study_id: int | None = None) -> dict:
    """{role: client} for every role (members of the study `study_id`, the test's study by
    default), plus None for an anonymous visitor."""
    users = {role: fast_user(db, role, f"{mark}Camille {role}", study_id) for role in ROLES}
    db.session.commit()
    clients = {role: session_client(app, user) for role, user in users.items()}
    clients[None] = session_client(app, None)
    return clients


def definition(mark: str = "") -> dict:
    return QuestionnaireModel(
        title=f"{mark}Besoins des habitants",
        form_id=f"abs_securite_{uuid.uuid4().hex[:6]}",
        children=[
            Question(
                "integer",
                "age",
                {"fr": f"{mark}Quel âge avez-vous ?"},
                hint={"fr": f"{mark}En années"},
            ),
            Question("select_one", "logement", {"fr": f"{mark}Vous êtes…"}, choice_list="logement"),
            Question("paragraph", "besoins", {"fr": f"{mark}De quoi auriez-vous besoin ?"}),
            Group(
                "menage",
                {"fr": f"{mark}Personnes du foyer"},
                repeat=True,
                children=[
                    Question("text", "lien", {"fr": f"{mark}Lien avec vous"}),
                ],
            ),
        ],
        choice_lists={
            "logement": ChoiceList(
                "logement",
                [
                    Choice("locataire", {"fr": f"{mark}Locataire"}),
                    Choice("proprietaire", {"fr": f"{mark}Propriétaire"}),
                ],
            )
        },
    ).to_dict()


def study(db, mark: str = "", study_id: int | None = None) -> dict:
    """The records, in the study `study_id` (the test's study by default)."""
    from flask import g

    from consultation.studies.models import Study
    from consultation.studies.scope import current_study, enter_study

    if study_id is None:
        return _study(db, mark, None)
    previous = current_study()
    enter_study(db.session.get(Study, study_id), None)
    try:
        return _study(db, mark, study_id)
    finally:
        enter_study(previous, g.get("study_role"))


def _classification(questionnaire, submission, besoins: str, mark: str):
    """A stored classification of the answers into two emerging classes (as the job leaves it)."""
    from consultation.coding.classes_models import EmergentClassification
    from consultation.coding.services import text_hash
    from consultation.extensions import db

    run = EmergentClassification(
        questionnaire_id=questionnaire.id,
        questions=["besoins"],
        parameters={"classes": 2, "segment_size": 40, "min_frequency": 3, "answers": 1,
                    "segments": 1, "lemmas": 2},
        fingerprint="0" * 64,
        result={
            "answers": [[submission.id, "besoins", text_hash(besoins)]],
            "segments": [[0, 0, len(besoins), 1]],
            "answer_classes": [1],
            "splits": [[0, 1, 2, 12.5]],
            "leaves": {"1": 1, "2": 2},
            "classes": [
                {"number": 1, "size": 1, "share": 1.0, "answers": 1,
                 "terms": [[f"{mark}loyer", 12.5, 0.001, 1, 1]], "segments": [0],
                 "modalities": [["public", "jeune", 4.0, 0.04, 1, 1]]},
                {"number": 2, "size": 0, "share": 0.0, "answers": 0, "terms": [],
                 "segments": [], "modalities": []},
            ],
            "unclassified": 0,
        },
    )  # fmt: skip
    db.session.add(run)
    db.session.flush()
    return run


def _study(db, mark: str, study_id: int | None) -> dict:
    from consultation.accounts.tokens import issue_token
    from consultation.coding.models import Memo, Suggestion
    from consultation.coding.services import (
        add_coding,
        create_code,
        create_default_codebook,
        text_hash,
    )
    from consultation.jobs.models import Job
    from consultation.studies.invitations import hash_token
    from consultation.studies.models import Invitation
    from consultation.submissions.models import Assignment, Submission
    from consultation.territory.models import Commune, Quartier

    charge = fast_user(db, "charge_etude", f"{mark}Lucie Martin", study_id)
    enqueteur = fast_user(db, "enqueteur", f"{mark}Samir Benali", study_id)
    questionnaire = Questionnaire(
        title=f"{mark}Besoins des habitants", description=f"{mark}Enquête ABS 2026"
    )
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=definition(mark), published_at=utcnow()
        )
    )
    questionnaire.versions.append(
        QuestionnaireVersion(number=2, status=DRAFT, definition=definition(mark))
    )
    tours = db.session.get(Commune, "37261") or Commune(insee_code="37261", name="Tours")
    db.session.add_all([questionnaire, tours])
    db.session.flush()
    quartier = Quartier(commune=tours, name=f"Sanitas {uuid.uuid4().hex[:6]}")
    db.session.add(quartier)
    db.session.flush()
    besoins = f"{mark}Les loyers sont trop chers et il n'y a pas de bus le soir."
    submission = Submission(
        client_uuid=str(uuid.uuid4()),
        content_hash=uuid.uuid4().hex,
        questionnaire_version_id=questionnaire.versions[0].id,
        answers={
            "age": 19,
            "logement": "locataire",
            "besoins": besoins,
            "menage": [{"lien": f"{mark}sœur"}],
        },
        public="jeune",
        age_band="18_25",
        commune_code="37261",
        quartier_id=quartier.id,
        enumerator_id=enqueteur.id,
        channel="tablette",
        place=f"{mark}Mission locale",
        consent_given=True,
        consent_recorded_by=f"{mark}Samir Benali",
    )
    db.session.add(submission)
    db.session.flush()
    from consultation.submissions.answer_table import write_answer_rows

    write_answer_rows([submission], new=True)
    codebook = create_default_codebook(questionnaire)
    code = create_code(
        codebook, f"{mark}Transports du soir", description=f"{mark}Bus et trains après 20 h"
    )
    coding = add_coding(submission, "besoins", 0, len(besoins), code, charge.id)
    from consultation.coding.models import Theme

    theme = Theme(code_id=code.id, questions=[])
    db.session.add(theme)
    db.session.flush()
    from consultation.collectif.models import ThemeComment

    theme_comment = ThemeComment(theme_id=theme.id, author_id=charge.id, body=f"{mark}Bien vu")
    other_code = next(c for c in codebook.codes if c.id != code.id)
    suggestion = Suggestion(
        submission_id=submission.id,
        path="besoins",
        code_id=other_code.id,
        score=0.8,
        spans=[[0, 10]],
        source="rules",
        text_hash=text_hash(besoins),
    )
    memos = [
        Memo(code_id=code.id, author_id=charge.id, text=f"{mark}Thème fort chez les jeunes"),
        Memo(
            submission_id=submission.id, path="besoins", author_id=charge.id, text=f"{mark}À relire"
        ),
    ]
    assignment = Assignment(
        questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id, assigned_by_id=charge.id
    )
    device_token, _token = issue_token(enqueteur, f"{mark}Tablette 1", questionnaire.study_id)
    # Jobs already running (in this process, as a live worker would): a POST to "analyse" or
    # "retrain" then starts nothing heavy.
    jobs = [
        Job(
            kind=kind,
            params={"questionnaire_id": questionnaire.id},
            status="running",
            created_by_id=charge.id,
            worker=worker_name(),
            started_at=utcnow(),
            heartbeat_at=utcnow(),
        )
        for kind in ("coding.analyse", "coding.retrain", "coding.classes")
    ]
    classification = _classification(questionnaire, submission, besoins, mark)
    invitation_token = uuid.uuid4().hex
    invitation = Invitation(
        study_id=questionnaire.study_id,
        email=f"invitee-{uuid.uuid4().hex[:8]}@exemple.fr",
        role="enqueteur",
        token_hash=hash_token(invitation_token),
        invited_by_id=charge.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    # Indicators are shared by every study: each call adds its own, under its own code.
    indicator = Indicator(code=f"P20_POP_{uuid.uuid4().hex[:6]}", label=f"Population{mark}")
    # Open online, with one code and a resident's draft under its private link.
    from consultation.public.models import PublicCode, PublicDraft, PublicLink
    from consultation.public.services import hash_secret

    public_link = PublicLink(
        questionnaire_id=questionnaire.id,
        study_id=questionnaire.study_id,
        version_id=questionnaire.versions[0].id,
        uses_codes=True,
        introduction=f"{mark}Bienvenue",
    )
    db.session.add(public_link)
    db.session.flush()
    draft_secret = uuid.uuid4().hex
    draft = PublicDraft(
        public_link_id=public_link.id,
        token_hash=hash_secret(draft_secret),
        client_uuid=str(uuid.uuid4()),
        profile={"public": "jeune", "age_band": "18_25"},
        furthest=1,
    )
    db.session.add_all([draft, PublicCode(public_link_id=public_link.id)])
    # A file sent to the indicators' web import by the chargé d'étude (already imported: no file).
    indicator_upload = IndicatorUpload(
        filename=f"{mark}population.csv", stored_name="", mapping={}, created_by_id=charge.id
    )
    # A version of the synthesis report and the published restitution, as their services keep
    # them (the escaping tests find `mark` on their pages).
    from consultation.collectif.report_models import Publication, Report
    from consultation.studies.models import Study

    report = Report(
        study_id=questionnaire.study_id,
        built_by_id=charge.id,
        fingerprint="0" * 64,
        counts={"data_date": "1 mars 2026", "submissions": 1},
        html="<p>Rapport</p>",
    )
    # One per study: a second call in the same study (the browser tests' shared server) takes it.
    publication = db.session.scalar(
        db.select(Publication).where(Publication.study_id == questionnaire.study_id)
    ) or Publication(study_id=questionnaire.study_id)
    publication.published, publication.published_at = True, utcnow()
    publication.snapshot = _snapshot(mark)
    db.session.add_all(
        [
            suggestion,
            *memos,
            assignment,
            *jobs,
            invitation,
            indicator,
            indicator_upload,
            theme_comment,
            report,
            publication,
        ]
    )
    db.session.flush()
    meeting, meeting_item, attendee, notification = _meeting(
        db,
        mark,
        questionnaire.study_id,
        charge,
        theme_id=db.session.scalar(db.select(Theme.id).where(Theme.code_id == code.id)),
    )
    # A préconisation on the theme, resting on the coded answer.
    from consultation.collectif.models import Evidence, Recommendation, RecommendationEntry

    recommendation = Recommendation(
        study_id=questionnaire.study_id,
        title=f"{mark}Un bus de nuit le week-end",
        body=f"{mark}Prolonger la ligne 2 jusqu'à minuit.",
        committee=f"{mark}Cadre de vie",
        themes=[theme],
    )
    recommendation.entries.append(RecommendationEntry(status="proposee", year=2026, note=mark))
    evidence = Evidence(
        kind="verbatim",
        submission_id=submission.id,
        path="besoins",
        questionnaire_id=questionnaire.id,
        label="Verbatim codé",
    )
    recommendation.evidence.append(evidence)
    db.session.add(recommendation)
    db.session.commit()
    return {
        "report": report,
        "slug": db.session.get(Study, questionnaire.study_id).slug,
        "public_link": public_link,
        "link_token": public_link.token,
        "draft_secret": draft_secret,
        "indicator": indicator,
        "indicator_upload": indicator_upload,
        "study_id": questionnaire.study_id,
        "questionnaire": questionnaire,
        "submission": submission,
        "codebook": codebook,
        "code": code,
        "coding": coding,
        "theme": theme,
        "theme_comment": theme_comment,
        "suggestion": suggestion,
        "classification": classification,
        "assignment": assignment,
        "device_token": device_token,
        "job": jobs[0],
        "charge": charge,
        "enqueteur": enqueteur,
        "besoins": besoins,
        "invitation": invitation,
        "invitation_token": invitation_token,
        "meeting": meeting,
        "meeting_item": meeting_item,
        "attendee": attendee,
        "notification": notification,
        "recommendation": recommendation,
        "evidence": evidence,
    }


def _meeting(db, mark: str, study_id: int, charge, theme_id: int):
    """A meeting of the collectif with a guest and a theme on its agenda (a decision recorded),
    and a notification of it for the chargée d'étude."""
    from consultation.collectif.models import Meeting, MeetingAttendee, MeetingItem, Notification

    meeting = Meeting(
        study_id=study_id,
        title=f"{mark}Réunion du collectif",
        starts_at=(utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0),
        place=f"{mark}Salle des fêtes",
        notes=f"{mark}Apporter les chiffres",
        created_by_id=charge.id,
    )
    attendee = MeetingAttendee(name=f"{mark}Marie Élue", organisation=f"{mark}Mairie")
    item = MeetingItem(
        position=0,
        theme_id=theme_id,
        decision=f"{mark}Thème retenu pour le rapport",
        decided_at=utcnow(),
        decided_by_id=charge.id,
    )
    meeting.attendees.append(attendee)
    meeting.items.append(item)
    db.session.add(meeting)
    db.session.flush()
    notification = Notification(
        user_id=charge.id,
        study_id=study_id,
        kind="reunion",
        message=f"{mark}Réunion du collectif programmée",
        url=f"/etudes/x/collectif/reunions/{meeting.id}",
    )
    db.session.add(notification)
    db.session.flush()
    return meeting, item, attendee, notification


def _snapshot(mark: str) -> dict:
    """A restitution as publication.public_snapshot writes it: one theme, one préconisation."""
    return {
        "study": {"name": f"{mark}Étude", "year": 2026, "description": f"{mark}ABS"},
        "minimum": 5,
        "data_date": "1 mars 2026",
        "fingerprint": "0" * 64,
        "method": {
            "total": 12,
            "interviews": 10,
            "online": 2,
            "first": "1 mars 2026",
            "last": "2 mars 2026",
            "by_public": [{"label": "Jeune (16–25 ans)", "count": 12, "small": False}],
            "by_channel": [{"label": "Tablette", "count": None, "small": False}],
            "by_commune": [{"label": f"{mark}Tours", "count": None, "small": True}],
        },
        "themes": [
            {
                "anchor": "theme-1-transports",
                "name": f"{mark}Transports du soir",
                "description": f"{mark}Bus et trains après 20 h",
                "weights": {"rows": []},
                "verbatims": [
                    {"text": f"{mark}Pas de bus le soir.", "public": "Jeune", "commune": "Tours"}
                ],
                "figures": [],
                "indicators": [],
                "recommendations": [
                    {
                        "title": f"{mark}Des bus le soir",
                        "body": f"{mark}Prolonger les lignes",
                        "committee": f"{mark}Cadre de vie",
                        "priority": "Haute",
                        "status_label": "Retenue",
                        "evidence": [{"kind": "Indicateur", "label": f"{mark}Part", "gone": True}],
                    }
                ],
            }
        ],
    }
