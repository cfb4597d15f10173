"""Realistic records for the submission tests: a published questionnaire of the ABS, the study's
territory, an enquêteur's device token and the JSON a tablet sends."""

import uuid
from datetime import datetime, timezone

from consultation.accounts.models import utcnow
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.territory.models import Commune, Quartier
from questionnaires import Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel


def definition(*, with_transport: bool = False) -> dict:
    questions = [
        Question("text", "prenom", {"fr": "Prénom (facultatif)"}),
        Question("integer", "age", {"fr": "Quel âge avez-vous ?"}, required=True),
        Question(
            "select_one", "logement", {"fr": "Vous êtes…"}, required=True, choice_list="logement"
        ),
        Question(
            "select_multiple", "aides", {"fr": "Quelles aides percevez-vous ?"}, choice_list="aides"
        ),
        Question("paragraph", "besoins", {"fr": "De quoi auriez-vous besoin ?"}),
        Group(
            "menage",
            {"fr": "Personnes du foyer"},
            repeat=True,
            children=[
                Question("text", "lien", {"fr": "Lien avec vous"}),
                Question("integer", "age_membre", {"fr": "Âge"}),
            ],
        ),
    ]
    if with_transport:
        questions.append(
            Question(
                "select_one", "transport", {"fr": "Moyen de transport"}, choice_list="transport"
            )
        )
    choice_lists = {
        "logement": ChoiceList(
            "logement",
            [
                Choice("locataire", {"fr": "Locataire"}),
                Choice("proprietaire", {"fr": "Propriétaire"}),
                Choice("heberge", {"fr": "Hébergé·e"}),
            ],
        ),
        "aides": ChoiceList(
            "aides",
            [
                Choice("apl", {"fr": "APL"}),
                Choice("rsa", {"fr": "RSA"}),
                Choice("aah", {"fr": "AAH"}),
            ],
        ),
        "transport": ChoiceList(
            "transport", [Choice("bus", {"fr": "Bus"}), Choice("velo", {"fr": "Vélo"})]
        ),
    }
    return QuestionnaireModel(
        title="Besoins des habitants",
        form_id="abs_besoins",
        children=questions,
        choice_lists=choice_lists,
    ).to_dict()


def publish(db, title: str = "Besoins des habitants", versions: int = 1) -> Questionnaire:
    """A questionnaire with `versions` published versions (the later ones ask about transport)."""
    questionnaire = Questionnaire(title=title)
    db.session.add(questionnaire)
    for number in range(1, versions + 1):
        questionnaire.versions.append(
            QuestionnaireVersion(
                number=number,
                status=PUBLISHED,
                definition=definition(with_transport=number > 1),
                published_at=utcnow(),
            )
        )
    db.session.commit()
    return questionnaire


def territory(db) -> dict:
    tours = Commune(insee_code="37261", name="Tours")
    joue = Commune(insee_code="37122", name="Joué-lès-Tours")
    sanitas = Quartier(commune=tours, name="Sanitas")
    db.session.add_all([tours, joue, sanitas])
    db.session.commit()
    return {"tours": tours, "joue": joue, "sanitas": sanitas}


def device_token(db, user, label: str = "Tablette 1") -> str:
    from consultation.accounts.tokens import issue_token

    _, token = issue_token(user, label)
    db.session.commit()
    return token


def payload(questionnaire_id: int, version: int = 1, **overrides) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "questionnaire_id": questionnaire_id,
        "version": version,
        "answers": {
            "prenom": "Léa",
            "age": 19,
            "logement": "locataire",
            "aides": ["apl"],
            "besoins": "Un logement plus proche de la fac.",
            "menage": [{"lien": "sœur", "age_membre": 15}],
        },
        "profile": {
            "public": "jeune",
            "age_band": "18_25",
            "sex": "femme",
            "commune": "37261",
            "quartier": "Sanitas",
            "place": "Mission locale",
        },
        "consent": {
            "given": True,
            "recorded_by": "Camille Enquêtrice",
            "at": datetime(2025, 3, 14, 10, 30, tzinfo=timezone.utc).isoformat(),
        },
        "started_at": "2025-03-14T10:31:00+01:00",
        "completed_at": "2025-03-14T10:52:00+01:00",
        "device_id": "tablette-ccas-1",
        "channel": "tablette",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = body[key] | value
        else:
            body[key] = value
    return body


def stored_submission(
    db,
    questionnaire,
    enumerator=None,
    *,
    version: int = 1,
    answers: dict | None = None,
    channel: str = "tablette",
    **profile,
):
    """A submission stored through the same service as the API."""
    from consultation.questionnaire_store.definitions import PublishedVersion
    from consultation.submissions.services import Consent, Profile, content_hash, store_submission

    body = payload(questionnaire.id, version=version)
    if answers is not None:
        body["answers"] = answers
    version_row = next(v for v in questionnaire.versions if v.number == version)
    stored = store_submission(
        version=PublishedVersion.of(version_row),
        client_uuid=body["uuid"],
        answers=body["answers"],
        profile=Profile(**(body["profile"] | profile)),
        consent=Consent(given=True, recorded_by="Camille"),
        content_hash=content_hash(body),
        channel=channel,
        enumerator_id=enumerator.id if enumerator is not None else None,
    )
    db.session.commit()
    return stored.submission
