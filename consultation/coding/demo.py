"""Demo coding work: the ABS codebook and codings by two coders on some answers, so that the
workspace, the results and the agreement page show something on first run."""

import random
import re

from sqlalchemy import select

from analyse.nlp import text_hash

from ..extensions import db
from ..submissions.models import Submission
from .models import Coding
from .services import active_codes, codebook_of, create_default_codebook, text_at

DEMO_QUESTIONS = ("manque_quartier", "logement_precisions", "mobilite_difficultes")
DEMO_ANSWERS = 80


def seed_coding(
    questionnaire,
    coders,
    *,
    make_codebook=create_default_codebook,
    questions=DEMO_QUESTIONS,
    answers: int = DEMO_ANSWERS,
) -> int:
    """Creates the codebook (`make_codebook(questionnaire)`) and demo codings of `questions` in
    the first `answers` submissions, unless the questionnaire already has a codebook; returns the
    number of codings created. Codes come from the codebook's keywords (a whole-word match in the
    answer); the second coder skips or swaps some, so agreement is not perfect."""
    if codebook_of(questionnaire.id) is not None:
        return 0
    codebook = make_codebook(questionnaire)
    codes = [code for code in active_codes(codebook) if code.keywords]
    patterns = [
        (
            code,
            re.compile(
                r"\b(?:" + "|".join(re.escape(word) for word in code.keywords) + r")\w*",
                re.IGNORECASE,
            ),
        )
        for code in codes
    ]
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.questionnaire_version_id.in_([v.id for v in questionnaire.versions]))
        .order_by(Submission.id)
        .limit(answers)
    ).all()
    rng = random.Random(7)
    created = 0
    for submission in submissions:
        for path in questions:
            text = text_at(submission.answers or {}, path)
            if not text:
                continue
            found = [
                (code, match)
                for code, pattern in patterns
                for match in [pattern.search(text)]
                if match
            ]
            for index, coder in enumerate(coders):
                for code, match in found:
                    if index == 1 and rng.random() < 0.2:
                        continue  # the second coder misses some
                    db.session.add(
                        Coding(
                            submission_id=submission.id,
                            path=path,
                            start=match.start(),
                            end=match.end(),
                            code_id=code.id,
                            coder_id=coder.id,
                            text_hash=text_hash(text),
                            source="manual",
                        )
                    )
                    created += 1
    db.session.flush()
    return created


def analyse_and_publish(validator_email: str = "charge@demo.fr") -> dict | None:
    """Runs the analysis of the demo questionnaire now (pseudonymisation, suggestions) and validates
    the pseudonymised text of every other coded answer, so that the collectif reads results and
    verbatims at its first visit while the review page still shows work to do. Safe to rerun: an
    analysed questionnaire or one with validated answers is left as it is. Returns the counts, or
    None when there was nothing to do."""
    from ..accounts.services import find_user
    from ..jobs.queue import run_now
    from ..questionnaire_store.models import Questionnaire
    from .jobs import ANALYSE, latest_job, start_analysis
    from .models import PseudonymisedAnswer
    from .services import validate_pseudonymisations

    questionnaire = db.session.scalar(
        select(Questionnaire).where(Questionnaire.form_id == "abs_2026")
    )
    validator = find_user(validator_email)
    if questionnaire is None or validator is None or codebook_of(questionnaire.id) is None:
        return None
    last = latest_job(ANALYSE, questionnaire.id)
    if last is None or last.status == "failed":
        run_now(start_analysis(questionnaire.id, validator.id))
    version_ids = [version.id for version in questionnaire.versions]
    coded = db.session.scalars(
        select(PseudonymisedAnswer)
        .join(Submission, Submission.id == PseudonymisedAnswer.submission_id)
        .where(
            Submission.questionnaire_version_id.in_(version_ids),
            select(Coding.id)
            .where(
                Coding.submission_id == PseudonymisedAnswer.submission_id,
                Coding.path == PseudonymisedAnswer.path,
            )
            .exists(),
        )
        .order_by(PseudonymisedAnswer.id)
    ).all()
    if not coded or any(record.is_validated for record in coded):
        return None
    validated, _problems = validate_pseudonymisations(coded[::2], validator.id)
    return {"validated": validated, "coded": len(coded)}


# Theme (code key) → the demo questionnaire's closed questions that speak of it.
DEMO_THEMES = {
    "logement": ["statut_logement", "satisfaction_logement", "difficultes_logement"],
    "mobilite": ["transports", "permis"],
    "acces-droits": ["connait_ccas", "aides", "renoncement_droits"],
    "sante": ["medecin_traitant", "renoncement_soins"],
    "isolement": ["vit_seul", "frequence_contacts", "solitude"],
    "numerique": ["internet"],
}


def seed_themes(form_id: str = "abs_2026") -> int:
    """Marks the demo codebook's main codes as themes with their closed questions, unless it has
    themes already; returns the number of themes created."""
    from ..questionnaire_store.models import Questionnaire
    from .models import Theme
    from .themes import themes_of

    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.form_id == form_id))
    codebook = codebook_of(questionnaire.id) if questionnaire is not None else None
    if codebook is None or themes_of(codebook):
        return 0
    codes = {code.key: code for code in active_codes(codebook)}
    created = 0
    for key, questions in DEMO_THEMES.items():
        if key in codes:
            db.session.add(Theme(code_id=codes[key].id, questions=list(questions)))
            created += 1
    db.session.flush()
    return created
