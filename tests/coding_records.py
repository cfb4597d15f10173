"""Realistic records for the coding tests: a published questionnaire with open questions (one
inside a repeat), the territory, and residents' answers in French."""

import hashlib
import uuid

from consultation.accounts.models import utcnow
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.submissions.answer_table import write_answer_rows
from consultation.submissions.models import Submission
from consultation.territory.models import Commune, Quartier
from questionnaires import Group, Question
from questionnaires import Questionnaire as QuestionnaireModel

ANSWERS = [
    (
        "jeune",
        "Les loyers sont beaucoup trop chers pour un étudiant, je paie 600 euros pour un studio.",
    ),
    ("age", "Je me sens seule depuis la mort de mon mari, personne ne vient me voir."),
    ("jeune", "Il n'y a pas assez de bus le soir, je ne peux pas rentrer après le travail."),
    ("age", "Mon médecin traitant est parti à la retraite et je n'en trouve pas d'autre."),
    (
        "jeune",
        "Appelez Kevin Martin au 06 12 34 56 78, il connaît bien le quartier et ses problèmes de logement.",
    ),
]


# Enough coded answers, two codes of six each, for the suggester to choose C by inner folds.
TRAINING_ANSWERS = [
    ("jeune", "Les loyers sont trop chers, je paie 600 euros pour un studio."),
    ("age", "Mon loyer a encore augmenté et les charges aussi."),
    ("jeune", "Trouver un appartement pas trop cher est impossible ici."),
    ("age", "Je ne peux plus payer le loyer avec ma petite retraite."),
    ("jeune", "Les charges du logement coûtent trop cher chaque mois."),
    ("age", "Le prix des loyers a doublé dans le quartier."),
    ("jeune", "Il n'y a pas assez de bus le soir pour rentrer du travail."),
    ("age", "Le tram ne passe pas près de chez moi, je dois marcher longtemps."),
    ("jeune", "Sans voiture on ne peut aller nulle part, les bus sont rares."),
    ("age", "Il faudrait une navette pour aller au marché le samedi."),
    ("jeune", "Les horaires des bus ne collent pas avec mes cours."),
    ("age", "Prendre le bus est compliqué avec mon déambulateur."),
]


def definition() -> dict:
    return QuestionnaireModel(
        title="ABS 2026",
        form_id="abs_codage",
        children=[
            Question("integer", "age", {"fr": "Quel âge avez-vous ?"}),
            Question("paragraph", "besoins", {"fr": "Qu'est-ce qui vous manque le plus ?"}),
            Group(
                "menage",
                {"fr": "Personnes du foyer"},
                repeat=True,
                children=[
                    Question("text", "precisions", {"fr": "Précisions sur cette personne"}),
                ],
            ),
        ],
    ).to_dict()


def coding_study(db, answers=ANSWERS, form: dict | None = None) -> dict:
    """`answers`: (public, text of « besoins »[, other answers of the submission])."""
    questionnaire = Questionnaire(title="ABS 2026")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=form or definition(), published_at=utcnow()
        )
    )
    tours = db.session.get(Commune, "37261") or Commune(insee_code="37261", name="Tours")
    db.session.add_all([questionnaire, tours])
    db.session.flush()
    quartier = Quartier(commune=tours, name=f"Sanitas {uuid.uuid4().hex[:6]}")
    db.session.add(quartier)
    db.session.flush()
    submissions = []
    for index, (public, text, *others) in enumerate(answers):
        payload = {"besoins": text, "age": 20 if public == "jeune" else 78}
        payload.update(*others)
        if index == 0:
            payload["menage"] = [
                {"precisions": "Ma colocataire"},
                {"precisions": "Mon frère cherche du travail"},
            ]
        submission = Submission(
            client_uuid=str(uuid.uuid4()),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            questionnaire_version_id=questionnaire.versions[0].id,
            answers=payload,
            public=public,
            age_band="18_25" if public == "jeune" else "75_84",
            commune_code="37261",
            quartier_id=quartier.id,
        )
        db.session.add(submission)
        submissions.append(submission)
    db.session.flush()
    write_answer_rows(submissions, new=True)
    db.session.commit()
    return {"questionnaire": questionnaire, "submissions": submissions}
