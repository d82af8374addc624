"""One delivery end to end on the real Briefing and ledger: only what is new, exactly once, and
the platform's wait / retry / gone answers handled as the issue demands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.presentation import ScheduledDigests
from schedules.clock import ManualClock
from schedules.delivery import Deliveries, SenderByPlatform
from schedules.scheduler import DigestScheduler, job_id
from schedules.sending import ChatGone, RetryAfter, TransientSendError
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec
from summarizer import extract
from summarizer.brief import near_duplicate, point_key
from summarizer.library import Library
from summarizer.models import KeyPoint
from summarizer.reply import ChatRef
from summarizer.service import Briefing
from tests.conftest import FIXTURES
from tests.fakes.recording_sender import RecordingSender

ARTICLES = FIXTURES / "schedules"
CHAT = ChatRef("telegram", "42")
MORNING = datetime(2025, 6, 2, 5, 30, tzinfo=UTC)  # 07:30 in Berlin


class Setup:
    def __init__(
        self,
        url: str,
        *,
        silent: bool = False,
        language: str = "de",
        shown_elsewhere: Callable[[ChatRef], Sequence[str]] | None = None,
        clock: ManualClock | None = None,
        sender: RecordingSender | None = None,
    ) -> None:
        self.clock = clock or ManualClock(MORNING - timedelta(hours=1))
        self.library = Library.open(url)
        self.arrival: datetime | None = None
        self.library.now = lambda: self.arrival or self.clock.now()  # the test's clock
        self.briefing = Briefing(self.library)
        self.sender = sender or RecordingSender(self.clock)
        self.subscriptions = Subscriptions(self.library.engine)
        self.deliveries = Deliveries(
            self.library.engine,
            self.subscriptions,
            self.briefing,
            self.sender,
            ScheduledDigests(),
            clock=self.clock,
            language=lambda _chat: language,
            silent_when_nothing_new=silent,
            shown_elsewhere=shown_elsewhere,
        )
        self.scheduler = DigestScheduler(
            self.library.engine, self.subscriptions, self.deliveries, clock=self.clock
        )

    def add(self, name: str, at: datetime | None = None) -> None:
        """Store a fixture article, arriving now or at `at`."""
        self.arrival = at
        self.briefing.add(Path(ARTICLES / name))
        self.arrival = None

    def subscribe(
        self, chat: ChatRef = CHAT, topic: str = "nordkorea", hour: int = 7, minute: int = 30
    ) -> Subscription:
        subscription, _ = self.subscriptions.subscribe(
            chat,
            topic,
            TimeSpec(hour, minute, timezone="Europe/Berlin"),
            now=self.clock.now(),
            zone_from_chat=True,
        )
        self.scheduler.schedule(subscription)
        return subscription

    async def deliver(self, subscription: Subscription, at: datetime = MORNING) -> str:
        await self.clock.advance_to(at)
        outcome = await self.clock.drive(
            self.deliveries.deliver(subscription.id, at, owner="term-1")
        )
        return outcome.status


async def test_sends_only_points_the_chat_has_not_had(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt")
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    first = setup.sender.sent[0].reply
    assert first.kind == "digest" and first.digest is not None and first.digest.points
    assert "Briefing zu nordkorea" in first.text
    first_keys = {point_key(p.text) for p in first.digest.points}

    setup.add("hafen_2.txt")  # repeats one sentence of the first article word for word
    assert await setup.deliver(subscription, MORNING + timedelta(days=1)) == "sent"
    second = setup.sender.sent[1].reply
    assert second.digest is not None and second.digest.points
    assert not first_keys & {point_key(p.text) for p in second.digest.points}
    assert setup.deliveries.ledger.sent_keys(CHAT) >= first_keys


async def test_nothing_new_is_one_short_line(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt")
    subscription = setup.subscribe()
    await setup.deliver(subscription)
    assert await setup.deliver(subscription, MORNING + timedelta(days=1)) == "sent"
    line = setup.sender.sent[1].reply.text
    assert line == "Nichts Neues zu nordkorea seit Mo 07:30"


async def test_nothing_new_in_english(sqlite_url: str) -> None:
    setup = Setup(sqlite_url, language="en")
    subscription = setup.subscribe(topic="storm")
    assert await setup.deliver(subscription) == "sent"
    assert setup.sender.sent[0].reply.text == "Nothing new on storm since Sun 07:30"


async def test_silent_when_configured(sqlite_url: str) -> None:
    setup = Setup(sqlite_url, silent=True)
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "silent"
    assert setup.sender.sent == []
    assert setup.deliveries.ledger.counts() == {"silent": 1}


async def test_the_same_run_is_delivered_once(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    assert await setup.deliver(subscription) == "skipped"
    other_term = await setup.clock.drive(
        setup.deliveries.deliver(subscription.id, MORNING, owner="term-2")
    )
    assert other_term.status == "skipped"
    assert len(setup.sender.sent) == 1


async def test_retry_after_waits_exactly_that_long(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.sender.failures[CHAT.chat_id] = [RetryAfter(17)]
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    assert [s.at for s in setup.sender.sent] == [MORNING + timedelta(seconds=17)]


async def test_a_wait_of_hours_becomes_a_retry_job_and_blocks_nobody(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    waiting = ChatRef("telegram", "7")
    setup.sender.failures[waiting.chat_id] = [RetryAfter(3 * 3600)]
    slow = setup.subscribe(waiting)
    fast = setup.subscribe(CHAT)
    await setup.scheduler.start()
    await setup.clock.advance_to(MORNING)
    await setup.clock.drive(setup.scheduler.run_due())
    assert [s.chat for s in setup.sender.sent] == [CHAT]
    assert any(name.startswith("retry:") for name in setup.scheduler.scheduled_ids())

    later = MORNING + timedelta(hours=3)
    await setup.clock.advance_to(later)
    await setup.clock.drive(setup.scheduler.run_due())
    assert [(s.chat, s.at) for s in setup.sender.sent] == [(CHAT, MORNING), (waiting, later)]
    assert {slow.id, fast.id} == {s.id for s in setup.subscriptions.active()}


async def test_a_deferred_retry_survives_a_restart(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.sender.failures[CHAT.chat_id] = [RetryAfter(2 * 3600)]
    setup.subscribe()
    await setup.scheduler.start()
    await setup.clock.advance_to(MORNING)
    await setup.clock.drive(setup.scheduler.run_due())
    await setup.scheduler.stop()
    setup.scheduler.close()

    setup.clock.set(MORNING + timedelta(hours=1))
    restarted = Setup(sqlite_url, clock=setup.clock, sender=setup.sender)
    await restarted.scheduler.start()
    await restarted.clock.advance_to(MORNING + timedelta(hours=2))
    await restarted.clock.drive(restarted.scheduler.run_due())
    assert [s.at for s in setup.sender.sent] == [MORNING + timedelta(hours=2)]


async def test_transient_errors_back_off_then_deliver(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.sender.failures[CHAT.chat_id] = [TransientSendError("502"), TransientSendError("timeout")]
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    assert [s.at for s in setup.sender.sent] == [MORNING + timedelta(seconds=0.5 + 1)]


async def test_a_gone_chat_is_switched_off_and_logged(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    setup = Setup(sqlite_url)
    setup.sender.failures[CHAT.chat_id] = [ChatGone("blocked"), ChatGone("blocked")]
    first = setup.subscribe(CHAT, "nordkorea")
    second = setup.subscribe(CHAT, "hafen")
    await setup.scheduler.start()
    await setup.clock.advance_to(MORNING)
    with caplog.at_level(logging.WARNING):
        await setup.clock.drive(setup.scheduler.run_due())
    assert setup.sender.sent == []
    assert setup.subscriptions.active() == []
    assert not {job_id(first.id), job_id(second.id)} & setup.scheduler.scheduled_ids()
    assert "is gone" in caplog.text and "42" in caplog.text


async def test_each_platform_gets_its_own_sender(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    slack = RecordingSender(setup.clock)
    senders = SenderByPlatform({"telegram": setup.sender})
    senders.add("slack", slack)
    setup.deliveries.sender = senders
    on_slack = setup.subscribe(ChatRef("slack", "C9"))
    on_telegram = setup.subscribe(CHAT)
    on_console = setup.subscribe(ChatRef("console", "local"))
    outcomes: list[tuple[str, str]] = []
    setup.deliveries.observe = lambda platform, status: outcomes.append((platform, status))
    assert await setup.deliver(on_slack) == "sent"
    assert await setup.deliver(on_telegram) == "sent"
    # no console adapter running: transient, retried with backoff, the subscription kept
    await setup.deliver(on_console)
    assert ("console", "deferred") in outcomes
    assert on_console.id in {s.id for s in setup.subscriptions.active()}
    assert [s.chat.platform for s in slack.sent] == ["slack"]
    assert [s.chat.platform for s in setup.sender.sent] == ["telegram"]


def digest_points(setup: Setup, number: int) -> list[KeyPoint]:
    reply = setup.sender.sent[number].reply
    return list(reply.digest.points) if reply.digest is not None else []


async def test_the_first_digest_covers_the_24_hours_before_it(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=30))  # older than the first window
    setup.add("hafen_2.txt", at=MORNING - timedelta(hours=2))
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    points = digest_points(setup, 0)
    titles = {ref.title for ref in setup.sender.sent[0].reply.digest.articles}  # type: ignore[union-attr]
    assert points and titles == {"Sanktionsausschuss prüft Lieferungen aus Nordkorea"}


async def test_a_new_article_brings_only_its_own_new_facts(sqlite_url: str) -> None:
    """Day 2 has nothing new; day 3 has another outlet's report that rewords two facts of day
    1's article and adds two: only the two new facts are shown, none of the old article."""
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=3))
    subscription = setup.subscribe()
    await setup.deliver(subscription)
    day_one = digest_points(setup, 0)
    assert await setup.deliver(subscription, MORNING + timedelta(days=1)) == "sent"
    assert setup.sender.sent[1].reply.text == "Nichts Neues zu nordkorea seit Mo 07:30"

    setup.add("hafen_3.txt", at=MORNING + timedelta(days=1, hours=5))
    assert await setup.deliver(subscription, MORNING + timedelta(days=2)) == "sent"
    day_three = digest_points(setup, 2)
    assert day_three
    assert {p.article_id for p in day_three} == {setup.library.sources()[0].id}
    assert not [
        (new.text, old.text)
        for new in day_three
        for old in day_one
        if near_duplicate(new.text, old.text, "de")
    ]
    assert any("gechartert" in p.text for p in day_three)


