"""What progress announces to its neighbours in the tracking layer (certificates)."""

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that first completes a lesson's current content;
# receivers get `user_id=` and `course_id=`.
lesson_completed = _signals.signal("lesson-completed")
