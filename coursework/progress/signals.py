"""What progress announces to its neighbours in the tracking layer (certificates)."""

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that first completes a lesson's current content;
# receivers get `user_id=` and `course_id=`.
lesson_completed = _signals.signal("lesson-completed")

# Sent inside `summary.settle`, after the summaries were rewritten and while the locks that
# guard them are held, so tables derived from them (the organisation report's rows) follow
# in the same transaction. Receivers get `connection=` and `marks=` (a `summary.Marks`:
# the pairs, lessons, quizzes and courses whose summaries were recomputed, or everything;
# `summary.marked` selects their pairs).
summary_settled = _signals.signal("progress-summary-settled")
