"""The second demo study: a small consultation of La Riche's centre social, with members of its
own, so that a newcomer sees two studies kept apart (and the collectif member, who sits in both,
sees the study switcher).

Safe to rerun: what exists is left as it is."""

import hashlib
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ..accounts.services import create_user, find_user
from ..extensions import db
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..submissions.assignments import assign
from ..submissions.models import Submission
from ..territory.models import Commune, Quartier
from .centre_social import FORM_ID, centre_social_answers, centre_social_questionnaire
from .territory import COMMUNES, MORE_QUARTIERS

LA_RICHE_CODE = "37195"
LA_RICHE_SUBMISSIONS = 40
LA_RICHE_STUDY = {
    "slug": "centre-social-la-riche-2026",
    "name": "Consultation du centre social — La Riche 2026",
    "kind": "consultation",
    "year": 2026,
    "state": "en_cours",
    "description": "Ce que les habitants attendent du centre social : activités, horaires, "
    "ce qui leur manque.",
    "notice_controller": "Centre social de La Riche, place du Maréchal Leclerc, 37520 La Riche",
    "notice_purpose": "Consulter les habitants pour renouveler le projet social du centre.",
    "notice_legal_basis": "Mission d'intérêt public (article 6.1.e du RGPD).",
    "notice_retention": "Chaque réponse est conservée 24 mois après l'entretien, puis effacée "
    "avec ce qui en a été tiré.",
    "retention_months": 24,
    "notice_recipients": "L'équipe du centre social ; le conseil d'administration ne voit que "
    "des résultats agrégés.",
    "notice_rights": "Accès, rectification, effacement et opposition : écrivez au délégué à la "
    "protection des données ; réclamation possible auprès de la CNIL.",
    "notice_dpo": "dpo@centresocial-lariche.fr",
}
# Members of this study only, and one person of the ABS who sits in both.
LA_RICHE_USERS = [
    ("charge.lariche@demo.fr", "charge_etude", "Nadia Chargée d'étude (centre social)"),
    ("enqueteur.lariche@demo.fr", "enqueteur", "Youssef Enquêteur (centre social)"),
    ("lecteur.lariche@demo.fr", "lecteur", "Hélène Lectrice (centre social)"),
]
SHARED_MEMBERS = [("collectif@demo.fr", "collectif")]
NAMESPACE = uuid.UUID("0b8e3f52-93c1-4d0e-8a4a-5c7d2e9f1a36")
PLACES = ["Centre social", "Accueil de loisirs", "Sortie d'école", "Marché", "Domicile"]
# A small codebook of the centre social's themes; a code's keywords find it in the answers.
CODES = [
    ("Horaires", "Ouvrir quand les habitants sont libres.", ["horaires", "soir", "samedi"]),
    ("Enfants et jeunes", "Accueil, devoirs, ados.", ["enfants", "ados", "devoirs", "collégiens"]),
    ("Démarches", "Papiers, CAF, logement, numérique.", ["papiers", "caf", "ordinateurs"]),
    ("Lien social", "Se rencontrer, discuter.", ["discuter", "café", "repas", "fête"]),
    ("Accès et locaux", "Venir au centre, y tenir.", ["bus", "poussette", "salle", "navette"]),
    ("Information", "Savoir ce qui se passe.", ["information", "programme", "savais"]),
]
CODED_QUESTIONS = ("manque", "idee")
CODED_ANSWERS = 15


def seed_la_riche(created: dict, submission_count: int = LA_RICHE_SUBMISSIONS) -> None:
    """Creates what is missing of the study, counting it in `created`; leaves the request in
    the study (what it creates belongs to it)."""
    from ..studies.scope import enter_study
    from ..studies.services import add_member, membership
    from .seed import DEMO_PASSWORD, demo_study

    study = demo_study(LA_RICHE_STUDY, created)
    users = {}
    for email, _role, name in LA_RICHE_USERS:
        user = find_user(email)
        if user is None:
            user = create_user(email, DEMO_PASSWORD, name)
            created["users"] += 1
        users[email] = user
    for email, role in [(email, role) for email, role, _ in LA_RICHE_USERS] + SHARED_MEMBERS:
        user = users.get(email) or find_user(email)
        if user is not None and membership(study, user) is None:
            add_member(study, user, role)
    enter_study(study, None)
    commune = _la_riche(created)
    if not study.communes:
        study.communes.append(commune)
        study.quartiers.extend(commune.quartiers)

    charge = users["charge.lariche@demo.fr"]
    version = _published(charge, created)
    assign(version.questionnaire_id, users["enqueteur.lariche@demo.fr"].id, charge.id)
    if not db.session.scalar(
        select(func.count(Submission.id)).where(Submission.questionnaire_version_id == version.id)
    ):
        from ..submissions.answer_table import write_answer_rows

        quartiers = list(
            db.session.scalars(select(Quartier).where(Quartier.commune_code == LA_RICHE_CODE))
        )
        submissions = [
            _submission(index, study, version, quartiers, users["enqueteur.lariche@demo.fr"])
            for index in range(submission_count)
        ]
        db.session.add_all(submissions)
        db.session.flush()
        write_answer_rows(submissions, new=True)
        created["submissions"] += len(submissions)
    from ..coding.demo import seed_coding

    created["codings"] = created.get("codings", 0) + seed_coding(
        version.questionnaire,
        [charge],
        make_codebook=_codebook,
        questions=CODED_QUESTIONS,
        answers=CODED_ANSWERS,
    )
    _open_online(version, charge)