async def test_points_a_brief_showed_are_not_repeated(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=3))
    setup.add("hafen_3.txt", at=MORNING - timedelta(hours=2))
    briefed = [p.text for p in setup.briefing.brief("nordkorea", points=4).points]
    setup.deliveries.shown_elsewhere = lambda chat: briefed if chat == CHAT else []
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    points = digest_points(setup, 0)
    assert points
    assert not [(p.text, b) for p in points for b in briefed if near_duplicate(p.text, b, "de")]


async def test_aliases_in_one_chat_never_split_or_repeat_an_article(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=3))
    german = setup.subscribe(topic="nordkorea")
    english = setup.subscribe(topic="north korea")
    await setup.clock.advance_to(MORNING)
    outcomes = await setup.clock.drive(
        asyncio.gather(
            setup.deliveries.deliver(german.id, MORNING, owner="t"),
            setup.deliveries.deliver(english.id, MORNING, owner="t"),
        )
    )
    assert [o.status for o in outcomes] == ["sent", "sent"]
    digests = [r.reply for r in setup.sender.sent if r.reply.kind == "digest"]
    lines = [r.reply.text for r in setup.sender.sent if r.reply.kind == "text"]
    assert len(digests) == 1 and len(lines) == 1
    assert lines[0].startswith(("Nichts Neues zu north korea", "Nichts Neues zu nordkorea"))


