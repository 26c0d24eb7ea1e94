"""Pages shown inside another site's frame (an LMS launching us through LTI), for the
session that began there only.

Such a session remembers the one origin allowed to frame it. Its responses then say
`frame-ancestors <that origin>` (and leave out `X-Frame-Options: DENY`), and its session
cookie is written `SameSite=None; Secure; Partitioned`, so the browser sends it inside the
frame and keeps it in a jar of that LMS's own (CHIPS), apart from the person's first-party
session. Every other session keeps `frame-ancestors 'none'` and today's cookie attributes.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, session
from flask.sessions import SecureCookieSessionInterface

FRAME_ORIGIN = "_frame_origin"


def enter_frame(origin: str) -> None:
    """Let `origin` frame this session's pages from now on."""
    session[FRAME_ORIGIN] = origin


def framing_origin() -> str | None:
    """The origin that may frame this response, if the session began in a frame."""
    if not has_request_context():
        return None
    origin = session.get(FRAME_ORIGIN)
    return origin if isinstance(origin, str) and origin else None


def _cookie_framed() -> bool:
    """Whether the session cookie is (or was, when this request came) a framed one: logging
    out empties the session, and deleting a partitioned cookie needs the same attributes."""
    return framing_origin() is not None or bool(g.get("_framed_session"))


def allow_form_action(origin: str) -> None:
    """Let this response's form post to `origin` (an LMS's deep-linking return)."""
    g.form_action_origin = origin


def form_action_origin() -> str | None:
    return g.get("form_action_origin") if has_request_context() else None


class FramedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, written for a frame when the session began in one."""

    def open_session(self, app: Flask, request):
        opened = super().open_session(app, request)
        if opened is not None and opened.get(FRAME_ORIGIN):
            g._framed_session = opened[FRAME_ORIGIN]
        return opened

    def save_session(self, app: Flask, session, response) -> None:
        # Logging out empties the session; in the frame it stays a framed one, so the page
        # the person lands on still shows inside the LMS.
        origin = g.get("_framed_session")
        if origin and FRAME_ORIGIN not in session:
            session[FRAME_ORIGIN] = origin
        super().save_session(app, session, response)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if _cookie_framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if _cookie_framed() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return True if _cookie_framed() else super().get_cookie_partitioned(app)
