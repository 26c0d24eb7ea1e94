"""A real OpenID Connect provider for the tests: Authlib's authorization server (code grant,
PKCE required, OpenID Connect's ID token and nonce), served over HTTP on 127.0.0.1 at a
random port from a thread. Tests choose who is signed in at it, and what to get wrong in
its next ID tokens (a claim, the signing key) to prove each check refuses them.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Person(dict):
    """Who is signed in at the provider: their claims (sub, email, email_verified, name)."""

    def get_user_id(self):
        return self["sub"]


class OidcProvider:
    def __init__(self) -> None:
        self.key_number = 1
        self.signing_key = self._new_key()
        self.published = [self.signing_key]
        self.clients: dict[str, Client] = {}
        self.person: Person | None = None
        self.overrides: dict[str, Any] = {}  # claims the next ID tokens get wrong
        self.sign_with: RSAKey | None = None  # a key the provider does not publish
        self.jwks_requests = 0
        self.token_requests = 0
        self.codes: dict[str, Code] = {}
        self.issuer = ""
        self.app = self._make_app()

    # ---- what tests change ----

    def register_client(self, redirect_uri: str) -> Client:
        client = Client(
            client_id=f"coursework-{secrets.token_hex(4)}",
            client_secret=secrets.token_urlsafe(24),
            redirect_uris=[redirect_uri],
        )
        self.clients[client.client_id] = client
        return client

    def sign_in_as(self, email: str, *, sub: str | None = None, verified: bool = True, **claims):
        self.person = Person(
            sub=sub or f"sub-{email}", email=email, email_verified=verified, **claims
        )

    def rotate_keys(self) -> None:
        """A new signing key, published; the old one is withdrawn."""
        self.key_number += 1
        self.signing_key = self._new_key()
        self.published = [self.signing_key]

    def _new_key(self) -> RSAKey:
        return RSAKey.generate_key(
            2048, parameters={"kid": f"key-{self.key_number}", "use": "sig", "alg": "RS256"}
        )

    # ---- the server ----

    def _make_app(self) -> Flask:
        app = Flask("test-oidc-provider")
        provider = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                payload = req.payload
                provider.codes[code] = Code(
                    code=code,
                    client_id=payload.client_id,
                    redirect_uri=payload.redirect_uri,
                    scope=payload.scope,
                    user=req.user,
                    nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                if item is not None and item.client_id == client.get_client_id():
                    return item
                return None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return any(code.nonce == nonce for code in provider.codes.values())

            def generate_user_info(self, user, scope):
                return UserInfo(
                    {k: v for k, v in user.items() if k in ("sub", "email", "email_verified")}
                    | ({"name": user["name"]} if "name" in user else {})
                )

            def encode_id_token(self, token, req):
                # Authlib's claims, then whatever the test wants wrong, signed with the
                # provider's key (or the one the test chose).
                claims = {
                    "iss": provider.issuer,
                    "aud": [req.client.get_client_id()],
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 300,
                    "auth_time": req.authorization_code.get_auth_time(),
                    "nonce": req.authorization_code.get_nonce(),
                    **self.generate_user_info(req.user, token["scope"]),
                }
                claims.update(provider.overrides)
                claims = {k: v for k, v in claims.items() if v is not None}
                key = provider.sign_with or provider.signing_key
                return jwt.encode({"alg": "RS256", "kid": provider.signing_key.kid}, claims, key)

        server = AuthorizationServer(
            app, query_client=self.clients.get, save_token=lambda token, req: None
        )
        server.register_grant(
            CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=provider.issuer,
                authorization_endpoint=provider.issuer + "/authorize",
                token_endpoint=provider.issuer + "/token",
                jwks_uri=provider.issuer + "/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
                scopes_supported=["openid", "email", "profile"],
            )

        @app.get("/jwks")
        def jwks():
            provider.jwks_requests += 1
            return jsonify(KeySet(list(provider.published)).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            # Whoever the test signed in consents at once: no login page to drive.
            grant = server.get_consent_grant(end_user=provider.person)
            return server.create_authorization_response(grant=grant, grant_user=provider.person)

        @app.post("/token")
        def token():
            provider.token_requests += 1
            return server.create_token_response()

        return app

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        # Polled every 50 ms (not the default 500), so that stopping it after a test is quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.issuer

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
