"""Credentials and statements: voided statements and cursors.

Revision ID: a8e4a3b80808
Revises: a7d3f2a70807
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e4a3b80808'
down_revision = 'a7d3f2a70807'
branch_labels = None
depends_on = None


def upgrade():
    # Filled on each organisation's next read of its feed (coursework/organisations/xapi.py).
    op.create_table('statement_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('appearance', sa.Integer(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['learning_events.id'], name=op.f('fk_statement_log_event_id_learning_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_statement_log_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_log')),
    sa.UniqueConstraint('organisation_id', 'event_id', 'appearance', 'voided', name=op.f('uq_statement_log_organisation_id_event_id_appearance_voided'))
    )


def downgrade():
    op.drop_table('statement_log')
