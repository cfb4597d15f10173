"""The list of blueprints, one per feature."""


def all_blueprints():
    from .accounts import bp as accounts
    from .coding import bp as coding
    from .designer import bp as designer
    from .interviews import bp as interviews
    from .jobs import bp as jobs
    from .main import bp as main
    from .review import bp as review

    return [main, accounts, jobs, interviews, designer, review, coding]
