"""Reminders, more: a per-assignment switch and the managers' weekly digest.

Revision ID: a9f5b4c90809
Revises: a8e4a3b80808
Create Date: 2026-12-01 06:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a9f5b4c90809"
down_revision = "a8e4a3b80808"
branch_labels = None
depends_on = None


def upgrade():
    # Existing assignments keep the reminders they had.
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    op.create_table(
        "digests_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_digests_sent_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digests_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests_sent")),
        sa.UniqueConstraint(
            "user_id",
            "organisation_id",
            "week_of",
            name=op.f("uq_digests_sent_user_id_organisation_id_week_of"),
        ),
    )


def downgrade():
    op.drop_table("digests_sent")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("reminders")
