import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", default=1, show_default=True)
@with_appcontext
def worker(workers: int):
    """Exécute les travaux longs (analyses, réentraînement) en file d'attente."""
    huey = current_app.extensions["huey"]
    click.echo("File de travaux : en attente de travaux (Ctrl+C pour arrêter).")
    huey.create_consumer(workers=workers, worker_type="thread").run()


COMMANDS = [worker]
