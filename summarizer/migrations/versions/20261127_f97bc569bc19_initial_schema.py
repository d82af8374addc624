"""Initial schema: every briefbot table (library, conversations, subscriptions, ledger, feeds)
and the full-text search index. APScheduler creates its own job table.

Revision ID: f97bc569bc19
Create Date: 2026-11-27 16:46:47.745085
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from summarizer.library import SEARCH_TABLE, create_search_index

revision: str = "f97bc569bc19"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADOPTS_EXISTING = True
"""Creates only missing tables, so `migrate` runs it on a pre-migration database instead of
stamping it."""


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    # a database made by create_all before migrations existed keeps its tables and rows;
    # only what it lacks is created (see summarizer.migrate, ADOPTS_EXISTING)
    if "articles" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("articles", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_articles_added"), ["added"], unique=False)
            batch_op.create_index(batch_op.f("ix_articles_dated"), ["dated"], unique=False)
            batch_op.create_index(batch_op.f("ix_articles_url"), ["url"], unique=False)
    create_search_index(op.get_bind())  # FTS5 table / tsvector table + GIN index
    if "bot_chat_state" not in existing:
        op.create_table(
            "bot_chat_state",
            sa.Column("platform", sa.String(length=32), nullable=False),
            sa.Column("chat", sa.String(length=128), nullable=False),
            sa.Column("thread", sa.String(length=128), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=True),
            sa.Column("last_context_id", sa.String(length=32), nullable=True),
            sa.PrimaryKeyConstraint("platform", "chat", "thread"),
        )
    if "bot_contexts" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("bot_contexts", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_bot_contexts_created"), ["created"], unique=False)
    if "bot_messages" not in existing:
        op.create_table(
            "bot_messages",
            sa.Column("platform", sa.String(length=32), nullable=False),
            sa.Column("chat", sa.String(length=128), nullable=False),
            sa.Column("message_id", sa.String(length=128), nullable=False),
            sa.Column("context_id", sa.String(length=32), nullable=False),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("platform", "chat", "message_id"),
        )
        with op.batch_alter_table("bot_messages", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_bot_messages_context_id"), ["context_id"], unique=False
            )
    if "chat_timezones" not in existing:
        op.create_table(
            "chat_timezones",
            sa.Column("platform", sa.String(length=16), nullable=False),
            sa.Column("chat_id", sa.String(length=64), nullable=False),
            sa.Column("timezone", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("platform", "chat_id"),
        )
    if "deliveries" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("deliveries", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_deliveries_status"), ["status"], unique=False)
            batch_op.create_index(
                batch_op.f("ix_deliveries_subscription_id"), ["subscription_id"], unique=False
            )
    if "feeds" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("feeds", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_feeds_next_poll_at"), ["next_poll_at"], unique=False
            )
    if "sent_points" not in existing:
        op.create_table(
            "sent_points",
            sa.Column("platform", sa.String(length=16), nullable=False),
            sa.Column("chat_id", sa.String(length=64), nullable=False),
            sa.Column("point_key", sa.String(length=64), nullable=False),
            sa.Column("delivery_id", sa.Integer(), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("platform", "chat_id", "point_key"),
        )
    if "subscriptions" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("subscriptions", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_subscriptions_active"), ["active"], unique=False)
            batch_op.create_index(batch_op.f("ix_subscriptions_chat_id"), ["chat_id"], unique=False)
            batch_op.create_index(
                batch_op.f("ix_subscriptions_platform"), ["platform"], unique=False
            )
    if "feed_items" not in existing:
        op.create_table(
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
        )
        with op.batch_alter_table("feed_items", schema=None) as batch_op:
            batch_op.create_index("ix_feed_items_guid", ["feed_id", "guid"], unique=False)
            batch_op.create_index("ix_feed_items_hash", ["feed_id", "content_hash"], unique=False)
            batch_op.create_index("ix_feed_items_link", ["feed_id", "link"], unique=False)
    if "sentences" not in existing:
        op.create_table(
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
    op.drop_table("sentences")
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_items_link")
        batch_op.drop_index("ix_feed_items_hash")
        batch_op.drop_index("ix_feed_items_guid")

    op.drop_table("feed_items")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_platform"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_chat_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_active"))

    op.drop_table("subscriptions")
    op.drop_table("sent_points")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feeds_next_poll_at"))

    op.drop_table("feeds")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_status"))

    op.drop_table("deliveries")
    op.drop_table("chat_timezones")
    with op.batch_alter_table("bot_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_messages_context_id"))

    op.drop_table("bot_messages")
    with op.batch_alter_table("bot_contexts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_contexts_created"))

    op.drop_table("bot_contexts")
    op.drop_table("bot_chat_state")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_url"))
        batch_op.drop_index(batch_op.f("ix_articles_dated"))
        batch_op.drop_index(batch_op.f("ix_articles_added"))

    op.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
    op.drop_table("articles")
