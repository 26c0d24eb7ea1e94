"""An organisation with a manager and one learner, assigned a course: the starting point
of the LRS, time-zone and browser tests."""

from __future__ import annotations

from coursework.extensions import db
from coursework.organisations import services as organisations


def organisation_with_learner(make_user, course, name: str = "Acme", due_on=None):
    """(organisation, its manager boss@example.com, learner lea@example.com), committed."""
    boss = make_user(email="boss@example.com", name="Bo Manager")
    lea = make_user(email="lea@example.com", name="Lea Learner")
    org = organisations.create_organisation(name, boss)
    invited = organisations.invite(org, boss, lea.email)
    organisations.accept_invitation(invited.link.rsplit("/", 1)[1], lea)
    organisations.assign(org, course.id, boss, due_on=due_on, user_ids=[lea.id])
    db.session.commit()
    return org, boss, lea
