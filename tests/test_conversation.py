"""The conversation store on real SQLite files (two stores = two processes) and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import Conversations
from summarizer.db import make_engine
from summarizer.reply import ChatRef

CHAT = ChatRef("telegram", "42")
THREAD = ChatRef("slack", "C1", "1700000000.0001")


def stores(url: str) -> tuple[Conversations, Conversations]:
    first = Conversations(make_engine(url))
    first.create_tables()
    second = Conversations(make_engine(url))
    second.create_tables()  # idempotent
    return first, second


def exercise(first: Conversations, second: Conversations) -> None:
    context = first.create(CHAT, topic="hafen", article_ids=["a", "b", "a"], shown=["k1"])
    assert context.article_ids == ("a", "b") and context.shown == ("k1",)
    assert second.get(context.id, CHAT) == context
    assert second.get(context.id, ChatRef("telegram", "43")) is None
    assert second.get(context.id, ChatRef("slack", "42")) is None
    assert second.get(context.id, ChatRef("telegram", "42", "7")) == context  # a thread of it
    assert second.last(CHAT) == context

    extended = second.extend(context.id, article_ids=["c", "a"], shown=["k2", "k1"])
    assert extended is not None
    assert extended.article_ids == ("a", "b", "c") and extended.shown == ("k1", "k2")
    assert first.get(context.id, CHAT) == extended
    assert first.extend("missing", shown=["x"]) is None

    first.remember_message(CHAT, "m1", context.id)
    assert second.for_message(CHAT, "m1") == extended
    assert second.for_message(ChatRef("telegram", "43"), "m1") is None
    assert second.for_message(ChatRef("slack", "42"), "m1") is None

    quiet = first.create(CHAT, topic=None, article_ids=["z"], remember=False)
    assert second.last(CHAT) == extended
    second.set_last(CHAT, quiet.id)
    assert first.last(CHAT) == quiet
    first.remember_message(CHAT, "m1", quiet.id)  # a message id re-used: last writer wins
    assert second.for_message(CHAT, "m1") == quiet

    # a thread has its own last context; the chat's language covers its threads
    in_thread = first.create(THREAD, topic="brücke", article_ids=["b"])
    assert second.last(THREAD) == in_thread
    assert second.last(ChatRef("slack", "C1")) is None
    assert in_thread.chat == THREAD

    assert first.language(CHAT) is None
    first.set_language(CHAT, "en")
    second.set_language(ChatRef("slack", "C1", "ts"), "en")
    assert second.language(CHAT) == "en"
    assert first.language(ChatRef("slack", "C1")) == "en"
    first.set_language(CHAT, "de")
    assert second.language(CHAT) == "de"
    assert second.last(CHAT) == quiet  # the language row and the last context do not clash

    assert first.prune(datetime.now(UTC) - timedelta(days=1)) == 0
    assert second.prune(datetime.now(UTC) + timedelta(seconds=1)) == 3
    assert first.get(context.id, CHAT) is None and first.for_message(CHAT, "m1") is None
    assert first.last(CHAT) is None
    assert first.language(CHAT) == "de"


def test_conversations_on_sqlite_across_stores(sqlite_url: str) -> None:
    exercise(*stores(sqlite_url))


@pytest.mark.postgres
def test_conversations_on_postgresql(postgres_url: str) -> None:
    exercise(*stores(postgres_url))
