"""Who may use each route: declared once per view, enforced in one place.

A view says `@access("learner")`; `enforce_access` runs before every request and answers
401/403 (or sends a browser to the sign-in page). `check_every_route_has_a_policy` runs in
`create_app`, so an undeclared route stops the app from starting rather than being open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

Policy = Literal["public", "learner", "manager", "instructor", "admin"]
POLICIES: tuple[Policy, ...] = ("public", "learner", "manager", "instructor", "admin")
# "manager": a signed-in person (the view then finds the organisation among those they
# manage) or, under /api/, a bearer token checked by the authenticator that the
# organisations package registers here (the platform does not import it).
TOKEN_AUTHENTICATOR = "coursework.token_authenticator"
ATTRIBUTE = "access_policy"
CSRF_EXEMPT = "csrf_exempt"

# Endpoints that extensions register for us, and the policy they get.
EXTENSION_ENDPOINTS: dict[str, Policy] = {
    "static": "public",
    "api-docs.openapi_json": "public",
}

F = TypeVar("F", bound=Callable)


def access(policy: Policy) -> Callable[[F], F]:
    """Declare who may use a view function, a MethodView class or one of its methods."""
    if policy not in POLICIES:
        raise ValueError(f"unknown access policy {policy!r}")

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, policy)
        return view

    return mark


def csrf_exempt(view: F) -> F:
    """Let a public view take unsafe requests without a CSRF token. Only for views that
    neither read the session nor change anything (a forged request then gains nothing),
    such as checking a credential; `check_every_route_has_a_policy` refuses it elsewhere."""
    setattr(view, CSRF_EXEMPT, True)
    return view


def _marked(app: Flask, endpoint: str, method: str | None, attribute: str):
    """An attribute set on a view function, a MethodView class or the method's handler."""
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is not None and method:
        handler = getattr(view_class, method.lower(), None)
        if handler is not None and hasattr(handler, attribute):
            return getattr(handler, attribute)
    return getattr(view, attribute, None) or getattr(view_class, attribute, None)


def policy_of(app: Flask, endpoint: str, method: str | None = None) -> Policy | None:
    if endpoint in EXTENSION_ENDPOINTS:
        return EXTENSION_ENDPOINTS[endpoint]
    return _marked(app, endpoint, method, ATTRIBUTE)


def is_csrf_exempt(app: Flask, endpoint: str, method: str) -> bool:
    return endpoint not in EXTENSION_ENDPOINTS and bool(_marked(app, endpoint, method, CSRF_EXEMPT))


def undeclared_routes(app: Flask) -> list[str]:
    """Every (endpoint, method) pair of the URL map that has no policy, or that is exempt
    from CSRF checks without being public."""
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            policy = policy_of(app, rule.endpoint, method)
            if policy is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
            elif policy != "public" and is_csrf_exempt(app, rule.endpoint, method):
                missing.append(f"{method} {rule.rule} ({rule.endpoint}): CSRF-exempt, not public")
    return missing


def check_every_route_has_a_policy(app: Flask) -> None:
    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError("routes without an access policy: " + "; ".join(missing))


def enforce_access():
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    policy = policy_of(current_app, request.endpoint, request.method)
    if policy == "public":
        return None
    if policy == "manager" and bearer_token() is not None:
        authenticate = current_app.extensions.get(TOKEN_AUTHENTICATOR)
        if authenticate is None or not authenticate(bearer_token()):
            abort(401)
        g.authenticated_by_token = True
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if policy == "instructor" and not (current_user.is_instructor or current_user.is_admin):
        abort(403)
    if policy == "admin" and not current_user.is_admin:
        abort(403)
    return None


def authenticated_by_token() -> bool:
    """Whether an API token (not the session cookie) authenticated this request."""
    return bool(g.get("authenticated_by_token"))


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header on an API request, if any."""
    header = request.headers.get("Authorization", "")
    if request.path.startswith("/api/") and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None
