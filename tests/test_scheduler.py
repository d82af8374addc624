"""The scheduler on real APScheduler, real SQLite and virtual time: DST, restarts, downtime.

Each test builds the real stack (Library/Briefing, subscriptions, ledger, APScheduler with its
SQLAlchemy job store) on a SQLite file; an empty library makes every digest the short "nothing
new" line, which is all these tests need to count deliveries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.presentation import ScheduledDigests
from schedules.clock import ManualClock
from schedules.delivery import UNCONFIRMED, Deliveries
from schedules.ratelimit import Limits, Rate, RateLimiter
from schedules.scheduler import DigestScheduler, job_id
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import ALL_DAYS, TimeSpec
from summarizer.library import Library
from summarizer.models import Digest
from summarizer.reply import ChatRef
from summarizer.service import Briefing
from tests.fakes.recording_sender import Crash, RecordingSender

CHAT = ChatRef("telegram", "1001")


@dataclass
class Stack:
    subscriptions: Subscriptions
    deliveries: Deliveries
    scheduler: DigestScheduler


def build(
    url: str,
    clock: ManualClock,
    sender: RecordingSender,
    *,
    grace: timedelta = timedelta(hours=6),
    limiter: RateLimiter | None = None,
    dying: bool = False,
) -> Stack:
    library = Library.open(url)
    subscriptions = Subscriptions(library.engine)
    source = DyingBriefing(library) if dying else Briefing(library)
    deliveries = Deliveries(
        library.engine,
        subscriptions,
        source,
        sender,
        ScheduledDigests(),
        clock=clock,
        limiter=limiter,
    )
    scheduler = DigestScheduler(library.engine, subscriptions, deliveries, clock=clock, grace=grace)
    return Stack(subscriptions, deliveries, scheduler)


def subscribe(
    stack: Stack,
    clock: ManualClock,
    chat: ChatRef = CHAT,
    *,
    hour: int = 7,
    minute: int = 30,
    days: tuple[int, ...] = ALL_DAYS,
    timezone: str = "Europe/Berlin",
) -> Subscription:
    subscription, _ = stack.subscriptions.subscribe(
        chat,
        "nordkorea",
        TimeSpec(hour, minute, days, timezone),
        now=clock.now(),
        zone_from_chat=False,
    )
    stack.scheduler.schedule(subscription)
    return subscription


async def run_until(stack: Stack, clock: ManualClock, end: datetime) -> None:
    """What the scheduler's own timer does, in virtual time: wake at each next run time."""
    while (due := stack.scheduler.next_due()) is not None and due <= end:
        await clock.advance_to(due)
        await clock.drive(stack.scheduler.run_due())
    await clock.advance_to(end)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def test_berlin_morning_digest_follows_both_dst_changes(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 3, 27, 12))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscribe(stack, clock)
    await stack.scheduler.start()

    await run_until(stack, clock, utc(2025, 4, 1, 12))  # summer time starts on Sun 30 March
    spring = [s.at for s in sender.sent]
    sender.sent.clear()
    await stack.scheduler.stop()
    clock.set(utc(2025, 10, 23, 12))
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 10, 28, 12))  # winter time from Sun 26 October

    assert spring == [
        utc(2025, 3, 28, 6, 30),
        utc(2025, 3, 29, 6, 30),
        utc(2025, 3, 30, 5, 30),
        utc(2025, 3, 31, 5, 30),
        utc(2025, 4, 1, 5, 30),
    ]
    assert [s.at for s in sender.sent] == [
        utc(2025, 10, 24, 5, 30),
        utc(2025, 10, 25, 5, 30),
        utc(2025, 10, 26, 6, 30),
        utc(2025, 10, 27, 6, 30),
        utc(2025, 10, 28, 6, 30),
    ]


async def test_a_time_that_dst_skips_runs_an_hour_later_and_a_doubled_one_once(
    sqlite_url: str,
) -> None:
    """What the README and /subscribe's help promise for 02:30 in Berlin: on the spring-forward
    day at 03:30 (02:30 does not exist), on the fall-back day once, at the first 02:30."""
    clock = ManualClock(utc(2025, 3, 29, 12))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscribe(stack, clock, hour=2, minute=30)
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 3, 31, 12))
    spring = [s.at for s in sender.sent]
    sender.sent.clear()
    await stack.scheduler.stop()
    clock.set(utc(2025, 10, 25, 12))
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 10, 27, 12))
    assert spring == [utc(2025, 3, 30, 1, 30), utc(2025, 3, 31, 0, 30)]  # 03:30 CEST, 02:30
    assert [s.at for s in sender.sent] == [utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)]


