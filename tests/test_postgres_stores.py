"""Every store on the real PostgreSQL, each "replica" on its own engine: feeds claimed once,
subscriptions, the delivery ledger under racing claimers (exactly one wins), conversations
read back by another replica. The schema comes from the migrations, as in production."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.app import migrate_database
from bot.conversation import Conversations
from schedules.delivery import SENDING, SENT, UNCONFIRMED, Ledger
from schedules.feeds import FeedStore
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec
from summarizer.db import make_engine
from summarizer.reply import ChatRef
from tests.threads import race

pytestmark = pytest.mark.postgres

NOW = datetime(2030, 3, 4, 6, 0, tzinfo=UTC)


@pytest.fixture
def engines(postgres_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one migrated PostgreSQL database: two replicas' connection pools."""
    first, second = make_engine(postgres_url), make_engine(postgres_url)
    migrate_database(first)
    yield first, second
    first.dispose()
    second.dispose()


def test_two_replicas_claim_each_due_feed_once(engines: tuple[Engine, Engine]) -> None:
    a, b = FeedStore(engines[0]), FeedStore(engines[1])
    for number in range(12):
        a.add(f"https://news{number}.example/feed.xml", interval_minutes=15)
    now = datetime.now(UTC) + timedelta(seconds=1)
    first, second = race(
        lambda: a.claim_due(now, lease=timedelta(minutes=5)),
        lambda: b.claim_due(now, lease=timedelta(minutes=5)),
    )
    ids_a, ids_b = {f.id for f in first}, {f.id for f in second}
    assert ids_a.isdisjoint(ids_b)
    assert len(ids_a | ids_b) == 12
    assert a.claim_due(now, lease=timedelta(minutes=5)) == []  # leased ahead
    assert len(b.claim_due(now + timedelta(minutes=6), lease=timedelta(minutes=5))) == 12


def test_subscriptions_are_shared_between_replicas(engines: tuple[Engine, Engine]) -> None:
    a, b = Subscriptions(engines[0]), Subscriptions(engines[1])
    chat = ChatRef("slack", "C42")
    spec = TimeSpec(7, 30, timezone="Europe/Berlin")
    made, new = a.subscribe(chat, "Nordkorea", spec, now=NOW, zone_from_chat=True)
    assert new
    moved, new_again = b.subscribe(
        chat, "nordkorea", TimeSpec(8, 0, timezone="Europe/Berlin"), now=NOW, zone_from_chat=True
    )
    assert not new_again and moved.id == made.id
    seen = a.get(made.id)
    assert seen is not None and seen.spec.clock == "08:00"
    assert seen.effective_from.tzinfo is not None
    b.set_chat_zone(chat, "America/New_York")
    assert a.chat_zone(chat) == "America/New_York"
    assert [s.id for s in a.active()] == [made.id]
    assert b.deactivate_chat("slack", "C42") == [made.id]
    assert a.active() == []


def test_racing_claimers_of_one_delivery_exactly_one_wins(engines: tuple[Engine, Engine]) -> None:
    """Two scheduler terms on two replicas claim the same run and try to mark it as sending:
    exactly one may send. (A later claim may take a claimed row over, since a claim's owner may
    have died; the compare-and-set on the owner when marking "sending" decides.)"""
    subscriptions = Subscriptions(engines[0])
    ledgers = Ledger(engines[0]), Ledger(engines[1])
    spec = TimeSpec(7, 30, timezone="UTC")
    due = NOW.replace(hour=7, minute=30)

    def claim_and_send(ledger: Ledger, subscription: Subscription, owner: str) -> bool:
        claim = ledger.claim(subscription, due, owner=owner, now=NOW)
        return claim is not None and ledger.sending(claim.id, owner=owner, keys=["k"])

    for number in range(20):
        chat = ChatRef("telegram", str(1000 + number))
        subscription, _ = subscriptions.subscribe(
            chat, "thema", spec, now=NOW - timedelta(days=1), zone_from_chat=False
        )
        winners = race(
            lambda: claim_and_send(ledgers[0], subscription, "replica-a"),  # noqa: B023
            lambda: claim_and_send(ledgers[1], subscription, "replica-b"),  # noqa: B023
        )
        assert winners.count(True) == 1, winners
    assert ledgers[0].counts() == {SENDING: 20}
    assert len(ledgers[1].runs_since(due.date())) == 20  # one row per run, never two


