"""Sentence index and vocabulary: which sentences name which words (a brief judges how central
an article is to its topic from it, without loading the article), and the library's words for
"did you mean …?". Rows of articles stored before are indexed here once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from summarizer.library import (
    SENTENCE_TABLE,
    VOCABULARY_WORD,
    create_search_index,
    index_existing_articles,
)

revision = "5b1f0c2d9e47"
down_revision = "1e7a39f58996"


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if "vocabulary" not in existing:
        op.create_table(
            "vocabulary",
            sa.Column("term", sa.String(length=VOCABULARY_WORD), nullable=False),
            sa.Column("surface", sa.String(length=VOCABULARY_WORD), nullable=False),
            sa.Column("articles", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("term"),
        )
    if SENTENCE_TABLE not in existing:
        create_search_index(bind)
        index_existing_articles(bind)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {SENTENCE_TABLE}")
    op.drop_table("vocabulary")
