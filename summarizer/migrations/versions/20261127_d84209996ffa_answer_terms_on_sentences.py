"""Answer terms on sentences: what the answer index needs of each sentence (stemmed terms,
folded content words, answer types), stored at ingest so the first question on an article
stems nothing. Rows stored before keep NULL there; the answer index computes them when needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d84209996ffa"
down_revision = "f97bc569bc19"

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
