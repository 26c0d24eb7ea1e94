"""Security headers on every response, set in one `after_request`.

One small hook rather than Flask-Talisman: Talisman's last release is from 2023, it would
also force HTTPS redirects and cookie flags that `config.py` already owns, and it has no
notion of "signed in" for `Cache-Control`. What we send is the list below.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session

from coursework.frames import form_action_origin, framing_origin
from coursework.policy import authenticated_by_token

# No inline script or style anywhere: every page loads its CSS and JavaScript from /static.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Addresses can carry certificate codes; other sites never see them.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
PRIVATE_API_PREFIX = "/api/v1/me/"


def is_private_response() -> bool:
    """Whether the response may hold someone's own data, so no cache may keep it: anything
    answered to a signed-in session or an API token, and everything under /api/v1/me/."""
    if request.endpoint == "static":
        return False
    return (
        request.path.startswith(PRIVATE_API_PREFIX)
        or session.get("_user_id") is not None
        or authenticated_by_token()
    )


def content_security_policy() -> str:
    """Images come from the app itself, plus any hosts lessons may show images from. A
    session that began in an LMS frame may be framed by that LMS alone (`coursework.frames`),
    and a page returning a choice to it may post its form there."""
    policy = CONTENT_SECURITY_POLICY
    if origin := framing_origin():
        policy = policy.replace("frame-ancestors 'none'", f"frame-ancestors {origin}")
    if origin := form_action_origin():
        policy = policy.replace("form-action 'self'", f"form-action 'self' {origin}")
    hosts = current_app.config.get("LESSON_IMAGE_HOSTS") or ()
    if not hosts:
        return policy
    return policy + "; img-src 'self' " + " ".join(f"https://{h}" for h in hosts)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    framed = framing_origin() is not None
    for name, value in HEADERS.items():
        if not (framed and name == "X-Frame-Options"):  # DENY would override the CSP
            response.headers.setdefault(name, value)
    hsts = current_app.config.get("STRICT_TRANSPORT_SECURITY")
    if hsts:
        response.headers["Strict-Transport-Security"] = hsts
    if is_private_response():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
