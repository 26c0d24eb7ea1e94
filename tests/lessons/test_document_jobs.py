"""A large course document is stored and imported by a job, with a progress page: the same
rules as the Teach page (who may use an address, replacing only when asked), and the same
result when run again."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from coursework import jobs
from coursework.extensions import db
from lessons.models import Course, Lesson

pytestmark = pytest.mark.real_commits(
    reason="jobs.report records progress on a connection of its own"
)

SECTIONS = 12


def document(title: str = "Garden Basics", sections: int = SECTIONS) -> bytes:
    parts = [f"# {title}\n\nA course long enough to be imported in the background.\n"]
    parts += [
        f"## Step {n}\n\nDig the bed number {n}, water it, and wait for spring.\n"
        for n in range(1, sections + 1)
    ]
    return "\n".join(parts).encode()


@pytest.fixture(autouse=True)
def small_documents(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_DOCUMENT_BYTES_OVER", 300)


@pytest.fixture
def teacher(client, make_user, login):
    user = make_user(is_instructor=True)
    login(client, user)
    return user


def teach_upload(client, data: bytes, name: str = "garden.md", **fields):
    form = {"document": (io.BytesIO(data), name), **fields}
    return client.post("/teach/courses", data=form, content_type="multipart/form-data")


def job_of(response) -> jobs.Job:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(re.fullmatch(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get_one(jobs.Job, job_id)


def lesson_count() -> int:
    return db.session.scalar(select(func.count(Lesson.id)))


def test_a_large_document_becomes_a_course_through_a_job(client, teacher, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/teach/courses").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    job = job_of(teach_upload(client, document(), csrf_token=token))
    assert job.kind == "lessons.import_course" and job.state == jobs.DONE
    assert lesson_count() == SECTIONS
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Importing garden.md as a course" in page
    assert "Garden Basics (garden-basics) created: lessons 12 added." in page
    assert 'href="/courses/garden-basics">View the course</a>' in page
    progress = client.get(f"/api/v1/jobs/{job.id}").get_json()
    assert progress["state"] == "done" and progress["done"] == progress["total"] == SECTIONS
    assert progress["unit"] == "lessons"
    assert client.get("/courses/garden-basics").status_code == 200


def test_a_small_document_is_still_imported_in_the_request(client, teacher):
    response = teach_upload(client, document(sections=1)[:280])
    assert response.status_code == 200 and lesson_count() == 1


def test_importing_again_asks_for_replace_then_changes_nothing(client, teacher):
    job_of(teach_upload(client, document()))
    again = job_of(teach_upload(client, document(), slug="garden-basics"))
    assert again.state == jobs.FAILED
    page = client.get(f"/jobs/{again.id}").get_data(as_text=True)
    assert "Garden Basics is already at garden-basics. Tick" in page
    assert 'href="/teach/courses">Back to your courses</a>' in page
    replaced = job_of(teach_upload(client, document(), slug="garden-basics", replace="y"))
    assert replaced.state == jobs.DONE
    assert replaced.message == (
        "Garden Basics (garden-basics): already up to date, nothing changed."
    )
    assert db.session.scalar(select(func.count(Course.id))) == 1 and lesson_count() == SECTIONS


def test_another_instructors_course_is_not_replaced(app, client, teacher, make_user, login):
    job_of(teach_upload(client, document()))
    other = app.test_client()
    login(other, make_user(is_instructor=True))
    attempt = job_of(teach_upload(other, document(), slug="garden-basics", replace="y"))
    assert attempt.state == jobs.FAILED
    assert "belongs to a course you do not teach" in attempt.message
    # Nor does anyone else see the first instructor's job.
    first = db.session.scalar(select(jobs.Job.id).order_by(jobs.Job.id))
    assert other.get(f"/jobs/{first}").status_code == 404
    assert lesson_count() == SECTIONS


def test_a_document_that_cannot_be_read_fails_with_a_message(client, teacher):
    job = job_of(teach_upload(client, b"\xff\xfe\x00binary" * 100, name="notes.md"))
    assert job.state == jobs.FAILED and job.message.startswith("The document was not imported:")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Traceback" not in page and "notes.md" in page
    assert lesson_count() == 0
