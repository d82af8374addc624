"""Time for the scheduler, the delivery ledger and the rate limiter, injectable so that tests
can run days of schedules in seconds.

`SystemClock` is the real thing. `ManualClock` is virtual time written here (not a library
such as freezegun or time-machine) because it must also drive `sleep`: sleepers wake in deadline
order when the test advances the clock, so rate limits and retry waits run without real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

T = TypeVar("T")

SETTLE_ROUNDS = 64
"""Loop iterations a ManualClock yields before it decides every task is waiting on time."""


class Clock(Protocol):
    """Wall time for schedules (`now`, aware UTC), steady time for rates (`monotonic`), waits."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock; `offset` shifts wall time (the bench uses it to be due in a moment)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """Virtual time: it only moves when a test calls `advance`, `advance_to` or `drive`.

    `sleep` registers a deadline and waits for the clock to reach it. `drive(awaitable)` runs
    the awaitable to completion, jumping time to the next deadline whenever every task is
    waiting on the clock (so 200 rate-limited sends take no real time at all).
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._order), future))
        await future

    def set(self, when: datetime) -> None:
        """Jump to `when` without waking anyone (for moving between test scenes)."""
        self._move(max(0.0, (when.astimezone(UTC) - self._now).total_seconds()))

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass, waking each sleeper at its own deadline, in order."""
        target = self._elapsed + seconds
        await _settle()
        while (deadline := self._next_deadline()) is not None and deadline <= target:
            self._wake_next()
            await _settle()
        self._move(target - self._elapsed)
        await _settle()

    async def advance_to(self, when: datetime) -> None:
        await self.advance(max(0.0, (when.astimezone(UTC) - self._now).total_seconds()))

    async def drive(self, awaitable: Awaitable[T]) -> T:
        """Run `awaitable`, advancing time whenever all work waits on the clock."""
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            await _settle()
            if task.done():
                break
            if self._next_deadline() is not None:
                self._wake_next()
            else:  # waiting on something real (a thread, a socket): give it a moment
                await asyncio.sleep(0.001)
        return task.result()

    def _next_deadline(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    def _wake_next(self) -> None:
        deadline = self._next_deadline()
        if deadline is None:
            return
        self._move(deadline - self._elapsed)
        while self._sleepers and self._sleepers[0][0] <= deadline:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def _move(self, seconds: float) -> None:
        if seconds > 0:
            self._elapsed += seconds
            self._now += timedelta(seconds=seconds)


async def _settle() -> None:
    for _ in range(SETTLE_ROUNDS):
        await asyncio.sleep(0)