async def test_weekday_subscription_skips_the_weekend(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 5, 12))  # a Thursday
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscribe(stack, clock, hour=18, minute=0, days=(0, 3), timezone="UTC")  # mon, thu
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 6, 13, 0))
    assert [s.at for s in sender.sent] == [
        utc(2025, 6, 5, 18),
        utc(2025, 6, 9, 18),
        utc(2025, 6, 12, 18),
    ]


async def test_down_over_the_delivery_time_catches_up_once(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 4))  # 06:00 in Berlin
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscribe(stack, clock)
    await stack.scheduler.start()
    await stack.scheduler.stop()  # down from 06:00 ...
    stack.scheduler.close()

    clock.set(utc(2025, 6, 2, 7))  # ... until 09:00 Berlin
    restarted = build(sqlite_url, clock, sender)
    await restarted.scheduler.start()
    await clock.drive(restarted.scheduler.run_due())
    await clock.drive(restarted.scheduler.idle())
    assert [s.at for s in sender.sent] == [utc(2025, 6, 2, 7)]

    await restarted.scheduler.stop()  # a second restart the same morning sends nothing more
    again = build(sqlite_url, clock, sender)
    await again.scheduler.start()
    await clock.drive(again.scheduler.run_due())
    await run_until(again, clock, utc(2025, 6, 3, 12))
    assert [s.at for s in sender.sent] == [utc(2025, 6, 2, 7), utc(2025, 6, 3, 5, 30)]


async def test_down_beyond_the_grace_is_logged_not_sent(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(utc(2025, 6, 2, 4))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender, grace=timedelta(hours=2))
    subscribe(stack, clock)
    clock.set(utc(2025, 6, 2, 9))  # 11:00 Berlin: 3.5 h late
    with caplog.at_level(logging.WARNING):
        await stack.scheduler.start()
        await clock.drive(stack.scheduler.run_due())
    assert sender.sent == []
    assert "beyond the catch-up grace" in caplog.text
    await run_until(stack, clock, utc(2025, 6, 3, 12))
    assert [s.at for s in sender.sent] == [utc(2025, 6, 3, 5, 30)]


async def test_jobs_are_not_re_added_at_start(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 4))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscription = subscribe(stack, clock)
    stored = stack.scheduler.next_due()
    clock.set(utc(2025, 6, 2, 8))  # down over 07:30 Berlin
    restarted = build(sqlite_url, clock, sender)
    await restarted.scheduler.start()
    # the job survived the restart with its (missed) run time, not a recomputed one
    assert stored == utc(2025, 6, 2, 5, 30)
    assert job_id(subscription.id) in restarted.scheduler.scheduled_ids()
    await clock.drive(restarted.scheduler.run_due())
    assert [s.at for s in sender.sent] == [utc(2025, 6, 2, 8)]
    assert restarted.scheduler.next_due() == utc(2025, 6, 3, 5, 30)


async def test_stopped_between_claim_and_send_delivers_once_after_restart(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 5))
    sender = RecordingSender(clock)
    limiter = RateLimiter(clock)
    stack = build(sqlite_url, clock, sender, limiter=limiter)
    subscribe(stack, clock)
    await stack.scheduler.start()
    limiter.pause("telegram", 3600)  # the delivery claims, then queues for the platform
    await clock.advance_to(utc(2025, 6, 2, 5, 30))
    stack.scheduler._aps.process_now()
    await clock.advance(5)
    assert stack.deliveries.ledger.counts() == {"claimed": 1}
    await stack.scheduler.stop()  # the process goes down here

    restarted = build(sqlite_url, clock, sender, limiter=RateLimiter(clock))
    await restarted.scheduler.start()
    await clock.drive(restarted.scheduler.idle())
    await run_until(restarted, clock, utc(2025, 6, 2, 12))
    assert len(sender.to(CHAT.chat_id)) == 1
    assert restarted.deliveries.ledger.counts() == {"sent": 1}


async def test_crash_between_send_and_mark_is_not_sent_again(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 5))
    sender = RecordingSender(clock, crash_after_send=True)
    stack = build(sqlite_url, clock, sender)
    subscribe(stack, clock)
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 6, 2, 6))
    assert stack.deliveries.ledger.counts() == {"sending": 1}  # the crash left it unmarked

    restarted = build(sqlite_url, clock, sender)
    await restarted.scheduler.start()
    await clock.drive(restarted.scheduler.idle())
    await run_until(restarted, clock, utc(2025, 6, 2, 12))
    assert len(sender.to(CHAT.chat_id)) == 1
    assert restarted.deliveries.ledger.counts() == {UNCONFIRMED: 1}


