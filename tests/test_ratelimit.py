"""The one rate limiter, in virtual time: every platform limit holds, pauses hold exactly as long
as asked and only where asked, and a reserved slot is not paid twice."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from schedules.clock import ManualClock
from schedules.ratelimit import Limits, Rate, RateLimiter
from summarizer.reply import ChatRef


def setup(margin: float = 0.0, spacing: Rate | None = None) -> tuple[ManualClock, RateLimiter]:
    """Burst mode (no even spacing) unless asked, so window edges are easy to see."""
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    return clock, RateLimiter(clock, limits=Limits(margin=margin, telegram_spacing=spacing))


async def grants(
    clock: ManualClock, limiter: RateLimiter, chats: list[ChatRef], **kw: bool
) -> list[float]:
    times: list[float] = []

    async def one(chat: ChatRef) -> None:
        await limiter.wait(chat, **kw)
        times.append(clock.monotonic())

    await clock.drive(asyncio.gather(*(one(chat) for chat in chats)))
    return sorted(times)


def most_in_any(times: list[float], period: float) -> int:
    return max(sum(1 for t in times if start <= t < start + period) for start in times)


async def test_telegram_bot_wide_30_per_second() -> None:
    clock, limiter = setup()
    times = await grants(clock, limiter, [ChatRef("telegram", str(i)) for i in range(100)])
    assert most_in_any(times, 1.0) == 30
    assert times[-1] >= 3.0  # the 91st..100th message cannot go before the fourth second


async def test_default_spacing_spreads_messages_within_the_bot_limit() -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock)
    times = await grants(clock, limiter, [ChatRef("telegram", str(i)) for i in range(61)])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert sorted(gaps)[len(gaps) // 2] >= (1 / 35) * 1.01 - 1e-9  # spread, not in bursts
    assert most_in_any(times, 1.01) <= 30
    assert times[-1] <= 2 * 1.01 + 1e-9


async def test_margin_stretches_the_window() -> None:
    clock, limiter = setup(margin=0.02)
    times = await grants(clock, limiter, [ChatRef("telegram", str(i)) for i in range(31)])
    assert times[30] - times[0] >= 1.02


async def test_one_per_second_per_chat() -> None:
    clock, limiter = setup()
    times = await grants(clock, limiter, [ChatRef("telegram", "5")] * 3)
    assert times == [0.0, 1.0, 2.0]


async def test_twenty_per_minute_per_group() -> None:
    clock, limiter = setup()
    times = await grants(clock, limiter, [ChatRef("telegram", "-100")] * 21, group=True)
    assert most_in_any(times, 60.0) == 20
    assert times[20] == 60.0


async def test_slack_one_per_second_per_channel_and_no_bot_limit() -> None:
    clock, limiter = setup()
    same = await grants(clock, limiter, [ChatRef("slack", "C1")] * 3)
    assert same == [0.0, 1.0, 2.0]
    many = await grants(clock, limiter, [ChatRef("slack", f"C{i}") for i in range(2, 102)])
    assert many[-1] == many[0]


async def test_a_paused_chat_holds_back_only_itself() -> None:
    clock, limiter = setup()
    paused = ChatRef("telegram", "9")
    limiter.pause("telegram", 3600, paused)
    assert limiter.paused_for(paused) == 3600
    times = await grants(
        clock, limiter, [ChatRef("telegram", "1"), paused, ChatRef("telegram", "2")]
    )
    assert times == [0.0, 0.0, 3600.0]


async def test_a_platform_pause_holds_back_everyone_exactly_that_long() -> None:
    clock, limiter = setup()
    limiter.pause("telegram", 2.5)
    times = await grants(clock, limiter, [ChatRef("telegram", "1"), ChatRef("telegram", "2")])
    assert times == [2.5, 2.5]
    assert await grants(clock, limiter, [ChatRef("console", "x")]) == [2.5]


async def test_a_reserved_slot_is_used_by_the_next_wait_only() -> None:
    clock, limiter = setup()
    chat = ChatRef("telegram", "3")

    async def reserve_then_wait_twice() -> list[float]:
        await limiter.reserve(chat)
        await limiter.wait(chat)  # the sender's wait: already paid
        first = clock.monotonic()
        await limiter.wait(chat)  # a second part: pays again
        return [first, clock.monotonic()]

    assert await clock.drive(reserve_then_wait_twice()) == [0.0, 1.0]


async def test_a_released_slot_is_free_again() -> None:
    clock, limiter = setup()
    chats = [ChatRef("telegram", str(i)) for i in range(31)]

    async def thirty_one() -> float:
        for chat in chats[:30]:
            await limiter.wait(chat)
        limiter.release(chats[29])  # the platform answered 502 to that one
        await limiter.wait(chats[30])
        return clock.monotonic()

    assert await clock.drive(thirty_one()) == 0.0
