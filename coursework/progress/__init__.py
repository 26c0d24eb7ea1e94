"""Learners' progress through courses, and the append-only record of learning events."""
