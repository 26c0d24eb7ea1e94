"""pylti1p3 bound to Coursework: registrations and deployments from the database, login
state in the database (any server finishes a launch another began), the state cookie set
so that it works inside an LMS frame, and the checks the library leaves to its users.

pylti1p3 checks the state cookie, the id_token's signature against the platform's key
set, its expiry, the registration (issuer and first audience), the deployment and the
message's own claims. It leaves the audience list unchecked (PyJWT's ``verify_aud`` is
off) and keeps a nonce after its launch, so a replayed id_token would pass. `Launch`
adds both: every audience and ``azp`` must name our client id, and the nonce is deleted
in the same statement that finds it, so one id_token signs in once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import requests
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskOIDCLogin
from pylti1p3.contrib.flask import FlaskRequest as LibraryRequest
from pylti1p3.deployment import Deployment as LibraryDeployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import delete, select

from coursework import outbound, sealing
from coursework.db import upsert, utcnow
from coursework.extensions import db
from coursework.i18n import _
from coursework.lti.keys import PURPOSE as TOOL_KEY_PURPOSE
from coursework.lti.keys import public_pem
from coursework.lti.models import Deployment, LaunchState, Platform

# Login to launch takes seconds; a launch is kept for the pages it opens (deep linking).
STATE_LIFETIME = 3600
# Our states are "state-" and a UUID; anything much longer is not one of ours.
MAX_STATE = 100
HTTP_TIMEOUT = 10  # seconds, for every call to a platform


class TimeoutSession(requests.Session):
    """A requests session that never waits on a platform for ever."""

    def request(self, method, url, **kwargs):  # type: ignore[override]
        problem = outbound.private_address_problem(url)
        if problem is not None:
            raise requests.exceptions.InvalidURL(f"{url} is refused. {problem}")
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "Coursework-LTI"
    return session


def registration_for(platform: Platform) -> Registration:
    """The library's view of a platform, with our key for it."""
    private_pem = sealing.unseal(TOOL_KEY_PURPOSE, platform.tool_key_sealed)

    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.access_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(private_pem)
        .set_tool_public_key(public_pem(private_pem))
    )


class DatabaseToolConf(ToolConfAbstract):
    """Registrations are rows of `lti_platforms`: one issuer may have several client ids
    (Canvas Cloud, for one, uses a single issuer for every institution)."""

    def __init__(self) -> None:
        self.issuers_relation_types = {}
        self.platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _found(self, platform: Platform | None) -> Registration | None:
        self.platform = platform
        return registration_for(platform) if platform is not None else None

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> Registration | None:
        candidates = list(db.session.scalars(select(Platform).where(Platform.issuer == iss)))
        return self._found(candidates[0] if len(candidates) == 1 else None)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args, **kwargs
    ) -> Registration | None:
        if not client_id:  # login initiation may leave it out: fine when it is unambiguous
            return self.find_registration_by_issuer(iss)
        return self._found(
            db.session.scalar(
                select(Platform).where(Platform.issuer == iss, Platform.client_id == client_id)
            )
        )

    def find_deployment(self, iss: str, deployment_id: str) -> LibraryDeployment | None:
        return None  # every issuer is "many clients": the library asks by params

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args, **kwargs
    ) -> LibraryDeployment | None:
        found = db.session.scalar(
            select(Deployment.id)
            .join(Platform, Platform.id == Deployment.platform_id)
            .where(
                Platform.issuer == iss,
                Platform.client_id == client_id,
                Deployment.deployment_id == deployment_id,
            )
        )
        return LibraryDeployment().set_deployment_id(deployment_id) if found else None


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """pylti1p3's key-value store, in `lti_launch_state`. Keys are global (the state cookie
    binds a login to its browser), so no session-id cookie is needed."""

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = db.session.get(LaunchState, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return json.loads(row.value)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        now = utcnow()
        db.session.execute(delete(LaunchState).where(LaunchState.expires_at <= now))
        row = {
            "key": self._prepare_key(key),
            "value": json.dumps(value),
            "expires_at": now + timedelta(seconds=exp or STATE_LIFETIME),
        }
        upsert(db.session, LaunchState, ("key",), [row])

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def consume(self, key: str) -> bool:
        """Delete a live key; True only for the one caller that deleted it."""
        result = db.session.execute(
            delete(LaunchState).where(
                LaunchState.key == self._prepare_key(key), LaunchState.expires_at > utcnow()
            )
        )
        return result.rowcount == 1


class FrameCookieService(FlaskCookieService):
    """The state cookie must reach the launch inside an LMS frame: SameSite=None, Secure and
    Partitioned (CHIPS), whatever the scheme the test or the proxy shows us."""

    def update_response(self, response):
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                path="/lti/",
                secure=True,
                httponly=True,
                samesite="None",
                partitioned=True,
            )


def library_request() -> LibraryRequest:
    return LibraryRequest()


def oidc_login(tool_conf: DatabaseToolConf) -> FlaskOIDCLogin:
    lti_request = library_request()
    login = FlaskOIDCLogin(lti_request, tool_conf, cookie_service=FrameCookieService(lti_request))
    login.set_launch_data_storage(DatabaseLaunchStorage())
    login.set_launch_data_lifetime(STATE_LIFETIME)
    return login


class Launch(FlaskMessageLaunch):
    """A launch checked as pylti1p3 does, plus the audience and a single-use nonce."""

    def validate_registration(self) -> Launch:
        super().validate_registration()
        body = self._get_jwt_body()
        client_id = self._registration.get_client_id()
        audiences = body.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if client_id not in audiences:
            raise LtiException(_("The id_token is not meant for this tool (audience)."))
        azp = body.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != client_id:
            raise LtiException(_("The id_token names another authorised party (azp)."))
        return self

    def validate_state(self) -> Launch:
        state = self._get_request_param("state")
        if not isinstance(state, str) or len(state) > MAX_STATE:
            raise LtiException("Missing state param")
        super().validate_state()
        return self

    def validate_nonce(self) -> Launch:
        nonce = self._get_jwt_body().get("nonce")
        if not nonce or not isinstance(nonce, str):
            raise LtiException('"nonce" is empty')
        storage = self._session_service.data_storage
        key = self._session_service._get_key("nonce", nonce)
        if not isinstance(storage, DatabaseLaunchStorage) or not storage.consume(key):
            raise LtiException(_("This launch was already used, or has expired. Launch again."))
        return self

    def validate(self) -> Launch:
        # The signature and expiry are checked before anything from the token is trusted
        # or any state is consumed, so a forged token cannot burn a real nonce.
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            return (
                self.validate_state()
                .validate_jwt_format()
                .validate_registration()
                .validate_jwt_signature()
                .validate_nonce()
                .validate_deployment()
                .validate_message()
                .save_launch_data()
            )
        except Exception:
            self._validated = False
            raise


def message_launch(tool_conf: DatabaseToolConf) -> Launch:
    lti_request = library_request()
    launch = Launch(
        lti_request,
        tool_conf,
        cookie_service=FrameCookieService(lti_request),
        launch_data_storage=DatabaseLaunchStorage(),
        requests_session=http_session(),
    )
    launch.set_launch_data_lifetime(STATE_LIFETIME)
    return launch


def restored_launch(launch_id: str, tool_conf: DatabaseToolConf) -> Launch:
    lti_request = library_request()
    return Launch.from_cache(
        launch_id,
        lti_request,
        tool_conf,
        cookie_service=FrameCookieService(lti_request),
        launch_data_storage=DatabaseLaunchStorage(),
        requests_session=http_session(),
    )
