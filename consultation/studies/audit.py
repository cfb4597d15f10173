"""The audit log: one line per change, written by the service that makes it, in the same
transaction (a change rolled back leaves no line).

Each line says who, when, in which study, on which object, what action, and the object's state
before and after as small JSON dicts of what changed (never a whole answer set, never a
password). One INSERT per action: a service that acts on many rows at once writes one line that
names them."""

from typing import Callable

from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from .models import AuditEntry

# What the journal calls each kind of object and each action, in French.
OBJECT_LABELS = {
    "study": "Étude",
    "membership": "Membre",
    "invitation": "Invitation",
    "questionnaire": "Questionnaire",
    "submission": "Réponse",
    "codebook": "Livre de codes",
    "code": "Code",
    "coding": "Codage",
    "suggestion": "Suggestion",
    "pseudonymisation": "Pseudonymisation",
    "export": "Export",
    "account": "Compte",
    "memo": "Mémo",
    "device_token": "Jeton de tablette",
    "theme": "Thème",
    "theme_comment": "Commentaire d'un thème",
    "theme_verbatim": "Verbatim représentatif",
    "recommendation": "Préconisation",
    "indicator": "Indicateur",
    "meeting": "Réunion",
    "report": "Rapport de synthèse",
    "publication": "Restitution publique",
}
ACTION_LABELS = {
    "create": "Création",
    "import": "Import",
    "duplicate": "Copie",
    "settings": "Réglages modifiés",
    "publish": "Publication",
    "edit": "Modification",
    "state": "Changement d'état",
    "paper_entry": "Saisie papier",
    "rename": "Renommage",
    "move": "Déplacement",
    "merge": "Fusion",
    "delete": "Suppression",
    "erase": "Effacement des données",
    "purge": "Purge (durée de conservation)",
    "add": "Ajout",
    "remove": "Retrait",
    "role": "Changement de rôle",
    "confirm": "Confirmation",
    "accept": "Acceptation",
    "reject": "Refus",
    "correct": "Correction",
    "correction": "Correction envoyée par la tablette",
    "validate": "Validation",
    "replace": "Remplacement",
    "revoke": "Révocation",
    "next_edition": "Édition suivante préparée",
    "copied_from": "Copie de l'édition précédente",
    "download": "Téléchargement",
    "login": "Connexion réussie",
    "login_failed": "Connexion refusée",
    "tokens_revoked": "Tablettes déconnectées",
    "themes": "Thèmes modifiés",
    "stance": "Position",
    "split": "Scission",
    "presence": "Présences",
    "decision": "Décision",
    "build": "Construction",
    "unpublish": "Retrait de la publication",
}


def _acting_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


# `study_id` left out: the study of the request. None: a line of the platform (logins).
_REQUEST_STUDY = object()


def record(
    object_type: str,
    object_id,
    action: str,
    *,
    study=None,
    study_id=_REQUEST_STUDY,
    by=None,
    user_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """`by`: who acts (defaults to the logged-in person); `study` or `study_id`: where (defaults to
    the study of the request; `study_id=None` for the platform's lines)."""
    from .scope import current_study_id

    by = by if by is not None else _acting_user()
    if study is not None:
        study_id = study.id
    elif study_id is _REQUEST_STUDY:
        study_id = current_study_id()
    entry = AuditEntry(
        user_id=getattr(by, "id", None),
        user_label=user_label or getattr(by, "email", "") or "",
        study_id=study_id,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        action=action,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """The keys whose value differs, from both sides: what a line of the journal shows."""
    keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
    return (
        {key: before.get(key) for key in keys if key in before},
        {key: after.get(key) for key in keys if key in after},
    )


# --- links from the journal to the objects that still exist -----------------------------------
# The domain does not know the features' pages: each says how to reach its objects.
# resolver(ids: list[str]) -> {id: url} for those that still exist in the current study.
LinkResolver = Callable[[list[str]], dict[str, str]]
_LINKS: dict[str, LinkResolver] = {}


def audit_link(object_type: str) -> Callable[[LinkResolver], LinkResolver]:
    def register(resolver: LinkResolver) -> LinkResolver:
        _LINKS[object_type] = resolver
        return resolver

    return register


def links_for(entries) -> dict[tuple[str, str], str]:
    """{(object_type, object_id): url} for the entries' objects that still exist: one query per
    kind of object on the page, not one per line."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.object_type in _LINKS and entry.object_id:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    links = {}
    for object_type, ids in wanted.items():
        for object_id, url in _LINKS[object_type](sorted(ids)).items():
            links[(object_type, object_id)] = url
    return links


def int_ids(ids: list[str]) -> list[int]:
    return [int(value) for value in ids if value.isdigit() and len(value) < 10]
