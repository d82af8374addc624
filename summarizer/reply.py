"""What the router answers and what scheduled jobs send: a platform-neutral reply.

It lives in the core (not in `bot/`) because `schedules/` sends replies too and must not import
`bot/`. `bot/render.py` turns a Reply into Telegram HTML, Slack Block Kit or plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from summarizer.models import Answer, Digest

ReplyKind = Literal["text", "digest", "answer", "error", "usage", "refusal"]


@dataclass(frozen=True)
class ChatRef:
    """Where a message goes: platform ("telegram", "slack", "console"), chat and thread."""

    platform: str
    chat_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Button:
    """An inline button. `action` is a short machine string, e.g. "more:<context-id>"."""

    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    """One message to show a user.

    `text` is always a complete plain-text rendering in the user's language (the console shows
    it, Slack uses it as the notification fallback). `digest` / `answer` carry the structure
    that rich renderers need; `title` and `lines` carry it for other replies.
    """

    text: str
    kind: ReplyKind = "text"
    language: str = "de"
    title: str | None = None
    lines: tuple[str, ...] = ()
    digest: Digest | None = None
    answer: Answer | None = None
    buttons: tuple[Button, ...] = ()
    context_id: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
