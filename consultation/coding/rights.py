"""What the coding workspace made of a submission, for the respondent's copy of their data
(submissions/rights.py asks through a signal: the domain does not import this feature)."""

from sqlalchemy import select

from ..extensions import db
from ..submissions.rights import derived_data_requested, submissions_erased
from .jobs import analysis_cache
from .models import Code, Coding, PseudonymisedAnswer


@derived_data_requested.connect
def derived_from_submission(submission, **_):
    codings = db.session.execute(
        select(Coding.path, Code.name)
        .join(Code, Coding.code_id == Code.id)
        .where(Coding.submission_id == submission.id)
        .order_by(Coding.path, Code.name)
    ).all()
    pseudonymised = db.session.execute(
        select(PseudonymisedAnswer.path, PseudonymisedAnswer.text)
        .where(PseudonymisedAnswer.submission_id == submission.id)
        .order_by(PseudonymisedAnswer.path)
    ).all()
    # One code given twice (two coders, two spans) is said once per answer.
    given = list(dict.fromkeys((path, name) for path, name in codings))
    return {
        "codes": [{"champ": path, "valeur": name} for path, name in given],
        "textes_pseudonymises": [{"champ": path, "valeur": text} for path, text in pseudonymised],
    }


@submissions_erased.connect
def forget_erased_texts(_sender, *, text_hashes, **_):
    """The token lists (lemmas) of the erased answers leave the analysis cache with them."""
    analysis_cache().forget(text_hashes)
