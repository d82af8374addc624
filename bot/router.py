"""The platform-neutral dispatcher: text and button presses in, `Reply` objects out, for every
chat adapter.

It parses "/cmd args" (and Telegram's "/cmd@BotName args"), checks access (allowed chats,
admin-only commands, message length), hands the request to the command group that registered
the command (`bot.commands`), plain text to the follow-up handler and "prefix:payload" button
presses to the group's action, and tells an observer (metrics) what it answered. No input
ever escapes as an exception: user errors become one translated line, anything else one
generic line plus a logged traceback. What a reply says is `bot.presentation`'s business.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot import presentation, texts
from bot.commands import (
    MAX_TEXT,
    Action,
    Command,
    CommandGroup,
    Handler,
    Incoming,
    Press,
    Pressed,
    Request,
)
from bot.config import Settings
from bot.conversation import Conversations
from bot.observability import database_outage
from summarizer.errors import UserError
from summarizer.reply import ChatRef, Reply

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"/(?P<name>[^\s@/]*)(?:@\S*)?(?:\s+(?P<args>.*))?", re.DOTALL)
_BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0")
"""Characters drawn as nothing though Unicode calls them letters or symbols (Hangul fillers,
the blank Braille pattern); `visible` drops them with the format characters."""
QUOTES = "\"'„“”‚‘’«»‹›"

Observer = Callable[[str, Sequence[Reply], float], None]
"""Told (platform, replies, seconds) after every message or press, e.g. Metrics.replied."""


def parse_command(text: str) -> tuple[str, str] | None:
    """("brief", "nordkorea") for "/brief@Bot  nordkorea"; None when `text` is no command."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    args = (match.group("args") or "").strip()
    # "/brief\u200b" or "/brief\x00 x": invisible characters are no part of the name
    name, _, rest = visible(match.group("name")).strip().partition(" ")
    if rest.strip():
        args = f"{rest.strip()} {args}".strip()
    return name.lower(), args


def is_question(text: str) -> bool:
    """A question needs at least one letter or digit that shows: "???", "//", "..." or an emoji
    alone is none, and answering it "not in the sources" would only puzzle."""
    return any(char.isalnum() for char in visible(text))


def visible(text: str) -> str:
    """`text` as it shows: control characters become spaces, invisible ones (zero-width
    space, byte order mark, soft hyphen, fillers) vanish, so a topic of only those is empty."""
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category not in ("Cf", "Cs") and char not in _BLANK:
            kept.append(char)
    return "".join(kept)


def unquote(topic: str) -> str:
    """`"Kim Jong-un"` -> `Kim Jong-un`: quotes around a topic (as a shell would strip)."""
    return topic.strip(QUOTES).strip()


def _log_failure(error: Exception, message: str, *args: object) -> None:
    """A traceback for a bug; one line when the database is down (every message fails alike,
    and a traceback each would bury the log: issue 14)."""
    outage = database_outage(error)
    if outage is None:
        log.exception(message, *args)
    else:
        log.error(message + ": %s", *args, outage)


