"""How the chat senders retry one message: honour a platform's retry_after, back off after 5xx
and timeouts, give up at once on a gone chat. Shared by the Telegram and Slack senders (which
must not import each other's libraries); waits are injectable so tests never really sleep.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Self, TypeVar

from schedules.sending import RetryAfter, TransientSendError
from summarizer.reply import ChatRef, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")


class Limiter(Protocol):
    """What the senders need of schedules.ratelimit.RateLimiter (the one outgoing limiter)."""

    async def wait(self, chat: ChatRef, *, group: bool = False) -> None: ...

    def pause(self, platform: str, seconds: float, chat: ChatRef | None = None) -> object: ...


async def pause_limiter(
    limiter: Limiter | None, platform: str, seconds: float, chat: ChatRef | None
) -> None:
    """Tell the shared limiter about a 429 (its `pause` may be sync or async)."""
    if limiter is None:
        return
    result = limiter.pause(platform, seconds, chat)
    if inspect.isawaitable(result):
        await result


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries per message (None: no count) and at most `deadline` seconds of retrying
    (None: no deadline); backoff `base_delay` doubling up to `max_delay`; a 429 asking for more
    than `max_retry_after` seconds is handed to the caller as RetryAfter."""

    attempts: int | None = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    deadline: float | None = None

    @classmethod
    def interactive(cls, **changes: Any) -> RetryPolicy:
        """For replies to users: under long polling the update is already confirmed, so a reply
        that fails is lost unless retried; keep trying for up to a minute (issue 14)."""
        return cls(**{"attempts": None, "deadline": 60.0, **changes})


Delivered = Callable[[ChatRef, Reply, str], None]
"""Told of each message sent for a reply with a conversation, so a reply to it is a follow-up."""


class RetryingSender:
    """What the Telegram and Slack senders share: the one rate limiter, the retry policy, and
    who is told of a delivered message."""

    def __init__(
        self,
        *,
        limiter: Limiter | None = None,
        policy: RetryPolicy | None = None,
        on_delivered: Delivered | None = None,
    ) -> None:
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.on_delivered = on_delivered

    def single_attempt(self) -> Self:
        """This sender trying each message once, for scheduled digests: their ledger retries by
        itself, and a retry inside a send would hold the delivery in "sending" (a crash then
        would leave a refused message unconfirmed, never sent)."""
        twin = copy.copy(self)
        twin.policy = replace(self.policy, attempts=1, deadline=None)
        return twin


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry_after: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Run `call` until it succeeds; RetryAfter / TransientSendError are retried per `policy`,
    any other error (ChatGone included) propagates at once. Retries are logged at DEBUG and a
    success after failures once at INFO: the caller logs a final failure, one line a message
    (an outage must not write a line per attempt)."""
    attempt = 1
    started = time.monotonic()
    slept = 0.0
    while True:
        try:
            result = await call()
        except RetryAfter as error:
            if on_retry_after is not None:
                await on_retry_after(error.seconds)
            if error.seconds > policy.max_retry_after or _spent(
                policy, attempt, started, slept, error.seconds
            ):
                raise
            delay = error.seconds
            log.debug("rate limited, waiting %.1f s (attempt %d)", delay, attempt)
        except TransientSendError as error:
            delay = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
            if _spent(policy, attempt, started, slept, delay):
                raise
            log.debug("send failed (%s), retrying in %.1f s (attempt %d)", error, delay, attempt)
        else:
            if attempt > 1:
                log.info("sent after %d attempts in %.1f s", attempt, time.monotonic() - started)
            return result
        await policy.sleep(delay)
        slept += delay
        attempt += 1


def _spent(policy: RetryPolicy, attempt: int, started: float, slept: float, delay: float) -> bool:
    """Whether another try after `delay` seconds is beyond the policy's attempts or deadline
    (time counts as what really passed or what was slept, whichever is more, so an injected
    sleep in tests counts too)."""
    if policy.attempts is not None and attempt >= policy.attempts:
        return True
    if policy.deadline is not None:
        elapsed = max(time.monotonic() - started, slept)
        return elapsed + delay > policy.deadline
    return False


class RecentIds:
    """A bounded memory of ids already handled (update_id, event_id), oldest forgotten first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: dict[str, None] = {}

    def __contains__(self, key: object) -> bool:
        """Whether `key` is remembered, without remembering it."""
        return key in self._ids

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen, False for every repeat."""
        if key in self._ids:
            return False
        self._ids[key] = None
        if len(self._ids) > self.size:
            del self._ids[next(iter(self._ids))]
        return True
