"""What the quizzes layer tells the layers above it (progress, certificates)."""

from blinker import Namespace

_signals = Namespace()

# Sent after an attempt is graded, once; receivers get `attempt=` (quizzes.models.Attempt).
attempt_submitted = _signals.signal("attempt-submitted")
# Sent when an attempt starts; receivers get `attempt=`.
attempt_started = _signals.signal("attempt-started")
# Sent when a grader changes an essay's score in an attempt already graded; receivers get
# `attempt=` (its new grade) and `passed_before=`.
attempt_regraded = _signals.signal("attempt-regraded")
