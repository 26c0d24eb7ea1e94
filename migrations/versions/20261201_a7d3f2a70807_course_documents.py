"""Course documents: stored images and lesson matching.

Revision ID: a7d3f2a70807
Revises: a6c2e1f60806
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3f2a70807'
down_revision = 'a6c2e1f60806'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_assets_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_assets')),
    sa.UniqueConstraint('course_id', 'name', name=op.f('uq_course_assets_course_id_name'))
    )


def downgrade():
    op.drop_table('course_assets')
