"""The site's own address, for what is read outside a request: e-mails and links printed by the
command line."""

import click
from flask import current_app


def site_base_url(typed: str = "") -> str:
    """`typed` (--base-url) without its final slash, else the address made of SERVER_NAME,
    PREFERRED_URL_SCHEME and APPLICATION_ROOT; a French ClickException when neither is known or
    the address is not http(s)."""
    base_url = typed.strip().rstrip("/")
    if not base_url:
        server = current_app.config.get("SERVER_NAME")
        if not server:
            raise click.ClickException(
                "Adresse du site inconnue : indiquez --base-url https://votre-site.fr "
                "ou réglez SERVER_NAME (et PREFERRED_URL_SCHEME)."
            )
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
        root = (current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
        base_url = f"{scheme}://{server}{root}"
    if not base_url.startswith(("http://", "https://")):
        raise click.ClickException(
            f"--base-url : adresse attendue en http:// ou https://, pas « {base_url} »."
        )
    return base_url
