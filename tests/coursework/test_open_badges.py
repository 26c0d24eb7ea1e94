"""Open Badges 3.0 as off-the-shelf tools read it (issue 11, item 11): the header's kid is
a URL that serves that one key and names it in the key set, so standard key-set lookups
find it; the JOSE media types."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from joserfc import jws
from joserfc.jwk import KeySet
from jsonschema.validators import validator_for

from coursework.certificates import credentials, services
from tests.support.progresskit import complete_every_lesson


@pytest.fixture
def certificate(make_user, course):
    learner = make_user(name="Ines Issued")
    complete_every_lesson(learner, course)
    return services.find_for(learner.id, course.id)


def header_of(token: str) -> dict:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_the_kid_dereferences_to_one_jwk_named_alike_in_the_key_set(client, certificate):
    kid = header_of(certificate.credential)["kid"]
    assert kid.startswith(client.application.config["PUBLIC_URL"] + "/issuer/keys/")

    served = client.get(urlsplit(kid).path)
    assert served.status_code == 200
    assert served.mimetype == "application/jwk+json"
    jwk = json.loads(served.data)
    assert jwk["kid"] == kid and jwk["kty"] == "RSA" and "keys" not in jwk
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)

    keyset = client.get("/.well-known/jwks.json")
    assert keyset.mimetype == "application/jwk-set+json"
    assert [k["kid"] for k in json.loads(keyset.data)["keys"]] == [kid]


def test_an_unknown_key_is_not_found(client, certificate):
    assert client.get("/issuer/keys/not-a-thumbprint").status_code == 404
    assert client.get("/issuer/keys/").status_code == 404


def test_pyjwt_finds_the_key_by_the_kid_alone(client, certificate):
    served = json.loads(client.get("/.well-known/jwks.json").data)
    finder = jwt.PyJWKClient("http://issuer.invalid/.well-known/jwks.json", cache_keys=False)
    finder.fetch_data = lambda: served  # what the URL serves, without a network
    signing_key = finder.get_signing_key_from_jwt(certificate.credential)
    claims = jwt.decode(
        certificate.credential,
        signing_key.key,
        algorithms=["RS256"],
        options={"verify_aud": False},
    )
    assert claims["jti"] == claims["id"]
    assert claims["credentialSubject"]["identifier"][0]["identityHash"] == "Ines Issued"


def test_joserfc_key_set_lookup_finds_it_too(client, certificate):
    keys = KeySet.import_key_set(json.loads(client.get("/.well-known/jwks.json").data))
    verified = jws.deserialize_compact(certificate.credential, keys, algorithms=["RS256"])
    assert json.loads(verified.payload)["id"].endswith(f"/certificates/{certificate.code}")


def test_credentials_issued_with_the_old_kid_still_verify(app, certificate):
    # Before key URLs, the kid was "<JWKS URL>#<thumbprint>"; those already handed out
    # must keep checking out.
    key = services.signing_key()
    segment = certificate.credential.split(".")[1]
    payload = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    old_kid = services.public_url("/.well-known/jwks.json") + "#" + key.kid
    old = jws.serialize_compact(
        {"alg": "RS256", "kid": old_kid, "typ": "JWT"}, payload, key.jose_key, algorithms=["RS256"]
    )
    assert services.verify_credential(old).valid
    assert services.verify_credential(certificate.credential).valid
    other = credentials.SigningKey.generate()
    forged = jws.serialize_compact(
        {"alg": "RS256", "kid": old_kid, "typ": "JWT"},
        payload,
        other.jose_key,
        algorithms=["RS256"],
    )
    assert services.verify_credential(forged).problems == ["signature does not match"]


# --- the official 1EdTech JSON schemas (tests/coursework/data/ob3/SOURCES.md) -------------

SCHEMAS = Path(__file__).parent / "data" / "ob3"


def schema_errors(document: dict, schema_file: str) -> list[str]:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def payload_of(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_the_schemas_are_the_official_ones():
    ids = {
        "achievementcredential.json": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "achievementcredentialv3p0.schema.json",
        "profile.json": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_profile_schema.json",
    }
    for name, schema_id in ids.items():
        assert json.loads((SCHEMAS / name).read_text())["$id"] == schema_id
        assert name in (SCHEMAS / "SOURCES.md").read_text()


def test_an_issued_credential_meets_the_official_schema(client, certificate):
    payload = payload_of(
        client.get(f"/certificates/{certificate.code}/credential.jwt").data.decode()
    )
    assert schema_errors(payload, "achievementcredential.json") == []


@pytest.mark.parametrize("score", [None, 0.0, 100.0, 66.666])
@pytest.mark.parametrize("months", [None, 12])
def test_every_shape_of_credential_meets_the_official_schema(score, months):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    facts = credentials.CredentialFacts(
        credential_id="https://learn.example/certificates/abc",
        issuer_id="https://learn.example/issuer",
        issuer_name="Coursework",
        subject_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        learner_name="Ōkubo Tōru",
        achievement_id="https://learn.example/courses/kitchen-safety",
        achievement_name="Kitchen Safety",
        achievement_description="Three short lessons.",
        criteria_narrative="Complete every lesson.",
        valid_from=start,
        valid_until=start + timedelta(days=30 * months) if months else None,
        status_url="https://learn.example/certificates/abc/status",
        score=score,
    )
    assert schema_errors(credentials.build_credential(facts), "achievementcredential.json") == []


def test_the_schema_catches_what_it_should():
    # Proof that the validation bites: the name as a bare "name" identity (the old shape)
    # and a credential without issuanceDate are refused.
    broken = {"@context": ["x"], "id": "x", "type": ["VerifiableCredential"], "name": "x"}
    assert any(
        "issuanceDate" in error for error in schema_errors(broken, "achievementcredential.json")
    )
    assert schema_errors({"id": "x"}, "profile.json")
    credential = payload_of_build()
    credential["credentialSubject"]["identifier"][0]["identityType"] = "name"
    assert any(
        "identityType" in error for error in schema_errors(credential, "achievementcredential.json")
    )


def payload_of_build() -> dict:
    from tests.support.credentialkit import FACTS

    return credentials.build_credential(FACTS)


def test_the_issuer_profile_meets_the_official_schema(client):
    profile = client.get("/issuer").json
    assert schema_errors(profile, "profile.json") == []
    # The credential's issuer is the same profile, by id.
    assert profile["id"] == services.public_url("/issuer")


def test_the_revocation_list_uses_the_1edtech_member_names(client, certificate, make_user):
    # 1EdTech publishes no JSON schema for the revocation list (see SOURCES.md); these are
    # the members of the Revocation List Status Method 1.0 data model that verifiers read.
    status_url = payload_of(certificate.credential)["credentialStatus"]["id"]
    empty = client.get(urlsplit(status_url).path).json
    assert empty["id"] == status_url and empty["revokedCredentials"] == []
    assert empty["issuer"] == payload_of(certificate.credential)["issuer"]["id"]

    services.revoke(certificate, make_user(is_admin=True), "Issued in error")
    listed = client.get(urlsplit(status_url).path).json
    [entry] = listed["revokedCredentials"]
    assert entry["id"] == payload_of(certificate.credential)["id"]
    assert entry["revocationReason"] == "Issued in error"


def revoked_by_1edtech_probe(credential: dict, fetch) -> bool:
    """Whether 1EdTech's own validator reports ``credential`` revoked: a line-for-line
    reading of ``RevocationListProbe.run`` in 1EdTech/digital-credentials-public-validator
    (inspector-vc, commit 068a6edb; see data/ob3/SOURCES.md). Kept apart from our verifier
    so that a renamed member fails here even if both sides of our own code agree."""
    status = credential.get("credentialStatus")
    if status is None or str(status.get("type", "")).strip() != "1EdTechRevocationList":
        return False
    listed = fetch(str(status["id"]).strip())
    for item in listed.get("revokedCredentials") or []:
        revoked = item.get("revoked")
        if item.get("id") == credential.get("id") and (revoked is None or bool(revoked)):
            return True
    return False


def test_1edtechs_validator_reads_our_revocation_list(client, certificate, make_user, course):
    def fetch(url: str) -> dict:
        answer = client.get(urlsplit(url).path)
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        return answer.json

    other = make_user(name="Olu Other")
    complete_every_lesson(other, course)
    kept = services.find_for(other.id, course.id)

    revoked = payload_of(certificate.credential)
    assert not revoked_by_1edtech_probe(revoked, fetch)

    services.revoke(certificate, make_user(is_admin=True), "Issued in error")
    assert revoked_by_1edtech_probe(revoked, fetch)
    # One list serves every credential: the other learner's stays good.
    assert not revoked_by_1edtech_probe(payload_of(kept.credential), fetch)


def test_our_status_entry_has_the_shape_of_1edtechs_own_fixture(certificate):
    # The credentialStatus of 1EdTech's validator fixture ob30/credential-status-revoked.json
    # (same repository): exactly an id URL and the type, nothing else required.
    fixture = {
        "id": "https://dc.1edtech.org/wellspring2022/wellspring-portal/api/revocations/"
        "da1e96e9-afcc-4eed-b9a2-2ddf7353214c",
        "type": "1EdTechRevocationList",
    }
    ours = payload_of(certificate.credential)["credentialStatus"]
    assert set(ours) == set(fixture) and ours["type"] == fixture["type"]
    assert urlsplit(ours["id"]).scheme in {"http", "https"}
