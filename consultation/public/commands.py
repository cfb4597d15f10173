"""`consultation public-links`: the public address of each questionnaire open online, for
posters and letters."""

import click
from flask import current_app, url_for
from flask.cli import with_appcontext


@click.command("public-links")
@click.option(
    "--base-url",
    default="",
    help="Adresse du site vue des habitants (https://consultation.exemple.fr) ; "
    "par défaut SERVER_NAME et PREFERRED_URL_SCHEME.",
)
@with_appcontext
def public_links(base_url: str):
    """Affiche l'adresse publique de chaque questionnaire ouvert en ligne, une par ligne."""
    from ..main.addresses import site_base_url
    from .services import open_links

    base_url = site_base_url(base_url)
    links = open_links()
    with current_app.test_request_context("/"):
        for link in links:
            click.echo(base_url + url_for("respond.welcome", link_token=link.token))


COMMANDS = [public_links]
