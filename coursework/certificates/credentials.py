"""Open Badges 3.0 credentials for certificates, signed as JSON Web Tokens.

Each certificate is also an `OpenBadgeCredential` (a W3C Verifiable Credential, data model
2.0) secured with the "JSON Web Token Proof Format" of Open Badges 3.0, section 8.2
(https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof):

* the JOSE header is ``{"alg": "RS256", "kid": ..., "typ": "JWT"}`` and nothing else (the
  spec allows no other header parameters); ``kid`` names the issuer's public key as
  ``<keys URL>/<RFC 7638 thumbprint>``, a URI that dereferences to that single JWK (pass
  ``keys_url``), or as the bare thumbprint. The key set names each key by the same ``kid``
  (:func:`jwks` with the same ``keys_url``), so a standard key-set lookup by the header's
  ``kid`` (PyJWT's ``PyJWKClient``, joserfc's ``KeySet``) finds it;
* the JWT payload is the credential's own JSON object, with the claims ``iss`` (issuer.id),
  ``sub`` (credentialSubject.id), ``jti`` (id), ``nbf`` (validFrom as a NumericDate) and,
  when the credential has a validUntil, ``exp`` (validUntil as a NumericDate) added to it.

Revocation is published through ``credentialStatus`` of type ``1EdTechRevocationList``
(https://www.imsglobal.org/spec/vcrl/v1p0/), whose ``id`` is the URL of a revocation list;
see :func:`revocation_list` for the document to serve there.

No Flask and no database here: the only IO is reading and writing the key file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import RSAKey

__all__ = [
    "ACCEPTED_ALGORITHM",
    "CONTEXTS",
    "KEY_FILENAME",
    "CredentialFacts",
    "CredentialSummary",
    "SigningKey",
    "Verification",
    "build_credential",
    "jwks",
    "key_id",
    "load_or_create_key",
    "revocation_list",
    "sign_credential",
    "summarise",
    "verify_credential",
]

ACCEPTED_ALGORITHM = "RS256"
MIN_KEY_BITS = 2048
KEY_FILENAME = "issuer_key.pem"
MAX_TOKEN_LENGTH = 100_000

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines the 1EdTech extension types, 1EdTechRevocationList among them; the spec's own
# complete example lists it third whenever credentialStatus uses that type.
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CONTEXTS = (VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT)
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
STATUS_TYPE = "1EdTechRevocationList"
NAME_IDENTITY = "ext:name"
# Credentials issued before NAME_IDENTITY said "name"; they are still read.
_NAME_IDENTITIES = (NAME_IDENTITY, "name")

# Registered JWT claim names (RFC 7519 section 4.1): they are the proof's, not the
# credential's, so verify_credential hands back the payload without them.
_REGISTERED_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
_ALLOWED_HEADER = frozenset({"alg", "kid", "typ"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


# --- keys ---------------------------------------------------------------------------------


class SigningKey:
    """The issuer's RSA private key (2048 bits or more) and its RFC 7638 thumbprint."""

    __slots__ = ("_key", "kid")

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("a signing key must be an RSA private key")
        if key.key_size < MIN_KEY_BITS:
            raise ValueError(
                f"the signing key has {key.key_size} bits; at least {MIN_KEY_BITS} are needed"
            )
        self._key = RSAKey.import_key(key)
        self.kid: str = self._key.thumbprint()

    @classmethod
    def generate(cls, bits: int = MIN_KEY_BITS) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SigningKey:
        """Load an unencrypted PEM private key (PKCS#8 or PKCS#1)."""
        data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise ValueError("not an unencrypted PEM-encoded private key") from error
        return cls(key)  # type: ignore[arg-type]

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM, for storage only."""
        return self._key.as_pem(private=True)

    def public_jwk(self, kid: str | None = None) -> dict:
        """The public key as a JWK, named ``kid`` (by default its thumbprint)."""
        public = self._key.as_dict(private=False)
        return {
            "kty": "RSA",
            "n": public["n"],
            "e": public["e"],
            "kid": kid or self.kid,
            "alg": ACCEPTED_ALGORITHM,
            "use": "sig",
        }

    @property
    def jose_key(self) -> RSAKey:
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and other.kid == self.kid

    def __hash__(self) -> int:
        return hash(self.kid)

    def __repr__(self) -> str:  # never the key material
        return f"SigningKey(kid={self.kid!r})"


def load_or_create_key(instance_dir: Path, pem_from_env: str | None) -> SigningKey:
    """The issuer's key: the PEM from the environment if given, else ``issuer_key.pem`` in
    the instance folder, else a new key written there (mode 0600).

    Creation is safe when several processes start at once: each writes its key to a
    temporary file and publishes it with a hard link, which (unlike ``os.replace``) never
    overwrites; the losers discard their key and load the winner's, so all end with one key.
    A key file that exists but cannot be read as a key is an error, never overwritten.
    """
    if pem_from_env is not None and pem_from_env.strip():
        pem = pem_from_env.strip()
        if "\n" not in pem and "\\n" in pem:  # one-line .env values often escape newlines
            pem = pem.replace("\\n", "\n")
        return SigningKey.from_pem(pem)

    path = Path(instance_dir) / KEY_FILENAME
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    _publish_once(path, SigningKey.generate().private_pem())
    return _read_key_file(path)


def _read_key_file(path: Path) -> SigningKey:
    data = path.read_bytes()
    try:
        return SigningKey.from_pem(data)
    except ValueError as error:
        raise ValueError(f"{path} exists but does not hold an RSA private key") from error


def _publish_once(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, complete or not at all, unless it already exists."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".issuer_key.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic, and fails if another process got there first
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: the last writer wins; the caller re-reads
            # the file, so at worst two processes starting together briefly disagree.
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def jwks(keys: Iterable[SigningKey], keys_url: str | None = None) -> dict:
    """A JSON Web Key Set of the public keys (each once), to serve and to verify with; each
    named by the ``kid`` that :func:`sign_credential` with the same ``keys_url`` writes."""
    seen: dict[str, dict] = {}
    for key in keys:
        seen.setdefault(key.kid, key.public_jwk(key_id(key, keys_url)))
    return {"keys": list(seen.values())}


# --- building and signing -----------------------------------------------------------------


@dataclass(frozen=True)
class CredentialFacts:
    """What a certificate's credential states. Times must be timezone-aware; they are
    stored to the second, in UTC. ``score`` is a percentage (0-100) when given."""

    credential_id: str
    issuer_id: str
    issuer_name: str
    subject_id: str
    learner_name: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria_narrative: str
    valid_from: datetime
    valid_until: datetime | None
    status_url: str
    score: float | None


def _utc_second(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _format_score(score: float) -> str:
    if not math.isfinite(score):
        raise ValueError("score must be a finite number")
    text = f"{round(float(score), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def build_credential(facts: CredentialFacts) -> dict:
    """The OpenBadgeCredential as a JSON-ready dict (without the JWT claims)."""
    for name in ("credential_id", "issuer_id", "subject_id", "achievement_id", "status_url"):
        if not str(getattr(facts, name) or "").strip():
            raise ValueError(f"{name} is required")
    valid_from = _utc_second(facts.valid_from, "valid_from")
    valid_until = None
    if facts.valid_until is not None:
        valid_until = _utc_second(facts.valid_until, "valid_until")
        if valid_until <= valid_from:
            raise ValueError("valid_until must be after valid_from")

    achievement: dict[str, Any] = {
        "id": facts.achievement_id,
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": facts.achievement_name,
        "description": facts.achievement_description,
        "criteria": {"narrative": facts.criteria_narrative},
    }
    subject: dict[str, Any] = {
        "id": facts.subject_id,
        "type": ["AchievementSubject"],
        # The learner's name as printed on the certificate; no email anywhere. The OB 3.0
        # schema's IdentifierTypeEnum has no "name", so it is an extension value ("ext:").
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": NAME_IDENTITY,
                "hashed": False,
                "identityHash": facts.learner_name,
            }
        ],
        "achievement": achievement,
    }
    if facts.score is not None:
        result_id = f"{facts.achievement_id}#score"
        achievement["resultDescription"] = [
            {
                "id": result_id,
                "type": ["ResultDescription"],
                "name": "Score",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ]
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": result_id,
                "value": _format_score(facts.score),
            }
        ]

    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": facts.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": facts.achievement_name,
        "issuer": {"id": facts.issuer_id, "type": ["Profile"], "name": facts.issuer_name},
        "validFrom": _timestamp(valid_from),
        # The same moments under the VC 1.1 names, which the OB 3.0 JSON schema requires
        # (issuanceDate) and verifiers built on it read; VC 2.0 readers use validFrom.
        "issuanceDate": _timestamp(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = _timestamp(valid_until)
        credential["expirationDate"] = _timestamp(valid_until)
    credential["credentialSubject"] = subject
    credential["credentialStatus"] = {"id": facts.status_url, "type": STATUS_TYPE}
    return credential


def key_id(key: SigningKey, keys_url: str | None = None) -> str:
    """The key's ``kid``: ``<keys_url>/<thumbprint>``, or the bare thumbprint."""
    return f"{keys_url.rstrip('/')}/{key.kid}" if keys_url else key.kid


