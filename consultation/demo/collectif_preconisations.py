"""Demo préconisations of the ABS study: three proposals of the collectif on its themes (housing,
mobility, isolation), each resting on coded verbatims, a survey figure and an indicator, with a
follow-up that has moved on. Safe to rerun: a study that has préconisations is left as it is."""

from sqlalchemy import func, select

from ..accounts.services import find_user
from ..collectif.models import Recommendation
from ..collectif.recommendation_evidence import (
    add_figure,
    add_indicator,
    add_verbatims,
    indicator_choices,
    verbatim_candidates,
)
from ..collectif.recommendations import (
    RecommendationInvalid,
    add_entry,
    create_recommendation,
    study_themes,
)
from ..extensions import db
from ..questionnaire_store.models import Questionnaire

DEMO_RECOMMENDATIONS = [
    {
        "theme": "logement",
        "title": "Un guichet unique pour les jeunes qui cherchent un premier logement",
        "body": "Réunir au même endroit la Mission locale, le CLLAJ et les bailleurs sociaux, "
        "une demi-journée par semaine, pour les 18-25 ans qui quittent le foyer familial.",
        "committee": "Accès aux droits",
        "priority": "haute",
        "figure": "difficultes_logement",
        "follow_up": [
            ("retenue", "Retenue par le conseil d'administration du CCAS."),
            ("en_cours", "Première permanence ouverte au centre social."),
        ],
    },
    {
        "theme": "mobilite",
        "title": "Prolonger les lignes de bus du soir vers les quartiers périphériques",
        "body": "Demander à l'autorité organisatrice des mobilités un essai d'un an de bus "
        "jusqu'à 23 h le vendredi et le samedi.",
        "committee": "Cadre de vie",
        "priority": "moyenne",
        "figure": "transports",
        "follow_up": [("retenue", "Portée au comité de ligne de mars.")],
    },
    {
        "theme": "isolement",
        "title": "Des visites de convivialité pour les personnes âgées qui vivent seules",
        "body": "Une équipe de bénévoles formés, coordonnée par le CCAS, qui rend visite chaque "
        "semaine aux personnes qui le souhaitent.",
        "committee": "Autonomie des personnes âgées et handicapées",
        "priority": "haute",
        "figure": "solitude",
        "follow_up": [],
    },
]


def seed_recommendations(study, form_id: str = "abs_2026") -> int:
    """Creates the demo préconisations in `study` unless it has some; returns how many were
    created."""
    from ..studies.scope import enter_study

    enter_study(study, None)
    if db.session.scalar(select(func.count(Recommendation.id))):
        return 0
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.form_id == form_id))
    themes = {choice.theme.code.key: choice.theme for choice in study_themes()}
    author = find_user("collectif@demo.fr")
    created = 0
    for fields in DEMO_RECOMMENDATIONS:
        theme = themes.get(fields["theme"])
        if theme is None or questionnaire is None:
            continue
        recommendation = create_recommendation(
            study,
            title=fields["title"],
            body=fields["body"],
            committee=fields["committee"],
            priority=fields["priority"],
            theme_ids=[theme.id],
            by=author,
        )
        candidates = verbatim_candidates(recommendation, originals=False) or verbatim_candidates(
            recommendation, originals=True
        )
        if candidates:
            add_verbatims(recommendation, [c.key for c in candidates[:2]], by=author)
        try:
            add_figure(recommendation, questionnaire.id, fields["figure"], by=author)
        except RecommendationInvalid:
            pass  # a questionnaire without that question: the other evidence stands
        linked, _ = indicator_choices(recommendation)
        if linked:
            add_indicator(recommendation, linked[0].id, by=author)
        for status, note in fields["follow_up"]:
            add_entry(recommendation, study, status=status, note=note, by=author)
        created += 1
    return created
