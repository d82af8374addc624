"""A background round every so many seconds, as one asyncio task: the feed poller's and the
/add resumer's loop (a Component's `start` and `stop`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable


class Periodic:
    """Runs `round` now and then every `every` seconds (counted from the start of one round to
    the next, at least `pause` apart) until stopped. A round handles its own errors: one that
    escapes ends the loop, as a bug should be seen."""

    def __init__(
        self, name: str, round: Callable[[], Awaitable[None]], every: float, *, pause: float = 0.0
    ) -> None:
        self.name = name
        self.round = round
        self.every = every
        self.pause = pause
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            await self.round()
            await asyncio.sleep(max(self.pause, self.every - (time.monotonic() - started)))
