"""Open Badges 3.0 credentials: building, signing (JWT proof format) and verifying.

Pure: no app, no database; the only IO is key files under tmp_path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from coursework.certificates import credentials
from coursework.certificates.credentials import (
    SigningKey,
    build_credential,
    jwks,
    load_or_create_key,
    sign_credential,
    verify_credential,
)
from tests.support.credentialkit import EXPIRES, FACTS, ISSUED

DURING = datetime(2026, 9, 1, tzinfo=UTC)
KEYS_URL = "http://127.0.0.1:5000/issuer/keys"


@pytest.fixture(autouse=True)
def _app_context():
    """These tests need no app and no database: override the shared autouse fixture."""
    yield


def never_revoked(credential: dict) -> bool:
    return False


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def rsa_sign(key: SigningKey, data: bytes, digest=None) -> bytes:
    private = key.jose_key.private_key
    return private.sign(data, padding.PKCS1v15(), digest or hashes.SHA256())


def forge(header: dict, payload: bytes | dict, sign) -> str:
    """A compact JWS built by hand, so the tests can make ones the library would refuse."""
    if isinstance(payload, dict):
        payload = json.dumps(payload, separators=(",", ":")).encode()
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload))


def short_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def check(token, keyset, now=DURING, is_revoked=never_revoked):
    return verify_credential(token, keyset, now=now, is_revoked=is_revoked)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def keyset(key) -> dict:
    return jwks([key], KEYS_URL)


@pytest.fixture(scope="module")
def token(key) -> str:
    return sign_credential(FACTS, key, keys_url=KEYS_URL)


# --- a good credential --------------------------------------------------------------------


def test_a_signed_credential_verifies_and_gives_back_the_credential(token, keyset):
    result = check(token, keyset)
    assert result.valid, result.problems
    assert result.problems == []
    assert result.credential == build_credential(FACTS)


def test_the_bare_thumbprint_also_works_as_kid(key, keyset):
    token = sign_credential(FACTS, key)
    assert parts(token)[0]["kid"] == key.kid
    assert check(token, keyset).valid


def test_the_header_is_exactly_what_the_spec_allows(key, token):
    header, _ = parts(token)
    assert header == {"alg": "RS256", "kid": f"{KEYS_URL}/{key.kid}", "typ": "JWT"}


def test_the_payload_is_the_credential_plus_the_claims(token):
    _, payload = parts(token)
    credential = build_credential(FACTS)
    assert {name: payload[name] for name in credential} == credential
    assert set(payload) - set(credential) == {"iss", "sub", "jti", "nbf", "exp"}
    assert payload["iss"] == credential["issuer"]["id"] == FACTS.issuer_id
    assert payload["sub"] == credential["credentialSubject"]["id"] == FACTS.subject_id
    assert payload["jti"] == credential["id"] == FACTS.credential_id
    assert payload["nbf"] == int(ISSUED.timestamp())
    assert payload["exp"] == int(EXPIRES.timestamp())


def test_the_credential_has_the_open_badges_3_shape():
    credential = build_credential(FACTS)
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == FACTS.credential_id
    assert credential["name"] == FACTS.achievement_name
    issuer = credential["issuer"]
    assert (issuer["id"], issuer["type"], issuer["name"]) == (
        FACTS.issuer_id,
        ["Profile"],
        "Coursework",
    )
    assert credential["validFrom"] == "2026-03-01T12:00:00Z"
    assert credential["validUntil"] == "2027-03-01T12:00:00Z"
    assert credential["issuanceDate"] == credential["validFrom"]
    assert credential["expirationDate"] == credential["validUntil"]
    subject = credential["credentialSubject"]
    assert subject["id"] == FACTS.subject_id
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "ext:name",
            "hashed": False,
            "identityHash": "Ada Lovelace",
        }
    ]
    achievement = subject["achievement"]
    assert achievement["id"] == FACTS.achievement_id
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Python basics"
    assert achievement["description"] == FACTS.achievement_description
    assert achievement["criteria"] == {"narrative": FACTS.criteria_narrative}
    [description] = achievement["resultDescription"]
    [result] = subject["result"]
    assert result == {
        "type": ["Result"],
        "resultDescription": description["id"],
        "value": "86.5",
    }
    assert description["resultType"] == "Percent"
    assert credential["credentialStatus"] == {
        "id": FACTS.status_url,
        "type": "1EdTechRevocationList",
    }
    assert "@" not in json.dumps(subject)  # no email in the credential


def test_without_an_end_or_a_score_those_parts_are_left_out(key, keyset):
    facts = replace(FACTS, valid_until=None, score=None)
    credential = build_credential(facts)
    assert "validUntil" not in credential and "expirationDate" not in credential
    assert "result" not in credential["credentialSubject"]
    assert "resultDescription" not in credential["credentialSubject"]["achievement"]
    token = sign_credential(facts, key)
    assert "exp" not in parts(token)[1]
    assert check(token, keyset, now=datetime(2100, 1, 1, tzinfo=UTC)).valid


def test_times_are_utc_to_the_second():
    eastern = datetime(2026, 3, 1, 7, 0, 0, 999_999, tzinfo=timezone_offset(-5))
    credential = build_credential(replace(FACTS, valid_from=eastern, valid_until=None))
    assert credential["validFrom"] == "2026-03-01T12:00:00Z"


def timezone_offset(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    "change",
    [
        {"valid_from": datetime(2026, 3, 1)},
        {"valid_until": datetime(2027, 3, 1)},
        {"valid_until": ISSUED},
        {"credential_id": ""},
        {"score": float("nan")},
    ],
)
def test_facts_that_cannot_make_a_credential_are_refused(change):
    with pytest.raises(ValueError):
        build_credential(replace(FACTS, **change))


# --- tampering ----------------------------------------------------------------------------


def test_changing_any_byte_of_the_payload_fails(token, keyset):
    header, payload_segment, signature = token.split(".")
    raw = unb64(payload_segment)
    for position in range(len(raw)):
        changed = raw[:position] + bytes([raw[position] ^ 0x01]) + raw[position + 1 :]
        result = check(f"{header}.{b64(changed)}.{signature}", keyset)
        assert not result.valid, position
        assert result.credential is None


def test_changing_any_character_of_the_token_fails(token, keyset):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position, char in enumerate(token):
        other = alphabet[(alphabet.index(char) + 1) % 64] if char != "." else "A"
        result = check(token[:position] + other + token[position + 1 :], keyset)
        assert not result.valid, position


def test_a_credential_signed_by_another_key_with_the_same_kid_fails(key, other_key, keyset):
    payload = unb64(sign_credential(FACTS, key).split(".")[1])
    forged = forge(
        {"alg": "RS256", "kid": f"{KEYS_URL}/{key.kid}", "typ": "JWT"},
        payload,
        lambda data: rsa_sign(other_key, data),
    )
    result = check(forged, keyset)
    assert not result.valid
    assert result.problems == ["signature does not match"]
    assert result.credential is None
    # Signed honestly, the other key names itself, which the key set does not hold.
    assert check(sign_credential(FACTS, other_key), keyset).problems == ["unknown key id"]


def forged_tokens(key: SigningKey, token: str) -> dict[str, str]:
    _, payload_segment, _ = token.split(".")
    payload = unb64(payload_segment)
    kid = f"{KEYS_URL}/{key.kid}"
    public_pem = key.jose_key.as_pem(private=False)
    public_jwk_json = json.dumps(key.public_jwk()).encode()
    return {
        "none, empty signature": f"{b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}"
        f".{payload_segment}.",
        "none, some signature": forge({"alg": "none", "kid": kid}, payload, lambda d: b"x"),
        "HS256 keyed with the public key PEM": forge(
            {"alg": "HS256", "kid": kid, "typ": "JWT"},
            payload,
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "HS256 keyed with the public JWK": forge(
            {"alg": "HS256", "kid": kid, "typ": "JWT"},
            payload,
            lambda data: hmac.new(public_jwk_json, data, hashlib.sha256).digest(),
        ),
        "HS256 with a random secret": forge(
            {"alg": "HS256", "kid": kid, "typ": "JWT"},
            payload,
            lambda data: hmac.new(os.urandom(32), data, hashlib.sha256).digest(),
        ),
        "RS512 by the right key": forge(
            {"alg": "RS512", "kid": kid, "typ": "JWT"},
            payload,
            lambda data: rsa_sign(key, data, hashes.SHA512()),
        ),
        "PS256 by the right key": forge(
            {"alg": "PS256", "kid": kid, "typ": "JWT"},
            payload,
            lambda data: key.jose_key.private_key.sign(
                data,
                padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH),
                hashes.SHA256(),
            ),
        ),
        "lower-case rs256": forge(
            {"alg": "rs256", "kid": kid}, payload, lambda data: rsa_sign(key, data)
        ),
        "alg as a list": forge(
            {"alg": ["RS256"], "kid": kid}, payload, lambda data: rsa_sign(key, data)
        ),
        "no alg": forge({"kid": kid}, payload, lambda data: rsa_sign(key, data)),
    }


@pytest.mark.parametrize(
    "name",
    [
        "none, empty signature",
        "none, some signature",
        "HS256 keyed with the public key PEM",
        "HS256 keyed with the public JWK",
        "HS256 with a random secret",
        "RS512 by the right key",
        "PS256 by the right key",
        "lower-case rs256",
        "alg as a list",
        "no alg",
    ],
)
def test_any_algorithm_but_rs256_is_refused_before_anything_else(name, key, token, keyset):
    calls = []
    result = check(forged_tokens(key, token)[name], keyset, is_revoked=calls.append)
    assert not result.valid
    assert len(result.problems) == 1
    assert result.problems[0].startswith("algorithm ")
    assert "is not accepted" in result.problems[0]
    assert result.credential is None
    assert calls == []


def test_the_algorithm_is_named_in_the_problem(key, token, keyset):
    result = check(forged_tokens(key, token)["HS256 with a random secret"], keyset)
    assert result.problems == ["algorithm HS256 is not accepted (only RS256)"]


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"crit": ["b64"], "b64": False},
    ],
)
def test_header_parameters_beyond_alg_kid_typ_are_refused(extra, key, token, keyset):
    payload = unb64(token.split(".")[1])
    header = {"alg": "RS256", "kid": key.kid, "typ": "JWT", **extra}
    result = check(forge(header, payload, lambda data: rsa_sign(key, data)), keyset)
    assert not result.valid
    assert "is not accepted" in result.problems[0]


def test_an_embedded_jwk_does_not_make_the_attackers_key_trusted(key, other_key, keyset):
    payload = unb64(sign_credential(FACTS, key).split(".")[1])
    header = {"alg": "RS256", "kid": key.kid, "jwk": other_key.public_jwk()}
    result = check(forge(header, payload, lambda data: rsa_sign(other_key, data)), keyset)
    assert not result.valid
    assert result.problems == ["header parameter jwk is not accepted"]


def test_a_typ_other_than_jwt_is_refused(key, token, keyset):
    payload = unb64(token.split(".")[1])
    header = {"alg": "RS256", "kid": key.kid, "typ": "JOSE+JSON"}
    result = check(forge(header, payload, lambda data: rsa_sign(key, data)), keyset)
    assert not result.valid


def test_an_unknown_key_id_fails(key, other_key, token):
    assert check(token, jwks([other_key])).problems == ["unknown key id"]
    assert check(token, {"keys": []}).problems == ["unknown key id"]
    payload = unb64(token.split(".")[1])
    no_kid = forge({"alg": "RS256", "typ": "JWT"}, payload, lambda data: rsa_sign(key, data))
    assert not check(no_kid, jwks([key])).valid


def test_the_key_set_may_hold_several_keys(key, other_key, token):
    assert check(token, jwks([other_key, key])).valid


# --- claims, time and revocation ----------------------------------------------------------


def resign(key: SigningKey, token: str, **changes) -> str:
    """The token's payload with some members changed (None removes), signed by ``key``."""
    header, payload = parts(token)
    for name, value in changes.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return forge(header, payload, lambda data: rsa_sign(key, data))


