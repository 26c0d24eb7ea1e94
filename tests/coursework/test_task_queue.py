"""The task queue and the mail sent through it: after commit only, once, through a real
SMTP server (aiosmtpd), with failures kept for an admin to retry; and a real consumer
against Redis."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from huey.storage import RedisStorage
from sqlalchemy import select

from coursework import mail, tasks
from coursework.extensions import db
from coursework.tasks import FailedJob

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLOSED_PORT_URL = "smtp://127.0.0.1:1"  # nothing listens on port 1


class Inbox:
    """What a real SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch) -> Iterator[Inbox]:
    received = Inbox()
    port = _free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    yield received
    controller.stop()


def outbox() -> list[mail.OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(mail.OutboxMessage).order_by(mail.OutboxMessage.id)))


def test_mail_goes_out_only_after_commit_as_text_and_html(inbox):
    message = mail.send(
        "kim@example.com",
        "Welcome",
        "Hello Kim,\n\nOpen this:\nhttps://example.com/x?a=1&b=2\n",
        link="https://example.com/x?a=1&b=2",
    )
    assert message.state == mail.QUEUED
    db.session.flush()
    assert inbox.messages == []  # not while the transaction is open
    db.session.commit()
    (received,) = inbox.messages
    assert received["To"] == "kim@example.com" and received["Subject"] == "Welcome"
    assert "List-Unsubscribe" not in received  # a message the person asked for
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = received.get_body(("html",)).get_content()
    assert "Open this:\nhttps://example.com/x?a=1&b=2" in text
    assert '<a href="https://example.com/x?a=1&amp;b=2">' in html and "Hello Kim," in html
    (kept,) = outbox()
    assert kept.state == mail.SENT and kept.sent_at is not None and kept.error == ""


def test_no_mail_for_rolled_back_work(inbox):
    mail.send("kim@example.com", "Welcome", "Hello")
    db.session.flush()
    db.session.rollback()
    # A later, unrelated commit must not send what was rolled back either.
    mail.send("lee@example.com", "Other", "Hello")
    db.session.commit()
    assert [m["To"] for m in inbox.messages] == ["lee@example.com"]
    assert [m.to for m in outbox()] == ["lee@example.com"]


def test_a_retried_job_sends_once(inbox):
    message = mail.send("kim@example.com", "Welcome", "Hello")
    db.session.commit()
    # The consumer died before acknowledging, or an admin ran it again: the same job twice.
    mail.deliver(message.id)
    mail.deliver(message.id)
    assert len(inbox.messages) == 1
    assert outbox()[0].state == mail.SENT


def test_without_a_mail_server_messages_stay_in_the_outbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    mail.send("kim@example.com", "Welcome", "Hello")
    db.session.commit()
    (kept,) = outbox()
    assert kept.state == mail.OUTBOX and kept.sent_at is None and "Hello" in kept.html


def test_notifications_carry_list_unsubscribe(inbox):
    mail.send(
        "kim@example.com",
        "Due in 7 days",
        "Hello",
        unsubscribe_url="https://example.com/preferences/unsubscribe/abc",
    )
    db.session.commit()
    (received,) = inbox.messages
    assert received["List-Unsubscribe"] == "<https://example.com/preferences/unsubscribe/abc>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_refused_message_is_retried_with_growing_delays(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", CLOSED_PORT_URL)
    message = mail.send("kim@example.com", "Welcome", "Hello")
    db.session.commit()
    kept = outbox()[0]
    assert kept.state == mail.FAILED and kept.error
    delays = []
    for left in (5, 4, 3, 2, 1):
        task = mail.deliver.s(message.id)
        task.retries = left
        tasks.huey.execute(task)
        delays.append(task.retry_delay)
    assert delays == [30, 60, 120, 240, 480]
    assert db.session.scalars(select(FailedJob)).all() == []  # attempts were left each time


def _fail_for_good(message_id: int) -> None:
    task = mail.deliver.s(message_id)
    task.retries = 0  # the last attempt
    tasks.huey.execute(task)


def test_the_last_failure_is_listed_for_admins_who_can_run_it_again(
    app, client, make_user, login, monkeypatch, inbox
):
    sent_to = app.config["MAIL_URL"]
    monkeypatch.setitem(app.config, "MAIL_URL", CLOSED_PORT_URL)
    message = mail.send("kim@example.com", "Welcome", "Hello")
    db.session.commit()
    _fail_for_good(message.id)
    (failed,) = db.session.scalars(select(FailedJob)).all()
    assert failed.name == "coursework.mail.deliver" and failed.arguments == f"[{message.id}]"
    assert failed.error

    admin = make_user(email="admin@example.com", is_admin=True)
    login(client, admin)
    # CSRF on from here (as the `csrf_on` fixture does; signing in posts without a token).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "coursework.mail.deliver" in page and failed.error in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    # Without the token the retry is refused.
    assert client.post(f"/admin/jobs/{failed.id}/retry").status_code == 400
    assert client.post("/admin/jobs/999999/retry", data={"csrf_token": token}).status_code == 404

    monkeypatch.setitem(app.config, "MAIL_URL", sent_to)  # the server is back
    response = client.post(f"/admin/jobs/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert len(inbox.messages) == 1 and outbox()[0].state == mail.SENT
    # Running it again sends nothing more.
    client.post(f"/admin/jobs/{failed.id}/retry", data={"csrf_token": token})
    assert len(inbox.messages) == 1
    db.session.expire_all()
    assert db.session.get(FailedJob, failed.id).retried_at is not None


def test_only_admins_see_failed_jobs(client, make_user, login):
    assert client.get("/admin/jobs").status_code in (302, 401)
    login(client, make_user(email="learner@example.com"))
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/1/retry").status_code == 403


def _redis_answers() -> bool:
    from coursework.app import redis_answers

    return redis_answers(REDIS_URL)


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis at " + REDIS_URL)
@pytest.mark.real_commits(reason="a consumer process reads what the test committed")
def test_a_real_consumer_on_redis_sends_the_mail(app, inbox, tmp_path, monkeypatch):
    """`make worker` as it runs in production: a separate consumer process on Redis."""
    name = f"coursework-test-{secrets.token_hex(4)}"
    storage = RedisStorage(name, url=REDIS_URL)
    monkeypatch.setitem(app.extensions, tasks.EXTENSION, storage)
    env = {
        **os.environ,
        "COURSEWORK_ENV": "development",
        "COURSEWORK_INSTANCE": str(tmp_path),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "QUEUE_NAME": name,
        "MAIL_URL": app.config["MAIL_URL"],
    }
    consumer = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "coursework.worker.huey", "-w", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        mail.send("kim@example.com", "Welcome", "Hello")
        db.session.rollback()  # never sent, never queued
        message = mail.send("lee@example.com", "Welcome", "Hello")
        db.session.commit()
        deadline = time.monotonic() + 30
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # room for a second (wrong) message to arrive
        assert [m["To"] for m in inbox.messages] == ["lee@example.com"]
        db.session.expire_all()
        assert db.session.get(mail.OutboxMessage, message.id).state == mail.SENT
    finally:
        consumer.terminate()
        output = consumer.communicate(timeout=10)[0].decode()
        storage.flush_all()
        monkeypatch.undo()
        tasks.activate(app)  # jobs at once again, for the tests that follow
    assert "coursework.mail.deliver" in output
