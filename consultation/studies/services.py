"""Creating studies and managing their members. Services flush; the caller commits."""

import re
import unicodedata

from sqlalchemy import select, update

from ..accounts.devices import DeviceToken
from ..accounts.models import User, utcnow
from ..accounts.roles import ROLE_LABELS, STUDY_ROLES
from ..extensions import db
from .audit import record
from .models import KIND_LABELS, STATE_LABELS, Membership, Study


class StudyError(ValueError):
    """Bad input about a study or its members; the message is French and shown as is."""


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def check_role(role: str) -> str:
    if role not in STUDY_ROLES:
        known = ", ".join(f"{code} ({ROLE_LABELS[code]})" for code in STUDY_ROLES)
        raise StudyError(f"Rôle inconnu « {role} » : choisissez parmi {known}.")
    return role


def find_study(slug: str) -> Study | None:
    return db.session.scalar(select(Study).where(Study.slug == slug))


def create_study(
    name: str,
    year: int,
    *,
    kind: str = "abs",
    slug: str | None = None,
    state: str = "preparation",
    by: User | None = None,
    **fields,
) -> Study:
    name = (name or "").strip()
    if not name:
        raise StudyError("Le nom de l'étude est obligatoire.")
    if kind not in KIND_LABELS:
        raise StudyError(f"Type d'étude inconnu « {kind} » : {', '.join(KIND_LABELS)}.")
    if state not in STATE_LABELS:
        raise StudyError(f"État inconnu « {state} » : {', '.join(STATE_LABELS)}.")
    if not 1900 <= int(year) <= 2200:
        raise StudyError(f"Année d'édition invalide : {year}.")
    slug = slugify(slug or f"{name}")
    if not slug:
        raise StudyError("L'identifiant de l'étude (pour ses adresses) ne peut pas être vide.")
    if find_study(slug) is not None:
        raise StudyError(
            f"Une étude a déjà l'identifiant « {slug} » : choisissez-en un autre (--slug)."
        )
    study = Study(
        name=name,
        year=int(year),
        kind=kind,
        slug=slug,
        state=state,
        created_by_id=by.id if by else None,
        **fields,
    )
    db.session.add(study)
    db.session.flush()
    record("study", study.id, "create", study=study, by=by, after=study_state(study))
    return study


def study_state(study: Study) -> dict:
    return {
        "name": study.name,
        "slug": study.slug,
        "kind": study.kind,
        "year": study.year,
        "state": study.state,
    }


def membership(study: Study, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user.id)
    )


def add_member(study: Study, user: User, role: str, by: User | None = None) -> Membership:
    """Makes `user` a member with `role`, or changes their role if they already are one."""
    check_role(role)
    existing = membership(study, user)
    before = {"role": existing.role} if existing else None
    if existing is None:
        existing = Membership(study_id=study.id, user_id=user.id, role=role)
        db.session.add(existing)
    existing.role = role
    db.session.flush()
    record(
        "membership",
        user.id,
        "add" if before is None else "role",
        study=study,
        by=by,
        before=before,
        after={"email": user.email, "role": role},
    )
    return existing


def remove_member(study: Study, user: User, by: User | None = None) -> None:
    """The person loses the study at their next request; their tablets' tokens for it stop."""
    existing = membership(study, user)
    if existing is None:
        raise StudyError(f"{user.email} n'est pas membre de l'étude « {study.name} ».")
    before = {"email": user.email, "role": existing.role}
    db.session.delete(existing)
    db.session.execute(
        update(DeviceToken)
        .where(
            DeviceToken.user_id == user.id,
            DeviceToken.study_id == study.id,
            DeviceToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_by_id=by.id if by else None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    record("membership", user.id, "remove", study=study, by=by, before=before)


def members(study: Study) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.study_id == study.id)
            .order_by(User.name, User.email)
        )
    )


def studies_of(user: User) -> list[tuple[Study, str]]:
    """The studies a person works in, with their role; every study for an administrator."""
    if user.is_admin:
        return [
            (study, "admin")
            for study in db.session.scalars(select(Study).order_by(Study.year.desc(), Study.name))
        ]
    rows = db.session.execute(
        select(Study, Membership.role)
        .join(Membership, Membership.study_id == Study.id)
        .where(Membership.user_id == user.id)
        .order_by(Study.year.desc(), Study.name)
    )
    return [(study, role) for study, role in rows]


def members_with_role(study_id: int, roles) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.study_id == study_id, Membership.role.in_(roles), User.active)
            .order_by(User.name, User.email)
        )
    )