@pytest.mark.parametrize(
    ("changes", "claim"),
    [
        ({"jti": "http://127.0.0.1:5000/certificates/other"}, "jti"),
        ({"iss": "https://attacker.example/issuer"}, "iss"),
        ({"sub": "urn:uuid:00000000-0000-0000-0000-000000000000"}, "sub"),
        ({"nbf": int(ISSUED.timestamp()) - 3600}, "nbf"),
        ({"exp": int(EXPIRES.timestamp()) + 86400 * 365}, "exp"),
        ({"jti": None}, "jti"),
        ({"iss": None}, "iss"),
        ({"sub": None}, "sub"),
        ({"nbf": None}, "nbf"),
        ({"exp": None}, "exp"),
        ({"nbf": "2026-03-01T12:00:00Z"}, "nbf"),
        ({"exp": True}, "exp"),
        ({"validUntil": "2099-01-01T00:00:00Z"}, "exp"),
        ({"id": "http://127.0.0.1:5000/certificates/other"}, "jti"),
    ],
)
def test_claims_that_do_not_match_the_credential_fail(changes, claim, key, token, keyset):
    result = check(resign(key, token, **changes), keyset)
    assert not result.valid
    assert f"claims do not match the credential: {claim}" in result.problems


def test_a_revoked_credential_fails(token, keyset):
    seen = []

    def is_revoked(credential: dict) -> bool:
        seen.append(credential)
        return True

    result = check(token, keyset, is_revoked=is_revoked)
    assert not result.valid
    assert result.problems == ["revoked"]
    assert result.credential == build_credential(FACTS)
    assert seen == [build_credential(FACTS)]


