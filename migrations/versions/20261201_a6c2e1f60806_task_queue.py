"""Background work: mail states, reminders sent, LRS forwarding.

Revision ID: a6c2e1f60806
Revises: a5b1d0e50805
Create Date: 2026-12-01 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c2e1f60806'
down_revision = 'a5b1d0e50805'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('arguments', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs'))
    )
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_reminders_sent_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_sent_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('user_id', 'course_id', 'due_on', 'kind', name=op.f('uq_reminders_sent_user_id_course_id_due_on_kind'))
    )
    op.create_table('notification_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_opt_outs'))
    )
    # Messages kept before the queue existed were either sent or are in the outbox only.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unsubscribe_url', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='outbox'))
    op.execute("UPDATE outbox_messages SET state = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox_messages SET state = 'failed' WHERE sent_at IS NULL AND error <> ''")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('html', server_default=None)
        batch_op.alter_column('unsubscribe_url', server_default=None)
        batch_op.alter_column('state', server_default=None)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('state')
        batch_op.drop_column('unsubscribe_url')
        batch_op.drop_column('html')
    op.drop_table('notification_opt_outs')
    op.drop_table('reminders_sent')
    op.drop_table('failed_jobs')
