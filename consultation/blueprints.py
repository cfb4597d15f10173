"""The list of blueprints, one per feature."""


def all_blueprints():
    from .accounts import bp as accounts
    from .jobs import bp as jobs
    from .main import bp as main

    return [main, accounts, jobs]