class DyingBriefing(Briefing):
    """The real Briefing, except that the first brief "kills the process" (raises Crash)."""

    dead = False

    def brief(self, topic: str, **options: Any) -> Digest:
        if not self.dead:
            self.dead = True
            raise Crash("killed while building the digest")
        return super().brief(topic, **options)


async def test_crash_after_claim_before_send_is_retried_once(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 5))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender, dying=True)
    subscribe(stack, clock)
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 6, 2, 6))
    assert stack.deliveries.ledger.counts() == {"claimed": 1}
    assert sender.sent == []

    restarted = build(sqlite_url, clock, sender)
    await restarted.scheduler.start()
    await clock.drive(restarted.scheduler.idle())
    await run_until(restarted, clock, utc(2025, 6, 2, 12))
    assert [s.at for s in sender.sent] == [utc(2025, 6, 2, 6)]
    assert restarted.deliveries.ledger.counts() == {"sent": 1}


async def test_unsubscribing_removes_the_job(sqlite_url: str) -> None:
    clock = ManualClock(utc(2025, 6, 2, 4))
    sender = RecordingSender(clock)
    stack = build(sqlite_url, clock, sender)
    subscription = subscribe(stack, clock)
    assert job_id(subscription.id) in stack.scheduler.scheduled_ids()
    stack.subscriptions.remove(subscription.id)
    stack.scheduler.unschedule(subscription.id)
    assert job_id(subscription.id) not in stack.scheduler.scheduled_ids()
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 6, 3, 12))
    assert sender.sent == []


@pytest.mark.parametrize(
    "limits",
    [Limits(), Limits(telegram_bot=Rate(60, 1.0), telegram_spacing=None)],
    ids=["limiter-as-platform", "limiter-too-loose"],
)
async def test_flood_of_200_due_at_once_each_delivered_once_never_early(
    sqlite_url: str, limits: Limits
) -> None:
    clock = ManualClock(utc(2025, 6, 2, 5))
    limiter = RateLimiter(clock, limits=limits)
    sender = RecordingSender(clock, limiter=limiter, max_per_second=30)
    stack = build(sqlite_url, clock, sender, limiter=limiter)
    chats = [ChatRef("telegram", str(5000 + i)) for i in range(200)]
    for chat in chats:
        subscribe(stack, clock, chat)
    await stack.scheduler.start()
    await run_until(stack, clock, utc(2025, 6, 2, 6))

    due = utc(2025, 6, 2, 5, 30)
    assert sorted(s.chat.chat_id for s in sender.sent) == sorted(c.chat_id for c in chats)
    assert min(s.at for s in sender.sent) >= due
    assert stack.deliveries.ledger.counts() == {"sent": 200}
    seconds = [(s.at - due).total_seconds() for s in sender.sent]
    assert max(sum(1 for t in seconds if start <= t < start + 1) for start in seconds) <= 30
    if limits == Limits():
        assert sender.refused == 0
    else:
        assert sender.refused > 0  # the platform pushed back and every refused digest came later


async def test_a_claim_a_deposed_leader_made_after_the_election_is_taken_over(
    sqlite_url: str,
) -> None:
    """A leader that stalled past its failover may still claim a delivery before it notices
    it lost the lead, after the new leader's catch-up: the new leader takes it over once the
    claim is a poll interval old, instead of waiting for the next election."""
    clock = ManualClock(utc(2025, 6, 2, 5))
    sender = RecordingSender(clock)
    deposed = build(sqlite_url, clock, sender, dying=True)
    subscription = subscribe(deposed, clock)  # 07:30 Berlin = 05:30 UTC
    leader = build(sqlite_url, clock, sender)
    await leader.scheduler.start()  # elected at 05:00: nothing to catch up
    await clock.drive(leader.scheduler.idle())
    await clock.advance_to(utc(2025, 6, 2, 5, 30))
    with pytest.raises(Crash):  # the deposed term claims the 05:30 digest, then stalls
        await deposed.deliveries.deliver(subscription.id, utc(2025, 6, 2, 5, 30), owner="old")
    assert leader.deliveries.ledger.counts() == {"claimed": 1}
    assert leader.scheduler.take_over_orphans() == 0  # too fresh: it may still be in work
    await clock.advance_to(clock.now() + timedelta(seconds=leader.scheduler.poll_interval + 1))
    assert leader.scheduler.take_over_orphans() == 1
    await clock.drive(leader.scheduler.idle())
    assert leader.deliveries.ledger.counts() == {"sent": 1}
    assert [s.at for s in sender.sent] == [clock.now()]
    assert leader.scheduler.take_over_orphans() == 0
    await leader.scheduler.stop()
