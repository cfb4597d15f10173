"""A study ready for its synthesis report: 9 respondents, the theme « logement » validated with
two chosen verbatims (one whose pseudonymisation is validated, one not), the theme « mobilité »
still under discussion, a préconisation on « logement » resting on a verbatim since erased, on a
survey figure and on an indicator, and the territory's indicators against the comparison
levels. `mark` goes into every text a member can type (theme and préconisation names)."""

import hashlib
import uuid
from datetime import datetime, timezone

from submission_records import definition

from analyse.nlp import text_hash
from analyse.pseudonymise import Span, render
from consultation.accounts.models import utcnow
from consultation.coding.models import PseudonymisedAnswer, Theme
from consultation.coding.services import add_coding, create_default_codebook
from consultation.collectif.models import Evidence, Recommendation, ThemeVerbatim
from consultation.indicators.models import Indicator, IndicatorValue
from consultation.indicators.theme_links import set_theme_keys
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.studies.scope import current_study
from consultation.submissions.answer_table import write_answer_rows
from consultation.submissions.models import Submission
from consultation.territory.models import Commune, Territory

RENT = "Les loyers sont trop chers pour nous."
NAMED = "Appelez Kevin Martin, le logement trop cher le décourage."
PSEUDONYMISED = render(NAMED, [Span(8, 20, "PERSONNE", "Kevin Martin")]).text
UNVALIDATED = "Madame Josiane Pichon attend un logement social depuis trois ans."
BUS = "Pas de bus le soir pour rentrer du travail."


def _submission(questionnaire, public, commune, logement, besoins, channel="tablette"):
    return Submission(
        client_uuid=str(uuid.uuid4()),
        content_hash=hashlib.sha256(f"{besoins}{uuid.uuid4()}".encode()).hexdigest(),
        questionnaire_version_id=questionnaire.versions[0].id,
        public=public,
        age_band="18_25" if public == "jeune" else "75_84",
        commune_code=commune,
        channel=channel,
        answers={"logement": logement, "besoins": besoins, "age": 20},
        completed_at=datetime(2026, 3, 2 + len(besoins) % 20, 10, tzinfo=timezone.utc),
    )


def _territory(db, level, code, name, parent=None):
    """The territory, taken when another fixture (the demo's indicators) made it already."""
    found = db.session.scalar(
        db.select(Territory).where(Territory.level == level, Territory.code == code)
    )
    if found is None:
        found = Territory(level=level, code=code, name=name, parent=parent)
        db.session.add(found)
        db.session.flush()
    return found


