"""A large GIFT upload is stored and imported by a job, with a progress page: all or
nothing, its problems listed by line, shown to the quiz's staff who started it alone."""

from __future__ import annotations

import re

import pytest

from coursework import jobs
from coursework.extensions import db
from quizzes.models import Quiz
from tests.support.giftkit import TOKEN, upload

pytestmark = pytest.mark.real_commits(
    reason="jobs.report records progress on a connection of its own"
)

QUESTIONS = 30


def gift(count: int = QUESTIONS) -> bytes:
    return "".join(
        f"::Sum {n}:: What is {n} + {n}? {{={2 * n} ~{2 * n + 1} ~{2 * n - 1}}}\n\n"
        for n in range(1, count + 1)
    ).encode()


@pytest.fixture(autouse=True)
def small_files(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_GIFT_BYTES_OVER", 200)
    monkeypatch.setitem(app.config, "JOB_BATCH", 1)


def job_of(response) -> jobs.Job:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(re.fullmatch(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get_one(jobs.Job, job_id)


def questions_of(quiz_id: int) -> int:
    db.session.expire_all()
    return len(db.session.get_one(Quiz, quiz_id).questions)


def test_a_large_file_is_imported_by_a_job_from_upload_to_done(client, teacher_page):
    quiz, token = teacher_page
    job = job_of(upload(client, quiz, token, gift(), "sums.gift"))
    assert job.kind == "quizzes.import_gift" and job.state == jobs.DONE
    assert questions_of(quiz.id) == QUESTIONS
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Importing sums.gift into" in page and "Imported 30 questions from sums.gift." in page
    assert f'href="/teach/quizzes/{quiz.id}#questions">Back to the quiz</a>' in page
    progress = client.get(f"/api/v1/jobs/{job.id}").get_json()
    assert progress["state"] == "done" and progress["done"] == progress["total"] == QUESTIONS
    assert progress["unit"] == "questions" and progress["percent"] == 100


def test_a_small_file_is_still_imported_in_the_request(client, teacher_page):
    quiz, token = teacher_page
    response = upload(client, quiz, token, gift(2))
    assert response.status_code == 302 and "/jobs/" not in response.headers["Location"]
    assert questions_of(quiz.id) == 2


def test_a_file_over_the_cap_is_refused_in_the_request(app, client, teacher_page, monkeypatch):
    quiz, token = teacher_page
    monkeypatch.setitem(app.config, "GIFT_MAX_BYTES", 1000)
    response = upload(client, quiz, token, gift())
    assert response.status_code == 400 and "1,000" in response.get_data(as_text=True)
    assert db.session.query(jobs.Job).count() == 0


def test_a_broken_file_fails_with_its_problems_by_line_and_changes_nothing(
    client,
    teacher_page,
):
    quiz, token = teacher_page
    before = questions_of(quiz.id)
    broken = gift(10) + b"::Description:: Text with no answer block.\n\n" + gift(5)
    job = job_of(upload(client, quiz, token, broken, "broken.gift"))
    assert job.state == jobs.FAILED
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "The file was not imported: fix the 1 problem listed below" in page
    assert "Line 21" in page and "Traceback" not in page
    assert f'href="/teach/quizzes/{quiz.id}#questions">Back to the quiz</a>' in page
    assert questions_of(quiz.id) == before


def test_running_the_import_again_changes_nothing(client, teacher_page):
    quiz, token = teacher_page
    job = job_of(upload(client, quiz, token, gift()))
    ids = [question.id for question in db.session.get_one(Quiz, quiz.id).questions]
    db.session.execute(
        jobs.update(jobs.Job).where(jobs.Job.id == job.id).values(state=jobs.FAILED, data=gift())
    )
    db.session.commit()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Try again" in page
    assert client.post(f"/jobs/{job.id}/retry").status_code == 400  # no CSRF token
    token = TOKEN.search(page).group(1)
    assert client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "The file has the same questions as the quiz: nothing changed." in page
    assert questions_of(quiz.id) == QUESTIONS
    assert [question.id for question in db.session.get_one(Quiz, quiz.id).questions] == ids


def test_only_its_starter_sees_the_job(app, client, teacher_page, make_user, login):
    quiz, token = teacher_page
    job = job_of(upload(client, quiz, token, gift()))
    # Off for the other people's sign-ins; `csrf_on` leaves it off after the test (a
    # monkeypatch set up before that fixture would turn it back on for later tests).
    app.config["WTF_CSRF_ENABLED"] = False
    for person in (make_user(is_instructor=True), make_user()):
        other = app.test_client()
        login(other, person)
        assert other.get(f"/jobs/{job.id}").status_code == 404
        assert other.get(f"/api/v1/jobs/{job.id}").status_code == 404
