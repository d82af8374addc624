"""The one rate limiter for every outgoing message (replies and scheduled digests alike).

Telegram: about 30 messages/s per bot, 1/s per chat, 20/min per group; Slack: about 1/s per
channel. Hand-written sliding windows rather than a token-bucket package (aiolimiter, limits)
because we need several windows at once per message, FIFO fairness for thousands of waiters,
`pause` after a 429, and an injectable clock so tests never sleep.

A sender awaits `wait(chat)` before each message. Waiters for one chat queue behind each other
(so a chat paused for an hour only holds back that chat), then queue FIFO for the platform-wide
window, so 2,000 waiters cost one wake-up per message, not 2,000.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from schedules.clock import Clock, SystemClock
from summarizer.reply import ChatRef

_PREPAID: ContextVar[tuple[str, str] | None] = ContextVar("briefbot_prepaid_slot", default=None)
"""The chat whose next `wait` in this task is already paid for by `reserve`."""

PRUNE_EVERY = 512
"""Waits between sweeps that forget idle chats (so the limiter does not grow forever)."""


@dataclass(frozen=True)
class Rate:
    """At most `count` messages in any `period` seconds."""

    count: int
    period: float


@dataclass(frozen=True)
class Limits:
    """The platforms' published limits. `margin` stretches every period a little, so jitter
    between our clock and the platform's never tips a full window over the edge.
    `telegram_spacing` spreads messages out (at most one per 1/35 s) instead of bursts of 30,
    so only about one message is in flight at any moment and a crash leaves at most one send
    whose fate is unknown. It is a little faster than 30/s so that attempts the platform did not
    take (5xx, timeouts; their slot in the 30/s window is given back with `release`) still leave
    room for 30 delivered messages per second."""

    telegram_bot: Rate = Rate(30, 1.0)
    telegram_spacing: Rate | None = Rate(1, 1.0 / 35)
    telegram_chat: Rate = Rate(1, 1.0)
    telegram_group: Rate = Rate(20, 60.0)
    slack_channel: Rate = Rate(1, 1.0)
    margin: float = 0.01

    def chat_rates(self, platform: str, group: bool) -> list[Rate]:
        if platform == "telegram":
            return [self.telegram_chat, *([self.telegram_group] if group else [])]
        if platform == "slack":
            return [self.slack_channel]
        return []

    def platform_rates(self, platform: str) -> list[Rate]:
        if platform != "telegram":
            return []
        return [self.telegram_bot, *([self.telegram_spacing] if self.telegram_spacing else [])]


class _Window:
    """Send times within the last period, oldest first."""

    def __init__(self, rate: Rate, margin: float, *, smooth: bool = False) -> None:
        self.count = rate.count
        self.period = rate.period * (1.0 + margin)
        self.smooth = smooth and rate.count == 1
        self.times: deque[float] = deque()
        self.last = float("-inf")

    def delay(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) < self.count:
            return 0.0
        return self.times[0] + self.period - now

    def add(self, now: float) -> None:
        """Record a send. A spacing window (one per period) books the slot the sender was due,
        up to one period back, so a waiter woken a little late (a busy loop) does not push
        every later slot back: the rate holds instead of drifting below the limit."""
        due = self.last + self.period
        self.last = due if self.smooth and now - self.period <= due <= now else now
        self.times.append(self.last)


@dataclass
class _Gate:
    """The state behind one chat or one platform."""

    windows: list[_Window]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0
    waiting: int = 0
    last: float | None = None

    def delay(self, now: float) -> float:
        return max([self.paused_until - now, *(w.delay(now) for w in self.windows)])

    def idle(self, now: float) -> bool:
        return (
            self.waiting == 0
            and not self.lock.locked()
            and self.paused_until <= now
            and all(w.delay(now) == 0 and not w.times for w in self.windows)
        )


class RateLimiter:
    """`await wait(chat, group=...)` before each message; `pause(...)` after a 429."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        limits: Limits | None = None,
        observe_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.limits = limits or Limits()
        self.observe_wait = observe_wait
        """Told (platform, seconds) after each message that had to wait (metrics)."""
        self._chats: dict[tuple[str, str], _Gate] = {}
        self._platforms: dict[str, _Gate] = {}
        self._waits = 0

    async def wait(self, chat: ChatRef, *, group: bool = False) -> None:
        """Return when a message to `chat` keeps every limit (and no pause is in force)."""
        if _PREPAID.get() == _key(chat):
            _PREPAID.set(None)
            return
        await self._acquire(chat, group)

    async def reserve(self, chat: ChatRef, *, group: bool | None = None) -> None:
        """Wait for a slot now and hand it to the next `wait(chat)` in this task.

        Scheduled delivery uses this to wait its turn *before* it records "sending" in the
        ledger, so a crash while thousands of digests queue here leaves them claimed (resumed
        later), not in the ambiguous "sending" state. The Sender's own `wait` then passes.
        """
        await self._acquire(chat, looks_like_group(chat) if group is None else group)
        _PREPAID.set(_key(chat))

    async def _acquire(self, chat: ChatRef, group: bool) -> None:
        began = self.clock.monotonic()
        gate = self._chat_gate(chat, group)
        platform = self._platform_gate(chat.platform)
        gate.waiting += 1
        try:
            async with gate.lock:
                await self._until_open(gate)
                platform.waiting += 1
                try:
                    async with platform.lock:
                        while True:
                            now = self.clock.monotonic()
                            delay = max(platform.delay(now), gate.paused_until - now)
                            if delay <= 0:
                                break
                            await self.clock.sleep(delay)
                        for window in (*platform.windows, *gate.windows):
                            window.add(now)
                        gate.last = now
                finally:
                    platform.waiting -= 1
        finally:
            gate.waiting -= 1
        self._waits += 1
        if self.observe_wait is not None and (waited := self.clock.monotonic() - began) > 0:
            self.observe_wait(chat.platform, waited)
        if self._waits % PRUNE_EVERY == 0:
            self._prune()

    def pause(self, platform: str, seconds: float, chat: ChatRef | None = None) -> None:
        """Hold back `chat` (or, without a chat, the whole platform) for exactly `seconds`."""
        gate = self._chat_gate(chat, False) if chat is not None else self._platform_gate(platform)
        gate.paused_until = max(gate.paused_until, self.clock.monotonic() + max(0.0, seconds))

    def release(self, chat: ChatRef) -> None:
        """Give back the slot of the last message to `chat` when the platform did not take it
        (a 5xx or a timeout), so failed attempts do not eat into the platform's rate."""
        gate = self._chats.get(_key(chat))
        if gate is None or gate.last is None:
            return
        platform = self._platform_gate(chat.platform)
        for window in (*platform.windows, *gate.windows):
            with contextlib.suppress(ValueError):
                window.times.remove(gate.last)
        gate.last = None

    def paused_for(self, chat: ChatRef) -> float:
        """Seconds until `chat` may be sent to again because of a pause (0 when not paused)."""
        now = self.clock.monotonic()
        gates = [self._platforms.get(chat.platform), self._chats.get(_key(chat))]
        return max([0.0, *(g.paused_until - now for g in gates if g is not None)])

    async def _until_open(self, gate: _Gate) -> None:
        while (delay := gate.delay(self.clock.monotonic())) > 0:
            await self.clock.sleep(delay)

    def _chat_gate(self, chat: ChatRef, group: bool) -> _Gate:
        key = _key(chat)
        gate = self._chats.get(key)
        if gate is None:
            rates = self.limits.chat_rates(chat.platform, group)
            gate = _Gate([_Window(rate, self.limits.margin) for rate in rates])
            self._chats[key] = gate
        elif group and len(gate.windows) < len(self.limits.chat_rates(chat.platform, True)):
            gate.windows.append(_Window(self.limits.telegram_group, self.limits.margin))
        return gate

    def _platform_gate(self, platform: str) -> _Gate:
        gate = self._platforms.get(platform)
        if gate is None:
            rates = self.limits.platform_rates(platform)
            gate = _Gate([_Window(rate, self.limits.margin, smooth=True) for rate in rates])
            self._platforms[platform] = gate
        return gate

    def _prune(self) -> None:
        now = self.clock.monotonic()
        for key in [k for k, gate in self._chats.items() if gate.idle(now)]:
            del self._chats[key]


def looks_like_group(chat: ChatRef) -> bool:
    """Telegram group and channel ids are negative; private chats are positive."""
    return chat.platform == "telegram" and chat.chat_id.startswith("-")


def _key(chat: ChatRef) -> tuple[str, str]:
    return (chat.platform, chat.chat_id)
