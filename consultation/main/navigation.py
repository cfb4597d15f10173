"""The main menu: each feature declares its entry and the roles that see it."""

from dataclasses import dataclass

from flask import url_for

from ..accounts.roles import has_role


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str
    description: str
    roles: tuple[str, ...]


# Features add their entry here; entries whose endpoint is not registered are skipped.
ENTRIES = [
    NavEntry(
        "designer.index",
        "Questionnaires",
        "Concevoir, importer et publier les questionnaires.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "interviews.index",
        "Entretiens",
        "Mener un entretien sur tablette, même sans réseau.",
        ("admin", "charge_etude", "enqueteur"),
    ),
    NavEntry(
        "review.index",
        "Réponses",
        "Vérifier, corriger et exporter les réponses reçues.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "fieldwork.index",
        "Terrain",
        "Les réponses par public, commune et enquêteur face aux objectifs ; questionnaires papier.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "coding.index",
        "Analyse",
        "Coder les réponses libres et dégager les thèmes.",
        ("admin", "charge_etude", "collectif", "lecteur"),
    ),
    NavEntry(
        "collectif.board_page",
        "Collectif",
        "Les thèmes à discuter et valider, les préconisations et leurs preuves, les réunions, le "
        "rapport de synthèse et la restitution publique.",
        ("admin", "charge_etude", "collectif", "lecteur"),
    ),
    NavEntry(
        "studies.members",
        "Membres",
        "Inviter des personnes et leur donner un rôle dans l'étude.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "studies.settings",
        "Réglages",
        "Nom, état, territoire et notice RGPD de l'étude ; préparer l'édition suivante.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "studies.journal",
        "Journal",
        "Qui a fait quoi dans l'étude : modifications, exports, membres.",
        ("admin", "charge_etude"),
    ),
    NavEntry(
        "indicators.glossary",
        "Indicateurs",
        "Le glossaire des indicateurs du territoire (INSEE, CAF…) et leurs valeurs.",
        ("admin", "charge_etude", "enqueteur", "collectif", "lecteur"),
    ),
    NavEntry("accounts.users", "Utilisateurs", "Gérer les comptes de la plateforme.", ("admin",)),
]


def nav_items() -> list[dict]:
    """The entries of the menu this person may open here: the study's work inside a study (its
    URLs need one), the platform's pages everywhere."""
    from flask import current_app, g

    items = []
    for entry in ENTRIES:
        if entry.endpoint not in current_app.view_functions or not has_role(*entry.roles):
            continue
        needs_study = current_app.url_map.is_endpoint_expecting(entry.endpoint, "study")
        if needs_study and g.get("study") is None:
            continue
        items.append(
            {"url": url_for(entry.endpoint), "label": entry.label, "description": entry.description}
        )
    return items
