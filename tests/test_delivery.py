"""One delivery end to end on the real Briefing and ledger: only what is new, exactly once, and
the platform's wait / retry / gone answers handled as the issue demands."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schedules.clock import ManualClock
from schedules.delivery import Deliveries, SenderByPlatform
from schedules.scheduler import DigestScheduler, job_id
from schedules.sending import ChatGone, RetryAfter, TransientSendError
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec
from summarizer.brief import point_key
from summarizer.library import Library
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
        clock: ManualClock | None = None,
        sender: RecordingSender | None = None,
    ) -> None:
        self.clock = clock or ManualClock(MORNING - timedelta(hours=1))
        self.library = Library.open(url)
        self.briefing = Briefing(self.library)
        self.sender = sender or RecordingSender(self.clock)
        self.subscriptions = Subscriptions(self.library.engine)
        self.deliveries = Deliveries(
            self.library.engine,
            self.subscriptions,
            self.briefing,
            self.sender,
            clock=self.clock,
            language=lambda _chat: language,
            silent_when_nothing_new=silent,
        )
        self.scheduler = DigestScheduler(
            self.library.engine, self.subscriptions, self.deliveries, clock=self.clock
        )

    def add(self, name: str) -> None:
        self.briefing.add(Path(ARTICLES / name))

    def subscribe(self, chat: ChatRef = CHAT, topic: str = "nordkorea") -> Subscription:
        subscription, _ = self.subscriptions.subscribe(
            chat,
            topic,
            TimeSpec(7, 30, timezone="Europe/Berlin"),
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
    assert line == "Nichts Neues zu nordkorea seit 02.06.2025 07:30."


async def test_nothing_new_in_english(sqlite_url: str) -> None:
    setup = Setup(sqlite_url, language="en")
    subscription = setup.subscribe(topic="storm")
    assert await setup.deliver(subscription) == "sent"
    assert setup.sender.sent[0].reply.text.startswith("Nothing new on storm since 2025-06-02")


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
