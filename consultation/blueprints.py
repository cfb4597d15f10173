"""The list of blueprints, one per feature."""


def all_blueprints():
    from .accounts import bp as accounts
    from .collectif.publication_views import restitution_bp as restitution
    from .indicators import bp as indicators
    from .main import bp as main
    from .public import respond_bp as respond
    from .residents import bp as residents
    from .studies.invitation_views import accept_bp as invitations
    from .studies.views import bp as studies

    return [main, accounts, studies, invitations, indicators, respond, residents, restitution]


def study_blueprints():
    """The blueprints of a study's work, registered under /etudes/<slug>/ (studies/scope.py)."""
    from .coding import bp as coding
    from .collectif import bp as collectif
    from .designer import bp as designer
    from .fieldwork import bp as fieldwork
    from .interviews import bp as interviews
    from .jobs import bp as jobs
    from .public import bp as public
    from .review import bp as review

    return [jobs, interviews, designer, review, coding, public, fieldwork, collectif]
