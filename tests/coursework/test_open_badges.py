"""Open Badges 3.0 as off-the-shelf tools read it (issue 11, item 11): the header's kid is
a URL that serves that one key and names it in the key set, so standard key-set lookups
find it; the JOSE media types."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import jwt
import pytest
from joserfc import jws
from joserfc.jwk import KeySet

from coursework.certificates import credentials, services
from tests.coursework.test_certificates import complete_every_lesson


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
