"""Languages: the interface language a person chose, and the language a course is written in.

Revision ID: c3c3d0d30a03
Revises: c2c2d0d20a02
Create Date: 2026-12-02 11:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3c3d0d30a03"
down_revision = "c2c2d0d20a02"
branch_labels = None
depends_on = None


def upgrade():
    # None: follow the footer switcher's cookie, else the browser's Accept-Language.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
    # Course content is not translated; pages mark it with the language it is written in.
    with op.batch_alter_table("courses") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=35), nullable=False, server_default="en")
        )


def downgrade():
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
