"""Sentence index and vocabulary: which sentences name which words (a brief judges how central
an article is to its topic from it, without loading the article), and the library's words for
"did you mean …?". Rows of articles stored before are indexed here once.

Revision ID: 5b1f0c2d9e47
Revises: 1e7a39f58996
Create Date: 2026-12-03 14:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from summarizer.library import (
    SENTENCE_TABLE,
    VOCABULARY_WORD,
    create_search_index,
    index_existing_articles,
)

revision: str = "5b1f0c2d9e47"
down_revision: str | Sequence[str] | None = "1e7a39f58996"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
