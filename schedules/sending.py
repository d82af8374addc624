"""How scheduled work talks to a chat platform without importing one.

Adapters in `bot/` implement `Sender` and translate their platform's failures into the three
exceptions below, so the delivery code can decide: wait, retry, or give the chat up.
"""

from __future__ import annotations

from typing import Protocol

from summarizer.reply import ChatRef, Reply


class SendError(Exception):
    """A message could not be sent; the subclasses say what to do about it."""


class RetryAfter(SendError):
    """The platform asked us to wait (HTTP 429): retry after `seconds`, not sooner."""

    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"rate limited, retry after {seconds:g} s")
        self.seconds = seconds


class TransientSendError(SendError):
    """A 5xx answer, a timeout or a broken connection: retry with backoff."""


class ChatGone(SendError):
    """The bot was blocked, removed, or the chat deleted: stop sending to this chat."""


class Sender(Protocol):
    """Sends a reply to a chat and returns the platform's message id."""

    async def send(self, chat: ChatRef, reply: Reply) -> str: ...
