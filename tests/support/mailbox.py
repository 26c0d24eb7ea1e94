"""Reading the outbox in tests: what was sent to an address, and the link in it."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from coursework.extensions import db
from coursework.mail import OutboxMessage
from tests.support.data import PASSWORD


def mail_to(address: str) -> list[OutboxMessage]:
    """Every message to this address, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)
        )
    )


def last_link(address: str) -> str:
    """The path (and query) of the link in the latest message to this address."""
    messages = mail_to(address)
    assert messages, f"no mail to {address}"
    parts = urlsplit(messages[-1].link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_up(client, email="ana@example.com", name="Ana Lima", password=PASSWORD, **extra):
    return client.post(
        "/signup", data={"display_name": name, "email": email, "password": password, **extra}
    )


def sign_up_and_verify(client, email="ana@example.com", name="Ana Lima", password=PASSWORD):
    """A new account as a person makes one: sign up, open the emailed link, log in."""
    assert sign_up(client, email, name, password).status_code == 302
    assert client.get(last_link(email)).status_code == 200
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
