"""Quizzes: authoring, grading and attempts (built on top of lessons)."""
