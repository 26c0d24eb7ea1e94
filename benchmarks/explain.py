"""`EXPLAIN (ANALYZE, BUFFERS)` of the organisation report's main statement: one page of
rows, filtered and sorted, with the total, as the dashboard and the report API run it.

Against a database `make bench` kept (`BENCH_ARGS="--keep"` prints its name):

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<kept> \\
        python -m benchmarks.explain                        # page 1, sorted by name
    python -m benchmarks.explain --sort last_activity --page 3 --status overdue --search ana
"""

from __future__ import annotations

import argparse
import os
from datetime import date


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisation", default="bench", help="its slug")
    parser.add_argument("--sort", default="name")
    parser.add_argument("--descending", action="store_true")
    parser.add_argument("--status", default=None)
    parser.add_argument("--search", default="")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--per-page", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSEWORK_ENV", "production")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret")

    from sqlalchemy import select, text

    from coursework.app import create_app
    from coursework.extensions import db
    from coursework.organisations import report
    from coursework.organisations.models import Organisation

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("set DATABASE_URL to the PostgreSQL database to explain")
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.slug == args.organisation)
        )
        if organisation is None:
            raise SystemExit(f"no organisation {args.organisation!r} in this database")
        filters = report.Filters(
            status=report.Status(args.status) if args.status else None,
            search=args.search,
            sort=args.sort,
            descending=args.descending,
            page=args.page,
            per_page=args.per_page,
        )
        statement = report.page_statement(organisation, filters, date.today())
        sql = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        report.room_to_sort()
        for (line,) in db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")):
            print(line)
        db.session.rollback()


if __name__ == "__main__":
    main()
