"""A course's staff: the owner adds and removes co-instructors on the course's staff page;
only instructors can be added; co-instructors teach but do not choose who else does."""

from __future__ import annotations

import re
from html import unescape

import pytest

from coursework.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from lessons import services
from tests.support.data import PASSWORD

PAGE = "/teach/courses/kitchen-safety/staff"


def token_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def sign_in(client, csrf_on):
    """Sign in through the form with its CSRF token, as a browser would."""

    def sign_in(user) -> None:
        signed_in = re.search(r'action="/logout"', client.get("/").get_data(as_text=True))
        if signed_in:
            client.post("/logout", data={"csrf_token": token_of(client.get("/"))})
        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": token_of(client.get("/login")),
            },
        )
        assert response.status_code == 302

    return sign_in


def staff_ids(course) -> list[tuple[str, int]]:
    return [(member.role, person.id) for member, person in services.staff_of(course)]


def test_the_owner_adds_and_removes_a_co_instructor(client, sign_in, course, instructor, make_user):
    colleague = make_user(name="Cora Colleague", is_instructor=True)
    sign_in(instructor)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Ingrid Owner" in text_of(page) and "Owner" in text_of(page)
    added = client.post(PAGE, data={"email": colleague.email.upper(), "csrf_token": token_of(page)})
    assert added.status_code == 302
    assert staff_ids(course) == [("owner", instructor.id), ("co_instructor", colleague.id)]
    page = client.get(PAGE)
    assert "Cora Colleague" in text_of(page) and "Co-instructor" in text_of(page)

    removed = client.post(
        f"{PAGE}/{colleague.id}/remove", data={"csrf_token": token_of(page)}, follow_redirects=True
    )
    assert removed.status_code == 200 and "Removed from the course" in text_of(removed)
    assert staff_ids(course) == [("owner", instructor.id)]
    # The owner has no remove button and cannot be removed.
    page = client.get(PAGE)
    assert f"{PAGE}/{instructor.id}/remove" not in page.get_data(as_text=True)
    kept = client.post(
        f"{PAGE}/{instructor.id}/remove", data={"csrf_token": token_of(page)}, follow_redirects=True
    )
    assert "The owner stays" in text_of(kept)
    assert staff_ids(course) == [("owner", instructor.id)]


@pytest.mark.parametrize("who", ["learner", "unknown", "blank", "already"])
def test_only_instructors_can_be_added_and_the_form_says_why(
    client, sign_in, course, instructor, make_user, who
):
    learner = make_user(email="learner@example.com")
    email = {
        "learner": learner.email,
        "unknown": "nobody@example.com",
        "blank": "",
        "already": instructor.email,
    }[who]
    sign_in(instructor)
    response = client.post(PAGE, data={"email": email, "csrf_token": token_of(client.get(PAGE))})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'id="email-error"' in html
    expected = {
        # The same words for an unknown address and a learner's: nobody learns who has an account.
        "learner": "There is no instructor with this email address.",
        "unknown": "There is no instructor with this email address.",
        "blank": "Enter the instructor's email address.",
        "already": "Ingrid Owner already teaches this course.",
    }[who]
    assert expected in unescape(html)
    assert staff_ids(course) == [("owner", instructor.id)]


def test_co_instructors_teach_but_do_not_choose_the_staff(
    client, sign_in, course, instructor, make_user
):
    colleague = make_user(is_instructor=True)
    third = make_user(is_instructor=True)
    services.add_staff(course, colleague.email, instructor)
    sign_in(colleague)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Only the course's owner chooses" in unescape(text_of(page))
    assert "Add to the staff" not in text_of(page)
    token = token_of(page)
    assert client.post(PAGE, data={"email": third.email, "csrf_token": token}).status_code == 403
    removal = client.post(f"{PAGE}/{instructor.id}/remove", data={"csrf_token": token})
    assert removal.status_code == 403
    assert staff_ids(course) == [("owner", instructor.id), ("co_instructor", colleague.id)]
    with pytest.raises(PermissionDenied):
        services.add_staff(course, third.email, colleague)
    with pytest.raises(PermissionDenied):
        services.remove_staff(course, instructor.id, colleague)


def test_people_who_do_not_teach_the_course_cannot_see_or_change_its_staff(
    client, sign_in, course, instructor, make_user
):
    colleague = make_user(is_instructor=True)
    services.add_staff(course, colleague.email, instructor)
    outsider = make_user(is_instructor=True)
    for person in (make_user(), outsider):
        sign_in(person)
        token = token_of(client.get("/"))
        assert client.get(PAGE).status_code == 403
        added = client.post(PAGE, data={"email": person.email, "csrf_token": token})
        assert added.status_code == 403
        removed = client.post(f"{PAGE}/{colleague.id}/remove", data={"csrf_token": token})
        assert removed.status_code == 403
    assert staff_ids(course) == [("owner", instructor.id), ("co_instructor", colleague.id)]
    assert client.get("/teach/courses/no-such-course/staff").status_code == 404


def test_an_admin_gives_an_ownerless_course_its_owner(client, sign_in, make_user):
    result = client.application.test_cli_runner().invoke(args=["courses", "load-default"])
    assert result.exit_code == 0, result.output
    course = services.get_course("tpm-vs-pm")
    teacher = make_user(is_instructor=True)
    with pytest.raises(PermissionDenied):
        services.add_staff(course, teacher.email, teacher, services.StaffRole.OWNER)
    sign_in(make_user(is_admin=True))
    url = "/teach/courses/tpm-vs-pm/staff"
    page = client.get(url)
    assert "only admins can change it" in text_of(page) and 'name="role"' in page.get_data(
        as_text=True
    )
    response = client.post(
        url, data={"email": teacher.email, "role": "owner", "csrf_token": token_of(page)}
    )
    assert response.status_code == 302
    assert staff_ids(course) == [("owner", teacher.id)]
    assert services.can_change(course.id, teacher)
    # One owner: the role choice is gone, and the service refuses a second.
    assert 'name="role"' not in client.get(url).get_data(as_text=True)
    with pytest.raises(Conflict):
        services.add_staff(
            course, make_user(is_instructor=True).email, services.OPERATOR, services.StaffRole.OWNER
        )


def test_staff_rules_in_the_service(course, instructor, make_user):
    with pytest.raises(RuleViolation):
        services.add_staff(course, make_user().email, instructor)
    with pytest.raises(NotFound):
        services.remove_staff(course, make_user(is_instructor=True).id, instructor)


def test_the_course_page_leads_its_staff_to_the_staff_page(
    client, login, course, instructor, make_user
):
    login(client, instructor)
    assert PAGE in client.get("/courses/kitchen-safety").get_data(as_text=True)
    client.post("/logout")
    login(client, make_user(is_instructor=True))
    assert PAGE not in client.get("/courses/kitchen-safety").get_data(as_text=True)


def test_the_database_holds_one_owner_per_course(course, make_user):
    from sqlalchemy.exc import IntegrityError

    from coursework.extensions import db
    from lessons.models import CourseStaff

    other = make_user(is_instructor=True)
    db.session.add(CourseStaff(course_id=course.id, user_id=other.id, role="owner"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_co_instructor_posting_a_blank_form_is_refused_not_corrected(
    client, sign_in, course, instructor, make_user
):
    colleague = make_user(is_instructor=True)
    services.add_staff(course, colleague.email, instructor)
    sign_in(colleague)
    response = client.post(PAGE, data={"email": "", "csrf_token": token_of(client.get(PAGE))})
    assert response.status_code == 403
