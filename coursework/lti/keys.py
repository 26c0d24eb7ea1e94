"""The tool's own RSA keys: one per registered platform, made when it is registered. The
private half is stored sealed (coursework.sealing); the public half is published in our
key set, named by its RFC 7638 thumbprint."""

from __future__ import annotations

import json
from dataclasses import dataclass

from jwcrypto.jwk import JWK

from coursework import sealing

KEY_BITS = 2048
PURPOSE = "lti tool key"


@dataclass(frozen=True)
class ToolKey:
    sealed_private: str
    public_jwk: str  # JSON
    key_id: str


def new_tool_key() -> ToolKey:
    key = JWK.generate(kty="RSA", size=KEY_BITS)
    private_pem = key.export_to_pem(private_key=True, password=None).decode()
    public = public_jwk(private_pem)
    return ToolKey(sealing.seal(PURPOSE, private_pem), json.dumps(public), public["kid"])


def public_jwk(private_pem: str) -> dict:
    key = JWK.from_pem(private_pem.encode())
    jwk = json.loads(key.export_public())
    jwk.update(kid=key.thumbprint(), alg="RS256", use="sig")
    return jwk


def public_pem(private_pem: str) -> str:
    return JWK.from_pem(private_pem.encode()).export_to_pem().decode()
