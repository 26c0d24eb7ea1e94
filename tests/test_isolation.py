"""The test database itself: what one test writes, the next never sees."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.extensions import db
from tests.support import database
from tests.support.data import PASSWORD


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.real_commits(reason="looks at the database from outside a rolled-back test")
def test_what_a_rolled_back_test_commits_is_gone_after_it(app, client):
    with database.rolled_back():
        accounts.create_user("kept@example.com", "Kept", PASSWORD)
        db.session.commit()
        response = client.post(
            "/signup",
            data={"display_name": "Ana", "email": "ana@example.com", "password": PASSWORD},
        )
        assert response.status_code == 302
        # The request's session and the test's share one transaction: each sees the other.
        assert users() == 2
        db.session.rollback()  # the app's rollback undoes only what was not yet committed
        assert users() == 2
    assert users() == 0


@pytest.mark.real_commits(reason="proves what a committing test leaves is removed after it")
def test_a_committing_test_leaves_nothing_either(app):
    with database.committed():
        accounts.create_user("kept@example.com", "Kept", PASSWORD)
        db.session.commit()
    assert users() == 0


def test_a_thread_of_a_rolled_back_test_is_told_to_commit_for_real(app):
    failures: list[BaseException] = []

    def read() -> None:
        with app.app_context():
            try:
                users()
            except database.SecondConnection as error:
                failures.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert failures and "real_commits" in str(failures[0])


def test_a_second_connection_of_a_rolled_back_test_is_refused(app):
    with pytest.raises(database.SecondConnection, match="real_commits"):
        db.engine.connect()
    # Told once here; the fixture would also fail the test at its end, so forget it.
    database.forget_strays()
