"""The registration form. It checks lengths (read from the columns); the rules (addresses,
deployments, duplicates) are the services'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from coursework.accounts.forms import strip
from coursework.i18n import _, lazy_gettext
from coursework.lengths import form_length
from coursework.lti.models import Platform
from coursework.lti.services import PLATFORM_COLUMNS, PlatformFields


def _text(label: str, column, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        filters=[strip],
        validators=[form_length(column, _("Use at most {limit:,} characters."))],
    )


class PlatformForm(FlaskForm):
    name = _text("Name", Platform.name, "What your people call the LMS, such as “Moodle”.")
    issuer = _text(
        "Platform issuer (iss)", Platform.issuer, "The LMS's issuer identifier, an https address."
    )
    client_id = _text("Client id", Platform.client_id, "The id the LMS gave this tool.")
    deployment_ids = TextAreaField(
        lazy_gettext("Deployment ids"),
        description=lazy_gettext("One a line: each place the LMS installed the tool."),
        validators=[Length(max=20_000, message=lazy_gettext("The list is too long."))],
    )
    auth_login_url = _text(
        "Authentication request URL",
        Platform.auth_login_url,
        "The LMS's OIDC authorisation endpoint.",
    )
    access_token_url = _text(
        "Access token URL", Platform.access_token_url, "Used to send grades and read rosters."
    )
    key_set_url = _text("Public key set URL", Platform.key_set_url, "The LMS's JWKS address.")
    frame_origin = _text(
        "LMS address (optional)",
        Platform.frame_origin,
        "The address your people open the LMS at, if not the authentication request URL's "
        "site. Only it may show Coursework in a frame.",
    )

    def fields(self) -> PlatformFields:
        return PlatformFields(
            **{name: getattr(self, name).data or "" for name in PLATFORM_COLUMNS},
            deployment_ids=tuple((self.deployment_ids.data or "").splitlines()),
        )

    def fill(self, platform: Platform) -> None:
        for name in PLATFORM_COLUMNS:
            getattr(self, name).data = getattr(platform, name)
        self.deployment_ids.data = "\n".join(d.deployment_id for d in platform.deployments)
