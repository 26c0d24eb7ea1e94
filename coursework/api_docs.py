"""Readable API documentation at /api/docs, rendered on the server from the OpenAPI
document, so it needs neither JavaScript nor a CDN."""

from __future__ import annotations

from flask import Blueprint, render_template
from markupsafe import Markup

from coursework.extensions import api
from coursework.i18n import _
from coursework.policy import access
from lessons.rendering import render_markdown

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items'))}"
    return schema.get("type", "")


def _who_may_call(security: list[dict] | None) -> str:
    """The operation's OpenAPI security requirement, in words."""
    if not security:
        return _("Anyone; no sign-in needed.")
    ways = []
    for requirement in security:
        if "bearerAuth" in requirement:
            ways.append("an organisation API token (Authorization: Bearer …)")
        elif "csrfToken" in requirement:
            ways.append("a signed-in session, with the CSRF token in X-CSRFToken")
        else:
            ways.append("a signed-in session")
    return "With " + " or ".join(ways) + "."


def _markdown(text: str | None) -> Markup:
    """OpenAPI descriptions are CommonMark; rendered (and sanitised) like a lesson, so
    `code` and *emphasis* read as such instead of as punctuation."""
    return Markup(render_markdown(text)) if text else Markup("")


@bp.get("/api/docs")
@access("public")
def docs():
    spec = api.spec.to_dict()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                {**parameter, "description": _markdown(parameter.get("description"))}
                for parameter in item.get("parameters", []) + operation.get("parameters", [])
            ]
            responses = [
                (
                    code,
                    _markdown(response.get("description")),
                    _schema_name(
                        response.get("content", {}).get("application/json", {}).get("schema")
                    ),
                )
                for code, response in sorted(operation.get("responses", {}).items())
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": _markdown(operation.get("summary")),
                    "description": _markdown(operation.get("description")),
                    "tags": operation.get("tags", []),
                    "parameters": parameters,
                    "responses": responses,
                    "who": _who_may_call(operation.get("security")),
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api_docs.html",
        spec=spec,
        operations=operations,
        schemas=schemas,
        schema_name=_schema_name,
        markdown=_markdown,
    )
