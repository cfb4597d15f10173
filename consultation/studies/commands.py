"""`consultation create-study`, `add-member`, `list-studies`, and the `--study SLUG` option that
every command working on a study's data takes."""

from functools import wraps

import click
from flask.cli import with_appcontext

from ..accounts.roles import ADMIN, ROLE_LABELS, STUDY_ROLES
from ..transaction import command_transaction
from .models import KIND_LABELS, STATE_LABELS


def in_study(command):
    """Adds `--study SLUG` and runs the command inside that study (optional when the platform
    has only one)."""

    @click.option(
        "--study",
        "study_slug",
        default=None,
        help="Identifiant de l'étude (consultation list-studies) ; facultatif s'il n'y en a qu'une.",
    )
    @wraps(command)
    def wrapped(*args, study_slug: str | None = None, **kwargs):
        from sqlalchemy import select

        from ..extensions import db
        from .models import Study
        from .scope import enter_study
        from .services import find_study

        if study_slug:
            study = find_study(study_slug)
            if study is None:
                raise click.ClickException(
                    f"Aucune étude « {study_slug} » : voyez `consultation list-studies`."
                )
        else:
            studies = db.session.scalars(select(Study).limit(2)).all()
            if len(studies) != 1:
                raise click.ClickException(
                    "Précisez l'étude avec --study SLUG (voyez `consultation list-studies`)."
                    if studies
                    else "Aucune étude : créez-en une avec `consultation create-study`."
                )
            study = studies[0]
        enter_study(study, ADMIN)
        return command(*args, **kwargs)

    return wrapped


@click.command("create-study")
@click.argument("name")
@click.option("--year", type=int, required=True, help="Année d'édition.")
@click.option("--slug", default=None, help="Identifiant dans les adresses (sinon tiré du nom).")
@click.option("--kind", type=click.Choice(list(KIND_LABELS)), default="abs", show_default=True)
@click.option(
    "--state", type=click.Choice(list(STATE_LABELS)), default="preparation", show_default=True
)
@with_appcontext
@command_transaction
def create_study_command(name: str, year: int, slug: str | None, kind: str, state: str):
    """Crée une étude (une ABS, une consultation…)."""
    from .services import StudyError, create_study

    try:
        study = create_study(name, year, kind=kind, slug=slug, state=state)
    except StudyError as error:
        raise click.ClickException(f"Étude non créée : {error}") from None
    click.echo(f"Étude créée : « {study.name} » ({study.slug}), adresse /etudes/{study.slug}/")


@click.command("add-member")
@click.argument("email")
@click.option("--study", "study_slug", required=True, help="Identifiant de l'étude.")
@click.option(
    "--role",
    required=True,
    help="Rôle dans l'étude : "
    + ", ".join(f"{role} ({ROLE_LABELS[role]})" for role in STUDY_ROLES),
)
@with_appcontext
@command_transaction
def add_member_command(email: str, study_slug: str, role: str):
    """Donne un rôle dans une étude à un compte existant (ou change son rôle)."""
    from ..accounts.services import find_user
    from .services import StudyError, add_member, check_role, find_study

    try:
        check_role(role)
    except StudyError as error:
        raise click.ClickException(str(error)) from None
    study = find_study(study_slug)
    if study is None:
        raise click.ClickException(
            f"Aucune étude « {study_slug} » : voyez `consultation list-studies`."
        )
    user = find_user(email)
    if user is None:
        raise click.ClickException(
            f"Aucun compte pour {email} : créez-le (consultation create-user) ou invitez la personne."
        )
    add_member(study, user, role)
    click.echo(f"{user.email} : {ROLE_LABELS[role]} dans « {study.name} ».")


@click.command("list-studies")
@with_appcontext
def list_studies_command():
    """Liste les études : identifiant, année, état, nombre de membres."""
    from sqlalchemy import func, select

    from ..extensions import db
    from .models import Membership, Study

    rows = db.session.execute(
        select(Study, func.count(Membership.id))
        .outerjoin(Membership, Membership.study_id == Study.id)
        .group_by(Study.id)
        .order_by(Study.year.desc(), Study.name)
    ).all()
    if not rows:
        click.echo("Aucune étude.")
    for study, count in rows:
        click.echo(
            f"{study.slug:<32} {study.year}  {study.state_label:<15} {count:>3} membre(s)  {study.name}"
        )


COMMANDS = [create_study_command, add_member_command, list_studies_command]
