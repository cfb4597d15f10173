"""Records for the tests of answering online: the centre social's questionnaire published in the
test study, its territory (La Riche and two quartiers) and a link opened to residents."""

from sqlalchemy import select

from consultation.accounts.models import utcnow
from consultation.demo.centre_social import centre_social_questionnaire
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.studies.scope import current_study
from consultation.territory.models import Commune, Quartier

PROFILE = {"public": "jeune", "age_band": "18_25", "sex": "femme", "commune": "37195"}
# A full answer set, page by page (field name -> posted value or values).
PAGES = [
    {"frequentation": "semaine", "activites": ["cuisine", "jardin"], "satisfaction": "4"},
    {"horaires_adaptes": "non", "creneaux_souhaites": ["soir", "samedi"]},
    {"manque": "Des horaires le soir, je travaille jusqu'à 18 h.", "idee": ""},
    {"age": "19", "enfants": "non"},
]


def open_questionnaire(db, model=None, **link_values):
    """(questionnaire, link) of the centre social's questionnaire (or of `model`), open online."""
    from consultation.public.services import save_link

    study = current_study()
    commune = db.session.get(Commune, "37195")
    if commune is None:
        commune = Commune(insee_code="37195", name="La Riche")
        db.session.add(commune)
        db.session.flush()
    quartiers = []
    for name in ("Niqueux-Bruère", "Centre"):
        quartier = db.session.scalar(
            select(Quartier).where(Quartier.commune_code == "37195", Quartier.name == name)
        )
        if quartier is None:
            quartier = Quartier(commune_code="37195", name=name)
            db.session.add(quartier)
            db.session.flush()
        quartiers.append(quartier)
    if commune not in study.communes:
        study.communes.append(commune)
    study.quartiers.extend(q for q in quartiers if q not in study.quartiers)
    questionnaire = Questionnaire(title=model.title if model else "Le centre social et vous")
    db.session.add(questionnaire)
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1,
            status=PUBLISHED,
            definition=(model or centre_social_questionnaire()).to_dict(),
            published_at=utcnow(),
        )
    )
    db.session.flush()
    values = {"version": questionnaire.versions[0], "open_link": True, "introduction": "Bonjour."}
    link = save_link(questionnaire, values | link_values, None)
    db.session.commit()
    return questionnaire, link
