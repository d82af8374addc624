"""The shape of a chat command: what arrives (`Incoming`), what a handler gets (`Request`), and
how a command is declared (`Command`). The router dispatches; modules that add commands (feeds,
subscriptions) declare them with these types and hand them to the router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from summarizer.i18n import Phrase
from summarizer.reply import ChatRef, Reply

if TYPE_CHECKING:
    from bot.router import Router


FILENAME_BY_TYPE = {"text/plain": "document.txt", "text/markdown": "document.md",
                    "text/html": "document.html", "text": "document.txt",
                    "markdown": "document.md", "html": "document.html"}  # fmt: skip
"""A name (for its suffix, which the router checks) for a sent file whose platform gives its
type (a MIME type, or Slack's filetype) but no name."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: its name, the size the platform reports (None when it does
    not say), and how to download it. The router calls `download` only after the access,
    admin, type and size checks passed, so a refused file is never fetched."""

    filename: str
    size: int | None
    download: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Incoming:
    """A message as an adapter hands it to the router.

    Adapters decide what reaches the router (in groups: commands, replies to the bot, mentions);
    `reply_to_message_id` is the bot message the user replied to, if any; a message with an
    `attachment` is an /add of that file (its text, a caption, is not read).
    """

    chat: ChatRef
    user_id: str
    text: str
    is_private: bool = True
    reply_to_message_id: str | None = None
    user_language: str | None = None
    workspace_id: str | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Request:
    """What a command handler gets: the message, the parsed arguments and the reply language."""

    message: Incoming
    command: str
    args: str
    language: str
    router: Router = field(repr=False)


Handler = Callable[[Request], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A slash command: its name (without "/"), handler, usage line and one-line help."""

    name: str
    handler: Handler
    usage: Phrase
    summary: Phrase
    admin_only: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Press:
    """An inline button press: `action` is the Button's action string ("more:abc");
    `is_private` as on `Incoming` (a digest it brings says "just write" only then)."""

    chat: ChatRef
    user_id: str
    action: str
    message_id: str | None = None
    user_language: str | None = None
    workspace_id: str | None = None
    is_private: bool = False


ActionHandler = Callable[[Press, "Router"], Awaitable[list[Reply]]]
