"""What lessons announce to the layers above them (progress)."""

from blinker import Namespace

_signals = Namespace()

# Sent inside the import's transaction when a lesson's heading changed over the same text;
# receivers get `lesson_id=`, `old_hash=` and `new_hash=` (the content hashes before and
# after), so that completing the old version still counts.
lesson_retitled = _signals.signal("lesson-retitled")
