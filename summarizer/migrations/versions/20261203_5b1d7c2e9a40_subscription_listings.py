"""Subscription listings: what /subscriptions last showed each chat, by number
(schedules/subscriptions.py), so `/unsubscribe 2` removes the subscription the reader saw as 2.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b1d7c2e9a40"
down_revision = "5b2e8c1d9a47"


def upgrade() -> None:
    # a database adopted from create_all by this release already has it (see the first revision)
    if "subscription_listings" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "subscription_listings",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id", "thread_id"),
    )


def downgrade() -> None:
    op.drop_table("subscription_listings")
