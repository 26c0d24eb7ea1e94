"""The organisation manager's dashboard: headline numbers, charts, the people-by-courses
table, a person's page, and the CSV download; and that nobody else can see them."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from coursework.accounts.models import User
from coursework.certificates.services import find_for
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import charts, export, report, services
from coursework.organisations.dashboard import COLUMNS, filters_from, query_args
from coursework.organisations.report import Filters, Row, Status
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.orgkit import SECOND_COURSE, add_people, join, take_quiz

TODAY = utcnow().date()  # as the views count days (UTC)


@pytest.fixture
def org(app, make_user, course, make_course, make_quiz):
    """Acme: Boss (manager) and four people, one at each status.

    Kitchen Safety (3 lessons, a quiz on the first) is assigned to everyone, due in a
    month; Fire Drill only to Late, due yesterday."""
    boss = make_user(name="Boss", email="boss@example.com")
    acme = services.create_organisation("Acme", boss)
    quiz = make_quiz()
    drill = make_course(SECOND_COURSE, slug="fire-drill")
    people = {
        name: make_user(name=name, email=f"{name.lower()}@example.com")
        for name in ("Idle", "Busy", "Done", "Late")
    }
    for person in people.values():
        join(acme, boss, person)
    services.assign(acme, course.id, boss, due_on=TODAY + timedelta(days=30))
    services.assign(
        acme, drill.id, boss, due_on=TODAY - timedelta(days=1), user_ids=[people["Late"].id]
    )
    current = lessons.current_lessons(course.id)
    progress.open_lesson(people["Busy"], current[0])
    take_quiz(people["Busy"], quiz, right=False)
    for lesson in current:
        progress.complete_lesson(people["Done"], lesson)
    take_quiz(people["Done"], quiz, right=True)
    progress.open_lesson(people["Late"], lessons.current_lessons(drill.id)[0])
    return {"org": acme, "boss": boss, "quiz": quiz, "course": course, "drill": drill, **people}


def dashboard(client, org, query: str = "") -> str:
    response = client.get(f"/organisations/{org.slug}/dashboard{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def table_names(body: str) -> list[str]:
    """The names in the people-by-courses table, in order."""
    table = body.split('id="people-caption"', 1)[1]
    return [
        unescape(name)
        for name in re.findall(
            r'<th scope="row"><a href="/organisations/[^"]+/people/\d+"><bdi>([^<]+)</bdi></a>',
            table,
        )
    ]


# ---- the dashboard -----------------------------------------------------------------------


def test_headline_numbers(client, login, org):
    login(client, org["boss"])
    body = dashboard(client, org["org"])
    assert body.count("<h1") == 1 and "Progress dashboard" in body

    def headline(label: str) -> str:
        match = re.search(
            rf"<dt>{label}</dt>\s*<dd><span class=\"headline__number\">([^<]+)</span>", body
        )
        assert match, label
        return match.group(1)

    # 5 people; 2 courses; 6 course assignments of which 1 completed (16%); 1 overdue.
    assert headline("People") == "5"
    assert headline("Assigned courses") == "2"
    assert headline("Completion rate") == "16%"
    assert headline("Overdue") == "1"
    assert "1 of 6 completed" in body


def test_each_status_is_shown_in_words(client, login, org):
    login(client, org["boss"])
    body = dashboard(client, org["org"])
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]+><bdi>(\w+)</bdi></a>.*?</tr>", body, re.S)
    assert sorted(rows) == ["Boss", "Busy", "Done", "Idle", "Late", "Late"]
    for status in ("not_started", "in_progress", "completed", "overdue"):
        assert f'class="tag tag--{status}"' in body
    for label in ("Not started", "In progress", "Completed", "Overdue"):
        assert re.search(
            rf'class="tag tag--\w+">(<span aria-hidden="true">. </span>)?{label}', body
        )
    # The completed row links to the certificate; scores and attempts are shown.
    done = re.search(r">Done</bdi></a>.*?</tr>", body, re.S).group(0)
    assert "/certificates/" in done and "100%" in done and "3<span aria-hidden" in done
    busy = re.search(r">Busy</bdi></a>.*?</tr>", body, re.S).group(0)
    assert "In progress" in busy and "0%" in busy


def test_charts_are_images_with_a_text_equivalent(client, login, org):
    login(client, org["boss"])
    body = dashboard(client, org["org"])
    svgs = re.findall(r"<svg [^>]*>", body)
    charted = [s for s in svgs if 'role="img"' in s]
    assert len(charted) == 2
    assert 'aria-labelledby="status-title status-desc"' in charted[0]
    assert 'aria-labelledby="weekly-title weekly-desc"' in charted[1]
    assert '<title id="status-title">Status of each assigned course</title>' in body
    assert '<title id="weekly-title">Completions per week</title>' in body
    # Patterns as well as colours; a legend in words.
    assert "<pattern" in body and 'class="chart__legend">Overdue</text>' in body
    # The same numbers as tables.
    status_table = body.split('id="status-caption"', 1)[1].split("</table>", 1)[0]
    kitchen = re.search(r"<th scope=\"row\">Kitchen Safety</th>(.*?)</tr>", status_table, re.S)
    cells = re.findall(r'<td class="numeric">(?:<a [^>]+>)?(\d+)', kitchen.group(1))
    assert cells == ["3", "1", "1", "0", "5"]  # not started, in progress, completed, overdue
    drill = re.search(r"<th scope=\"row\">Fire Drill</th>(.*?)</tr>", status_table, re.S)
    assert re.findall(r'<td class="numeric">(?:<a [^>]+>)?(\d+)', drill.group(1)) == [
        "0",
        "0",
        "0",
        "1",
        "1",
    ]
    weekly = body.split('id="weekly-caption"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr><th scope=\"row\">", weekly)) == 12
    assert re.search(r'\(this week\)</th><td class="numeric">1</td>', weekly)


def test_filters_and_search(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    assert table_names(dashboard(client, acme, "?status=overdue")) == ["Late"]
    assert table_names(dashboard(client, acme, "?status=completed")) == ["Done"]
    assert table_names(dashboard(client, acme, f"?course={org['drill'].id}")) == ["Late"]
    assert table_names(dashboard(client, acme, "?q=BUS")) == ["Busy"]
    assert table_names(dashboard(client, acme, "?q=idle%40example")) == ["Idle"]
    body = dashboard(client, acme, "?q=nobody-at-all")
    assert table_names(body) == [] and "No one matches these filters" in body
    # Unknown values are ignored rather than failing.
    assert len(table_names(dashboard(client, acme, "?status=bogus&course=x&page=-1&sort=x"))) == 6
    # The form shows what was asked.
    body = dashboard(client, acme, "?status=overdue&q=la")
    assert '<option value="overdue" selected>' in body and 'value="la"' in body
    assert "Clear filters" in body


def test_sortable_headers(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    body = dashboard(client, acme)
    assert table_names(body) == ["Boss", "Busy", "Done", "Idle", "Late", "Late"]
    assert (
        '<th scope="col" aria-sort="ascending"><a class="sort-link" '
        'href="/organisations/acme/dashboard?dir=desc">Name' in body
    )
    assert body.count('aria-sort="ascending"') == 1
    # The other sortable columns shown by default: course, due, status, done, best score,
    # last activity (the rest are a choice away, see test_columns_are_chosen_and_kept).
    assert body.count('aria-sort="none"') == 6
    body = dashboard(client, acme, "?sort=name&dir=desc")
    assert table_names(body) == ["Late", "Late", "Idle", "Done", "Busy", "Boss"]
    assert body.count('aria-sort="descending"') == 1
    body = dashboard(client, acme, "?sort=percent&dir=desc&status=in_progress")
    assert table_names(body)[0] == "Busy"
    # Sorting keeps the filters; the header links toggle the direction of the active one.
    header = re.search(r'aria-sort="descending"><a class="sort-link" href="([^"]+)"', body)
    assert header and "status=in_progress" in unescape(header.group(1))
    assert "dir=desc" not in header.group(1)
    body = dashboard(client, acme, "?sort=status")
    assert table_names(body)[-1] == "Late"  # overdue comes last
    body = dashboard(client, acme, "?sort=best_score&dir=desc")
    assert table_names(body)[:2] == ["Done", "Busy"]


def test_pagination_keeps_the_filters(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    add_people(acme, 60)
    body = dashboard(client, acme)
    assert len(table_names(body)) == 50
    assert "Page 1 of 2" in body and "Showing 1 to 50 of 66 rows" in body
    assert 'rel="prev"' not in body
    following = re.search(r'href="([^"]+)" rel="next"', body).group(1)
    assert unescape(following) == f"/organisations/{acme.slug}/dashboard?page=2"
    body = dashboard(client, acme, "?page=2")
    assert len(table_names(body)) == 16 and "Page 2 of 2" in body and 'rel="next"' not in body
    body = dashboard(client, acme, "?q=learner&sort=email&dir=desc")
    following = unescape(re.search(r'href="([^"]+)" rel="next"', body).group(1))
    assert following == f"/organisations/{acme.slug}/dashboard?q=learner&sort=email&dir=desc&page=2"
    body = dashboard(client, acme, "?q=learner&sort=email&dir=desc&page=2")
    assert table_names(body)[-1] == "Learner 0000"
    previous = unescape(re.search(r'href="([^"]+)" rel="prev"', body).group(1))
    assert previous == f"/organisations/{acme.slug}/dashboard?q=learner&sort=email&dir=desc"
    # A page past the end goes to the last page.
    response = client.get(f"/organisations/{acme.slug}/dashboard?status=overdue&page=9")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard?status=overdue")


def test_empty_states_say_what_to_do_next(client, login, make_user):
    boss = make_user(name="Boss")
    acme = services.create_organisation("Acme", boss)
    login(client, boss)
    body = dashboard(client, acme)
    assert "No courses are assigned yet" in body and "No one else has joined yet" in body
    assert "<svg" not in body.split("<main", 1)[1]
    # The links go to the people and assignments pages (when those pages exist).
    for endpoint, text in (
        ("organisations.assignments", "Assign a course"),
        ("organisations.people", "Invite people"),
    ):
        if endpoint in client.application.view_functions:
            assert text in body


def test_only_the_manager_is_in_the_organisation(client, login, make_user, course):
    boss = make_user(name="Boss")
    acme = services.create_organisation("Acme", boss)
    services.assign(acme, course.id, boss)
    login(client, boss)
    body = dashboard(client, acme)
    assert "You are the only person in Acme so far" in body
    assert table_names(body) == ["Boss"]


def test_certificates_about_to_expire_are_marked(client, login, org):
    from coursework.certificates.models import Certificate

    db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=10)))
    db.session.commit()
    login(client, org["boss"])
    done = re.search(r">Done</bdi></a>.*?</tr>", dashboard(client, org["org"]), re.S).group(0)
    assert "Expires soon" in done
    db.session.execute(update(Certificate).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    done = re.search(r">Done</bdi></a>.*?</tr>", dashboard(client, org["org"]), re.S).group(0)
    assert "Expired" in done and "Expires soon" not in done


# ---- a person's page ---------------------------------------------------------------------


def test_person_page_shows_courses_attempts_and_certificates(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    response = client.get(f"/organisations/{acme.slug}/people/{org['Done'].id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1><bdi>Done</bdi></h1>" in body and "done@example.com" in body
    assert "Kitchen Safety" in body and "Completed</strong>" in body
    attempts = body.split('id="attempts-caption"', 1)[1].split("</table>", 1)[0]
    assert "Check" in attempts and "100%" in attempts and "Passed" in attempts
    certificates = body.split('id="certificates-caption"', 1)[1].split("</table>", 1)[0]
    assert "/certificates/" in certificates and "Valid" in certificates

    body = client.get(f"/organisations/{acme.slug}/people/{org['Busy'].id}").get_data(as_text=True)
    attempts = body.split('id="attempts-caption"', 1)[1].split("</table>", 1)[0]
    assert "Not passed" in attempts
    assert "No certificates yet" in body

    body = client.get(f"/organisations/{acme.slug}/people/{org['Late'].id}").get_data(as_text=True)
    assert "Fire Drill" in body and "1 overdue" in body and "No quiz attempts yet" in body
    # From the dashboard, each name links here.
    assert f'/organisations/{acme.slug}/people/{org["Late"].id}"' in dashboard(client, acme)


def test_person_page_is_only_for_current_members(client, login, org, make_user):
    login(client, org["boss"])
    acme = org["org"]
    stranger = make_user(name="Stranger")
    assert client.get(f"/organisations/{acme.slug}/people/{stranger.id}").status_code == 404
    assert client.get(f"/organisations/{acme.slug}/people/999999").status_code == 404
    services.remove_member(acme, org["Idle"].id, org["boss"])
    assert client.get(f"/organisations/{acme.slug}/people/{org['Idle'].id}").status_code == 404
    # A member of another organisation the manager does not manage is not found either.
    other_boss = make_user()
    other = services.create_organisation("Other", other_boss)
    outsider = make_user()
    join(other, other_boss, outsider)
    assert client.get(f"/organisations/{acme.slug}/people/{outsider.id}").status_code == 404
    assert client.get(f"/organisations/{other.slug}/people/{outsider.id}").status_code == 404


# ---- the CSV ------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_download(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    response = client.get(f"/organisations/{acme.slug}/report.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={acme.slug}-progress-{TODAY.isoformat()}.csv"
    )
    rows = read_csv(response)
    assert rows[0] == list(export.HEADER)
    assert len(rows) == 7
    by_name = {(r[0], r[2]): dict(zip(export.HEADER, r, strict=True)) for r in rows[1:]}
    done = by_name[("Done", "Kitchen Safety")]
    assert done["Status"] == "Completed" and done["Percent"] == "100"
    assert done["Lessons done"] == "3" and done["Lessons total"] == "3"
    assert done["Best score"] == "100.0" and done["Attempts"] == "1"
    assert done["Due date"] == (TODAY + timedelta(days=30)).isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", done["Completed at"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", done["Last activity"])
    # A code may start with "-" (it is URL-safe base64): then its cell is neutralised too,
    # and the URL column carries it untouched.
    code = find_for(org["Done"].id, org["course"].id).code
    assert done["Certificate code"] == export.neutralise(code)
    public = client.application.config["PUBLIC_URL"].rstrip("/")
    assert done["Certificate URL"] == f"{public}/certificates/{code}"
    late = by_name[("Late", "Fire Drill")]
    assert late["Status"] == "Overdue" and late["Completed at"] == "" and late["Best score"] == ""
    # The same filters as the page.
    rows = read_csv(client.get(f"/organisations/{acme.slug}/report.csv?status=overdue"))
    assert [r[0] for r in rows[1:]] == ["Late"]
    rows = read_csv(client.get(f"/organisations/{acme.slug}/report.csv?sort=name&dir=desc"))
    assert [r[0] for r in rows[1:]] == ["Late", "Late", "Idle", "Done", "Busy", "Boss"]


def test_csv_neutralises_formulas_and_keeps_awkward_names(client, login, org, make_user):
    acme, boss = org["org"], org["boss"]
    names = {
        "formula": '=HYPERLINK("http://evil.example","x")',
        "plus": "+1",
        "at": "@cmd",
        "minus": "-2+3",
        "tab": "\tTabbed",
        "awkward": 'Smith, "Jo"\nSecond line',
    }
    for key, name in names.items():
        person = make_user(name="placeholder", email=f"{key}@example.com")
        db.session.execute(update(User).where(User.id == person.id).values(display_name=name))
        db.session.commit()
        join(acme, boss, person)
    login(client, boss)
    response = client.get(f"/organisations/{acme.slug}/report.csv")
    raw = response.get_data().decode("utf-8")
    rows = read_csv(response)
    got = {r[1].split("@")[0]: r[0] for r in rows[1:]}
    assert got["formula"] == "'" + names["formula"]
    assert got["plus"] == "'+1"
    assert got["at"] == "'@cmd"
    assert got["minus"] == "'-2+3"
    assert got["tab"] == "'\tTabbed"
    assert got["awkward"] == names["awkward"]  # commas, quotes and line breaks survive
    assert '"Smith, ""Jo""\nSecond line"' in raw
    assert all(len(r) == len(export.HEADER) for r in rows)
    # On the page, the same names are only text.
    body = dashboard(client, acme)
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)" in body or (
        "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in body
    )


# ---- who may see it -----------------------------------------------------------------------


def urls(org, person_id: int) -> list[str]:
    return [
        f"/organisations/{org.slug}/dashboard",
        f"/organisations/{org.slug}/dashboard?status=overdue",
        f"/organisations/{org.slug}/people/{person_id}",
        f"/organisations/{org.slug}/report.csv",
    ]


def test_nobody_but_its_managers_sees_the_dashboard(client, login, org, make_user):
    acme = org["org"]
    # Anonymous: sent to log in.
    for url in urls(acme, org["Idle"].id):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    # A plain member of the organisation: not found.
    login(client, org["Idle"])
    for url in urls(acme, org["Busy"].id):
        assert client.get(url).status_code == 404, url
    client.post("/logout")
    # The manager of another organisation: not found.
    other_boss = make_user()
    services.create_organisation("Other", other_boss)
    login(client, other_boss)
    for url in urls(acme, org["Busy"].id):
        assert client.get(url).status_code == 404, url
    # An organisation that does not exist: the same.
    for url in urls(SimpleNamespace(slug="no-such-org"), org["Busy"].id):
        assert client.get(url).status_code == 404, url
    client.post("/logout")
    # A manager who was removed from the organisation loses access at once.
    second = make_user()
    join(acme, org["boss"], second)
    services.set_role(acme, second.id, services.Role.MANAGER, org["boss"])
    login(client, second)
    assert client.get(urls(acme, org["Busy"].id)[0]).status_code == 200
    services.remove_member(acme, second.id, org["boss"])
    for url in urls(acme, org["Busy"].id):
        assert client.get(url).status_code == 404, url


def test_every_dashboard_route_declares_the_manager_policy(app):
    from coursework.policy import policy_of

    endpoints = [
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("dashboard.")
    ]
    assert sorted(endpoints) == [
        "dashboard.csv",
        "dashboard.csv_job",
        "dashboard.overview",
        "dashboard.person",
    ]
    assert all(policy_of(app, e, "GET") == "manager" for e in endpoints)
    assert policy_of(app, "dashboard.csv_job", "POST") == "manager"


# ---- pure pieces ---------------------------------------------------------------------------


def row(**overrides) -> Row:
    values = {
        "user_id": 1,
        "name": "Ann",
        "email": "ann@example.com",
        "course_id": 1,
        "course_slug": "c",
        "course_title": "Course",
        "due_on": None,
        "status": Status.NOT_STARTED,
        "percent": 0,
        "lessons_done": 0,
        "lessons_total": 3,
        "best_score": None,
        "latest_score": None,
        "attempts": 0,
        "last_activity": None,
        "completed_at": None,
        "certificate_code": None,
        "certificate_expires_at": None,
    }
    values.update(overrides)
    return Row(**values)


def test_cells_are_iso_dated_and_neutralised():
    moment = datetime(2026, 11, 26, 9, 30, 5, 123, tzinfo=UTC)
    cells = export.cells(
        row(
            name="-minus",
            email="@x.example",
            due_on=date(2026, 12, 1),
            status=Status.COMPLETED,
            percent=100,
            best_score=87.25,
            latest_score=80.0,
            last_activity=moment,
            completed_at=moment,
            certificate_code="ABC",
        ),
        lambda code: f"https://cw.example/certificates/{code}",
    )
    assert cells == [
        "'-minus",
        "'@x.example",
        "Course",
        "2026-12-01",
        "Completed",
        100,
        0,
        3,
        87.2,
        80.0,
        0,
        "2026-11-26T09:30:05Z",
        "2026-11-26T09:30:05Z",
        "ABC",
        "https://cw.example/certificates/ABC",
    ]
    cells = export.cells(row(certificate_code="-x9"), lambda code: f"https://cw.example/c/{code}")
    assert cells[-2:] == ["'-x9", "https://cw.example/c/-x9"]
    assert export.neutralise(-3) == -3 and export.neutralise(None) == ""
    assert export.neutralise("\rx") == "'\rx" and export.neutralise("a=b") == "a=b"


def test_lines_stream_one_line_per_row():
    rows = [row(user_id=n, name=f"P{n}") for n in range(3)]
    stream = export.lines(rows, lambda code: code)
    first = next(stream)
    assert first.startswith("\ufeff".encode()) and first.endswith(b"\r\n")
    rest = list(stream)
    assert len(rest) == 3 and all(line.count(b"\r\n") == 1 for line in rest)


def test_ties_read_a_to_z_whichever_way_a_column_is_sorted(app, org):
    acme = org["org"]
    add_people(acme, 12, courses=(org["course"], org["drill"]))
    all_rows = report.build_rows(acme, TODAY)
    for sort in report.SORTABLE:
        for descending in (False, True):
            rows = report.select_rows(all_rows, Filters(sort=sort, descending=descending))
            assert len(rows) == len(all_rows)
            for before, after in itertools.pairwise(rows):
                if getattr(before, sort) == getattr(after, sort):
                    assert before.name.casefold() <= after.name.casefold(), (sort, descending)


def test_completions_by_week():
    today = date(2026, 11, 26)  # a Thursday
    at = lambda d: datetime.combine(d, datetime.min.time(), tzinfo=UTC)  # noqa: E731
    rows = [
        row(completed_at=at(date(2026, 11, 23))),  # this week's Monday
        row(completed_at=at(date(2026, 11, 26))),
        row(completed_at=at(date(2026, 11, 22))),  # last week's Sunday
        row(completed_at=at(date(2026, 8, 1))),  # too long ago
        row(),
    ]
    weeks = charts.completions_by_week(rows, today)
    assert len(weeks) == 12
    assert weeks[-1].start == date(2026, 11, 23) and weeks[-1].count == 2
    assert weeks[-2].start == date(2026, 11, 16) and weeks[-2].count == 1
    assert weeks[0].start == date(2026, 9, 7) and sum(w.count for w in weeks) == 3


def test_status_chart_escapes_titles_and_names_every_status():
    class Course:
        id = 1
        title = "<script>alert(1)</script> & more"

    series = charts.status_by_course(
        [row(status=Status.COMPLETED), row(status=Status.OVERDUE), row(status=Status.OVERDUE)],
        [Course()],
    )
    svg = str(charts.status_chart(series))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "1 completed, 2 overdue" in svg and "3 people" in svg
    assert svg.startswith("<svg") and 'role="img"' in svg


def test_query_string_round_trip():
    filters = filters_from(
        {"course": "3", "status": "overdue", "q": " ann ", "sort": "percent", "dir": "desc"}
    )
    assert filters == Filters(
        course_id=3, status=Status.OVERDUE, search="ann", sort="percent", descending=True
    )
    assert query_args(filters, page=2) == {
        "course": 3,
        "status": "overdue",
        "q": "ann",
        "sort": "percent",
        "dir": "desc",
        "page": 2,
    }
    assert (
        filters_from({"course": "99999999999", "page": "0", "sort": "password_hash"}) == Filters()
    )


def test_columns_are_chosen_and_kept(client, login, org):
    login(client, org["boss"])
    acme = org["org"]
    body = dashboard(client, acme)
    # By default the email sits under the name and the less used columns wait in the chooser.
    assert re.search(r"</bdi></a><span class=\"dash-table__email\">\w+@example.com</span>", body)
    headings = re.findall(
        r'<th scope="col"[^>]*>(?:<a [^>]+>)?([^<]+)', body.split('id="people-caption"')[1]
    )
    assert headings == [
        "Name",
        "Course",
        "Due",
        "Status",
        "Done",
        "Best score",
        "Last activity",
        "Certificate",
    ]
    assert 'name="col" value="attempts">' in body and 'value="attempts" checked' not in body

    chosen = "?col=person&col=email&col=attempts&col=status&col=bogus"
    body = dashboard(client, acme, chosen + "&sort=attempts&dir=desc")
    table = body.split('id="people-caption"')[1]
    headings = re.findall(r'<th scope="col"[^>]*>(?:<a [^>]+>)?([^<]+)', table)
    assert headings == ["Name", "Email", "Status", "Attempts"]
    assert "dash-table__email" not in table
    assert re.search(r'aria-sort="descending"><a class="sort-link" href="[^"]+">Attempts', table)
    # Sorting, paging, the filter form and the chart links keep the choice; the CSV does not
    # depend on it.
    keep = "col=person&amp;col=email&amp;col=status&amp;col=attempts"
    header = re.search(r'<a class="sort-link" href="([^"]+)">Name', body).group(1)
    assert keep in header
    assert body.count('<input type="hidden" name="col" value="') == 4 + 1  # and the chooser's
    csv_link = re.search(r'href="([^"]+/report.csv[^"]*)"', body).group(1)
    assert "col=" not in csv_link
    # Every column at once; nothing chosen at all still shows the names.
    every = "?col=person" + "".join(f"&col={c.id}" for c in COLUMNS)
    body = dashboard(client, acme, every)
    assert body.count('aria-sort="none"') == 10 and "Latest score" in body
    body = dashboard(client, acme, "?col=person")
    table = body.split('id="people-caption"')[1]
    assert re.findall(r'<th scope="col"[^>]*>(?:<a [^>]+>)?([^<]+)', table) == ["Name"]
    assert len(table_names(body)) == 6
