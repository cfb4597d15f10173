"""What the tablet downloads to run interviews without network."""

from flask import url_for

from ..accounts.models import User, utcnow
from ..accounts.roles import current_role
from ..studies.notice import consent_script
from ..studies.scope import current_study
from ..submissions.assignments import (
    AGE_BANDS_BY_PUBLIC,
    AGE_BANDS_NEEDING_PARENTAL_CONSENT,
    USUAL_PLACES,
    versions_for,
)
from ..submissions.models import AGE_BANDS, PUBLICS, SEXES
from ..territory import services as territory


def territory_payload() -> list[dict]:
    communes = territory.communes()
    return [
        {
            "code": commune.insee_code,
            "name": commune.name,
            "quartiers": [
                {"id": quartier.id, "name": quartier.name} for quartier in commune.quartiers
            ],
        }
        for commune in communes
    ]


def _labelled(options: dict[str, str]) -> list[dict]:
    return [{"value": value, "label": label} for value, label in options.items()]


def bootstrap_payload(user: User) -> dict:
    """Everything the tablet needs to run interviews without network."""
    return {
        "generated_at": utcnow().isoformat(),
        # The tablet works for one study; its token is asked for this one.
        "study": _study(current_study()),
        "user": {
            "id": user.id,
            "name": user.name or user.email,
            "email": user.email,
            "role": current_role(),
        },
        "questionnaires": [
            {
                "questionnaire_id": version.questionnaire_id,
                "version": version.number,
                "title": version.questionnaire.title,
                "published_at": version.published_at.isoformat() if version.published_at else None,
                "definition": version.definition,
            }
            for version in versions_for(user, current_role())
        ],
        "territory": {"communes": territory_payload()},
        "profile_options": {
            "publics": _labelled(PUBLICS),
            "age_bands": _labelled(AGE_BANDS),
            "sexes": _labelled(SEXES),
            "age_bands_by_public": {key: list(value) for key, value in AGE_BANDS_BY_PUBLIC.items()},
            "parental_consent_age_bands": list(AGE_BANDS_NEEDING_PARENTAL_CONSENT),
            "usual_places": list(USUAL_PLACES),
        },
    }


def _study(study) -> dict:
    return {
        "slug": study.slug,
        "name": study.name,
        "notice": [{"heading": heading, "text": text} for heading, text in study.notice],
        # Read out before the interview: what is true of this study, never « anonymes ».
        "consent_text": consent_script(study, url_for("residents.lookup", _external=True)),
    }
