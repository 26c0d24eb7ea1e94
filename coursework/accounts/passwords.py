"""Password rules and hashing (argon2id, with parameters upgraded on sign-in).

Rules follow NIST SP 800-63B: a length range, no composition rules, and a refusal of
passwords that appear in a list of commonly used ones (zxcvbn's 30,000).
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coursework.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 128

# argon2id with the library's recommended parameters. The test configuration asks for the
# cheapest ones instead (PASSWORD_HASH_CHEAP): hashing was most of the suite's CPU time.
_STRONG = PasswordHasher()
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("PASSWORD_HASH_CHEAP"):
        return _CHEAP
    return _STRONG


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's lists take 12 MB: loaded by the first request that sets a password, not by
    # every worker at start.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(MIN_LENGTH)s characters.", MIN_LENGTH=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(MAX_LENGTH)s characters.", MAX_LENGTH=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords():
        return _(
            "This password is one of the most commonly used. Choose one that is harder to guess."
        )
    if lowered in {email.lower(), email.lower().split("@")[0], name.lower()}:
        return _("Your password must not be your email address or your name.")
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password, only for timing")


def verify_dummy(password: str) -> None:
    """Spend the time a real check would when the email is unknown, so both failures take
    the same time."""
    hasher = _hasher()
    verify_password(_dummy_hash(hasher), password)
