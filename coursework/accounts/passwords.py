"""Password rules and hashing (argon2id, with parameters upgraded on sign-in).

Rules follow NIST SP 800-63B: a length range, no composition rules, and a refusal of
passwords that appear in a list of commonly used ones (zxcvbn's 30,000).
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords():
        return "This password is one of the most commonly used. Choose one that is harder to guess."
    if lowered in {email.lower(), email.lower().split("@")[0], name.lower()}:
        return "Your password must not be your email address or your name."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verified against when the email is unknown, so both failures take the same time.
DUMMY_HASH = _hasher.hash("not a real password, only for timing")
