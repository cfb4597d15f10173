"""Demo data: accounts, the territory, the ABS questionnaire (published) and ~300 submissions.

Safe to rerun: what exists is left as it is."""

import hashlib
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from ..accounts.services import create_user, find_user
from ..extensions import db
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..submissions.assignments import assign
from ..submissions.models import Submission
from ..territory.models import Commune, Quartier
from .questionnaire import abs_questionnaire
from .territory import COMMUNES, PLACES
from .verbatims import verbatim

DEMO_PASSWORD = "demo-consultation"
DEMO_USERS = [
    ("admin@demo.fr", "admin", "Alice Administratrice"),
    ("charge@demo.fr", "charge_etude", "Claire Chargée d'étude"),
    ("enqueteur@demo.fr", "enqueteur", "Karim Enquêteur"),
    ("enqueteuse@demo.fr", "enqueteur", "Sophie Enquêtrice"),
    ("collectif@demo.fr", "collectif", "Bernard Membre du collectif"),
    ("lecteur@demo.fr", "lecteur", "Léa Lectrice"),
]
DEMO_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4c1b-9a57-2f0e6c1d9b10")
SUBMISSION_COUNT = 300


ABS_STUDY = {
    "slug": "abs-2026-tours-metropole",
    "name": "ABS 2026 — Tours Métropole",
    "kind": "abs",
    "year": 2026,
    "state": "en_cours",
    "description": "Analyse des besoins sociaux des jeunes de 16 à 25 ans et des personnes âgées.",
    "notice_controller": "CCAS de Tours, 3 rue Jules Simon, 37000 Tours",
    "notice_purpose": "Analyse des besoins sociaux (article R.123-1 du code de l'action sociale "
    "et des familles) : connaître les besoins des habitants pour orienter l'action sociale.",
    "notice_legal_basis": "Mission d'intérêt public (article 6.1.e du RGPD).",
    "notice_retention": "Chaque réponse est conservée 36 mois après l'entretien, puis effacée "
    "avec ce qui en a été tiré (codages, textes pseudonymisés).",
    "retention_months": 36,
    "targets": {
        "publics": {"jeune": 150, "age": 150},
        "communes": {"37261": 200, "37122": 60, "37214": 40},
    },
    "notice_recipients": "Les chargés d'étude du CCAS ; le collectif projet ne voit que des "
    "verbatims pseudonymisés et des résultats agrégés.",
    "notice_rights": "Accès, rectification, effacement, limitation et opposition : écrivez au "
    "délégué à la protection des données ; réclamation possible auprès de la CNIL.",
    "notice_dpo": "dpo@ccas-tours.fr",
}


def demo_study(fields: dict, created: dict):
    from ..studies.services import create_study, find_study

    study = find_study(fields["slug"])
    if study is None:
        fields = dict(fields)
        study = create_study(fields.pop("name"), fields.pop("year"), **fields)
        created["studies"] = created.get("studies", 0) + 1
    return study


def seed_demo(submission_count: int = SUBMISSION_COUNT) -> dict:
    """Creates what is missing; returns counts of what was created."""
    from ..studies.scope import enter_study
    from ..studies.services import add_member, membership

    created = {"users": 0, "communes": 0, "questionnaires": 0, "submissions": 0}
    study = demo_study(ABS_STUDY, created)
    users = {}
    for email, role, name in DEMO_USERS:
        user = find_user(email)
        if user is None:
            user = create_user(email, DEMO_PASSWORD, name, is_admin=role == "admin")
            created["users"] += 1
        if role != "admin" and membership(study, user) is None:
            add_member(study, user, role)
        users[email] = user
    # What follows is the study's work: created in it, read from it.
    enter_study(study, None)

    for code, (name, quartiers) in COMMUNES.items():
        if db.session.get(Commune, code) is None:
            db.session.add(Commune(insee_code=code, name=name))
            for quartier in quartiers:
                db.session.add(Quartier(commune_code=code, name=quartier))
            created["communes"] += 1
    db.session.flush()
    if not study.communes:
        study.communes.extend(
            db.session.scalars(select(Commune).where(Commune.insee_code.in_(list(COMMUNES))))
        )

    version = _published_questionnaire(users["charge@demo.fr"], created)
    for email in ("enqueteur@demo.fr", "enqueteuse@demo.fr"):
        assign(version.questionnaire_id, users[email].id, users["charge@demo.fr"].id)
    existing = db.session.scalar(
        select(db.func.count(Submission.id)).where(
            Submission.questionnaire_version_id == version.id
        )
    )
    if not existing:
        from ..submissions.answer_table import write_answer_rows

        enumerators = [users["enqueteur@demo.fr"], users["enqueteuse@demo.fr"]]
        demo_submissions = [
            _demo_submission(index, version, enumerators) for index in range(submission_count)
        ]
        db.session.add_all(demo_submissions)
        db.session.flush()
        write_answer_rows(demo_submissions, new=True)
        created["submissions"] += len(demo_submissions)
    db.session.flush()
    from ..coding.demo import seed_coding

    created["codings"] = seed_coding(
        version.questionnaire, [users["charge@demo.fr"], users["admin@demo.fr"]]
    )
    from .classes import seed_classes

    created["classifications"] = seed_classes(version.questionnaire)
    return created