def sign_credential(facts: CredentialFacts, key: SigningKey, *, keys_url: str | None = None) -> str:
    """The credential as a compact JWS (RS256) in the OB 3.0 JSON Web Token proof format.

    Pass ``keys_url`` (where ``<keys_url>/<thumbprint>`` serves the key as one JWK) so that
    the header's ``kid`` is a URI that dereferences to the public key, as the spec asks.
    """
    credential = build_credential(facts)
    payload = dict(credential)
    payload["iss"] = facts.issuer_id
    payload["sub"] = facts.subject_id
    payload["jti"] = facts.credential_id
    payload["nbf"] = int(_utc_second(facts.valid_from, "valid_from").timestamp())
    if facts.valid_until is not None:
        payload["exp"] = int(_utc_second(facts.valid_until, "valid_until").timestamp())
    header = {"alg": ACCEPTED_ALGORITHM, "kid": key_id(key, keys_url), "typ": "JWT"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, body, key.jose_key, algorithms=[ACCEPTED_ALGORITHM])


def revocation_list(
    list_id: str, issuer_id: str, revoked: Iterable[tuple[str, str | None]]
) -> dict:
    """The document to serve at a credentialStatus id (1EdTech Revocation List Status
    Method 1.0): ``revoked`` holds (credential id, reason or None) for each revoked
    credential the list covers; a credential absent from it is not revoked."""
    entries = []
    for credential_id, reason in revoked:
        entry: dict[str, Any] = {"id": credential_id, "revoked": True}
        if reason:
            entry["revocationReason"] = reason
        entries.append(entry)
    return {"id": list_id, "issuer": issuer_id, "revokedCredentials": entries}