def report_study(db, coder_id: int, mark: str = "") -> dict:
    for code, name in (("37261", "Tours"), ("37122", "Joué-lès-Tours")):
        if db.session.get(Commune, code) is None:
            db.session.add(Commune(insee_code=code, name=name))
    questionnaire = Questionnaire(title="Besoins des habitants")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    submissions = [
        _submission(questionnaire, "jeune", "37261", "locataire", RENT) for _ in range(6)
    ]
    submissions += [
        _submission(questionnaire, "age", "37122", "proprietaire", BUS, channel="en_ligne")
        for _ in range(2)
    ]
    named = _submission(questionnaire, "age", "37261", "locataire", NAMED)
    unvalidated = _submission(questionnaire, "age", "37261", "locataire", UNVALIDATED)
    erased = _submission(questionnaire, "jeune", "37261", "locataire", RENT)
    submissions += [named, unvalidated, erased]
    db.session.add_all(submissions)
    db.session.flush()
    write_answer_rows(submissions, new=True)
    codebook = create_default_codebook(questionnaire)
    codes = {code.key: code for code in codebook.codes}
    housing, transport = codes["logement"], codes["mobilite"]
    housing.name = f"{mark}Logement"
    for submission in submissions[:6] + [erased]:
        add_coding(submission, "besoins", 4, 11, codes["logement-cout"], coder_id)
    for submission in (named, unvalidated):
        start = submission.answers["besoins"].index("logement")
        add_coding(submission, "besoins", start, start + 8, housing, coder_id)
    for submission in submissions[6:8]:
        add_coding(submission, "besoins", 7, 10, transport, coder_id)
    db.session.add(
        PseudonymisedAnswer(
            submission_id=named.id,
            path="besoins",
            text_hash=text_hash(NAMED),
            text=PSEUDONYMISED,
            spans=[{"start": 8, "end": 20, "kind": "PERSONNE", "text": "Kevin Martin"}],
            validated_at=datetime(2026, 4, 1, tzinfo=timezone.utc),
            validated_by_id=coder_id,
        )
    )
    # Found by the analysis, never validated by a coder: shown nowhere beyond the coders.
    db.session.add(
        PseudonymisedAnswer(
            submission_id=unvalidated.id,
            path="besoins",
            text_hash=text_hash(UNVALIDATED),
            text="Madame [PERSONNE_7] attend un logement social depuis trois ans.",
            spans=[],
        )
    )
    validated = Theme(code_id=housing.id, questions=["logement"], status="valide")
    discussed = Theme(code_id=transport.id, questions=[], status="discussion")
    transport.name = f"{mark}Mobilité"
    db.session.add_all([validated, discussed])
    db.session.flush()
    db.session.add_all(
        [
            ThemeVerbatim(
                theme_id=validated.id, submission_id=named.id, path="besoins", position=1
            ),
            ThemeVerbatim(
                theme_id=validated.id, submission_id=unvalidated.id, path="besoins", position=2
            ),
            ThemeVerbatim(theme_id=discussed.id, submission_id=submissions[6].id, path="besoins"),
        ]
    )
    france = _territory(db, "france", "FR", "France")
    departement = _territory(db, "departement", "37", "Indre-et-Loire")
    epci = _territory(db, "epci", "243700754", "Tours Métropole", parent=departement)
    study = current_study()
    study.communes = db.session.query(Commune).order_by(Commune.name).all()
    study.territory_id = epci.id
    study.comparison_levels = ["departement", "france"]
    hlm = Indicator(
        code=f"PART_HLM_{uuid.uuid4().hex[:4]}",
        label="Part des logements HLM",
        unit="%",
        source="insee",
    )
    db.session.add(hlm)
    db.session.flush()
    set_theme_keys(hlm, ["logement"])
    db.session.add_all(
        [
            IndicatorValue(
                indicator_id=hlm.id, territory_id=epci.id, year=2022, value=21.7, status="value"
            ),
            IndicatorValue(
                indicator_id=hlm.id, territory_id=departement.id, year=2022, status="secret"
            ),
            IndicatorValue(
                indicator_id=hlm.id, territory_id=france.id, year=2022, value=14.6, status="value"
            ),
        ]
    )
    recommendation = Recommendation(
        title=f"{mark}Un guichet unique du logement",
        body=f"{mark}Accompagner les jeunes dans leur recherche de logement.",
        committee="Accès aux droits",
        priority="haute",
        status="retenue",
    )
    recommendation.themes.append(validated)
    recommendation.evidence = [
        Evidence(
            kind="verbatim",
            submission_id=erased.id,
            path="besoins",
            label="Verbatim d'un jeune locataire",
            questionnaire_id=questionnaire.id,
            position=1,
        ),
        Evidence(
            kind="figure",
            questionnaire_id=questionnaire.id,
            question="logement",
            label="Vous êtes…",
            position=2,
        ),
        Evidence(kind="indicator", indicator_id=hlm.id, label="Part des logements HLM", position=3),
    ]
    abandoned = Recommendation(
        title=f"{mark}Une navette abandonnée", status="abandonnee", priority="basse"
    )
    abandoned.themes.append(validated)
    on_discussed = Recommendation(title=f"{mark}Des bus le soir", status="proposee")
    on_discussed.themes.append(discussed)
    db.session.add_all([recommendation, abandoned, on_discussed])
    db.session.flush()
    from consultation.submissions.rights import erase_submissions

    erase_submissions([erased.id], reason="demande de la personne")
    db.session.commit()
    return {
        "questionnaire": questionnaire,
        "codebook": codebook,
        "validated": validated,
        "discussed": discussed,
        "recommendation": recommendation,
    }