def _published_questionnaire(author, created) -> QuestionnaireVersion:
    model = abs_questionnaire()
    for questionnaire in db.session.scalars(select(Questionnaire)):
        version = questionnaire.current_published
        if version is not None and version.definition.get("form_id") == model.form_id:
            return version
    questionnaire = Questionnaire(
        title=model.title,
        form_id=model.form_id,
        description="Questionnaire de l'ABS posé aux jeunes de 16 à 25 ans et aux personnes de 60 ans et plus.",
        created_by_id=author.id,
    )
    now = datetime.now(timezone.utc)
    version = QuestionnaireVersion(
        number=1,
        status=PUBLISHED,
        definition=model.to_dict(),
        published_at=now,
        published_by_id=author.id,
    )
    questionnaire.versions.append(version)
    db.session.add(questionnaire)
    db.session.flush()
    created["questionnaires"] += 1
    return version


def _demo_submission(index: int, version: QuestionnaireVersion, enumerators) -> Submission:
    rng = random.Random(index)
    public = "jeune" if rng.random() < 0.52 else "age"
    code = rng.choice(list(COMMUNES))
    commune_name, quartier_names = COMMUNES[code]
    quartier_name = rng.choice(quartier_names)
    quartier = db.session.scalar(
        select(Quartier).where(Quartier.commune_code == code, Quartier.name == quartier_name)
    )
    if public == "jeune":
        age = rng.randint(16, 25)
        age_band = "16_17" if age < 18 else "18_25"
    else:
        age = rng.choice([rng.randint(60, 74), rng.randint(75, 84), rng.randint(85, 96)])
        age_band = "60_74" if age < 75 else "75_84" if age < 85 else "85_plus"
    answers = _answers(rng, public, age, commune_name, quartier_name)
    channel = rng.choices(["tablette", "papier", "en_ligne"], weights=[80, 10, 10])[0]
    enumerator = None if channel == "en_ligne" else rng.choice(enumerators)
    completed = datetime(2026, 9, 1, tzinfo=timezone.utc) + timedelta(
        days=rng.randint(0, 60), hours=rng.randint(8, 18), minutes=rng.randint(0, 59)
    )
    client_uuid = str(uuid.uuid5(DEMO_NAMESPACE, str(index)))
    payload = {"uuid": client_uuid, "answers": answers, "public": public, "commune": code}
    return Submission(
        client_uuid=client_uuid,
        content_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
        questionnaire_version_id=version.id,
        channel=channel,
        state=rng.choices(["recue", "a_verifier", "validee"], weights=[50, 10, 40])[0],
        answers=answers,
        public=public,
        age_band=age_band,
        sex=rng.choice(["femme", "homme", "femme", "homme", ""]),
        commune_code=code,
        quartier_id=quartier.id if quartier else None,
        place=rng.choice(PLACES[:4] if public == "age" else PLACES[2:]),
        consent_given=True,
        consent_recorded_by=enumerator.name if enumerator else "Formulaire en ligne",
        consent_at=completed - timedelta(minutes=40),
        parental_consent=None,
        enumerator_id=enumerator.id if enumerator else None,
        device_id=f"tablette-{enumerator.id}" if enumerator else "",
        started_at=completed - timedelta(minutes=rng.randint(15, 70)),
        completed_at=completed,
        received_at=completed + timedelta(hours=rng.randint(0, 30)),
    )