# --- verifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a credential. ``credential`` is given whenever the signature
    checked out (even if expired or revoked, so a page can say what it was), else None."""

    valid: bool
    problems: list[str] = field(default_factory=list)
    credential: dict | None = None


class _Rejected(Exception):
    """A reason to stop before trusting anything more of the token."""


def _b64url_decode(segment: str) -> bytes:
    """Strict base64url without padding: only the canonical encoding of some bytes."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != segment:
        raise ValueError("not canonical base64url")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _parse_json(data: bytes) -> Any:
    return json.loads(
        data.decode("utf-8"),
        object_pairs_hook=_unique_keys,
        parse_constant=_reject_constant,
    )


def _describe(value: Any) -> str:
    if isinstance(value, str):
        text = "".join(char if char.isprintable() else "?" for char in value[:40])
        return text or "(empty)"
    return "(missing)" if value is None else f"of type {type(value).__name__}"


def _thumbprint_part(kid: str) -> str:
    """The thumbprint a kid ends with: after the last ``/`` of a key URL, or after the
    ``#`` that credentials issued before key URLs (``<JWKS URL>#<thumbprint>``) used."""
    return re.split(r"[#/]", kid)[-1]


def _find_key(kid: str, public_jwks: Any) -> RSAKey:
    keys = public_jwks.get("keys") if isinstance(public_jwks, dict) else None
    if not isinstance(keys, list):
        raise _Rejected("unknown key id")
    wanted = _thumbprint_part(kid)
    # An exact match first; then the same thumbprint, so that a credential keeps verifying
    # after the site's address (and with it every key URL) changes. The signature decides.
    named = [jwk for jwk in keys if isinstance(jwk, dict) and jwk.get("kid") == kid]
    same_key = [
        jwk
        for jwk in keys
        if isinstance(jwk, dict)
        and isinstance(jwk.get("kid"), str)
        and wanted
        and _thumbprint_part(jwk["kid"]) == wanted
    ]
    for jwk in named or same_key:
        if jwk.get("kty") != "RSA":
            raise _Rejected("the key named by the key id is not an RSA key")
        if (
            jwk.get("alg", ACCEPTED_ALGORITHM) != ACCEPTED_ALGORITHM
            or jwk.get("use", "sig") != "sig"
        ):
            raise _Rejected("the key named by the key id is not for RS256 signatures")
        try:  # only the public members, whatever else the set holds
            numbers = rsa.RSAPublicNumbers(
                int.from_bytes(_b64url_decode(jwk["e"]), "big"),
                int.from_bytes(_b64url_decode(jwk["n"]), "big"),
            )
            public_key = numbers.public_key()
        except Exception as error:
            raise _Rejected("the key named by the key id could not be read") from error
        if public_key.key_size < MIN_KEY_BITS:
            raise _Rejected("the key named by the key id is too short")
        return RSAKey.import_key(public_key)
    raise _Rejected("unknown key id")