async def test_a_later_alias_does_not_pick_up_the_rest_of_an_article(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=3))
    setup.subscribe(topic="nordkorea")
    evening = setup.subscribe(topic="north korea", hour=18, minute=0)
    setup.deliveries.points = 2  # the morning digest leaves sentences of the article unshown
    morning = setup.subscriptions.find(CHAT, "nordkorea")
    assert morning is not None
    assert await setup.deliver(morning) == "sent"
    assert await setup.deliver(evening, MORNING + timedelta(hours=10, minutes=30)) == "sent"
    assert setup.sender.sent[1].reply.text == "Nichts Neues zu north korea seit So 18:00"


async def test_a_fact_two_outlets_report_is_one_point_citing_both(sqlite_url: str) -> None:
    setup = Setup(sqlite_url)
    setup.add("hafen_1.txt", at=MORNING - timedelta(hours=3))
    setup.add("hafen_3.txt", at=MORNING - timedelta(hours=2))
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    reply = setup.sender.sent[0].reply
    shared = [p for p in digest_points(setup, 0) if "Containerbewegungen" in p.text]
    assert len(shared) == 1 and len(shared[0].also_in) == 1
    assert {shared[0].article_id, *shared[0].also_in} == {a.id for a in setup.library.sources()}
    line = next(line for line in reply.lines if "Containerbewegungen" in line)
    assert line.endswith("[1] [2]") or line.endswith("[2] [1]")
    assert len(reply.digest.articles) == 2  # type: ignore[union-attr]


async def test_an_article_counts_from_when_its_feed_published_it_if_that_is_later(
    sqlite_url: str,
) -> None:
    setup = Setup(sqlite_url)
    document = extract.from_path(ARTICLES / "hafen_2.txt")
    setup.arrival = MORNING - timedelta(days=3)  # stored long ago ...
    setup.briefing.add_document(replace(document, published=MORNING - timedelta(hours=2)))
    setup.arrival = None  # ... published (by its feed's date) within the first window
    subscription = setup.subscribe()
    assert await setup.deliver(subscription) == "sent"
    assert digest_points(setup, 0)
