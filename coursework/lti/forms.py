"""The registration form. It checks lengths (read from the columns); the rules (addresses,
deployments, duplicates) are the services'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from coursework.accounts.forms import strip
from coursework.i18n import lazy_gettext
from coursework.lengths import form_length
from coursework.lti.models import Platform
from coursework.lti.services import PLATFORM_COLUMNS, PlatformFields


def _text(label: str, column, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        filters=[strip],
        validators=[form_length(column)],
    )


class PlatformForm(FlaskForm):
    name = _text(
        lazy_gettext("Name"),
        Platform.name,
        lazy_gettext("What your people call the LMS, such as “Moodle”."),
    )
    issuer = _text(
        lazy_gettext("Platform issuer (iss)"),
        Platform.issuer,
        lazy_gettext("The LMS's issuer identifier, an https address."),
    )
    client_id = _text(
        lazy_gettext("Client id"),
        Platform.client_id,
        lazy_gettext("The id the LMS gave this tool."),
    )
    deployment_ids = TextAreaField(
        lazy_gettext("Deployment ids"),
        description=lazy_gettext("One a line: each place the LMS installed the tool."),
        validators=[Length(max=20_000, message=lazy_gettext("The list is too long."))],
    )
    auth_login_url = _text(
        lazy_gettext("Authentication request URL"),
        Platform.auth_login_url,
        lazy_gettext("The LMS's OIDC authorisation endpoint."),
    )
    access_token_url = _text(
        lazy_gettext("Access token URL"),
        Platform.access_token_url,
        lazy_gettext("Used to send grades and read rosters."),
    )
    key_set_url = _text(
        lazy_gettext("Public key set URL"),
        Platform.key_set_url,
        lazy_gettext("The LMS's JWKS address."),
    )
    frame_origin = _text(
        lazy_gettext("LMS address (optional)"),
        Platform.frame_origin,
        lazy_gettext(
            "The address your people open the LMS at, if not the authentication request "
            "URL's site. Only it may show Coursework in a frame."
        ),
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