def _check_header(header_segment: str) -> str:
    """The header's kid, once the header is exactly what this issuer signs with."""
    try:
        header = _parse_json(_b64url_decode(header_segment))
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise _Rejected("the header is not base64url-encoded JSON") from error
    if not isinstance(header, dict):
        raise _Rejected("the header is not a JSON object")
    alg = header.get("alg")
    if alg != ACCEPTED_ALGORITHM:
        raise _Rejected(f"algorithm {_describe(alg)} is not accepted (only {ACCEPTED_ALGORITHM})")
    extra = sorted(set(header) - _ALLOWED_HEADER)
    if extra:
        raise _Rejected(f"header parameter {_describe(extra[0])} is not accepted")
    if "typ" in header and header["typ"] != "JWT":
        raise _Rejected(f"header type {_describe(header['typ'])} is not accepted (only JWT)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _Rejected("the header names no key (kid)")
    return kid


def _as_datetime(value: Any) -> datetime | None:
    """A NumericDate claim as an aware datetime; None if it is not a usable number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def _issuer_id(credential: dict) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _shape_problem(credential: dict) -> str | None:
    context = credential.get("@context")
    types = credential.get("type")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
        return "the payload is not a Verifiable Credential (its @context)"
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "the payload is not a Verifiable Credential (its type)"
    if "OpenBadgeCredential" not in types and "AchievementCredential" not in types:
        return "the payload is not an Open Badges credential (its type)"
    if not isinstance(credential.get("credentialSubject"), dict):
        return "the payload has no credentialSubject"
    return None


def verify_credential(
    token: str,
    public_jwks: dict,
    *,
    now: datetime,
    is_revoked: Callable[[dict], bool],
) -> Verification:
    """Check a compact JWS credential against the issuer's JWKS, at ``now``.

    In order, stopping at the first failure until the signature is proven: the form of the
    token; the header (alg must be RS256, only alg/kid/typ present); the key, found by kid
    in ``public_jwks`` (``<url>#<kid>`` or the bare kid); the signature. Then, all reported
    together: the payload is an OpenBadgeCredential; iss/sub/jti/nbf/exp equal issuer.id /
    credentialSubject.id / id / validFrom / validUntil; nbf <= now < exp; ``is_revoked``.
    Never raises for anything in ``token`` or ``public_jwks``; raises ValueError for a
    naive ``now``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        return _verify(token, public_jwks, now.astimezone(UTC), is_revoked)
    except _Rejected as rejection:
        return Verification(valid=False, problems=[str(rejection)])
    except Exception:  # belt and braces: a check that cannot complete is a failed check
        return Verification(valid=False, problems=["the credential could not be checked"])


def _verify(
    token: Any, public_jwks: Any, now: datetime, is_revoked: Callable[[dict], bool]
) -> Verification:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError as error:
            raise _Rejected("the credential is not a compact JWS") from error
    if not isinstance(token, str):
        raise _Rejected("the credential is not text")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise _Rejected("the credential is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise _Rejected("the credential is not a compact JWS (three parts separated by dots)")
    header_segment, payload_segment, signature_segment = parts

    kid = _check_header(header_segment)
    try:
        payload_bytes = _b64url_decode(payload_segment)
        signature = _b64url_decode(signature_segment)
    except ValueError as error:
        raise _Rejected("the credential is not base64url-encoded") from error
    if not signature:
        raise _Rejected("the credential has no signature")
    key = _find_key(kid, public_jwks)
    try:
        jws.deserialize_compact(token, key, algorithms=[ACCEPTED_ALGORITHM])
    except BadSignatureError as error:
        raise _Rejected("signature does not match") from error
    except JoseError as error:
        raise _Rejected("the credential could not be decoded") from error

    # From here on the payload is the issuer's own words.
    try:
        payload = _parse_json(payload_bytes)
    except (ValueError, UnicodeDecodeError) as error:
        raise _Rejected("the payload is not JSON") from error
    if not isinstance(payload, dict):
        raise _Rejected("the payload is not a JSON object")
    credential = {name: value for name, value in payload.items() if name not in _REGISTERED_CLAIMS}
    problems: list[str] = []
    shape = _shape_problem(credential)
    if shape:
        problems.append(shape)

    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    valid_from = _parse_timestamp(credential.get("validFrom"))
    valid_until = _parse_timestamp(credential.get("validUntil"))
    nbf = _as_datetime(payload.get("nbf"))
    exp = _as_datetime(payload.get("exp"))
    mismatched = []
    for claim, expected in (
        ("iss", _issuer_id(credential)),
        ("sub", subject_id),
        ("jti", credential.get("id")),
    ):
        if not isinstance(payload.get(claim), str) or payload.get(claim) != expected:
            mismatched.append(claim)
    if nbf is None or valid_from is None or nbf != valid_from:
        mismatched.append("nbf")
    if ("validUntil" in credential or "exp" in payload) and (
        # exp is required with a validUntil and must equal it; an exp alone is the end.
        exp is None or ("validUntil" in credential and exp != valid_until)
    ):
        mismatched.append("exp")
    if mismatched:
        problems.append(f"claims do not match the credential: {', '.join(mismatched)}")

    starts = [moment for moment in (nbf, valid_from) if moment is not None]
    ends = [moment for moment in (exp, valid_until) if moment is not None]
    if starts and now < max(starts):
        problems.append(f"not valid until {_timestamp(max(starts))}")
    if ends and now >= min(ends):
        problems.append(f"expired on {_timestamp(min(ends))}")

    try:
        revoked = bool(is_revoked(credential))
    except Exception:
        problems.append("revocation status could not be checked")
    else:
        if revoked:
            problems.append("revoked")

    return Verification(valid=not problems, problems=problems, credential=credential)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialSummary:
    """What a person checking a credential wants to read: to whom, for what, from whom,
    and when it holds. Any of them is None when the credential does not say."""

    awarded_to: str | None
    achievement: str | None
    issuer: str | None
    valid_from: datetime | None
    valid_until: datetime | None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _awarded_to(subject: dict) -> str | None:
    """The subject's name: its own `name` if it has one, else the first plain (unhashed)
    IdentityObject naming the learner, which is where Open Badges 3.0 puts it."""
    name = _text(subject.get("name"))
    if name:
        return name
    identifiers = subject.get("identifier")
    for identity in identifiers if isinstance(identifiers, list) else ():
        if (
            isinstance(identity, dict)
            and identity.get("identityType") in _NAME_IDENTITIES
            and identity.get("hashed") is False
        ):
            name = _text(identity.get("identityHash"))
            if name:
                return name
    return None


def summarise(credential: dict) -> CredentialSummary:
    """The summary of a credential's JSON (as :func:`verify_credential` hands it back)."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    issuer = credential.get("issuer")
    return CredentialSummary(
        awarded_to=_awarded_to(subject),
        achievement=_text(achievement.get("name")) if isinstance(achievement, dict) else None,
        issuer=_text(issuer.get("name")) if isinstance(issuer, dict) else None,
        valid_from=_parse_timestamp(credential.get("validFrom")),
        valid_until=_parse_timestamp(credential.get("validUntil")),
    )
