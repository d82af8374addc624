"""Pending adds: `/add URL` requests recorded until their answer was sent (bot/pending_adds.py),
so one whose process was killed mid-fetch is finished and answered after the restart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b2e8c1d9a47"
down_revision = "5b1f0c2d9e47"


def upgrade() -> None:
    # a database adopted from create_all by this release already has it (see the first revision)
    if "pending_adds" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "pending_adds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=128), nullable=False),
        sa.Column("thread", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_adds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_adds_started_at"), ["started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_adds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_adds_started_at"))
    op.drop_table("pending_adds")
