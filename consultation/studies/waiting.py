"""What waits for me in a study, on its home page and in my list of studies. Each feature says
what waits in it for a role (the domain does not know the features): `@waiting_provider`."""

from typing import Callable

from flask_login import current_user

from ..accounts.roles import current_role

# provider(study, user, role) -> [(label, count, url)], only the items with a count.
Provider = Callable[..., list[tuple[str, int, str]]]
_PROVIDERS: list[Provider] = []


def waiting_provider(function: Provider) -> Provider:
    _PROVIDERS.append(function)
    return function


def waiting_in(study, role: str | None = None) -> list[tuple[str, int, str]]:
    role = role or current_role()
    items = []
    for provider in _PROVIDERS:
        items.extend(item for item in provider(study, current_user, role) if item[1])
    return items
