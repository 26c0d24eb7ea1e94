"""Values many tests share: the password every made account has, a small course."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "correct horse battery"

SMALL_COURSE = """---
title: Kitchen Safety
summary: Three short lessons.
---
# Kitchen Safety

A short course used by the tests.

## Knives

Hold the handle, *never* the blade.

## Heat

Turn pan handles inward.

## Cleaning

Wipe spills at once.
"""

DEFAULT_COURSE_DIR = Path(__file__).resolve().parents[2] / "lessons" / "course" / "tpm-vs-pm"
