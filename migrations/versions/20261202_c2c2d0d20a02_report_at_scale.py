"""The organisation report at scale: one row per member and assigned course, with indexes
for every filter and sort the report offers.

Revision ID: c2c2d0d20a02
Revises: c1c1d0d10a01
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c2c2d0d20a02"
down_revision = "c1c1d0d10a01"
branch_labels = None
depends_on = None

FOLDED = sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql")

# (name, columns) of the report's indexes: each sort, then the filters and counts.
INDEXES = [
    (
        "ix_report_rows_org_name",
        ["organisation_id", "name_key", "title_key", "user_id", "course_id"],
    ),
    ("ix_report_rows_org_email", ["organisation_id", "email_key"]),
    ("ix_report_rows_org_title", ["organisation_id", "title_key"]),
    ("ix_report_rows_org_due", ["organisation_id", "due_on"]),
    ("ix_report_rows_org_percent", ["organisation_id", "percent"]),
    ("ix_report_rows_org_best", ["organisation_id", "best_score"]),
    ("ix_report_rows_org_latest", ["organisation_id", "latest_score"]),
    ("ix_report_rows_org_attempts", ["organisation_id", "attempts"]),
    ("ix_report_rows_org_activity", ["organisation_id", "last_activity"]),
    ("ix_report_rows_org_completed_at", ["organisation_id", "completed_at"]),
    (
        "ix_report_rows_org_state",
        ["organisation_id", "course_id", "completed", "started", "due_on"],
    ),
    ("ix_report_rows_user_course", ["user_id", "course_id"]),
    ("ix_report_rows_course_id", ["course_id"]),
]


def upgrade():
    op.create_table(
        "report_rows",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("name_key", FOLDED, nullable=False),
        sa.Column("email_key", FOLDED, nullable=False),
        sa.Column("title_key", FOLDED, nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("lessons_done", sa.Integer(), nullable=False),
        sa.Column("lessons_total", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("latest_score", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_activity", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_report_rows_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_report_rows_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_rows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "user_id", "course_id", name=op.f("pk_report_rows")
        ),
    )
    with op.batch_alter_table("report_rows", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # The search (a part of a name or an address, anywhere in it): trigram indexes,
        # which no model describes on both engines (coursework.db.HAND_MADE_INDEXES).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("name", "email"):
            op.execute(
                f"CREATE INDEX ix_report_rows_{column}_trgm ON report_rows"
                f" USING gin ({column}_key gin_trgm_ops)"
            )
    # The backfill is the statement the application runs for a changed organisation, over
    # every organisation: one INSERT ... SELECT, in the database.
    from coursework.organisations.report_rows import rebuild

    rebuild(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in ("name", "email"):
            op.execute(f"DROP INDEX IF EXISTS ix_report_rows_{column}_trgm")
    with op.batch_alter_table("report_rows", schema=None) as batch_op:
        for name, _ in reversed(INDEXES):
            batch_op.drop_index(name)
    op.drop_table("report_rows")
