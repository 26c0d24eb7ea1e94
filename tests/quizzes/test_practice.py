"""Spaced practice through the pages: a missed question enters the deck, comes back when it
is due, leaves once remembered; practice never changes a grade, never shows an answer key
the quiz withholds, and is nobody else's business."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from coursework import timezones
from coursework.extensions import db
from quizzes import services as quizzes
from quizzes.models import ReviewShows, ReviewWhen
from quizzes.practice import services as practice
from quizzes.practice.models import PracticeCard, PracticeReview
from quizzes.spec import Kind, Question
from tests.support.practicekit import QUESTIONS, form_for, take

DAY = date(2026, 12, 1)


@pytest.fixture
def clock(monkeypatch):
    """The practice day, moved by hand."""
    now = {"day": DAY}
    monkeypatch.setattr(practice, "today", lambda user_id=None: now["day"])
    return now


def practise(client, right: bool):
    page = client.get("/practice")
    assert page.status_code == 200
    card = db.session.scalars(select(PracticeCard)).one()
    db.session.refresh(card)
    q = practice._shown(card, card.layout)
    answered = client.post(f"/practice/{card.id}", data=form_for(q, right))
    assert answered.status_code == 303
    return client.get(answered.headers["Location"])


def test_a_missed_question_comes_back_when_due_and_leaves_once_remembered(
    client, login, make_user, make_quiz, clock
):
    learner = make_user()
    quiz = make_quiz(questions=QUESTIONS, review_when=ReviewWhen.IMMEDIATELY.value)
    with_clock = clock
    attempt = take(learner, quiz, right={1})
    percent = attempt.percent
    [card] = db.session.scalars(select(PracticeCard)).all()
    assert card.user_id == learner.id and card.due_on == DAY + timedelta(days=1)

    login(client, learner)
    assert "1 question is in your practice deck" in client.get("/practice").get_data(True)
    assert "to practise today" not in client.get("/my-learning").get_data(True)

    with_clock["day"] = DAY + timedelta(days=1)
    assert "1 question to practise today" in client.get("/my-learning").get_data(True)
    wrong = practise(client, right=False).get_data(as_text=True)
    assert "Not right this time" in wrong and "2 December 2026" not in wrong
    assert "3 December 2026" in wrong  # a miss comes back the next day
    assert "Agreeing dates with the client is the generalist" in wrong  # the feedback

    days = []
    while True:
        db.session.refresh(card)
        with_clock["day"] = card.due_on
        days.append(with_clock["day"])
        body = practise(client, right=True).get_data(as_text=True)
        if "Remembered" in body:
            break
        assert len(days) < 5
    assert [(d - days[0]).days for d in days] == [0, 1, 7]  # gaps of 1 then 6 days
    db.session.refresh(card)
    assert card.remembered_at is not None

    # The learner's own data holds the deck and every practice answer.
    exported = client.get("/account/data").get_json(force=True)
    [deck] = exported["practice"]
    assert deck["quiz"] == quiz.title and len(deck["answers"]) == 4
    assert deck["remembered_at"] is not None

    # Gone from the deck; the quiz's grade never moved.
    with_clock["day"] += timedelta(days=60)
    assert "Your practice deck is empty" in client.get("/practice").get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.percent == percent
    assert db.session.scalar(select(db.func.count()).select_from(PracticeReview)) == 4


def test_missing_it_again_in_a_quiz_starts_the_card_again(make_user, make_quiz):
    learner = make_user()
    quiz = make_quiz(questions=QUESTIONS)
    take(learner, quiz, right={1})
    card = db.session.scalars(select(PracticeCard)).one()
    card.repetitions, card.remembered_at = 2, None
    db.session.commit()
    take(learner, quiz, right={1})
    db.session.refresh(card)
    assert (
        card.repetitions == 0
        and db.session.scalar(select(db.func.count()).select_from(PracticeCard)) == 1
    )
    take(learner, quiz, right={0, 1})  # all right: nothing new enters
    assert db.session.scalar(select(db.func.count()).select_from(PracticeCard)) == 1


def test_practice_waits_while_the_quiz_withholds_its_marking(
    client, login, make_user, make_quiz, clock
):
    learner = make_user()
    quiz = make_quiz(
        questions=QUESTIONS,
        review_when=ReviewWhen.AFTER_PASSING.value,
        review_shows=ReviewShows.FEEDBACK.value,
    )
    take(learner, quiz, right={1})  # 50%: not passed, so the quiz shows the score only
    card = db.session.scalars(select(PracticeCard)).one()
    clock["day"] = card.due_on
    login(client, learner)
    # Practising now would tell right from wrong, which the quiz keeps back until a pass.
    page = client.get("/practice").get_data(as_text=True)
    assert "Nothing to practise today" in page and "Which role agrees" not in page
    assert practice.due_today(learner.id, card.due_on) == 0
    q = practice._shown(card, {})  # the authored order: the card was never served
    refused = client.post(f"/practice/{card.id}", data=form_for(q, right=True))
    assert refused.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(PracticeReview)) == 0

    take(learner, quiz, right={0, 1})  # passed: the quiz now shows everything
    db.session.refresh(card)
    clock["day"] = card.due_on
    body = practise(client, right=False).get_data(as_text=True)
    assert "Not right this time" in body and "Dates are theirs to agree" not in body
    assert "Agreeing dates with the client is the generalist" in body


def test_nobody_else_sees_or_answers_a_card(client, login, make_user, make_quiz, clock):
    owner, other = make_user(), make_user()
    quiz = make_quiz(questions=QUESTIONS)
    take(owner, quiz, right={1})
    card = db.session.scalars(select(PracticeCard)).one()
    clock["day"] = card.due_on
    q = practice.serve(card)
    review = practice.answer(card, form_for(q, right=False), card.due_on)

    login(client, other)
    assert client.post(f"/practice/{card.id}", data=form_for(q, True)).status_code == 404
    assert client.get(f"/practice/answers/{review.id}").status_code == 404
    assert "Your practice deck is empty" in client.get("/practice").get_data(as_text=True)
    client.post("/logout")
    anonymous = client.get("/practice")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_blank_and_repeated_answers(client, login, make_user, make_quiz, clock):
    learner = make_user()
    quiz = make_quiz(questions=QUESTIONS)
    take(learner, quiz, right={1})
    card = db.session.scalars(select(PracticeCard)).one()
    clock["day"] = card.due_on
    login(client, learner)
    client.get("/practice")
    blank = client.post(f"/practice/{card.id}", data={})
    assert blank.status_code == 422 and "Answer the question first." in blank.get_data(True)
    db.session.refresh(card)
    q = practice._shown(card, card.layout)
    first = client.post(f"/practice/{card.id}", data=form_for(q, right=True))
    again = client.post(f"/practice/{card.id}", data=form_for(q, right=True))
    assert first.status_code == 303 and again.status_code == 302
    assert "already answered" in client.get("/practice").get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(PracticeReview)) == 1


def test_the_form_needs_its_csrf_token(client, login, make_user, make_quiz, clock, csrf_on):
    learner = make_user()
    quiz = make_quiz(questions=QUESTIONS)
    take(learner, quiz, right={1})
    card = db.session.scalars(select(PracticeCard)).one()
    clock["day"] = card.due_on
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login",
        data={"email": learner.email, "password": "correct horse battery", "csrf_token": token},
    )
    page = client.get("/practice").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    db.session.refresh(card)
    q = practice._shown(card, card.layout)
    assert client.post(f"/practice/{card.id}", data=form_for(q, True)).status_code == 400
    values = form_for(q, True)
    values.add("csrf_token", token)
    assert client.post(f"/practice/{card.id}", data=values).status_code == 303


def test_a_daily_session_is_short(make_user, make_quiz, clock):
    learner = make_user()
    many = tuple(
        Question(Kind.TRUE_FALSE, f"Statement number {n} is true.", answer=True)
        for n in range(practice.SESSION_SIZE + 3)
    )
    take(learner, make_quiz(questions=many), right=set())
    day = db.session.scalars(select(PracticeCard.due_on)).first()
    clock["day"] = day
    assert practice.due_today(learner.id, day) == practice.SESSION_SIZE
    for _ in range(practice.SESSION_SIZE):
        card = practice.next_card(learner.id, day)
        q = practice.serve(card)
        practice.answer(card, form_for(q, right=True), day)
    assert practice.next_card(learner.id, day) is None
    assert practice.due_today(learner.id, day) == 0
    # The next day the three left wait beside the ten answered today; the session is full.
    assert practice.due_today(learner.id, day + timedelta(days=1)) == practice.SESSION_SIZE


def test_a_right_answer_given_unsure_enters_the_deck(client, login, make_user, make_quiz, clock):
    learner = make_user()
    quiz = make_quiz(questions=QUESTIONS)
    login(client, learner)
    attempt = quizzes.start_attempt(learner, quiz)
    shown = sorted(quizzes.shown_questions(attempt), key=lambda q: q.key)
    values = MultiDict()
    for q, said in zip(shown, ("unsure", "sure"), strict=True):
        for key, value in form_for(q, right=True).items(multi=True):
            values.add(key, value)
        values.add(f"{q.name}-sure", said)
    # The autosave keeps the answer to "How sure are you?"; the page shows it back.
    assert client.post(f"/attempts/{attempt.id}/answers", data=values).status_code == 200
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert f'name="{shown[0].name}-sure" value="unsure" checked' in page
    assert f'name="{shown[1].name}-sure" value="sure" checked' in page
    values.add("action", "submit")
    assert client.post(f"/attempts/{attempt.id}", data=values).status_code == 302
    db.session.refresh(attempt)
    assert attempt.percent == 100  # unsure is still right
    [card] = db.session.scalars(select(PracticeCard)).all()
    assert card.question_key == shown[0].key

    # Right and sure in practice is SM-2's quality 5.
    clock["day"] = card.due_on
    q = practice.serve(card)
    values = form_for(q, right=True)
    values.add(f"{q.name}-sure", "sure")
    assert practice.answer(card, values, card.due_on).quality == 5


def test_the_practice_day_is_the_learners_own(make_user, monkeypatch):
    from datetime import UTC, datetime

    late_evening_utc = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    # The one clock every "today" reads (coursework.timezones.today).
    monkeypatch.setattr(timezones, "utcnow", lambda: late_evening_utc)
    auckland = make_user()
    auckland.time_zone = "Pacific/Auckland"  # already 2 December there
    db.session.commit()
    assert practice.today(auckland.id) == date(2026, 12, 2)
    assert practice.today() == date(2026, 12, 1)
