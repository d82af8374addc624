"""Initial schema: every briefbot table (library, conversations, subscriptions, ledger, feeds)
and the full-text search index. APScheduler creates its own job table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from summarizer.library import SEARCH_TABLE, create_search_index

revision = "f97bc569bc19"
down_revision = None

ADOPTS_EXISTING = True
"""Creates only missing tables, so `migrate` runs it on a pre-migration database instead of
stamping it."""


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    # a database made by create_all before migrations existed keeps its tables and rows;
    # only what it lacks is created (see summarizer.migrate, ADOPTS_EXISTING)
    create_missing(
        existing,
        "articles",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("teaser", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sentence_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
        indexed=("added", "dated", "url"),
    )
    create_search_index(op.get_bind())  # FTS5 table / tsvector table + GIN index
    create_missing(
        existing,
        "bot_chat_state",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=128), nullable=False),
        sa.Column("thread", sa.String(length=128), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("last_context_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("platform", "chat", "thread"),
    )
    create_missing(
        existing,
        "bot_contexts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=128), nullable=False),
        sa.Column("thread", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("article_ids", sa.Text(), nullable=False),
        sa.Column("shown", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexed=("created",),
    )
    create_missing(
        existing,
        "bot_messages",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("context_id", sa.String(length=32), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat", "message_id"),
        indexed=("context_id",),
    )
    create_missing(
        existing,
        "chat_timezones",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id"),
    )
    create_missing(
        existing,
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_date", sa.Date(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("points", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "platform", "chat_id", "subscription_id", "scheduled_date", name="uq_delivery_key"
        ),
        indexed=("status", "subscription_id"),
    )
    create_missing(
        existing,
        "feeds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_de", sa.Text(), nullable=True),
        sa.Column("last_error_en", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("articles_added", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
        indexed=("next_poll_at",),
    )
    create_missing(
        existing,
        "sent_points",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("point_key", sa.String(length=64), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id", "point_key"),
    )
    create_missing(
        existing,
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("topic_key", sa.String(length=200), nullable=False),
        sa.Column("days", sa.String(length=40), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("zone_from_chat", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexed=("active", "chat_id", "platform"),
    )
    create_missing(
        existing,
        "feed_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=1000), nullable=True),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes={
            "ix_feed_items_guid": ["feed_id", "guid"],
            "ix_feed_items_hash": ["feed_id", "content_hash"],
            "ix_feed_items_link": ["feed_id", "link"],
        },
    )
    create_missing(
        existing,
        "sentences",
        sa.Column("article_id", sa.String(length=16), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "index"),
    )


def downgrade() -> None:
    drop("sentences")
    drop("feed_items", indexes=("ix_feed_items_guid", "ix_feed_items_hash", "ix_feed_items_link"))
    drop("subscriptions", indexed=("active", "chat_id", "platform"))
    drop("sent_points")
    drop("feeds", indexed=("next_poll_at",))
    drop("deliveries", indexed=("status", "subscription_id"))
    drop("chat_timezones")
    drop("bot_messages", indexed=("context_id",))
    drop("bot_contexts", indexed=("created",))
    drop("bot_chat_state")
    op.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
    drop("articles", indexed=("added", "dated", "url"))


def create_missing(
    existing: set[str],
    name: str,
    *elements: SchemaItem,
    indexed: Sequence[str] = (),
    indexes: Mapping[str, list[str]] | None = None,
) -> None:
    """Create the table `name` unless it is in `existing`, with an index on each column in
    `indexed` (named as Alembic does, ix_<table>_<column>) and the named `indexes`."""
    if name in existing:
        return
    op.create_table(name, *elements)
    if not indexed and not indexes:
        return
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in indexed:
            batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)
        for index, columns in (indexes or {}).items():
            batch_op.create_index(index, columns, unique=False)


def drop(name: str, indexed: Sequence[str] = (), indexes: Sequence[str] = ()) -> None:
    """Drop the table `name` and the indexes `create_missing` gave it, newest first."""
    if indexed or indexes:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for index in reversed(indexes):
                batch_op.drop_index(index)
            for column in reversed(indexed):
                batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
    op.drop_table(name)
