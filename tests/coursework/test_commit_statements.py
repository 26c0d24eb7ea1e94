"""What a submission's commit writes (the progress summary, the organisation report's rows,
the practice deck) runs from SQLAlchemy's compiled cache, and the large statements are the
same objects each time: built once per shape, so a commit neither builds them nor derives
their cache keys nor compiles them again. A construct without a cache key (SQLAlchemy
2.0's own ON CONFLICT has none) or a statement built anew per commit fails here."""

from __future__ import annotations

import operator

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from coursework.extensions import db
from coursework.organisations import services
from quizzes import services as quizzes
from tests.support.orgkit import join
from tests.support.quizkit import wrong_answers

WRITES = ("INSERT INTO progress_summaries", "UPDATE report_rows", "INSERT INTO practice_cards")


def written(work) -> dict[str, list[tuple[object, CacheStats]]]:
    """The statements of WRITES that `work()` and the commit after it ran: for each, the
    statement object executed and whether its compiled form came from the cache."""
    found: dict[str, list[tuple[object, CacheStats]]] = {write: [] for write in WRITES}

    def record(conn, statement, multiparams, params, execution_options, result) -> None:
        sql = result.context.statement
        for write in WRITES:
            if write in sql:
                found[write].append((statement, result.context.cache_hit))

    event.listen(db.engine, "after_execute", record)
    try:
        work()
        db.session.commit()  # the summary and the report's rows are written as it commits
    finally:
        event.remove(db.engine, "after_execute", record)
    return found


def test_a_second_submission_compiles_nothing_it_writes(app, make_user, course, make_quiz):
    quiz = make_quiz()
    boss = make_user(name="Boss")
    organisation = services.create_organisation("Acme", boss)
    learners = [make_user(), make_user()]
    for learner in learners:
        join(organisation, boss, learner)
    services.assign(organisation, course.id, boss)
    attempts = [quizzes.start_attempt(learner, quiz) for learner in learners]
    db.session.commit()

    def submit(attempt):
        # Wrong answers: the missed questions enter the deck, and no certificate changes
        # the shape of what the commit recomputes.
        return lambda: (
            quizzes.save_answers(attempt, wrong_answers(attempt)),
            quizzes.submit_attempt(attempt),
        )

    first, second = (written(submit(attempt)) for attempt in attempts)
    for write in WRITES:
        assert second[write], f"the submission ran no {write}"
        assert all(hit is CacheStats.CACHE_HIT for _, hit in second[write]), (write, second)
    for write in ("INSERT INTO progress_summaries", "UPDATE report_rows"):
        again = [statement for statement, _ in second[write]]
        before = [statement for statement, _ in first[write]]
        assert len(again) == len(before) and all(map(operator.is_, again, before)), write
