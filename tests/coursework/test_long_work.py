"""Long work off the request: bulk invitations and a large organisation's CSV run as jobs
with a progress page, its JSON, a notice when done, and a download; in batches, idempotent
on retry, shown only to the person who started them (and admins)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coursework import jobs, mail
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import long_work
from coursework.organisations import services as organisations
from coursework.organisations.models import Invitation, Role
from tests.support.orgkit import join

PEOPLE = "/organisations/acme/people"


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="(?:bulk-)?csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def small_jobs(app, monkeypatch):
    """Jobs from a handful of items, four at a time, so tests see several batches."""
    monkeypatch.setitem(app.config, "JOB_INVITATIONS_OVER", 5)
    monkeypatch.setitem(app.config, "JOB_CSV_PEOPLE_OVER", 3)
    monkeypatch.setitem(app.config, "JOB_BATCH", 4)


@pytest.fixture
def acme(make_user):
    boss = make_user(name="Bea Boss")
    org = organisations.create_organisation("Acme", boss)
    return org, boss


@pytest.fixture
def held_queue(monkeypatch):
    """Jobs are recorded but not run until the test says so (as with a busy worker)."""
    held: list[int] = []
    monkeypatch.setattr(
        jobs.tasks, "enqueue_after_commit", lambda task, *args: held.append(args[0])
    )
    return held


def the_list(count: int, start: int = 1) -> str:
    return "email,name\n" + "".join(
        f"p{n}@example.com,Person {n}\n" for n in range(start, start + count)
    )


def job_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert "/jobs/" in response.headers["Location"], response.headers["Location"]
    return int(re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"]).group(1))


def invitation_count() -> int:
    return db.session.scalar(select(func.count(Invitation.id)))


def outbox_count() -> int:
    return db.session.scalar(select(func.count(mail.OutboxMessage.id)))


def job(job_id: int) -> jobs.Job:
    db.session.expire_all()
    return db.session.get_one(jobs.Job, job_id)


# ---- bulk invitations ------------------------------------------------------------------------


def test_a_short_list_is_still_invited_in_the_request(client, login, acme, small_jobs):
    _org, boss = acme
    login(client, boss)
    response = client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(5)})
    assert response.status_code == 200
    assert invitation_count() == 5
    assert db.session.scalar(select(func.count(jobs.Job.id))) == 0


def test_a_long_list_is_invited_by_a_job_from_upload_to_done(
    app, client, login, acme, small_jobs, monkeypatch
):
    _org, boss = acme
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = csrf_token(client, PEOPLE)
    upload = (io.BytesIO(the_list(10).encode()), "staff.csv")
    response = client.post(f"{PEOPLE}/bulk", data={"bulk-file": upload, "bulk-csrf_token": token})
    job_id = job_id_of(response)
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Inviting 10 people to Acme" in text and "Done" in text
    assert '<progress id="job-bar" class="job__bar" max="100" value="100">' in text
    assert "10 of 10 people invited." in text
    assert f'href="{PEOPLE}"' in text
    assert invitation_count() == 10 and outbox_count() == 10
    progress = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert progress["state"] == "done" and progress["percent"] == 100
    assert progress["done"] == progress["total"] == 10 and progress["unit"] == "people"
    assert progress["result_url"] == PEOPLE and progress["download_url"] is None
    assert job(job_id).data is None  # the upload is dropped once done


def test_bad_rows_are_reported_and_the_good_ones_go_through(client, login, acme, small_jobs):
    _org, boss = acme
    login(client, boss)
    text = the_list(6) + "not-an-address,Nobody\np2@example.com,Again\n"
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": text}))
    done = job(job_id)
    assert done.state == jobs.DONE and invitation_count() == 6
    problems = dict(done.problem_list)
    assert set(problems) == {"Row 8 (not-an-address)", "Row 9 (p2@example.com)"}
    assert problems["Row 9 (p2@example.com)"] == "This address appears earlier in the list."
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "6 of 8 people invited." in page and "Row 8 (not-an-address)" in page


def test_progress_moves_from_queued_to_done_in_batches(
    client, login, acme, small_jobs, held_queue, monkeypatch
):
    _org, boss = acme
    login(client, boss)
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(10)}))
    queued = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert queued["state"] == "queued" and queued["percent"] == 0
    assert queued["done"] == 0 and queued["total"] == 10
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting to start" in page and f'href="/jobs/{job_id}">Check again</a>' in page
    assert invitation_count() == 0

    seen: list[tuple[int, int]] = []
    checkpoint = jobs.checkpoint

    def counting(job, done, message=None):
        checkpoint(job, done, message)
        # Each batch is committed with its count: what another request sees.
        seen.append((done, db.session.scalar(select(func.count(Invitation.id)))))

    monkeypatch.setattr(jobs, "checkpoint", counting)
    jobs.run.call_local(job_id)
    assert seen == [(4, 4), (8, 8), (10, 10)]
    finished = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert finished["state"] == "done" and finished["percent"] == 100


def test_a_failure_half_way_keeps_the_batches_done_and_a_retry_invites_nobody_twice(
    client, login, acme, small_jobs, held_queue, monkeypatch, caplog
):
    _org, boss = acme
    login(client, boss)
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(10)}))
    invite_rows = organisations.invite_rows
    calls = []

    def failing_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection to 10.0.0.7 lost: SELECT secret")
        return invite_rows(*args, **kwargs)

    monkeypatch.setattr(organisations, "invite_rows", failing_on_the_second_batch)
    with pytest.raises(RuntimeError):  # the queue sees it, and retries later
        jobs.run.call_local(job_id)
    stopped = job(job_id)
    assert stopped.state == jobs.FAILED and stopped.done == 4
    assert invitation_count() == 4  # the first batch, committed; the second rolled back
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "stopped after 4 of 10 people because of an error on our side" in page
    assert "secret" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert "Try again" in page

    # The person tries again: the job carries on after the last committed batch.
    monkeypatch.setattr(organisations, "invite_rows", invite_rows)
    response = client.post(f"/jobs/{job_id}/retry")
    assert response.status_code == 302
    assert held_queue == [job_id, job_id]
    jobs.run.call_local(job_id)
    assert job(job_id).state == jobs.DONE and job(job_id).attempts == 2
    assert invitation_count() == 10 and outbox_count() == 10
    addresses = db.session.scalars(select(Invitation.email)).all()
    assert sorted(addresses) == sorted(f"p{n}@example.com" for n in range(1, 11))

    # The queue delivers the job once more (a lost acknowledgement): nothing changes.
    jobs.run.call_local(job_id)
    assert invitation_count() == 10 and outbox_count() == 10 and job(job_id).attempts == 2


@pytest.mark.real_commits(reason="jobs.report records progress on a connection of its own")
def test_two_runs_of_one_job_never_do_a_batch_twice(acme, small_jobs, held_queue):
    org, boss = acme
    started = long_work.start_bulk_invite(org, boss, the_list(8), 8, PEOPLE)
    db.session.commit()  # as the request that started it does
    runner = db.session.get_one(jobs.Job, started.id)
    assert runner.done == 0
    jobs.report(started.id, 4)  # another run committed the first batch meanwhile
    with pytest.raises(jobs.Superseded):
        jobs.checkpoint(runner, 4)  # this run's first batch, from done == 0
    db.session.expire_all()
    assert db.session.get_one(jobs.Job, started.id).done == 4


def test_the_notice_comes_on_the_next_page_once(client, login, acme, small_jobs, held_queue):
    _org, boss = acme
    login(client, boss)
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(7)}))
    assert "is done" not in client.get("/organisations").get_data(as_text=True)
    jobs.run.call_local(job_id)
    page = client.get("/organisations").get_data(as_text=True)
    assert "“Inviting 7 people to Acme” is done." in page
    assert f'<a href="/jobs/{job_id}">See the result</a>' in page
    assert "is done" not in client.get("/organisations").get_data(as_text=True)


def test_a_failed_job_is_announced_with_its_error(client, login, acme, small_jobs, held_queue):
    _org, boss = acme
    login(client, boss)
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(7)}))
    db.session.execute(jobs.update(jobs.Job).where(jobs.Job.id == job_id).values(data=b"email\n\n"))
    db.session.commit()
    jobs.run.call_local(job_id)
    page = client.get("/organisations").get_data(as_text=True)
    assert "“Inviting 7 people to Acme” failed." in page and "See what went wrong" in page


def test_only_the_manager_who_started_a_job_sees_it(
    app, client, login, make_user, acme, small_jobs
):
    org, boss = acme
    login(client, boss)
    job_id = job_id_of(client.post(f"{PEOPLE}/bulk", data={"bulk-people": the_list(6)}))
    other_manager = make_user()
    join(org, boss, other_manager, Role.MANAGER)
    elsewhere = make_user()
    organisations.create_organisation("Elsewhere", elsewhere)
    learner = make_user()
    join(org, boss, learner)
    for person in (other_manager, elsewhere, learner):
        other = app.test_client()
        login(other, person)
        assert other.get(f"/jobs/{job_id}").status_code == 404
        assert other.get(f"/api/v1/jobs/{job_id}").status_code == 404
        assert other.post(f"/jobs/{job_id}/retry").status_code == 404
        assert other.get(f"/jobs/{job_id}/download").status_code == 404
    assert app.test_client().get(f"/api/v1/jobs/{job_id}").status_code == 401
    assert app.test_client().get(f"/jobs/{job_id}").status_code == 302  # to the sign-in page
    assert client.get("/jobs/999999").status_code == 404
    admin = app.test_client()
    login(admin, make_user(is_admin=True))
    assert admin.get(f"/jobs/{job_id}").status_code == 200
    assert admin.post(f"/jobs/{job_id}/retry").status_code == 403
    # A manager who stops managing the organisation stops seeing its jobs.
    organisations.set_role(org, boss.id, Role.MEMBER, other_manager)
    assert client.get(f"/jobs/{job_id}").status_code == 404


# ---- a very large organisation's CSV ----------------------------------------------------------


@pytest.fixture
def big_acme(acme, course, make_user):
    org, boss = acme
    for n in range(4):
        join(org, boss, make_user(name=f"Member {n}"))
    organisations.assign(org, course.id, boss)
    return org, boss


@pytest.mark.real_commits(reason="jobs.report records progress on a connection of its own")
def test_a_large_organisations_csv_is_built_by_a_job_and_downloaded(
    app, client, login, big_acme, small_jobs, monkeypatch
):
    _org, boss = big_acme
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "JOB_CSV_PEOPLE_OVER", 100)
    direct = client.get("/organisations/acme/report.csv?status=not_started").get_data()
    monkeypatch.setitem(app.config, "JOB_CSV_PEOPLE_OVER", 3)

    dashboard = client.get("/organisations/acme/dashboard").get_data(as_text=True)
    assert "Build a CSV file" in dashboard
    offer = client.get("/organisations/acme/report.csv?status=not_started")
    assert offer.status_code == 200 and offer.content_type.startswith("text/html")
    page = offer.get_data(as_text=True)
    assert "Build the CSV" in page and "5 people" in page
    action = (
        re.search(r'<form method="post" action="(/organisations/acme/report.csv[^"]*)"', page)
        .group(1)
        .replace("&amp;", "&")
    )
    assert client.post(action).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    job_id = job_id_of(client.post(action, data={"csrf_token": token}))

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Progress CSV of Acme" in page and "The CSV is ready: 5 rows." in page
    assert f'href="/jobs/{job_id}/download"' in page
    progress = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert progress["download_url"] == f"/jobs/{job_id}/download" and progress["unit"] == "rows"
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.content_type == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    assert download.get_data() == direct
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 6 and rows[0][0] == "Name"


@pytest.mark.real_commits(reason="jobs.report records progress on a connection of its own")
def test_the_file_is_kept_for_a_limited_time_and_for_its_maker_only(
    app, client, login, make_user, big_acme, small_jobs
):
    org, boss = big_acme
    login(client, boss)
    job_id = job_id_of(client.post("/organisations/acme/report.csv"))
    other_manager = make_user()
    join(org, boss, other_manager, Role.MANAGER)
    admin = make_user(is_admin=True)
    for person in (other_manager, admin):
        other = app.test_client()
        login(other, person)
        answer = other.get(f"/jobs/{job_id}/download")
        assert answer.status_code in (302, 404) and answer.content_type.startswith("text/html")
    made = job(job_id)
    made.file_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(f"/jobs/{job_id}/download", follow_redirects=True)
    assert "no longer kept" in expired.get_data(as_text=True)
    jobs.forget_expired_files.call_local()
    assert job(job_id).file is None


def test_a_small_organisations_csv_is_still_streamed(client, login, big_acme):
    _org, boss = big_acme
    login(client, boss)
    response = client.get("/organisations/acme/report.csv")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"


def test_a_job_works_in_the_language_of_the_person_who_started_it(acme, small_jobs, held_queue):
    """The worker has no request to take a language from: it speaks the starter's."""
    org, boss = acme
    boss.locale = "fr"
    db.session.commit()
    job_id = long_work.start_bulk_invite(org, boss, the_list(6), 6, "/organisations").id
    jobs.run.call_local(job_id)
    done = job(job_id)
    assert done.state == jobs.DONE
    assert done.message == "6 personnes invitées sur 6."
