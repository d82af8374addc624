"""The one interface between the router and the commands: what arrives (`Incoming`, `Press`),
what a handler gets (`Request`, `Pressed`), and how a group of commands declares itself
(`CommandGroup`: its `Command`s and button `Action`s).

Each module in this package is one group (brief and ask; sources and add; subscriptions;
feeds; settings). `bot.router.Router.add(group)` registers a group; `bot.app` decides which.
Handlers return `Reply` objects made by `bot.presentation`; they hold no prose themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from summarizer.i18n import Phrase
from summarizer.reply import ChatRef, Reply

FILENAME_BY_TYPE = {"text/plain": "document.txt", "text/markdown": "document.md",
                    "text/html": "document.html", "text": "document.txt",
                    "markdown": "document.md", "html": "document.html"}  # fmt: skip
"""A name (for its suffix, which /add checks) for a sent file whose platform gives its
type (a MIME type, or Slack's filetype) but no name."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: its name, the size the platform reports (None when it does
    not say), and how to download it. /add calls `download` only after the router's access and
    admin checks and its own type and size checks passed, so a refused file is never fetched."""

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
    """What a command handler gets: the message, the parsed arguments and the reply language.

    A handler whose work is only done once the reply reached the chat (a recorded `/add URL`)
    appends a callback to `when_answered`; the router runs it when the adapter reports the
    replies sent (`Router.answered`)."""

    message: Incoming
    command: str
    args: str
    language: str
    when_answered: list[Callable[[], None]] = field(default_factory=list, repr=False)


Handler = Callable[[Request], Awaitable[list[Reply]]]

MAX_TEXT = 20_000
"""Longest message the router reads for a command (unless it allows more) or a question."""


@dataclass(frozen=True)
class Command:
    """A slash command: its name (without "/"), handler, usage line and one-line help.

    `max_text` is the longest message it reads (/add takes whole pasted articles); `files`
    marks the one command a sent file goes to (with the file in `Incoming.attachment`)."""

    name: str
    handler: Handler
    usage: Phrase
    summary: Phrase
    admin_only: bool = False
    aliases: tuple[str, ...] = ()
    max_text: int = MAX_TEXT
    files: bool = False


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


@dataclass(frozen=True)
class Pressed:
    """What a button handler gets: the press, the action's payload ("more:abc" -> "abc") and
    the reply language."""

    press: Press
    payload: str
    language: str


ActionHandler = Callable[[Pressed], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Action:
    """A kind of button: presses of buttons whose action is "prefix:payload" go to `handler`."""

    prefix: str
    handler: ActionHandler


class CommandGroup(Protocol):
    """A module's commands and button actions, as it hands them to `Router.add`."""

    def commands(self) -> list[Command]: ...

    def actions(self) -> list[Action]: ...