class Router:
    """Dispatches the messages and button presses of one bot; see the module doc.

    `on_text` answers plain text (a follow-up question); command groups come in with `add`,
    in /help order."""

    def __init__(
        self,
        conversations: Conversations,
        settings: Settings,
        *,
        on_text: Handler | None = None,
        observe: Observer | None = None,
    ) -> None:
        self.conversations = conversations
        self.settings = settings
        self.on_text = on_text
        self.observe = observe
        self._commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        self._actions: dict[str, Action] = {}
        self._when_answered: dict[int, list[Callable[[], None]]] = {}

    # --- registration ----------------------------------------------------------------------

    def add(self, group: CommandGroup) -> None:
        """Register a group's commands (and their aliases) and button actions."""
        for command in group.commands():
            for name in (command.name, *command.aliases):
                if name in self._by_name:
                    raise ValueError(f"command /{name} is registered twice")
                self._by_name[name] = command
            self._commands.append(command)
        for action in group.actions():
            if action.prefix in self._actions:
                raise ValueError(f"button action {action.prefix!r} is registered twice")
            self._actions[action.prefix] = action

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command in /help order."""
        return tuple(self._commands)

    def command_menu(self, language: str) -> list[tuple[str, str]]:
        """(name, one-line summary) of every command, for Telegram's setMyCommands."""
        return [(c.name, c.summary.get(language)) for c in self._commands]

    # --- what adapters call ------------------------------------------------------------------

    async def handle(self, message: Incoming) -> list[Reply]:
        """Answer one message; never raises."""
        started = time.perf_counter()
        language: str = self.settings.language
        try:
            language = self.language_for(message.chat, message.user_language)
            if not self._allowed(message.chat, message.workspace_id):
                replies = [presentation.say(texts.REFUSED, language, kind="refusal")]
            else:
                replies = await self._dispatch(message, language)
        except UserError as error:
            replies = [Reply(error.message(language), kind="error", language=language)]
        except Exception as error:
            _log_failure(error, "message from %s failed", message.chat)
            replies = [presentation.say(texts.GENERIC_ERROR, language, kind="error")]
        return self._answered(message.chat.platform, replies, started)

    async def press(self, press: Press) -> list[Reply]:
        """Answer one button press ("prefix:payload"); never raises."""
        started = time.perf_counter()
        language: str = self.settings.language
        try:
            language = self.language_for(press.chat, press.user_language)
            prefix, _, payload = press.action.partition(":")
            action = self._actions.get(prefix)
            if not self._allowed(press.chat, press.workspace_id):
                replies = [presentation.say(texts.REFUSED, language, kind="refusal")]
            elif action is None:
                replies = [presentation.say(texts.UNKNOWN_ACTION, language)]
            else:
                replies = await action.handler(Pressed(press, payload, language))
        except UserError as error:
            replies = [Reply(error.message(language), kind="error", language=language)]
        except Exception as error:
            _log_failure(error, "button %r in %s failed", press.action, press.chat)
            replies = [presentation.say(texts.GENERIC_ERROR, language, kind="error")]
        return self._answered(press.chat.platform, replies, started)

    def answered(self, message: Incoming) -> None:
        """The adapter sent (or gave up sending) the replies to `message`: what a handler
        left to do then runs now (a recorded `/add URL` is done). Adapters call this after
        delivering, so a process killed before that leaves the record for a restart."""
        for callback in self._when_answered.pop(id(message), ()):
            try:
                callback()
            except Exception as error:
                _log_failure(error, "finishing the reply to %s failed", message.chat)

    def delivered(self, chat: ChatRef, reply: Reply, message_id: str) -> None:
        """Record that `reply` was sent as `message_id`, so replies to it are follow-ups.

        A digest without a context (e.g. a scheduled one) gets a context here, so it can be
        followed up like a /brief reply. Bookkeeping failures are logged, never raised.
        """
        try:
            context_id = reply.context_id
            if context_id is None and reply.digest is not None and reply.digest.points:
                context_id = self.conversations.for_digest(chat, reply.digest).id
            if context_id is not None:
                self.conversations.bind(context_id, chat)
                self.conversations.remember_message(chat, message_id, context_id)
                self.conversations.set_last(chat, context_id)
        except Exception as error:
            _log_failure(error, "could not record message %s in %s", message_id, chat)

    def language_for(self, chat: ChatRef, hint: str | None = None) -> str:
        """The chat's /lang choice, else the user's language hint, else the configured one."""
        chosen = self.conversations.language(chat)
        if chosen:
            return chosen
        if hint and hint[:2].lower() in ("de", "en"):
            return hint[:2].lower()
        return self.settings.language

    def is_admin(self, platform: str, user_id: str) -> bool:
        """Everyone when BRIEFBOT_ADMINS is empty; the local console is always trusted."""
        if not self.settings.admins or platform == "console":
            return True
        return user_id in self.settings.admins or f"{platform}:{user_id}" in self.settings.admins

    # --- dispatch --------------------------------------------------------------------------

    async def _dispatch(self, message: Incoming, language: str) -> list[Reply]:
        text = message.text.strip()
        if message.attachment is not None:
            command = next((c for c in self._commands if c.files), None)
            if command is None:  # no group takes files: say what the bot does take
                return [presentation.say(texts.EMPTY, language, kind="usage")]
            return await self._run(command, Request(message, command.name, "", language))
        if not text:
            return [presentation.say(texts.EMPTY, language, kind="usage")]
        parsed = parse_command(text)
        if parsed is None:
            if len(text) > MAX_TEXT:
                return [_too_long(text, MAX_TEXT, language)]
            if not is_question(text) or self.on_text is None:  # "//", "???", an emoji alone
                return [presentation.say(texts.EMPTY, language, kind="usage")]
            return await self.on_text(Request(message, "", text, language))
        name, args = parsed
        command = self._by_name.get(name)
        if command is None:
            if not name:
                return [presentation.say(texts.EMPTY, language, kind="usage")]
            shown = name if len(name) <= 32 else name[:32] + "…"
            return [presentation.say(texts.UNKNOWN_COMMAND, language, kind="usage", name=shown)]
        if len(text) > command.max_text:
            return [_too_long(text, command.max_text, language)]
        return await self._run(command, Request(message, command.name, args, language))

    async def _run(self, command: Command, request: Request) -> list[Reply]:
        message = request.message
        if command.admin_only and not self.is_admin(message.chat.platform, message.user_id):
            return [presentation.say(texts.ADMIN_ONLY, request.language, kind="refusal")]
        try:
            return await command.handler(request)
        finally:
            if request.when_answered:
                self._when_answered[id(message)] = request.when_answered

    def _answered(self, platform: str, replies: list[Reply], started: float) -> list[Reply]:
        """The replies without buttons nobody handles here, after telling the observer."""
        replies = [self._offered(reply) for reply in replies]
        if self.observe is not None:
            try:
                self.observe(platform, replies, time.perf_counter() - started)
            except Exception:
                log.exception("observer failed")
        return replies

    def _offered(self, reply: Reply) -> Reply:
        """A button whose action no group handles (subscribing, where no scheduler runs)
        would only answer "this button no longer works": it is not shown."""
        kept = tuple(b for b in reply.buttons if b.action.partition(":")[0] in self._actions)
        return reply if kept == reply.buttons else replace(reply, buttons=kept)

    def _allowed(self, chat: ChatRef, workspace_id: str | None) -> bool:
        allowed = self.settings.allowed_chats
        if not allowed or chat.platform == "console":
            return True
        return (
            chat.chat_id in allowed
            or f"{chat.platform}:{chat.chat_id}" in allowed
            or (workspace_id is not None and workspace_id in allowed)
        )


def _too_long(text: str, limit: int, language: str) -> Reply:
    return presentation.say(texts.TOO_LONG, language, kind="usage", length=len(text), limit=limit)
