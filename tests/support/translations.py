"""Which packages' catalogues the translation checks cover (every package that has pages)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED_PACKAGES = ("coursework",)
