"""The subscription store on a real SQLite file: one subscription per chat, thread and topic;
chat zones; switching a gone chat off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schedules.subscriptions import Subscriptions
from schedules.timespec import WEEKDAYS, TimeSpec
from summarizer.db import make_engine
from summarizer.reply import ChatRef

NOW = datetime(2025, 6, 2, 8, tzinfo=UTC)
CHAT = ChatRef("telegram", "-1001")
THREAD = ChatRef("telegram", "-1001", "77")
BERLIN = TimeSpec(7, 30, timezone="Europe/Berlin")


def store(url: str) -> Subscriptions:
    return Subscriptions(make_engine(url))


def test_subscribe_again_moves_the_same_subscription(sqlite_url: str) -> None:
    subscriptions = store(sqlite_url)
    first, created = subscriptions.subscribe(
        CHAT, "Nordkorea", BERLIN, now=NOW, zone_from_chat=True
    )
    later = NOW + timedelta(hours=1)
    moved, created_again = subscriptions.subscribe(
        CHAT, "nordkorea", TimeSpec(18, 0, WEEKDAYS, "UTC"), now=later, zone_from_chat=False
    )
    assert created and not created_again
    assert moved.id == first.id
    assert moved.spec == TimeSpec(18, 0, WEEKDAYS, "UTC")
    assert moved.effective_from == later and not moved.zone_from_chat
    assert subscriptions.count(CHAT) == 1


def test_threads_keep_their_own_subscriptions_but_share_the_chat_limit(sqlite_url: str) -> None:
    subscriptions = store(sqlite_url)
    subscriptions.subscribe(CHAT, "nordkorea", BERLIN, now=NOW, zone_from_chat=True)
    in_thread, created = subscriptions.subscribe(
        THREAD, "nordkorea", BERLIN, now=NOW, zone_from_chat=True
    )
    assert created and in_thread.chat == THREAD
    assert [s.chat for s in subscriptions.for_chat(THREAD)] == [THREAD]
    assert subscriptions.count(CHAT) == 2


def test_a_gone_chat_is_switched_off(sqlite_url: str) -> None:
    subscriptions = store(sqlite_url)
    a, _ = subscriptions.subscribe(CHAT, "nordkorea", BERLIN, now=NOW, zone_from_chat=True)
    b, _ = subscriptions.subscribe(CHAT, "hafen", BERLIN, now=NOW, zone_from_chat=True)
    other, _ = subscriptions.subscribe(
        ChatRef("slack", "C1"), "hafen", BERLIN, now=NOW, zone_from_chat=True
    )
    assert sorted(subscriptions.deactivate_chat("telegram", "-1001")) == [a.id, b.id]
    assert [s.id for s in subscriptions.active()] == [other.id]
    assert subscriptions.get(a.id) is not None and not subscriptions.get(a.id).active  # type: ignore[union-attr]


def test_chat_zone_moves_only_subscriptions_that_follow_it(sqlite_url: str) -> None:
    subscriptions = store(sqlite_url)
    assert subscriptions.chat_zone(CHAT) is None
    follows, _ = subscriptions.subscribe(CHAT, "nordkorea", BERLIN, now=NOW, zone_from_chat=True)
    fixed, _ = subscriptions.subscribe(
        CHAT, "hafen", TimeSpec(9, 0, timezone="Asia/Tokyo"), now=NOW, zone_from_chat=False
    )
    subscriptions.set_chat_zone(CHAT, "America/New_York")
    moved = subscriptions.move_to_zone(CHAT, "America/New_York", now=NOW)
    assert subscriptions.chat_zone(CHAT) == "America/New_York"
    assert [s.id for s in moved] == [follows.id]
    assert subscriptions.get(follows.id).timezone == "America/New_York"  # type: ignore[union-attr]
    assert subscriptions.get(fixed.id).timezone == "Asia/Tokyo"  # type: ignore[union-attr]


def test_remove(sqlite_url: str) -> None:
    subscriptions = store(sqlite_url)
    subscription, _ = subscriptions.subscribe(
        CHAT, "nordkorea", BERLIN, now=NOW, zone_from_chat=True
    )
    assert subscriptions.remove(subscription.id)
    assert not subscriptions.remove(subscription.id)
    assert subscriptions.find(CHAT, "NORDKOREA") is None
