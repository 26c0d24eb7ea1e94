"""The OpenID Connect relying party: discovery, the authorization request (code flow with
PKCE S256, state and nonce), the code exchange, and every check of the ID token.

The protocol is Authlib's (`OAuth2Session` builds the request, the PKCE challenge and the
token call) and joserfc's (JWS signatures and JWT claims); this module only chooses what to
require. No Flask request in here: the views keep state, nonce and verifier in the session.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from coursework import outbound
from coursework.i18n import _

# Authlib, joserfc and requests (about 16 MB) load with the first sign-in through an
# identity provider, not in every worker at start.
if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

SCOPES = "openid email profile"
REQUIRED_CLAIMS = ("sub", "email", "email_verified")
# Asymmetric algorithms only: a token signed with the client secret (HS256) or unsigned
# ("none") proves nothing about who made it.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60  # clock skew between us and the provider
MAX_TOKEN_AGE_SECONDS = 600  # an ID token issued longer ago than this is refused
TIMEOUT_SECONDS = 5
MAX_DOCUMENT_BYTES = 512 * 1024
DISCOVERY_TTL_SECONDS = 300
JWKS_TTL_SECONDS = 300


class SignInFailed(Exception):
    """The provider's answer did not pass a check. `reason` is for the log and the test
    sign-in; people see a general message (see views)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnreachable(SignInFailed):
    """Discovery, the key set or the token endpoint could not be read."""


# ---- fetching, with small caches ---------------------------------------------------------


def issuer_problem(issuer: str) -> str | None:
    """Why this cannot be an issuer URL, or None. HTTPS, except on this machine's loopback
    (as Authlib allows, for local providers)."""
    try:
        parts = urlsplit(issuer)
    except ValueError:
        return "Enter the issuer as a web address, like https://login.example.com/realms/staff."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter the issuer as a web address, like https://login.example.com/realms/staff."
    if parts.query or parts.fragment:
        return _("The issuer has no query (?) or fragment (#) part.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "The issuer must use https://."
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _get_json(url: str) -> dict[str, Any]:
    """A JSON object from a provider: no redirects, a timeout and a size cap, so a wrong
    address cannot make us follow it elsewhere or read without end."""
    import requests

    problem = outbound.private_address_problem(url)
    if problem is not None:
        raise ProviderUnreachable(f"{url} is refused. {problem}")
    try:
        with requests.get(
            url,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise ProviderUnreachable(f"{url} answered HTTP {response.status_code}")
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise ProviderUnreachable(f"{url} could not be reached ({type(error).__name__})") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ProviderUnreachable(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise ProviderUnreachable(f"{url} did not answer JSON") from None
    if not isinstance(document, dict):
        raise ProviderUnreachable(f"{url} did not answer a JSON object")
    return document


class _TimedCache:
    """A per-process cache of provider documents for a few minutes. Only a cache: every
    process fetches for itself, and nothing is lost when it is empty."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], Any], *, refresh: bool = False) -> Any:
        now = time.monotonic()
        with self._lock:
            held = self._items.get(key)
        if held is not None and not refresh and held[0] > now:
            return held[1]
        value = load()
        with self._lock:
            self._items[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_discovery = _TimedCache(DISCOVERY_TTL_SECONDS)
_key_sets = _TimedCache(JWKS_TTL_SECONDS)


def clear_caches() -> None:
    _discovery.clear()
    _key_sets.clear()


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str, *, refresh: bool = False) -> dict[str, Any]:
    """The provider's metadata, checked: it names the same issuer (OpenID Connect Discovery
    §4.3), and has the endpoints and key set the code flow needs."""

    def load() -> dict[str, Any]:
        metadata = _get_json(discovery_url(issuer))
        if metadata.get("issuer") != issuer:
            raise SignInFailed(
                f"the discovery document names the issuer {str(metadata.get('issuer'))[:80]!r}"
                ", not the one entered"
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = metadata.get(name)
            if not isinstance(value, str) or issuer_problem(value):
                raise SignInFailed(f"the discovery document has no usable {name}")
        methods = metadata.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise SignInFailed("the provider does not support PKCE with S256")
        return metadata

    return _discovery.get(issuer, load, refresh=refresh)


def key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    def load() -> KeySet:
        document = _get_json(jwks_uri)
        try:
            return KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise ProviderUnreachable("the provider's key set could not be read") from None

    return _key_sets.get(jwks_uri, load, refresh=refresh)


# ---- the flow ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """What we are at one provider: its issuer, our client id and secret, our redirect."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str

    def session(self, metadata: dict[str, Any]) -> OAuth2Session:
        from authlib.integrations.requests_client import OAuth2Session

        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=SCOPES,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=method,
            default_timeout=TIMEOUT_SECONDS,
        )


@dataclass(frozen=True)
class Pending:
    """What must wait, server-side, between sending the person off and their return."""

    state: str
    nonce: str
    code_verifier: str


def authorization_request(client: Client, login_hint: str = "") -> tuple[str, Pending]:
    """The address to send the person to, and what to keep until they come back."""
    metadata = discover(client.issuer)
    pending = Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),  # 64 characters, within RFC 7636's 43-128
    )
    extra = {"login_hint": login_hint} if login_hint else {}
    with client.session(metadata) as session:
        url, _state = session.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            **extra,
        )
    return url, pending


