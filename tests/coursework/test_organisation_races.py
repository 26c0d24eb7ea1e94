"""Twenty organisations created at once with the same name, on PostgreSQL: each gets its
own address, none fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coursework.extensions import db
from coursework.organisations import services
from coursework.organisations.models import Membership, Organisation
from tests.support.quizkit import WORKERS, all_at_once

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.real_commits(reason="threads race, each on a connection of its own"),
]


def test_twenty_concurrent_creations_with_one_name_all_succeed(app, make_user):
    creator_ids = [make_user().id for _ in range(WORKERS)]
    claimed = iter(creator_ids)

    def create() -> str:
        from coursework.accounts.models import User

        creator = db.session.get(User, next(claimed))
        return services.create_organisation("Acme Training", creator).slug

    results = all_at_once(app, create)
    assert not [r for r in results if isinstance(r, Exception)], results
    slugs = set(db.session.scalars(select(Organisation.slug)))
    assert slugs == set(results) and len(slugs) == WORKERS
    assert "acme-training" in slugs and all(s.startswith("acme-training") for s in slugs)
    managers = set(db.session.scalars(select(Membership.user_id)))
    assert managers == set(creator_ids)  # each creator manages the one they made
