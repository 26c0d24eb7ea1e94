"""The manager's "Questions people miss" page: from quizzes and practice, most missed first,
no figures for questions answered by fewer than five people, and only for its managers."""

from __future__ import annotations

from sqlalchemy import select

from coursework.extensions import db
from coursework.organisations import services
from quizzes.practice import services as practice
from quizzes.practice.models import PracticeCard
from quizzes.spec import Kind, Question
from tests.support.orgkit import join
from tests.support.practicekit import form_for, take

HARD = Question(Kind.TRUE_FALSE, "Agreeing dates with the client is technical work.", answer=False)
EASY = Question(Kind.TRUE_FALSE, "A project needs a plan.", answer=True)
RARE = Question(Kind.TRUE_FALSE, "Only two people were asked this.", answer=True)


def test_most_missed_first_and_small_groups_withheld(client, login, make_user, make_quiz, course):
    boss = make_user(name="Boss")
    acme = services.create_organisation("Acme", boss)
    services.assign(acme, course.id, boss)
    quiz = make_quiz(questions=(HARD, EASY))
    rare = make_quiz(questions=(RARE,), lesson_slug=None, title="Rare")
    people = [make_user(name=f"P{n}") for n in range(6)]
    for n, person in enumerate(people):
        join(acme, boss, person)
        # Everyone misses HARD (position 0); two of six miss EASY (position 1).
        take(person, quiz, right={1} if n >= 2 else set())
    for person in people[:2]:
        take(person, rare, right=set())
    outsider = make_user()  # not in Acme: never counted
    take(outsider, quiz, right={0, 1})

    # A wrong practice answer counts too.
    card = db.session.scalars(
        select(PracticeCard).where(PracticeCard.user_id == people[5].id)
    ).first()
    q = practice.serve(card)
    practice.answer(card, form_for(q, right=False), card.due_on)

    login(client, boss)
    page = client.get(f"/organisations/{acme.slug}/questions")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.index(HARD.text) < body.index(EASY.text)
    assert "<strong>100%</strong>" in body and "<strong>33%</strong>" in body
    assert RARE.text not in body
    assert "1 question is not shown because fewer than 5 people" in body
    for person in people:
        assert person.display_name not in body and person.email not in body
    report = practice.missed_most([p.id for p in people], [quiz.id])
    hard = report.questions[0]
    assert (hard.people, hard.missed_by, hard.practice_misses) == (6, 6, 1)


def test_only_the_organisations_managers_see_it(client, login, make_user, course):
    boss, member, other_boss = make_user(), make_user(), make_user()
    acme = services.create_organisation("Acme", boss)
    services.create_organisation("Other", other_boss)
    join(acme, boss, member)
    for user, status in ((member, 404), (other_boss, 404), (boss, 200)):
        client.post("/logout")
        login(client, user)
        answer = client.get(f"/organisations/{acme.slug}/questions")
        assert answer.status_code in ((403, 404) if status == 404 else (200,)), user
    assert "No courses are assigned yet" in answer.get_data(as_text=True)