def finish(client: Client, pending: Pending, returned: dict[str, str]) -> dict[str, Any]:
    """The checked ID token claims of the person who came back with `returned` (the query
    of the redirect). The caller has already matched `returned["state"]` to `pending`."""
    import requests
    from authlib.common.errors import AuthlibBaseError

    if not hmac.compare_digest(returned.get("state", ""), pending.state):
        raise SignInFailed("state does not match")
    if returned.get("error"):
        raise SignInFailed(f"the provider answered {returned['error'][:80]!r}")
    code = returned.get("code", "")
    if not code or len(code) > 2048:
        raise SignInFailed("no authorization code")
    metadata = discover(client.issuer)
    problem = outbound.private_address_problem(metadata["token_endpoint"])
    if problem is not None:
        raise ProviderUnreachable(f"the token endpoint is refused. {problem}")
    try:
        with client.session(metadata) as session:
            token = session.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
    except AuthlibBaseError as error:
        raise SignInFailed(f"the token endpoint refused the code ({error.error})") from None
    except (requests.RequestException, ValueError):
        raise ProviderUnreachable("the token endpoint could not be used") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("the token response has no ID token")
    return check_id_token(
        id_token,
        issuer=client.issuer,
        client_id=client.client_id,
        nonce=pending.nonce,
        jwks_uri=metadata["jwks_uri"],
    )


def check_id_token(
    id_token: str, *, issuer: str, client_id: str, nonce: str, jwks_uri: str
) -> dict[str, Any]:
    """Verify the signature through the provider's key set (fetched again, once, for a key
    id we do not know yet: the provider has rotated its keys), then the claims."""
    from joserfc import jwt
    from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError

    try:
        try:
            token = jwt.decode(id_token, key_set(jwks_uri), algorithms=list(ALGORITHMS))
        except InvalidKeyIdError:
            token = jwt.decode(
                id_token, key_set(jwks_uri, refresh=True), algorithms=list(ALGORITHMS)
            )
    except InvalidKeyIdError:
        raise SignInFailed("signed with a key the provider does not publish") from None
    except BadSignatureError:
        raise SignInFailed("bad signature") from None
    except (JoseError, ValueError, TypeError):
        raise SignInFailed("not a signed JWT we accept") from None
    claims = token.claims
    check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce)
    return claims


def check_claims(claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str) -> None:
    """OpenID Connect Core §3.1.3.7: issuer, audience and authorised party, expiry and
    issue time (with a little leeway), and our nonce."""
    from joserfc import jwt
    from joserfc.errors import ClaimError, ExpiredTokenError

    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise SignInFailed("expired") from None
    except ClaimError as error:
        raise SignInFailed(f"claim {error.claim}: {error.description}") from None
    if not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise SignInFailed("claim nonce: not the one we sent")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise SignInFailed("claim azp: not our client id")
    if claims["iat"] < time.time() - MAX_TOKEN_AGE_SECONDS - LEEWAY_SECONDS:
        raise SignInFailed("claim iat: issued too long ago")