def test_a_failing_revocation_check_fails_closed(token, keyset):
    def is_revoked(credential: dict) -> bool:
        raise ConnectionError("database down")

    result = check(token, keyset, is_revoked=is_revoked)
    assert not result.valid
    assert result.problems == ["revocation status could not be checked"]


def test_an_expired_credential_fails(token, keyset):
    result = check(token, keyset, now=EXPIRES)
    assert not result.valid
    assert result.problems == ["expired on 2027-03-01T12:00:00Z"]
    assert check(token, keyset, now=EXPIRES - timedelta(seconds=1)).valid


def test_a_credential_not_yet_valid_fails(token, keyset):
    result = check(token, keyset, now=ISSUED - timedelta(seconds=1))
    assert not result.valid
    assert result.problems == ["not valid until 2026-03-01T12:00:00Z"]
    assert check(token, keyset, now=ISSUED).valid


def test_now_must_be_timezone_aware(token, keyset):
    with pytest.raises(ValueError):
        check(token, keyset, now=datetime(2026, 9, 1))


def test_a_signed_payload_that_is_not_a_credential_fails(key, keyset):
    header = {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    for payload in (b"not json", b"[1, 2, 3]", b'{"a": 1, "a": 2}', b'{"n": NaN}', b"\xff\xfe"):
        result = check(forge(header, payload, lambda data: rsa_sign(key, data)), keyset)
        assert not result.valid, payload
    claims_only = {"iss": "x", "sub": "y", "jti": "z", "nbf": 0}
    result = check(forge(header, claims_only, lambda data: rsa_sign(key, data)), keyset)
    assert not result.valid


# --- garbage ------------------------------------------------------------------------------


def garbage(token: str) -> list:
    header, payload, signature = token.split(".")
    rng = random.Random(7)
    printable = [chr(code) for code in range(32, 127)]
    randoms = ["".join(rng.choices(printable, k=rng.randint(0, 300))) for _ in range(40)]
    dotted = [".".join(rng.choice(randoms) for _ in range(3)) for _ in range(20)]
    truncated = [token[:cut] for cut in range(0, len(token), 97)]
    numeric_kid = b64(json.dumps({"alg": "RS256", "kid": 7}).encode())
    return [
        None,
        42,
        ["a", "b"],
        b"\xff\xfe.\x00.\x01",
        "",
        " ",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        f"{header}.{payload}",
        f"{header}.{payload}.{signature}.",
        f"{header}..{signature}",
        f".{payload}.{signature}",
        "@@@@.####.$$$$",
        f"{header}=.{payload}.{signature}",
        f"{b64(b'not json')}.{payload}.{signature}",
        f"{b64(b'[]')}.{payload}.{signature}",
        f"{numeric_kid}.{payload}.{signature}",
        f"{header}.{b64(b'not json')}.{signature}",
        f"{header}.{payload}.{signature[:-5]}",
        "é.ü.ß",
        "x" * 200_000,
        token.replace(".", " . "),
        *randoms,
        *dotted,
        *truncated,
    ]


def test_garbage_is_refused_without_an_exception(token, keyset):
    for value in garbage(token):
        result = check(value, keyset)
        assert result.valid is False, value
        assert result.problems and all(isinstance(p, str) and p for p in result.problems)
        assert result.credential is None


@pytest.mark.parametrize(
    "keyset",
    [
        None,
        {},
        {"keys": "nope"},
        {"keys": [None, 3, "x"]},
        {"keys": [{"kid": "K"}]},
        {"keys": [{"kty": "EC", "kid": "K", "crv": "P-256", "x": "a", "y": "b"}]},
        {"keys": [{"kty": "RSA", "kid": "K", "n": "%%%", "e": "AQAB"}]},
        {"keys": [{"kty": "RSA", "kid": "K"}]},
    ],
)
def test_a_broken_key_set_is_refused_without_an_exception(keyset, key, token):
    renamed = forge(
        {"alg": "RS256", "kid": "K", "typ": "JWT"},
        unb64(token.split(".")[1]),
        lambda data: rsa_sign(key, data),
    )
    for value in (token, renamed):
        result = check(value, keyset)
        assert not result.valid
        assert result.problems


def test_a_key_for_another_algorithm_or_too_short_is_not_used(key, token):
    jwk = key.public_jwk()
    assert not check(token, {"keys": [{**jwk, "alg": "RS512"}]}).valid
    assert not check(token, {"keys": [{**jwk, "use": "enc"}]}).valid
    numbers = short_rsa_key().public_key().public_numbers()
    short = {"kty": "RSA", "n": b64(numbers.n.to_bytes(128, "big")), "e": "AQAB"}
    assert not check(token, {"keys": [{**short, "kid": key.kid}]}).valid


# --- keys ---------------------------------------------------------------------------------


def test_the_public_jwk_is_public_and_its_kid_is_the_rfc7638_thumbprint(key):
    jwk = key.public_jwk()
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    assert jwk["kid"] == key.kid == b64(hashlib.sha256(canonical.encode()).digest())
    assert len(unb64(jwk["n"])) * 8 >= 2048
    assert repr(key) == f"SigningKey(kid={key.kid!r})"  # never the key material


def test_jwks_lists_each_public_key_once(key, other_key):
    keyset = jwks([key, other_key, key])
    assert [jwk["kid"] for jwk in keyset["keys"]] == [key.kid, other_key.kid]
    assert all("d" not in jwk and "p" not in jwk for jwk in keyset["keys"])


def test_short_or_public_keys_cannot_sign(key):
    with pytest.raises(ValueError):
        SigningKey(short_rsa_key())
    with pytest.raises(ValueError):
        SigningKey.from_pem(key.jose_key.as_pem(private=False))
    with pytest.raises(ValueError):
        SigningKey.from_pem("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")


def test_a_key_is_created_once_and_reloaded(tmp_path: Path):
    instance = tmp_path / "instance"
    first = load_or_create_key(instance, None)
    path = instance / "issuer_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(instance, None).kid == first.kid
    assert load_or_create_key(instance, "  ").kid == first.kid
    assert [p.name for p in instance.iterdir()] == ["issuer_key.pem"]  # no temporary left


def test_the_pem_from_the_environment_wins(tmp_path: Path, key):
    load_or_create_key(tmp_path, None)
    pem = key.private_pem().decode()
    assert load_or_create_key(tmp_path, pem).kid == key.kid
    escaped = pem.strip().replace("\n", "\\n")  # as a one-line .env value
    assert load_or_create_key(tmp_path, escaped).kid == key.kid
    assert load_or_create_key(tmp_path / "never-created", pem).kid == key.kid
    assert not (tmp_path / "never-created").exists()


def test_a_damaged_key_file_is_an_error_not_replaced(tmp_path: Path):
    path = tmp_path / "issuer_key.pem"
    path.write_text("not a key")
    with pytest.raises(ValueError, match=r"issuer_key\.pem"):
        load_or_create_key(tmp_path, None)
    assert path.read_text() == "not a key"


def test_two_processes_creating_at_once_end_with_one_key(tmp_path: Path, monkeypatch, key):
    """While this process generates its key, another one publishes first: this process
    must then use the other's key, not overwrite it."""
    generate = SigningKey.generate

    def generate_while_another_process_wins(*args, **kwargs):
        (tmp_path / "issuer_key.pem").write_bytes(key.private_pem())
        return generate(*args, **kwargs)

    monkeypatch.setattr(SigningKey, "generate", generate_while_another_process_wins)
    assert load_or_create_key(tmp_path, None).kid == key.kid
    assert SigningKey.from_pem((tmp_path / "issuer_key.pem").read_bytes()).kid == key.kid
    assert [p.name for p in tmp_path.iterdir()] == ["issuer_key.pem"]


def test_revocation_list_document():
    document = credentials.revocation_list(
        FACTS.status_url, FACTS.issuer_id, [(FACTS.credential_id, "Academic misconduct")]
    )
    assert document == {
        "id": FACTS.status_url,
        "issuer": FACTS.issuer_id,
        "revokedCredentials": [
            {
                "id": FACTS.credential_id,
                "revoked": True,
                "revocationReason": "Academic misconduct",
            }
        ],
    }
    assert credentials.revocation_list("u", "i", [])["revokedCredentials"] == []
