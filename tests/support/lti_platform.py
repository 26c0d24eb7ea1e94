"""A small LTI 1.3 platform (an LMS) for the tests, built on the specifications with
joserfc, served over real HTTP from a thread: its key set, its OIDC authorisation end point
(which answers with the form post an LMS makes), its OAuth 2 token end point (client
credentials with a signed JWT assertion, RFC 7523), a grade book (AGS scores) that can be
made to fail, a roster (NRPS), and an LMS page that frames the tool.

Sources: LTI 1.3 Core (1EdTech, section 5), LTI Advantage Deep Linking 2.0, Assignment
and Grade Services 2.0, Names and Role Provisioning Services 2.0, 1EdTech Security
Framework 1.0.
"""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, abort, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return key


@dataclass
class Person:
    sub: str
    name: str
    email: str = ""
    roles: tuple[str, ...] = (LEARNER,)


@dataclass
class Platform:
    client_id: str = "coursework-tool"
    deployment_id: str = "deployment-1"
    key: RSAKey = field(default_factory=new_key)
    tool_keys: dict = field(default_factory=dict)  # the tool's JWKS, to check assertions
    scores: list[dict] = field(default_factory=list)
    deep_link_replies: list[dict] = field(default_factory=list)
    roster: list[dict] = field(default_factory=list)
    down: bool = False  # the grade book answers 503
    tool_url: str = ""  # where the tool is served, for the framing page
    base: str = ""
    pending: dict[str, dict] = field(default_factory=dict)  # lti_message_hint -> message

    # ---- messages --------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base

    def context(self) -> dict:
        return {"id": "course-101", "label": "C101", "title": "Onboarding 101"}

    def resource_link(
        self,
        person: Person,
        link_id: str = "link-1",
        custom: dict | None = None,
        lineitem: str | None = None,
    ) -> dict:
        """The claims of an LtiResourceLinkRequest (LTI Core 5.3)."""
        claims = self._common(person, "LtiResourceLinkRequest")
        claims[LTI + "resource_link"] = {"id": link_id, "title": "Coursework"}
        claims[LTI + "target_link_uri"] = self.tool_url + "/lti/launch"
        if custom:
            claims[LTI + "custom"] = custom
        if lineitem:
            claims[AGS] = {
                "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
                "lineitems": f"{self.base}/lineitems",
                "lineitem": lineitem,
            }
        return claims

    def deep_linking(self, person: Person) -> dict:
        claims = self._common(person, "LtiDeepLinkingRequest")
        claims[DL + "deep_linking_settings"] = {
            "deep_link_return_url": f"{self.base}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            "data": "opaque-platform-data",
        }
        claims[LTI + "target_link_uri"] = self.tool_url + "/lti/launch"
        return claims

    def _common(self, person: Person, message_type: str) -> dict:
        claims: dict[str, Any] = {
            "sub": person.sub,
            "name": person.name,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": list(person.roles),
            LTI + "context": self.context(),
            NRPS: {
                "context_memberships_url": f"{self.base}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if person.email:
            claims["email"] = person.email
        return claims

    def id_token(
        self, claims: dict, login_nonce: str, *, key: RSAKey | None = None, **overrides: Any
    ) -> str:
        """Sign a message as the platform does: iss, aud, azp, iat, exp, nonce (Core 5.1)."""
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": login_nonce,
            **claims,
        }
        for name, value in overrides.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        signer = key or self.key
        header = {"alg": "RS256", "kid": signer.kid, "typ": "JWT"}
        return jwt.encode(header, body, signer)

    def registration(self, name: str = "Test LMS"):
        """What a manager enters in Coursework for this platform."""
        from coursework.lti.services import PlatformFields

        return PlatformFields(
            name=name,
            issuer=self.issuer,
            client_id=self.client_id,
            auth_login_url=f"{self.base}/auth",
            access_token_url=f"{self.base}/token",
            key_set_url=f"{self.base}/jwks",
            deployment_ids=(self.deployment_id,),
        )

    def login_parameters(self, hint: str, login_hint: str = "user") -> dict[str, str]:
        """Third-party initiated login (Core 5.1.1 / OIDC 4)."""
        return {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": self.tool_url + "/lti/launch",
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    # ---- the HTTP side ---------------------------------------------------------------

    def wsgi(self) -> Flask:
        app = Flask("lti-test-platform")

        @app.get("/jwks")
        def jwks():
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/auth")
        def authorize():
            """The OIDC authorisation end point: answer with the auto-posting form an LMS
            sends (response_mode=form_post) holding the signed id_token."""
            args = request.args
            if args.get("client_id") != self.client_id or args.get("scope") != "openid":
                abort(400)
            message = self.pending.get(args.get("lti_message_hint", ""))
            if message is None:
                abort(400)
            token = self.id_token(message, args["nonce"])
            target = html.escape(args["redirect_uri"])
            page = (
                "<!doctype html><title>LMS</title><body>"
                f'<form method="post" action="{target}" id="f">'
                f'<input type="hidden" name="id_token" value="{token}">'
                f'<input type="hidden" name="state" value="{html.escape(args["state"])}">'
                "<button>Continue</button></form>"
                "<script>document.getElementById('f').submit()</script></body>"
            )
            return Response(page, mimetype="text/html")

        @app.post("/token")
        def token():
            """Client credentials with a JWT assertion signed by the tool's key."""
            form = request.form
            if form.get("grant_type") != "client_credentials":
                return {"error": "unsupported_grant_type"}, 400
            try:
                claims = jwt.decode(
                    form["client_assertion"], KeySet.import_key_set(self.tool_keys)
                ).claims
            except Exception:
                return {"error": "invalid_client"}, 401
            if claims.get("iss") != self.client_id or claims.get("aud") != f"{self.base}/token":
                return {"error": "invalid_client"}, 401
            return {
                "access_token": "tok-" + uuid.uuid4().hex,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": form.get("scope", ""),
            }

        @app.post("/lineitems/<item>/scores")
        def score(item: str):
            if self.down:
                return {"error": "maintenance"}, 503
            if not request.headers.get("Authorization", "").startswith("Bearer tok-"):
                abort(401)
            if request.content_type != "application/vnd.ims.lis.v1.score+json":
                abort(415)
            self.scores.append({"lineitem": item, **json.loads(request.get_data())})
            return "", 204

        @app.get("/memberships")
        def memberships():
            if not request.headers.get("Authorization", "").startswith("Bearer tok-"):
                abort(401)
            body = {"id": f"{self.base}/memberships", "context": self.context()}
            body["members"] = self.roster
            return Response(
                json.dumps(body),
                mimetype="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            )

        @app.post("/deep-link-return")
        def deep_link_return():
            token = request.form["JWT"]
            claims = jwt.decode(token, KeySet.import_key_set(self.tool_keys)).claims
            self.deep_link_replies.append(claims)
            return Response("<!doctype html><title>LMS</title><p>Content added.</p>")

        @app.get("/course")
        def course_page():
            """An LMS course page that opens the tool in a frame, as LMSs do."""
            hint = request.args["hint"]
            src = self.tool_url + "/lti/login?" + urlencode(self.login_parameters(hint))
            page = (
                "<!doctype html><title>Onboarding 101 - LMS</title>"
                "<h1>Onboarding 101</h1>"
                f'<iframe id="tool" title="Coursework" src="{html.escape(src)}" '
                'width="1000" height="700"></iframe>'
            )
            return Response(page, mimetype="text/html")

        return app


class RunningPlatform:
    """A Platform served on 127.0.0.1 from a thread, until `stop`."""

    def __init__(self, platform: Platform, name: str = "127.0.0.1") -> None:
        """`name` is the host the platform calls itself: "localhost" makes it another
        site than a tool served on 127.0.0.1, as an LMS is."""
        self.platform = platform
        self.server = make_server("127.0.0.1", 0, platform.wsgi(), threaded=True)
        platform.base = f"http://{name}:{self.server.server_port}"
        # Polled every 50 ms (not the default 500), so that stopping it after a test is quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
