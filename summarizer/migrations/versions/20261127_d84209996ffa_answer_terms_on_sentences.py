"""Answer terms on sentences: what the answer index needs of each sentence (stemmed terms,
folded content words, answer types), stored at ingest so the first question on an article
stems nothing. Rows stored before keep NULL there; the answer index computes them when needed.

Revision ID: d84209996ffa
Revises: f97bc569bc19
Create Date: 2026-11-27 17:27:14.497483
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d84209996ffa"
down_revision: str | Sequence[str] | None = "f97bc569bc19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("terms", sa.Text()),
    ("content_words", sa.Text()),
    ("answer_types", sa.String(length=64)),
)


def upgrade() -> None:
    # a database adopted from create_all by this release already has them (see the first revision)
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("sentences")}
    for name, type_ in COLUMNS:
        if name not in present:
            op.add_column("sentences", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sentences", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
