import click
from flask.cli import with_appcontext

from ..transaction import command_transaction
from .seed import DEMO_PASSWORD, DEMO_USERS, seed_demo


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
    from ..coding.demo import analyse_and_publish

    created = seed_demo(submissions)
    if any(created.get(key) for key in ("users", "communes", "questionnaires", "submissions")):
        click.echo(
            "Démonstration : {users} comptes, {communes} communes, {questionnaires} questionnaire(s), "
            "{submissions} réponses créés.".format(**created)
        )
    else:
        click.echo("Démonstration déjà chargée : rien n'a été ajouté ni modifié.")
    click.echo("Analyse des réponses de démonstration (pseudonymisation, suggestions de codes)…")
    published = analyse_and_publish()
    if published:
        click.echo(
            "Analyse faite ; pseudonymisation validée pour {validated} réponse(s) codée(s) sur {coded} : "
            "le collectif voit déjà leurs verbatims.".format(**published)
        )
    else:
        click.echo("Analyse déjà faite.")
    click.echo("Comptes de démonstration (mot de passe : %s) :" % DEMO_PASSWORD)
    for email, _role, name in DEMO_USERS:
        click.echo(f"  {email:<22} {name}")
    click.echo(f"Ouvrez http://127.0.0.1:{port} dans votre navigateur.")


COMMANDS = [demo]
