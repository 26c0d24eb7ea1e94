"""Coursework: lessons, graded quizzes, progress and certificates."""

from coursework.app import create_app

__all__ = ["create_app"]
