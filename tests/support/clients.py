"""Test clients that behave like browsers, and signing in through them."""

from __future__ import annotations

import re

from flask import has_app_context
from flask.testing import FlaskClient

from coursework.extensions import db
from tests.support import database
from tests.support.data import PASSWORD

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class RequestContextClient(FlaskClient):
    """Each request runs in an app context of its own, as in production, so nothing the
    test holds (its database session, Flask-Login's cached user in `g`) leaks into it."""

    def open(self, *args, **kwargs):
        # Services flush and a request commits once; what the test itself did through
        # services (outside any request) is its own unit of work, which ends here (a
        # savepoint released, in a test rolled back at its end).
        if has_app_context():
            db.session.commit()
            if database.joined():
                # Open the test's next savepoint now, so that it encloses the request's: a
                # streamed answer (a CSV) rolls its own back only when the test has read
                # it, which would otherwise destroy a savepoint the test opened meanwhile.
                db.session.connection()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context() and database.joined() and "Content-Length" in response.headers:
            # What the request committed is the test's past, as in production: release the
            # savepoint that enclosed it, so a rollback by the test undoes only its own work.
            # (A streamed answer, which has no length, is still running its transaction.)
            db.session.commit()
        return response


def fresh_client(app, **cookies: str) -> RequestContextClient:
    """Another browser that holds only the given cookies (as a thief would)."""
    app.test_client_class = RequestContextClient
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def sign_in(client, user, remember: bool = False, password: str = PASSWORD):
    """Post the log-in form (without its CSRF token); returns the response."""
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def signed_in(client) -> bool:
    return client.get("/my-learning").status_code == 200


def csrf_token_of(page: str) -> str:
    """The CSRF token of the (first) form on a page."""
    return CSRF_TOKEN.search(page).group(1)


def page_token(client, url: str = "/login") -> str:
    """The CSRF token of the first form on the page at `url`."""
    return csrf_token_of(client.get(url).get_data(as_text=True))


def sign_in_by_form(client, user) -> str:
    """Sign in through the form with CSRF on, then return the signed-in session's token."""
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": page_token(client)}
    )
    assert response.status_code == 302
    return page_token(client, "/my-learning")
