"""Fixtures shared by the quiz tests."""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.giftkit import TOKEN


@pytest.fixture
def teacher_page(client, instructor, make_quiz, csrf_on):
    """The course's owner signed in through the form, and a quiz page's CSRF token."""
    user = instructor
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    quiz = make_quiz()
    page = client.get(f"/teach/quizzes/{quiz.id}").get_data(as_text=True)
    return quiz, TOKEN.search(page).group(1)
