import click
from flask.cli import with_appcontext

from ..transaction import command_transaction
from .seed import DEMO_PASSWORD, DEMO_USERS, seed_demo


@click.command("demo")
@click.option("--submissions", default=300, show_default=True, help="Nombre de réponses de démonstration.")
@with_appcontext
@command_transaction
def demo(submissions: int):
    """Charge les données de démonstration (sans effet si elles existent déjà)."""
    created = seed_demo(submissions)
    if any(created.get(key) for key in ("users", "communes", "questionnaires", "submissions")):
        click.echo(
            "Démonstration : {users} comptes, {communes} communes, {questionnaires} questionnaire(s), "
            "{submissions} réponses créés.".format(**created)
        )
    else:
        click.echo("Démonstration déjà chargée : rien n'a été ajouté ni modifié.")
    click.echo("Comptes de démonstration (mot de passe : %s) :" % DEMO_PASSWORD)
    for email, role, name in DEMO_USERS:
        click.echo(f"  {email:<22} {name}")
    click.echo("Ouvrez http://127.0.0.1:5000 dans votre navigateur.")


COMMANDS = [demo]
