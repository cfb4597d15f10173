"""Realistic demo data for a newcomer: two studies (an ABS and a centre social's consultation),
each with its territory, questionnaire, answers and members."""

import click
from flask.cli import with_appcontext

from ..transaction import command_transaction
from .seed import DEMO_PASSWORD, seed_demo


@click.command("demo")
@click.option(
    "--submissions", default=300, show_default=True, help="Nombre de réponses de démonstration."
)
@click.option(
    "--port",
    default=5000,
    show_default=True,
    help="Port de l'adresse à ouvrir affichée à la fin (make run PORT=…).",
)
@with_appcontext
@command_transaction
def demo(submissions: int, port: int):
    """Charge les données de démonstration (sans effet si elles existent déjà), lance leur analyse
    et valide une partie des verbatims : le collectif voit des résultats dès sa connexion."""
    from ..coding.demo import analyse_and_publish, seed_themes
    from ..studies.services import find_study
    from .collectif_board import seed_collectif_board
    from .collectif_meetings import seed_meetings
    from .collectif_preconisations import seed_recommendations
    from .collectif_report import seed_collectif_report
    from .indicators import seed_indicators, set_study_territory
    from .la_riche import seed_la_riche
    from .seed import ABS_STUDY

    created = seed_demo(submissions)
    click.echo("Analyse des réponses de démonstration (pseudonymisation, suggestions de codes)…")
    # In the ABS's study, where seed_demo left the command.
    published = analyse_and_publish()
    # Themes beside the territory's figures: indicators for the glossary, the study's territory.
    seed_themes()
    seed_indicators()
    set_study_territory(find_study(ABS_STUDY["slug"]))
    # The collectif's work: préconisations rest on the themes and indicators, meetings put themes
    # on their agenda, the board validates some.
    seed_recommendations(find_study(ABS_STUDY["slug"]))
    seed_meetings()
    seed_collectif_board()
    # Last in the ABS's study: the report and restitution read the validated themes and their
    # préconisations.
    seed_collectif_report()
    seed_la_riche(created)
    if any(
        created.get(key)
        for key in ("studies", "users", "communes", "questionnaires", "submissions")
    ):
        click.echo(
            "Démonstration : {studies} étude(s), {users} comptes, {communes} communes, "
            "{questionnaires} questionnaire(s), {submissions} réponses créés.".format(
                **{"studies": 0, **created}
            )
        )
    else:
        click.echo("Démonstration déjà chargée : rien n'a été ajouté ni modifié.")
    if published:
        click.echo(
            "Analyse faite ; pseudonymisation validée pour {validated} réponse(s) codée(s) sur {coded} : "
            "le collectif voit déjà leurs verbatims.".format(**published)
        )
    else:
        click.echo("Analyse déjà faite.")
    _echo_accounts()
    _echo_public_links(port)
    click.echo(f"Ouvrez http://127.0.0.1:{port} dans votre navigateur.")


def _echo_public_links(port: int) -> None:
    """Where residents answer online, without an account."""
    from flask import current_app, url_for

    from ..public.services import open_links

    with current_app.test_request_context("/"):
        for link in open_links():
            path = url_for("respond.welcome", link_token=link.token)
            click.echo(
                f"Questionnaire en ligne, pour les habitants (« {link.questionnaire.title} ») : "
                f"http://127.0.0.1:{port}{path}"
            )


def _echo_accounts() -> None:
    """The demo accounts, study by study, as the database has them."""
    from ..accounts.roles import ROLE_LABELS
    from ..studies.services import find_study, members
    from .la_riche import LA_RICHE_STUDY
    from .seed import ABS_STUDY, DEMO_USERS

    click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for email, role, name in DEMO_USERS:
        if role == "admin":
            click.echo(f"  {email:<26} {name} — {ROLE_LABELS[role]}, voit toutes les études")
    for fields in (ABS_STUDY, LA_RICHE_STUDY):
        study = find_study(fields["slug"])
        click.echo(f"  « {study.name} » (/etudes/{study.slug}/) :")
        for membership in members(study):
            user = membership.user
            click.echo(f"    {user.email:<26} {user.name} — {ROLE_LABELS[membership.role]}")


COMMANDS = [demo]
