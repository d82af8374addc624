"""A Sender for schedule tests: it plays the platform, keeps every message it accepted with the
clock's time, and can enforce a platform rate (RetryAfter beyond it), fail on cue, or "crash"
(raise a BaseException, as a killed process would stop) before or after the platform got it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from schedules.clock import Clock
from schedules.ratelimit import RateLimiter
from schedules.sending import RetryAfter
from summarizer.reply import ChatRef, Reply


class Crash(BaseException):
    """Stands for the process dying at this point (not an Exception: nothing catches it)."""


@dataclass(frozen=True)
class Sent:
    chat: ChatRef
    reply: Reply
    at: datetime
    message_id: str


@dataclass
class RecordingSender:
    """`failures[chat_id]` holds exceptions raised (in order) on the next sends to that chat;
    `max_per_second` refuses with RetryAfter(1) beyond that many accepted sends in any second;
    `crash_after_send` accepts the message, then raises Crash once."""

    clock: Clock
    limiter: RateLimiter | None = None
    max_per_second: int | None = None
    failures: dict[str, list[BaseException]] = field(default_factory=dict)
    crash_after_send: bool = False
    before_send: Callable[[ChatRef], None] | None = None
    sent: list[Sent] = field(default_factory=list)
    refused: int = 0
    _accepted: deque[float] = field(default_factory=deque)

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        if self.limiter is not None:
            await self.limiter.wait(chat, group=chat.chat_id.startswith("-"))
        if self.before_send is not None:
            self.before_send(chat)
        pending = self.failures.get(chat.chat_id)
        if pending:
            raise pending.pop(0)
        now = self.clock.monotonic()
        if self.max_per_second is not None:
            while self._accepted and self._accepted[0] <= now - 1.0:
                self._accepted.popleft()
            if len(self._accepted) >= self.max_per_second:
                self.refused += 1
                raise RetryAfter(1.0)
            self._accepted.append(now)
        message_id = str(len(self.sent) + 1)
        self.sent.append(Sent(chat, reply, self.clock.now(), message_id))
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash("killed after the platform took the message")
        return message_id

    def to(self, chat_id: str) -> list[Sent]:
        return [s for s in self.sent if s.chat.chat_id == chat_id]
