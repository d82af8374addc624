"""Seen platform updates: the Telegram update_ids and Slack event_ids some replica already took
(bot/seen_updates.py), so a redelivered update is answered once across replicas and restarts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "eccde6f594a2"
down_revision = "d84209996ffa"


def upgrade() -> None:
    # a database adopted from create_all by this release already has it (see the first revision)
    if "seen_updates" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "seen_updates",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id"),
    )
    with op.batch_alter_table("seen_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_updates_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seen_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_updates_seen_at"))
    op.drop_table("seen_updates")
