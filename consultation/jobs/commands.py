import os

import click
from flask import current_app
from flask.cli import with_appcontext

# Set by `consultation serve` on the worker it starts: the worker stops when serve is gone.
PARENT_ENV = "CONSULTATION_WORKER_PARENT"


@click.command("worker")
@click.option("--workers", default=1, show_default=True)
@with_appcontext
def worker(workers: int):
    """Exécute les travaux longs (analyses, exports, réentraînement) en file d'attente."""
    from .files import delete_expired_files
    from .recovery import (
        fail_own_running_jobs,
        recover_interrupted_jobs,
        start_heartbeat,
        worker_name,
    )

    app = current_app._get_current_object()
    recovered = recover_interrupted_jobs()
    if recovered:
        click.echo(
            f"Travaux interrompus par l'arrêt d'un processus, marqués en échec : "
            f"{', '.join(f'n° {job_id}' for job_id in recovered)}."
        )
    delete_expired_files()
    name = worker_name()
    parent = os.environ.get(PARENT_ENV, "")
    stop_heartbeat = start_heartbeat(app, name, int(parent) if parent.isdigit() else None)
    huey = app.extensions["huey"]
    click.echo("File de travaux : en attente de travaux (Ctrl+C pour arrêter).")
    try:
        huey.create_consumer(workers=workers, worker_type="thread").run()
    finally:
        stop_heartbeat.set()
        # SIGTERM stops the consumer without waiting for its jobs: they end with this process.
        try:
            fail_own_running_jobs(name)
        except Exception:  # database busy or gone: the next worker to start fails them instead
            app.logger.warning("Travaux en cours non marqués interrompus à l'arrêt", exc_info=True)


COMMANDS = [worker]
