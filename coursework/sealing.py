"""Secrets sealed with a key derived from ``SECRET_KEY``: credentials kept at rest (an
identity provider's client secret, an LRS password) and secrets that ride in the session
cookie for one display.

One home for the derivation, so every sealed secret uses the same scheme with a key of its
own purpose. Keys from ``SECRET_KEY_FALLBACKS`` still open what they sealed, so the secret
key can be rotated without losing stored credentials; re-sealing moves them to the new key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class Unsealable(ValueError):
    """The sealed text is damaged, expired, or was sealed under a key no longer held."""


def _fernet(secret_key: str | bytes, purpose: str) -> Fernet:
    if isinstance(secret_key, str):
        secret_key = secret_key.encode()
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=f"coursework {purpose}".encode())
    return Fernet(base64.urlsafe_b64encode(key.derive(secret_key)))


def _sealer(purpose: str) -> MultiFernet:
    keys = [current_app.secret_key, *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]
    return MultiFernet([_fernet(key, purpose) for key in keys if key])


def seal(purpose: str, text: str) -> str:
    """``text`` encrypted and authenticated for ``purpose`` (e.g. "sso client secret")."""
    return _sealer(purpose).encrypt(text.encode()).decode()


def unseal(purpose: str, sealed: str, *, ttl: int | None = None) -> str:
    """What :func:`seal` sealed for the same ``purpose``; older than ``ttl`` seconds is
    refused when ``ttl`` is given."""
    try:
        return _sealer(purpose).decrypt(sealed.encode(), ttl=ttl).decode()
    except (InvalidToken, UnicodeDecodeError) as error:
        raise Unsealable(purpose) from error
