"""What the submission domain announces to the features standing on it.

A signal, not a call: the submissions package imports no feature, yet a feature that keeps data
pointing into the answers (the coding workspace's codings on character spans) must follow a change
in the same transaction. Receivers run synchronously, inside the caller's transaction; they flush
and never commit."""

from blinker import Namespace

_signals = Namespace()

# Sent with the submission as sender and keywords before= and after= (the answers, as dicts),
# once its answers are replaced and before the service flushes: by a back-office edit (which is
# also how a paper entry is corrected), by a tablet's correction of an interview it sent
# (corrections.py), and by any future path that stores a new version of an interview. Received
# by consultation.coding.anchors.
answers_replaced = _signals.signal("answers-replaced")

# Sent by `consultation purge` (keyword dry_run=), after the answers past their study's retention
# period: a feature that keeps personal data of its own beside the answers (the unsent drafts of
# residents answering online) forgets what is past its time. A receiver returns a sentence saying
# what it did (or would do), which the command prints.
purging = _signals.signal("purging")