def _answers(rng: random.Random, public: str, age: int, commune: str, quartier: str) -> dict:
    def text(question: str) -> str:
        return verbatim(question, public, rng, commune=commune, quartier=quartier)

    young = public == "jeune"
    answers: dict = {}
    answers["statut_logement"] = rng.choice(
        ["heberge", "locataire_prive", "locataire_social", "sans_logement"]
        if young
        else ["proprietaire", "locataire_social", "locataire_prive", "foyer"]
    )
    answers["satisfaction_logement"] = rng.randint(1, 5)
    difficulties = rng.sample(
        ["loyer", "humidite", "taille", "accessibilite", "voisinage"], rng.randint(0, 2)
    )
    answers["difficultes_logement"] = difficulties or ["aucune"]
    if difficulties:
        answers["logement_precisions"] = text("logement_precisions")
    answers["age"] = age
    alone = (rng.random() < 0.55) if not young else (rng.random() < 0.25)
    answers["vit_seul"] = "oui" if alone else "non"
    if not alone:
        members = []
        for _ in range(rng.randint(1, 3)):
            link = rng.choice(
                ["parent", "frere_soeur", "enfant"] if young else ["conjoint", "enfant"]
            )
            member_age = {
                "parent": rng.randint(40, 60),
                "frere_soeur": rng.randint(5, 30),
                "enfant": rng.randint(0, 15) if young else rng.randint(30, 60),
                "conjoint": rng.randint(58, 92),
            }[link]
            members.append({"lien": link, "age_membre": member_age})
        answers["menage"] = members
    answers["taille_foyer"] = 1 if alone else len(answers["menage"]) + 1
    answers["transports"] = rng.sample(
        ["bus_tram", "marche", "velo", "voiture", "proches"]
        if young
        else ["marche", "voiture", "proches", "bus_tram", "tad"],
        rng.randint(1, 2),
    )
    if age <= 30:
        answers["permis"] = rng.choice(["oui", "non", "non"])
    if rng.random() < 0.7:
        answers["mobilite_difficultes"] = text("mobilite_difficultes")
    answers["connait_ccas"] = rng.choice(["oui", "non"] if young else ["oui", "oui", "non"])
    aids = rng.sample(
        ["apl", "rsa", "prime_activite", "css"] if young else ["apa", "apl", "css", "aah"],
        rng.randint(0, 2),
    )
    answers["aides"] = aids or ["aucune"]
    answers["renoncement_droits"] = rng.choice(["oui", "non", "nsp", "non"])
    if answers["renoncement_droits"] == "oui":
        answers["raison_renoncement"] = text("raison_renoncement")
    answers["medecin_traitant"] = rng.choice(["oui", "oui", "non"])
    answers["renoncement_soins"] = rng.choice(["oui", "non", "non"])
    if answers["renoncement_soins"] == "oui":
        answers["sante_precisions"] = text("sante_precisions")
    answers["frequence_contacts"] = rng.choice(
        ["jour", "semaine", "mois", "rarement"]
        if young
        else ["semaine", "mois", "rarement", "jamais"]
    )
    answers["solitude"] = rng.randint(1, 3) if young else rng.randint(2, 5)
    answers["activites"] = rng.sample(
        ["sport", "culture", "association"] if young else ["club", "association", "culture"],
        rng.randint(0, 2),
    ) or ["aucune"]
    answers["internet"] = rng.choice(
        ["smartphone", "smartphone", "ordinateur"]
        if young
        else ["non", "aide", "smartphone", "ordinateur"]
    )
    if answers["internet"] != "non" and rng.random() < 0.6:
        answers["demarches_difficultes"] = text("demarches_difficultes")
    answers["manque_quartier"] = text("manque_quartier")
    if rng.random() < 0.6:
        answers["message_elus"] = text("message_elus")
    return answers