def test_racing_take_overs_of_a_dead_terms_claim_one_wins(engines: tuple[Engine, Engine]) -> None:
    subscriptions = Subscriptions(engines[0])
    ledgers = Ledger(engines[0]), Ledger(engines[1])
    due = NOW.replace(hour=7, minute=30)
    for number in range(10):
        subscription, _ = subscriptions.subscribe(
            ChatRef("telegram", str(2000 + number)),
            "thema",
            TimeSpec(7, 30, timezone="UTC"),
            now=NOW - timedelta(days=1),
            zone_from_chat=False,
        )
        assert ledgers[0].claim(subscription, due, owner="dead-term", now=NOW) is not None
    stale = ledgers[1].unfinished(owner="term-3")
    assert len(stale) == 10

    def take_over_and_send(ledger: Ledger, delivery_id: int, owner: str) -> bool:
        claim = ledger.take_over(delivery_id, owner=owner, now=NOW)
        return claim is not None and ledger.sending(claim.id, owner=owner, keys=[])

    for claim in stale:
        winners = race(
            lambda: take_over_and_send(ledgers[0], claim.id, "term-3"),  # noqa: B023
            lambda: take_over_and_send(ledgers[1], claim.id, "term-4"),  # noqa: B023
        )
        assert winners.count(True) == 1, winners
    assert ledgers[0].counts() == {SENDING: 10}


def test_ledger_marks_and_settles_on_postgresql(engines: tuple[Engine, Engine]) -> None:
    subscriptions = Subscriptions(engines[0])
    a, b = Ledger(engines[0]), Ledger(engines[1])
    chat = ChatRef("telegram", "77")
    subscription, _ = subscriptions.subscribe(
        chat, "wetter", TimeSpec(7, 30, timezone="UTC"), now=NOW, zone_from_chat=False
    )
    due = NOW.replace(hour=7, minute=30)
    sent = a.claim(subscription, due, owner="t1", now=NOW)
    assert sent is not None
    assert a.sending(sent.id, owner="t1", keys=["k1", "k2"])
    a.sent(sent.id, "m-1", now=NOW)
    cut = a.claim(subscription, due + timedelta(days=1), owner="t1", now=NOW)
    assert cut is not None
    assert a.sending(cut.id, owner="t1", keys=["k2", "k3"])  # overlaps: on conflict, no error
    assert b.settle_interrupted(owner="t2", now=NOW) == [cut.id]
    assert b.counts() == {SENT: 1, UNCONFIRMED: 1}
    assert b.sent_keys(chat) == {"k1", "k2", "k3"}
    assert b.last_sent_at(subscription.id) == NOW
    assert SENDING not in a.counts()


def test_conversations_follow_ups_on_another_replica(engines: tuple[Engine, Engine]) -> None:
    a, b = Conversations(engines[0]), Conversations(engines[1])
    chat = ChatRef("telegram", "-1001", thread_id="5")
    context = a.create(chat, topic="nordkorea", article_ids=["a1", "a2"], shown=["p1"])
    a.remember_message(chat, "900", context.id)
    found = b.for_message(chat, "900")
    assert found is not None and found.id == context.id
    last = b.last(chat)
    assert last is not None and last.id == context.id
    race(
        lambda: a.extend(context.id, article_ids=["a3"], shown=["p2"]),
        lambda: b.extend(context.id, article_ids=["a4"], shown=["p3"]),
    )
    merged = a.get(context.id, chat)
    assert merged is not None
    assert set(merged.article_ids) == {"a1", "a2", "a3", "a4"}
    assert set(merged.shown) == {"p1", "p2", "p3"}
    b.set_language(chat, "en")
    assert a.language(chat) == "en"
