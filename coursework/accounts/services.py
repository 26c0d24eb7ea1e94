"""Account rules: creating people, checking credentials, granting roles."""

from __future__ import annotations

import logging

from sqlalchemy import select

from coursework.accounts.models import User
from coursework.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_dummy,
    verify_password,
)
from coursework.db import utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.extensions import db

log = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such person.")
    return user


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    is_instructor: bool = False,
    is_admin: bool = False,
) -> User:
    """Create an account, refusing a weak password or an email already in use."""
    email = normalise_email(email)
    display_name = display_name.strip()
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise RuleViolation(problem, {"password": [problem]})
    if find_by_email(email) is not None:
        message = "An account with this email address already exists. Log in instead."
        raise Conflict(message, {"email": [message]})
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        is_instructor=is_instructor,
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.commit()
    log.info("account created: user %s", user.id)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The person these credentials belong to, or None; the two failures look alike."""
    user = find_by_email(email)
    if user is None:
        verify_dummy(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def set_roles(user: User, *, instructor: bool | None = None, admin: bool | None = None) -> User:
    if instructor is not None:
        user.is_instructor = instructor
    if admin is not None:
        user.is_admin = admin
    db.session.commit()
    log.info("roles of user %s: instructor=%s admin=%s", user.id, user.is_instructor, user.is_admin)
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.display_name, User.id)))


def ensure_user(
    email: str,
    display_name: str,
    password: str,
    *,
    is_instructor: bool = False,
    is_admin: bool = False,
) -> tuple[User, bool]:
    """The account with this email, created if missing; True when it was created."""
    existing = find_by_email(email)
    if existing is not None:
        return existing, False
    return (
        create_user(email, display_name, password, is_instructor=is_instructor, is_admin=is_admin),
        True,
    )


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries a version so old cookies stop working."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def conflict_error_field(error: Conflict | RuleViolation) -> dict[str, list[str]]:
    return error.errors
