"""Every model, imported once so that SQLAlchemy and Alembic see the whole schema."""

from .accounts.devices import DeviceToken  # noqa: F401
from .accounts.models import User  # noqa: F401
from .coding.classes_models import EmergentClassification  # noqa: F401
from .coding.models import (  # noqa: F401
    Code,
    Codebook,
    Coding,
    Memo,
    PseudonymisedAnswer,
    Suggestion,
    Theme,
)
from .collectif.models import (  # noqa: F401
    Evidence,
    Follow,
    Meeting,
    MeetingAttendee,
    MeetingItem,
    Notification,
    Recommendation,
    RecommendationEntry,
    ThemeComment,
    ThemeStance,
    ThemeVerbatim,
)
from .collectif.report_models import Publication, Report  # noqa: F401
from .indicators.models import Indicator, IndicatorValue  # noqa: F401
from .indicators.theme_links import IndicatorTheme  # noqa: F401
from .jobs.models import Job  # noqa: F401
from .public.models import PublicCode, PublicDraft, PublicLink  # noqa: F401
from .questionnaire_store.models import Questionnaire, QuestionnaireVersion  # noqa: F401
from .studies.models import AuditEntry, Invitation, Membership, Study  # noqa: F401
from .submissions.answer_table import AnswerText  # noqa: F401
from .submissions.models import Assignment, EndedAssignment, Submission, SubmissionRevision  # noqa: F401
from .territory.models import Commune, Quartier, Territory, TerritoryContour  # noqa: F401
