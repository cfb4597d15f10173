"""What the studies domain announces to the features standing on it.

A signal, not a call: the studies package imports no feature, yet a feature whose records belong
to a study's questionnaires (the coding workspace's codebooks) must follow a new edition in the
same transaction. Receivers run synchronously, inside the caller's transaction; they flush and
never commit."""

from blinker import Namespace

_signals = Namespace()

# Sent with the previous study as sender and keywords new_study= and questionnaires= ({id of a
# questionnaire of the previous study: its copy in the new one}), once the new edition and its
# questionnaires are flushed. Each receiver returns what it copied as {label: count}, for the
# audit line. Received by consultation.coding.editions.
edition_prepared = _signals.signal("edition-prepared")
