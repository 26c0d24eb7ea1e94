"""The JSON API: shapes, errors and permissions."""

from __future__ import annotations


def test_course_list_and_detail(client, course):
    listing = client.get("/api/v1/courses")
    assert listing.status_code == 200
    assert listing.json == [
        {
            "slug": "kitchen-safety",
            "title": "Kitchen Safety",
            "summary": "Three short lessons.",
            "lesson_count": 3,
            "minutes": 3,
        }
    ]
    detail = client.get("/api/v1/courses/kitchen-safety").json
    assert [lesson["slug"] for lesson in detail["lessons"]] == ["knives", "heat", "cleaning"]
    assert "source_markdown" not in detail["lessons"][0]


def test_unknown_course_is_a_json_404_in_smorests_shape(client):
    response = client.get("/api/v1/courses/absent")
    assert response.status_code == 404
    assert response.json == {
        "code": 404,
        "status": "Not Found",
        "message": "There is no course at this address.",
    }


def test_unknown_api_route_is_json_and_unknown_page_is_html(client):
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json["code"] == 404
    page = client.get("/nothing-here")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Page not found" in page.get_data(as_text=True)


def test_my_progress_needs_a_signed_in_learner(client, course):
    response = client.get("/api/v1/me/courses")
    assert response.status_code == 401
    assert response.json["code"] == 401 and response.json["status"] == "Unauthorized"
    assert (
        client.put("/api/v1/me/courses/kitchen-safety/lessons/knives/completion").status_code == 401
    )


def test_completion_through_the_api_is_idempotent(client, make_user, login, course):
    login(client, make_user())
    url = "/api/v1/me/courses/kitchen-safety/lessons/knives/completion"
    first = client.put(url)
    assert first.status_code == 200
    assert first.json["newly_completed"] is True
    assert first.json["progress"]["percent"] == 33
    assert first.json["progress"]["next_lesson"] == "heat"
    second = client.put(url)
    assert second.json["newly_completed"] is False
    assert second.json["progress"]["completed"] == 1
    mine = client.get("/api/v1/me/courses").json
    assert [(c["course_slug"], c["state"]) for c in mine] == [("kitchen-safety", "in_progress")]
    one = client.get("/api/v1/me/courses/kitchen-safety").json
    assert [lesson["state"] for lesson in one["lessons"]] == [
        "completed",
        "not_started",
        "not_started",
    ]


def test_completion_of_an_unknown_lesson_is_404(client, make_user, login, course):
    login(client, make_user())
    response = client.put("/api/v1/me/courses/kitchen-safety/lessons/absent/completion")
    assert response.status_code == 404
    assert response.json["message"] == "This course has no lesson at this address."


def test_wrong_method_is_a_json_405(client, course):
    response = client.post("/api/v1/courses")
    assert response.status_code == 405
    assert response.json["code"] == 405


def test_openapi_document_and_readable_docs(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    assert "/api/v1/courses" in spec.json["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    body = docs.get_data(as_text=True)
    assert "/api/v1/me/courses/{slug}/lessons/{lesson_slug}/completion" in body
    assert "<script" not in body  # readable without JavaScript or a CDN
