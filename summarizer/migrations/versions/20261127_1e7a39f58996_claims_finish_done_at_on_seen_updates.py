"""Claims finish: `done_at` on seen_updates, so a claim is a lease (bot/seen_updates.py). An
update whose replica died mid-way (no done mark, claim older than the lease) is taken over and
answered on redelivery; a done one is skipped forever. Rows claimed before this revision were
skipped forever too, so they count as done (done_at = seen_at).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1e7a39f58996"
down_revision = "eccde6f594a2"


def upgrade() -> None:
    # a database adopted from create_all by this release already has it (see the first revision)
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("seen_updates")}
    if "done_at" in present:
        return
    op.add_column("seen_updates", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE seen_updates SET done_at = seen_at WHERE done_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("seen_updates", schema=None) as batch_op:
        batch_op.drop_column("done_at")
