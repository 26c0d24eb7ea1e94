"""The JSON API keeps the promises of its OpenAPI document.

- Who may call each operation is documented from its `@access` policy (security schemes,
  and the 401/403 answers that policy can give), so the document cannot drift from it.
- `X-Pagination` is documented as what it is: JSON in a header; text as free of NUL
  characters, and the keys of objects by their own fields, as the server enforces them.
- An operation that documents a required JSON body refuses a request without one (flask-
  smorest would otherwise read a missing or non-JSON body as `{}`, and a PATCH of nothing
  would answer 200).
"""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask, current_app, request
from flask_smorest import Api, abort
from flask_smorest.pagination import PaginationMetadataSchema

from coursework.i18n import _
from coursework.policy import policy_of

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An organisation's API token (`cw_…`), for /organisations/ operations.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The signed-in session of the web site.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "With the session cookie, every change also sends the page's CSRF token.",
    },
}
SAFE_METHODS = ("get", "head", "options")
NO_NUL_PATTERN = "^[^\\u0000]*$"
BODY_METHODS = ("POST", "PUT", "PATCH")


def security_for(policy: str, method: str) -> list[dict]:
    """The OpenAPI security requirement (alternatives) of a policy and method."""
    if policy == "public":
        return []
    session = {"cookieAuth": []} if method in SAFE_METHODS else {"cookieAuth": [], "csrfToken": []}
    return [{"bearerAuth": []}, session] if policy == "manager" else [session]


class AccessPolicyPlugin(BasePlugin):
    """Documents each operation's security and its 401/403 answers from its policy."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        for name, scheme in SECURITY_SCHEMES.items():
            spec.components.security_scheme(name, scheme)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for method, operation in operations.items():
            policy = policy_of(self.app, rule.endpoint, method)
            if policy is None:
                continue
            operation["security"] = security_for(policy, method)
            if policy != "public":
                responses = operation.setdefault("responses", {})
                responses.setdefault("401", "UNAUTHORIZED")
                responses.setdefault("403", "FORBIDDEN")


def text_without_nul(self, field, ret, **kwargs) -> dict:
    """Every text field says what `refuse_nul_characters` enforces: no NUL characters
    (PostgreSQL cannot store them). A field with a pattern of its own keeps it."""
    if ret.get("type") == "string" and "pattern" not in ret and "format" not in ret:
        return {"pattern": NO_NUL_PATTERN}
    return {}


def object_keys(self, field, ret, **kwargs) -> dict:
    """A dict field's keys are described like its values are: by their own field
    (`propertyNames`); and its Length is a number of keys (apispec writes maxLength)."""
    if ret.get("type") != "object" or not hasattr(field, "key_field"):
        return {}
    extra = {}
    for length, count in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
        if length in ret:
            extra[count] = ret.pop(length)
    if field.key_field is not None:
        names = self.field2property(field.key_field)
        names.pop("description", None)
        extra["propertyNames"] = names
    return extra


class DocumentedApi(Api):
    def _init_spec(self, *args, **kwargs) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(text_without_nul)
        self.ma_plugin.converter.add_attribute_function(object_keys)

    def _register_pagination_header(self) -> None:
        # Sent as JSON: an OpenAPI header "schema" would mean style=simple (a,b,c), which
        # is not what clients receive.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON.",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


def documented_json_body(app: Flask, endpoint: str, method: str) -> bool:
    """Whether the view reads a required JSON body (flask-smorest's `@blp.arguments`)."""
    view = app.view_functions[endpoint]
    handler = getattr(getattr(view, "view_class", None), method.lower(), view)
    parameters = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "json" and p.get("required", True) for p in parameters)


def require_json_body():
    """Refuse a write whose operation expects a JSON body but that sent none, or sent
    another media type: 422 in the shape of any other body error."""
    if (
        request.method not in BODY_METHODS
        or request.endpoint is None
        or not request.path.startswith("/api/")
        or not documented_json_body(current_app, request.endpoint, request.method)
    ):
        return
    if not request.is_json:
        problem = _("Send the body as JSON (Content-Type: application/json).")
    elif not request.get_data(cache=True).strip():
        problem = _("This operation needs a JSON body.")
    else:
        return
    abort(422, messages={"json": {"_schema": [problem]}}, message=problem)
