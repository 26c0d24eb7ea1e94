"""Course staff: owners and co-instructors.

No backfill: nothing recorded who imported a course or wrote a quiz, so courses that exist
before this migration have no staff and only admins may change them until an admin gives
them an owner on the course's staff page.

Revision ID: a2c0fe5a0802
Revises: a1ccbe5a0801
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2c0fe5a0802'
down_revision = 'a1ccbe5a0801'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_staff',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'co_instructor')", name=op.f('ck_course_staff_role_known')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_staff_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_staff_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_staff'))
    )
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_staff_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_course_staff_one_owner', ['course_id'], unique=True, sqlite_where=sa.text("role = 'owner'"), postgresql_where=sa.text("role = 'owner'"))


def downgrade():
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_index('uq_course_staff_one_owner', sqlite_where=sa.text("role = 'owner'"), postgresql_where=sa.text("role = 'owner'"))
        batch_op.drop_index(batch_op.f('ix_course_staff_user_id'))

    op.drop_table('course_staff')
