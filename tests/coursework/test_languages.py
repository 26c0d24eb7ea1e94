"""Which language a person is served in, the footer switcher, and locale formatting.

The order is: the language chosen in the profile, else the switcher's cookie, else the
browser's Accept-Language, else English. Course content keeps its own language.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import flask_babel
import pytest

from coursework import formatting, i18n
from coursework.extensions import db
from lessons.builder import DocumentError, parse_markdown_document
from tests.support.clients import page_token, sign_in_by_form


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def test_english_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert html_tag(page) == '<html lang="en" dir="ltr">'
    assert "Log in" in page


@pytest.mark.parametrize(
    ("header", "lang", "dir_", "words"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr", "ltr", "Connexion"),
        ("ar-EG,ar;q=0.9", "ar", "rtl", "تسجيل الدخول"),
        ("de-DE,de;q=0.9", "en", "ltr", "Log in"),
    ],
)
def test_the_browser_language_is_followed(client, header, lang, dir_, words):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_tag(page) == f'<html lang="{lang}" dir="{dir_}">'
    assert words in page


def test_the_switcher_cookie_beats_the_browser(client):
    client.set_cookie(i18n.COOKIE, "ar")
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html_tag(page)


def test_the_profile_beats_the_cookie_and_the_browser(client, make_user, login):
    user = make_user()
    user.locale = "fr"
    db.session.commit()
    login(client, user)
    client.set_cookie(i18n.COOKIE, "ar")
    page = client.get("/my-learning", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'lang="fr"' in html_tag(page)
    assert "Mon apprentissage" in page


def test_the_footer_switcher_works_without_javascript_and_needs_csrf(client, csrf_on):
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/language"' in page and 'name="locale"' in page

    refused = client.post("/language", data={"locale": "fr", "next": "/login"})
    assert refused.status_code == 400

    response = client.post(
        "/language", data={"locale": "fr", "next": "/login", "csrf_token": page_token(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "lang=fr" in response.headers["Set-Cookie"]
    assert 'lang="fr"' in html_tag(client.get("/login").get_data(as_text=True))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:1"])
def test_the_switcher_goes_back_only_to_this_site(client, target):
    response = client.post("/language", data={"locale": "ar", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_switcher_refuses_an_unknown_language(client):
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


def test_a_signed_in_person_switching_keeps_the_choice_in_their_profile(client, make_user, csrf_on):
    user = make_user()
    token = sign_in_by_form(client, user)
    response = client.post(
        "/language", data={"locale": "ar", "next": "/my-learning", "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "ar"


def test_the_preferences_page_sets_and_clears_the_language(client, make_user, login):
    user = make_user()
    login(client, user)
    page = client.get("/account/preferences").get_data(as_text=True)
    assert 'name="locale"' in page and "العربية" in page and "Français" in page

    response = client.post("/account/preferences", data={"locale": "fr"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "fr"
    assert "Vos préférences sont enregistrées." in client.get("/account/preferences").get_data(
        as_text=True
    )

    assert client.post("/account/preferences", data={"locale": "xx"}).status_code == 400
    client.post("/account/preferences", data={"locale": ""})
    db.session.refresh(user)
    assert user.locale is None


def test_course_content_states_its_own_language(client, make_user, login, make_course):
    course = make_course(
        "---\ntitle: Sécurité\nlanguage: fr\n---\n# Sécurité\n\n## Couteaux\n\nTenez le manche.\n"
    )
    assert course.language == "fr"
    login(client, make_user())
    page = client.get(
        "/courses/securite/lessons/couteaux", headers={"Accept-Language": "ar"}
    ).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html_tag(page)
    assert re.search(r'<div class="prose" lang="fr" dir="ltr">', page)
    assert re.search(r'<h1 id="lesson-title" lang="fr" dir="ltr">', page)


def test_a_course_without_a_language_is_english(course):
    assert course.language == "en"


def test_a_course_language_must_be_a_language_tag():
    with pytest.raises(DocumentError, match="language"):
        parse_markdown_document(
            "---\nlanguage: not a tag\n---\n# A\n\n## B\n\nText.\n", fallback_title="x"
        )


@pytest.mark.parametrize(
    ("language", "direction"), [("en", "ltr"), ("fr-CA", "ltr"), ("ar", "rtl"), ("he", "rtl")]
)
def test_direction(language, direction):
    assert i18n.direction(language) == direction


# ---- formatting ----------------------------------------------------------------------------

MOMENT = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "day", "number", "percent"),
    [
        ("en", "3 March 2026", "12,345.5", "87.5%"),
        ("fr", "3 mars 2026", "12\u202f345,5", "87,5\u00a0%"),
        ("ar", "3 مارس 2026", "12,345.5", "87.5%"),
    ],
)
def test_dates_numbers_and_percentages_in_each_language(locale, day, number, percent):
    assert formatting.format_date(date(2026, 3, 3), locale=locale) == day
    assert formatting.format_number(12345.5, locale=locale) == number
    assert formatting.format_percent(87.5, locale=locale) == percent


def test_a_moment_shows_in_the_person_zone_with_the_zone_named():
    shown = formatting.format_datetime(MOMENT, locale="en", zone=ZoneInfo("Asia/Kolkata"))
    assert shown == "4 Mar 2026, 05:00 Asia/Kolkata"
    assert formatting.format_date(MOMENT, locale="fr", zone=ZoneInfo("Asia/Kolkata")) == (
        "4 mars 2026"
    )
    assert formatting.format_datetime(MOMENT, locale="fr", zone=UTC).endswith("23:30 UTC")


def test_csv_keeps_iso_8601():
    assert formatting.iso(MOMENT) == "2026-03-03T23:30:00Z"
    assert formatting.iso(date(2026, 3, 3)) == "2026-03-03"
    assert formatting.iso(datetime(2026, 3, 3, 9, 5)) == "2026-03-03T09:05:00Z"


def test_pages_format_numbers_in_the_request_language(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert formatting.format_percent(50) == "50\u00a0%"
        assert i18n._("Log in") == "Connexion"
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        # The test's app context outlives the request, so drop the cached language.
        flask_babel.refresh()
        assert i18n._("Log in") == "تسجيل الدخول"


# ---- mail in the reader's language ---------------------------------------------------------


def test_a_due_reminder_is_written_in_the_learners_language(make_user, course):
    from sqlalchemy import select

    from coursework.mail import OutboxMessage
    from coursework.organisations import reminders
    from coursework.organisations import services as organisations

    boss = make_user()
    learner = make_user(email="lea@example.com", name="Léa")
    learner.locale = "fr"
    org = organisations.create_organisation("Acme", boss)
    invited = organisations.invite(org, boss, learner.email)
    organisations.accept_invitation(invited.link.rsplit("/", 1)[1], learner)
    organisations.assign(org, course.id, boss, due_on=date(2027, 3, 10), user_ids=[learner.id])
    db.session.commit()

    reminders.send_due_reminders(datetime(2027, 3, 9, 12, tzinfo=UTC))
    db.session.commit()
    (message,) = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to == "lea@example.com", OutboxMessage.subject.contains("Kitchen")
        )
    )
    assert message.subject == "Kitchen Safety est à terminer demain"
    assert "Bonjour Léa," in message.body and "10 mars 2027" in message.body


def test_account_mail_follows_the_persons_choice(client, make_user):
    from coursework.mail import messages_to

    user = make_user(email="ana@example.com")
    user.locale = "ar"
    db.session.commit()
    client.post("/forgot-password", data={"email": "ana@example.com"})
    (message,) = [m for m in messages_to("ana@example.com") if "Coursework" in m.subject]
    assert message.subject == "عيّن كلمة مرور جديدة لـ Coursework"
    assert 'lang="ar" dir="rtl"' in (message.html or "")


def test_paging_arrows_point_the_way_the_page_reads(app):
    def rendered(language: str) -> str:
        with app.test_request_context(headers={"Accept-Language": language}):
            flask_babel.refresh()
            pagination = app.jinja_env.get_template("_pagination.html").module.pagination
            return str(pagination(2, 3, lambda n: f"?page={n}", "Pages"))

    assert '"true">← </span>' in rendered("en") and '"true"> →</span>' in rendered("en")
    assert '"true">→ </span>' in rendered("ar") and '"true"> ←</span>' in rendered("ar")


def test_a_course_language_must_be_one_the_locale_data_knows():
    """An unknown tag would leave pages unable to say which way the content is written."""
    for tag in ("tlh", "zz", "qaa"):
        with pytest.raises(DocumentError, match="language"):
            parse_markdown_document(
                f"---\nlanguage: {tag}\n---\n# A\n\n## B\n\nText.\n", fallback_title="x"
            )


def test_an_unknown_language_reads_left_to_right():
    assert i18n.direction("tlh") == "ltr"


def test_a_message_of_a_service_is_translated_when_raised(client, make_user, login, course):
    """Not at import: a French instructor who is not this course's staff reads French."""
    other = make_user(is_instructor=True)
    other.locale = "fr"
    db.session.commit()
    login(client, other)
    page = client.get(f"/teach/courses/{course.slug}/bank")
    assert page.status_code == 403
    assert "Seule l\u2019équipe de ce cours peut faire cela." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "categories"),
    [
        ("en", {"one", "other"}),
        ("fr", {"one", "many", "other"}),
        ("ar", {"zero", "one", "two", "few", "many", "other"}),
    ],
)
def test_plural_forms_give_a_script_every_form_of_the_language(app, language, categories):
    """A script picks a counted message's form with `Intl.PluralRules`, so the server hands
    it one translation per CLDR category, placeholders left for the script."""
    message = "%(used)s of %(limit)s characters used (%(left)s left)."
    with app.test_request_context(), flask_babel.force_locale(language):
        forms = i18n.plural_forms(message, message)
    assert set(forms) == categories
    if language == "en":
        assert set(forms.values()) == {message}
    else:
        assert all("%(used)s" in form and "%(limit)s" in form for form in forms.values())
        assert len(set(forms.values())) == (2 if language == "fr" else 6)