def _open_online(version, charge) -> None:
    """Residents answer the consultation online too: an open link, for the posters."""
    from ..public.services import link_of, save_link

    if link_of(version.questionnaire) is not None:
        return
    save_link(
        version.questionnaire,
        {
            "version": version,
            "open_link": True,
            "uses_codes": True,
            "active": True,
            "introduction": (
                "Le centre social de La Riche prépare son nouveau projet social. Dites-nous en "
                "cinq minutes ce qui vous plaît, ce qui vous manque et ce que vous aimeriez y "
                "faire."
            ),
        },
        charge,
    )


def _la_riche(created) -> Commune:
    """The commune and every quartier the consultation covers (the ABS demo may have made the
    commune with fewer)."""
    name, quartiers = COMMUNES[LA_RICHE_CODE]
    commune = db.session.get(Commune, LA_RICHE_CODE)
    if commune is None:
        commune = Commune(insee_code=LA_RICHE_CODE, name=name)
        db.session.add(commune)
        created["communes"] += 1
    known = {quartier.name for quartier in commune.quartiers}
    for quartier in quartiers + MORE_QUARTIERS[LA_RICHE_CODE]:
        if quartier not in known:
            commune.quartiers.append(Quartier(commune_code=LA_RICHE_CODE, name=quartier))
    db.session.flush()
    return commune


def _published(author, created) -> QuestionnaireVersion:
    for questionnaire in db.session.scalars(
        select(Questionnaire).where(Questionnaire.form_id == FORM_ID)
    ):
        if questionnaire.current_published is not None:
            return questionnaire.current_published
    model = centre_social_questionnaire()
    questionnaire = Questionnaire(
        title=model.title,
        form_id=model.form_id,
        description="Questionnaire court proposé aux usagers et aux habitants du quartier.",
        created_by_id=author.id,
    )
    version = QuestionnaireVersion(
        number=1,
        status=PUBLISHED,
        definition=model.to_dict(),
        published_at=datetime.now(timezone.utc),
        published_by_id=author.id,
    )
    questionnaire.versions.append(version)
    db.session.add(questionnaire)
    db.session.flush()
    created["questionnaires"] += 1
    return version


def _codebook(questionnaire):
    from ..coding.models import Codebook
    from ..coding.services import create_code

    codebook = Codebook(name="Livre de codes — centre social", questionnaire_id=questionnaire.id)
    db.session.add(codebook)
    db.session.flush()
    for name, description, keywords in CODES:
        create_code(codebook, name, description=description, keywords=keywords)
    return codebook


def _submission(index, study, version, quartiers, enumerator) -> Submission:
    rng = random.Random(f"la-riche-{index}")
    public = rng.choices(["autre", "jeune", "age"], weights=[65, 15, 20])[0]
    age = {
        "autre": rng.randint(26, 59),
        "jeune": rng.randint(16, 25),
        "age": rng.randint(60, 88),
    }[public]
    age_band = (
        "16_17"
        if age < 18
        else "18_25"
        if age <= 25
        else "26_59"
        if age < 60
        else "60_74"
        if age < 75
        else "75_84"
        if age < 85
        else "85_plus"
    )
    quartier = rng.choice(quartiers) if quartiers else None
    answers = centre_social_answers(rng, age, quartier.name if quartier else "La Riche")
    channel = rng.choices(["tablette", "papier", "en_ligne"], weights=[60, 25, 15])[0]
    by_enumerator = channel != "en_ligne"
    completed = datetime(2026, 5, 4, tzinfo=timezone.utc) + timedelta(
        days=rng.randint(0, 40), hours=rng.randint(9, 18), minutes=rng.randint(0, 59)
    )
    client_uuid = str(uuid.uuid5(NAMESPACE, str(index)))
    payload = {"uuid": client_uuid, "answers": answers, "public": public}
    return Submission(
        study_id=study.id,
        client_uuid=client_uuid,
        content_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
        questionnaire_version_id=version.id,
        channel=channel,
        state=rng.choices(["recue", "a_verifier", "validee"], weights=[45, 15, 40])[0],
        answers=answers,
        public=public,
        age_band=age_band,
        sex=rng.choice(["femme", "femme", "homme", ""]),
        commune_code=LA_RICHE_CODE,
        quartier_id=quartier.id if quartier else None,
        place=rng.choice(PLACES),
        consent_given=True,
        consent_recorded_by=enumerator.name if by_enumerator else "Formulaire en ligne",
        consent_at=completed - timedelta(minutes=20),
        parental_consent=None,
        enumerator_id=enumerator.id if by_enumerator else None,
        device_id=f"tablette-{enumerator.id}" if by_enumerator else "",
        started_at=completed - timedelta(minutes=rng.randint(8, 25)),
        completed_at=completed,
        received_at=completed + timedelta(hours=rng.randint(0, 30)),
    )
