"""The platform-neutral command router: text in, `Reply` objects out, for every chat adapter.

It parses "/cmd args" (and Telegram's "/cmd@BotName args"), checks access, runs the built-in
commands (/start /help /brief /ask /sources /add /lang) and any registered extra ones, turns
plain text into follow-up questions on the chat's briefed articles, and handles button presses.
No input ever escapes as an exception: user errors become one translated line, anything else
one generic line plus a logged traceback.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from bot import texts
from bot.commands import ActionHandler, Attachment, Command, Incoming, Press, Request
from bot.config import Settings
from bot.conversation import Context, Conversations
from bot.observability import database_outage
from bot.pending_adds import PendingAdd, PendingAdds
from summarizer.brief import point_key
from summarizer.errors import UserError
from summarizer.i18n import Phrase
from summarizer.models import Added, Answer, ArticleRef, Digest, KeyPoint
from summarizer.qa import CLOSEST_SCORE
from summarizer.reply import Button, ChatRef, Reply, ReplyKind
from summarizer.service import Briefing

log = logging.getLogger(__name__)

MAX_TEXT = 20_000
"""Longest message (other than /add) the router reads; longer ones get a "too long" line."""
MAX_ADD_TEXT = 1_000_000
"""Longest text /add accepts pasted in a message."""
MAX_TOPIC = 200
BRIEF_POINTS = 7
SHOWN_CONTEXTS = 50
"""How many of a chat's latest briefs and digests `shown_points` reads."""
MORE_POINTS = 5
ADD_PREVIEW_POINTS = 3
SOURCES_PAGE = 20
MAX_ACTION_BYTES = 64
"""Telegram's limit for a button's callback data; longer actions are not offered."""
LANGUAGES = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "en": "en",
    "english": "en",
    "englisch": "en",
}
FILE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

_COMMAND = re.compile(r"/(?P<name>[^\s@/]*)(?:@\S*)?(?:\s+(?P<args>.*))?", re.DOTALL)
_URL = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)
_ANY_URL = re.compile(r"[a-z][a-z0-9+.-]*:/\S*", re.IGNORECASE)
"""Something typed as an address ("ftp://…", "http://", "file:///…"); only `_URL` is fetched."""
_BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0")
"""Characters drawn as nothing though Unicode calls them letters or symbols (Hangul fillers,
the blank Braille pattern); `visible` drops them with the format characters."""

BuiltinAction = Callable[[Press, str, str], Awaitable[list[Reply]]]
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


def _log_failure(error: Exception, message: str, *args: object) -> None:
    """A traceback for a bug; one line when the database is down (every message fails alike,
    and a traceback each would bury the log: issue 14)."""
    outage = database_outage(error)
    if outage is None:
        log.exception(message, *args)
    else:
        log.error(message + ": %s", *args, outage)


class Router:
    """Dispatches messages and button presses of one bot to commands; see the module doc."""

    def __init__(
        self,
        briefing: Briefing,
        conversations: Conversations,
        settings: Settings,
        *,
        commands: Sequence[Command] = (),
        actions: Mapping[str, ActionHandler] = {},
        observe: Observer | None = None,
        pending: PendingAdds | None = None,
    ) -> None:
        self.briefing = briefing
        self.conversations = conversations
        self.settings = settings
        self.observe = observe
        self.pending = pending
        """Where `/add URL` requests are recorded until answered (finished after a restart)."""
        self._in_flight: dict[int, str] = {}
        self._commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        for command in (*self._builtin_commands(), *commands):
            self._register(command)
        self._builtin_actions: dict[str, BuiltinAction] = {
            "more": self._press_more,
            "sources": self._press_sources,
            "brief": self._press_brief,
        }
        clash = set(actions) & set(self._builtin_actions)
        if clash:
            raise ValueError(f"actions {sorted(clash)} are built in")
        self._actions = dict(actions)

    # --- public API ------------------------------------------------------------------------

    @property
    def commands(self) -> tuple[Command, ...]:
        """All commands in help order: built-in first, then the registered ones."""
        return tuple(self._commands)

    async def handle(self, message: Incoming) -> list[Reply]:
        """Answer one message; never raises."""
        started = time.perf_counter()
        replies = await self._handle(message)
        self._observe(message.chat.platform, replies, started)
        return replies

    def answered(self, message: Incoming) -> None:
        """The adapter sent (or gave up sending) the replies to `message`: a recorded `/add URL`
        of it is done. Adapters call this after delivering, so a process killed before that
        leaves the record for `PendingAddResumer`."""
        pending_id = self._in_flight.pop(id(message), None)
        if pending_id is None or self.pending is None:
            return
        try:
            self.pending.answered(pending_id)
        except Exception as error:
            _log_failure(error, "pending /add %s not cleared", pending_id)

    async def finish_add(self, pending: PendingAdd) -> list[Reply]:
        """Add a URL recorded before a restart again and answer as `/add URL` would."""
        language = pending.language
        try:
            added = await self.briefing.add_url(pending.url)
            return await self._added(added, pending.chat, language)
        except UserError as error:
            return [Reply(error.message(language), kind="error", language=language)]

    async def press(self, press: Press) -> list[Reply]:
        """Answer one button press ("prefix:payload"); never raises."""
        started = time.perf_counter()
        replies = await self._press(press)
        self._observe(press.chat.platform, replies, started)
        return replies

    async def _handle(self, message: Incoming) -> list[Reply]:
        language: str = self.settings.language
        try:
            language = self.language_for(message.chat, message.user_language)
            if not self._allowed(message.chat, message.workspace_id):
                return [self._reply(texts.REFUSED, language, kind="refusal")]
            return await self._dispatch(message, language)
        except UserError as error:
            return [Reply(error.message(language), kind="error", language=language)]
        except Exception as error:
            _log_failure(error, "message from %s failed", message.chat)
            return [self._reply(texts.GENERIC_ERROR, language, kind="error")]

    async def _press(self, press: Press) -> list[Reply]:
        language: str = self.settings.language
        try:
            language = self.language_for(press.chat, press.user_language)
            if not self._allowed(press.chat, press.workspace_id):
                return [self._reply(texts.REFUSED, language, kind="refusal")]
            prefix, _, payload = press.action.partition(":")
            builtin = self._builtin_actions.get(prefix)
            if builtin is not None:
                return await builtin(press, payload, language)
            handler = self._actions.get(prefix)
            if handler is None:
                return [self._reply(texts.UNKNOWN_ACTION, language)]
            return await handler(press, self)
        except UserError as error:
            return [Reply(error.message(language), kind="error", language=language)]
        except Exception as error:
            _log_failure(error, "button %r in %s failed", press.action, press.chat)
            return [self._reply(texts.GENERIC_ERROR, language, kind="error")]

    def delivered(self, chat: ChatRef, reply: Reply, message_id: str) -> None:
        """Record that `reply` was sent as `message_id`, so replies to it are follow-ups.

        A digest without a context (e.g. a scheduled one) gets a context here, so it can be
        followed up like a /brief reply. Bookkeeping failures are logged, never raised.
        """
        try:
            context_id = reply.context_id
            if context_id is None and reply.digest is not None and reply.digest.points:
                digest = reply.digest
                context_id = self.conversations.create(
                    chat,
                    topic=digest.topic,
                    article_ids=self._digest_article_ids(digest),
                    shown=[point_key(p.text) for p in digest.points],
                ).id
            if context_id is not None:
                self.conversations.bind(context_id, chat)
                self.conversations.remember_message(chat, message_id, context_id)
                self.conversations.set_last(chat, context_id)
        except Exception as error:
            _log_failure(error, "could not record message %s in %s", message_id, chat)

    def shown_points(self, chat: ChatRef) -> list[str]:
        """The texts of the points the chat's recent briefs, "more" presses and digests showed
        (its contexts that reached it), so a scheduled digest can leave them and their
        near-duplicates out."""
        texts_shown: list[str] = []
        for context in self.conversations.recent(chat, limit=SHOWN_CONTEXTS):
            keys = set(context.shown)
            for article_id in context.article_ids:
                article = self.briefing.article(article_id)
                if article is not None:
                    texts_shown += [s.text for s in article.sentences if point_key(s.text) in keys]
        return list(dict.fromkeys(texts_shown))

    def register(self, command: Command) -> None:
        """Add a command after construction (for parts built after the router, such as the
        subscription commands, which need the scheduler, which needs the adapters' senders)."""
        self._register(command)

    def register_action(self, prefix: str, handler: ActionHandler) -> None:
        """Handle button actions "prefix:payload" with `handler`."""
        if prefix in self._builtin_actions or prefix in self._actions:
            raise ValueError(f"button action {prefix!r} is registered twice")
        self._actions[prefix] = handler

    def command_menu(self, language: str) -> list[tuple[str, str]]:
        """(name, one-line summary) of every command, for Telegram's setMyCommands."""
        return [(c.name, c.summary.get(language)) for c in self._commands]

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

    def usage(self, command: Command, language: str) -> Reply:
        """The short usage line of a command, for malformed arguments."""
        return Reply(
            texts.USAGE.format(language, usage=command.usage.get(language)),
            kind="usage",
            language=language,
        )

    def digest_reply(
        self,
        digest: Digest,
        language: str,
        title: str | None = None,
        *,
        context_id: str | None = None,
        chat: ChatRef | None = None,
        private: bool = False,
    ) -> Reply:
        """A digest as a Reply: full plain text with numbered sources, structure, buttons.

        Without `context_id` a context is created for the digest (not yet any chat's last
        one: `delivered` makes it so), so a scheduled digest gets the buttons and follow-ups
        of a /brief reply. Fits `schedules.delivery.DigestComposer` (digest, language, title).
        The follow-up hint says "just write" only when `private` (known to be a private chat);
        otherwise "reply to this message", which works in groups too.
        """
        if context_id is None and digest.points:
            context_id = self.conversations.create(
                chat or ChatRef("", ""),
                topic=digest.topic,
                article_ids=self._digest_article_ids(digest),
                shown=[point_key(p.text) for p in digest.points],
                remember=False,
            ).id
        refs = list(digest.articles)
        known = {ref.id for ref in refs}
        for point in digest.points:
            if point.article_id not in known:
                known.add(point.article_id)
                article = self.briefing.article(point.article_id)
                refs.append(ArticleRef(point.article_id, article.short_name if article else ""))
        number = {ref.id: i for i, ref in enumerate(refs, 1)}
        heading = title or digest.title
        lines = [f"• {p.text} {_citation(p, number)}" for p in digest.points]
        sources = [f"[{number[r.id]}] {_cite(r, language)}" for r in refs if r.id in _cited(digest)]
        body = [heading, *lines, "", texts.BRIEF_SOURCES_HEADING.get(language), *sources]
        if context_id is not None:
            hint = texts.BRIEF_FOLLOWUP_HINT if private else texts.BRIEF_FOLLOWUP_HINT_GROUP
            body += ["", hint.get(language)]
        buttons: list[Button] = []
        if context_id is not None:
            if digest.has_more:
                buttons.append(Button(texts.BUTTON_MORE.get(language), f"more:{context_id}"))
            buttons.append(Button(texts.BUTTON_SOURCES.get(language), f"sources:{context_id}"))
        subscribe = f"subscribe:{digest.topic}"
        if (
            digest.topic
            and "subscribe" in self._actions
            and len(subscribe.encode()) <= MAX_ACTION_BYTES
        ):
            buttons.append(Button(texts.BUTTON_SUBSCRIBE.get(language), subscribe))
        return Reply(
            "\n".join(body),
            kind="digest",
            language=language,
            title=heading,
            lines=tuple(lines),
            digest=digest,
            buttons=tuple(buttons),
            context_id=context_id,
        )

    # --- dispatch --------------------------------------------------------------------------

    async def _dispatch(self, message: Incoming, language: str) -> list[Reply]:
        if message.attachment is not None:
            if not self.is_admin(message.chat.platform, message.user_id):
                return [self._reply(texts.ADMIN_ONLY, language, kind="refusal")]
            return await self._add_file(message, message.attachment, language)
        text = message.text.strip()
        if not text:
            return [self._reply(texts.EMPTY, language, kind="usage")]
        parsed = parse_command(text)
        if parsed is None:
            if len(text) > MAX_TEXT:
                return [self._too_long(text, MAX_TEXT, language)]
            if not is_question(text):  # "//", "???", "...", an emoji alone
                return [self._reply(texts.EMPTY, language, kind="usage")]
            return await self._follow_up(message, text, language)
        name, args = parsed
        command = self._by_name.get(name)
        if command is None:
            if not name:
                return [self._reply(texts.EMPTY, language, kind="usage")]
            shown = name if len(name) <= 32 else name[:32] + "…"
            return [self._reply(texts.UNKNOWN_COMMAND, language, kind="usage", name=shown)]
        limit = MAX_ADD_TEXT if command.name == "add" else MAX_TEXT
        if len(text) > limit:
            return [self._too_long(text, limit, language)]
        if command.admin_only and not self.is_admin(message.chat.platform, message.user_id):
            return [self._reply(texts.ADMIN_ONLY, language, kind="refusal")]
        return await command.handler(Request(message, command.name, args, language, self))

    def _observe(self, platform: str, replies: list[Reply], started: float) -> None:
        if self.observe is not None:
            try:
                self.observe(platform, replies, time.perf_counter() - started)
            except Exception:
                log.exception("observer failed")

    def _allowed(self, chat: ChatRef, workspace_id: str | None) -> bool:
        allowed = self.settings.allowed_chats
        if not allowed or chat.platform == "console":
            return True
        return (
            chat.chat_id in allowed
            or f"{chat.platform}:{chat.chat_id}" in allowed
            or (workspace_id is not None and workspace_id in allowed)
        )

    def _register(self, command: Command) -> None:
        for name in (command.name, *command.aliases):
            if name in self._by_name:
                raise ValueError(f"command /{name} is registered twice")
            self._by_name[name] = command
        self._commands.append(command)

    def _builtin_commands(self) -> list[Command]:
        return [
            Command("start", self._start, texts.START_USAGE, texts.START_SUMMARY),
            Command("help", self._help, texts.HELP_USAGE, texts.HELP_SUMMARY, aliases=("hilfe",)),
            Command("brief", self._brief, texts.BRIEF_USAGE, texts.BRIEF_SUMMARY),
            Command("ask", self._ask, texts.ASK_USAGE, texts.ASK_SUMMARY, aliases=("frage",)),
            Command(
                "sources",
                self._sources,
                texts.SOURCES_USAGE,
                texts.SOURCES_SUMMARY,
                aliases=("quellen",),
            ),
            Command("add", self._add, texts.ADD_USAGE, texts.ADD_SUMMARY, admin_only=True),
            Command("lang", self._lang, texts.LANG_USAGE, texts.LANG_SUMMARY),
        ]

    # --- built-in commands -----------------------------------------------------------------

    async def _start(self, request: Request) -> list[Reply]:
        return [self._reply(texts.START, request.language)]

    async def _help(self, request: Request) -> list[Reply]:
        language = request.language
        lines = [f"• {c.usage.get(language)}\n  {c.summary.get(language)}" for c in self._commands]
        title = texts.HELP_TITLE.get(language)
        footer = texts.HELP_FOLLOWUP.get(language)
        if request.message.chat.platform == "console":
            footer += "\n" + texts.HELP_CONSOLE_PASTE.get(language)
        return [
            Reply(
                "\n".join([title, *lines, "", footer]),
                language=language,
                title=title,
                lines=(*lines, footer),
            )
        ]

    async def _brief(self, request: Request) -> list[Reply]:
        language = request.language
        topic = unquote(" ".join(visible(request.args).split()))
        if not topic:
            return [self.usage(self._by_name["brief"], language)]
        if len(topic) > MAX_TOPIC:
            return [
                self._reply(
                    texts.TOPIC_TOO_LONG,
                    language,
                    kind="usage",
                    length=len(topic),
                    limit=MAX_TOPIC,
                )
            ]
        return [
            await self._brief_on(
                request.message.chat, topic, language, private=request.message.is_private
            )
        ]

    async def _brief_on(self, chat: ChatRef, topic: str, language: str, *, private: bool) -> Reply:
        """The /brief reply for a topic: its digest, or "nothing on it" with close spellings
        from the library as buttons that brief on them."""
        digest = await asyncio.to_thread(
            self.briefing.brief, topic, points=BRIEF_POINTS, language=language
        )
        if not digest.points:
            return self._nothing_on(topic, digest.suggestions, language)
        context = self.conversations.create(
            chat,
            topic=topic,
            article_ids=self._digest_article_ids(digest),
            shown=[point_key(p.text) for p in digest.points],
        )
        title = texts.BRIEF_TITLE.format(language, topic=topic)
        return self.digest_reply(
            digest, language, context_id=context.id, title=title, private=private
        )

    def _nothing_on(self, topic: str, suggestions: Sequence[str], language: str) -> Reply:
        offered = [s for s in suggestions if len(f"brief:{s}".encode()) <= MAX_ACTION_BYTES]
        if not offered:
            return self._reply(texts.BRIEF_NOTHING, language, topic=topic)
        spelled = ", ".join(f"„{s}“" if language == "de" else f'"{s}"' for s in offered)
        return Reply(
            texts.BRIEF_NOTHING_BUT.format(language, topic=topic, suggestions=spelled),
            language=language,
            buttons=tuple(Button(s, f"brief:{s}") for s in offered),
        )

    async def _press_brief(self, press: Press, payload: str, language: str) -> list[Reply]:
        """A "did you mean …?" button: the brief on that spelling."""
        topic = " ".join(visible(payload).split())
        if not topic:
            return [self._reply(texts.EXPIRED, language)]
        return [await self._brief_on(press.chat, topic, language, private=press.is_private)]

    async def _ask(self, request: Request) -> list[Reply]:
        language = request.language
        question = " ".join(visible(request.args).split())
        if not is_question(question):
            return [self.usage(self._by_name["ask"], language)]
        if not await asyncio.to_thread(self.briefing.sources, limit=1):
            return [self._reply(texts.LIBRARY_EMPTY, language)]
        answer = await asyncio.to_thread(self.briefing.answer, question)
        return [self._answer_reply(answer, language, texts.NOT_IN_LIBRARY, context_id=None)]

    async def _sources(self, request: Request) -> list[Reply]:
        language = request.language
        page_text = request.args.strip() or "1"
        if not page_text.isdigit() or int(page_text) < 1 or len(page_text) > 6:
            return [self.usage(self._by_name["sources"], language)]
        page = int(page_text)
        offset = (page - 1) * SOURCES_PAGE
        refs = await asyncio.to_thread(self.briefing.sources, limit=SOURCES_PAGE + 1, offset=offset)
        if not refs:
            if page == 1:
                return [self._reply(texts.LIBRARY_EMPTY, language)]
            return [self._reply(texts.SOURCES_NO_PAGE, language, page=page)]
        has_next = len(refs) > SOURCES_PAGE
        refs = refs[:SOURCES_PAGE]
        title = texts.SOURCES_TITLE.get(language)
        lines = [f"{offset + i}. {_cite(ref, language)}" for i, ref in enumerate(refs, 1)]
        body = [title, *lines]
        if has_next:
            body += ["", texts.SOURCES_NEXT.format(language, next=page + 1)]
        return [Reply("\n".join(body), language=language, title=title, lines=tuple(lines))]

    async def _add(self, request: Request) -> list[Reply]:
        language = request.language
        source = request.args.strip()
        if not source:
            return [self.usage(self._by_name["add"], language)]
        console = request.message.chat.platform == "console"
        if _URL.fullmatch(source):
            chat = request.message.chat
            if self.pending is not None and not console:
                self._in_flight[id(request.message)] = await asyncio.to_thread(
                    self.pending.record, chat, request.message.user_id, source, language
                )
            added = await self.briefing.add_url(source)
        elif _ANY_URL.fullmatch(source):
            # stored as text it would be "no article text in it", which misleads
            shown = source if len(source) <= 80 else source[:80] + "…"
            return [self._reply(texts.ADD_NOT_WEB_URL, language, kind="usage", url=shown)]
        elif _looks_like_path(source) or (console and _existing_path(source)):
            # an existing file without a known suffix is still a file ("unsupported file
            # type"), never its name stored as text; elsewhere the server's files stay private
            if not console:
                return [self._reply(texts.ADD_PATH_CONSOLE_ONLY, language)]
            path = Path(source).expanduser()
            problem = path_problem(path)
            if problem is not None:
                return [Reply(problem.get(language), kind="error", language=language)]
            added = await asyncio.to_thread(self.briefing.add, path)
        else:
            added = await asyncio.to_thread(self.briefing.add, source)
        return await self._added(added, request.message.chat, language)

    async def _add_file(
        self, message: Incoming, attachment: Attachment, language: str
    ) -> list[Reply]:
        """/add of a sent file: type and reported size are checked before it is downloaded."""
        suffix = Path(attachment.filename).suffix.lower()
        if suffix not in FILE_SUFFIXES:
            shown = suffix or attachment.filename[:40] or "?"
            return [self._reply(texts.FILE_TYPE, language, kind="error", suffix=shown)]
        limit = self.settings.fetch_max_bytes
        if attachment.size is not None and attachment.size > limit:
            return [self._too_big(attachment.size, limit, language)]
        data = await attachment.download()
        if len(data) > limit:
            return [self._too_big(len(data), limit, language)]
        added = await asyncio.to_thread(self.briefing.add, data, filename=attachment.filename)
        return await self._added(added, message.chat, language)

    async def _added(self, added: Added, chat: ChatRef, language: str) -> list[Reply]:
        """The "saved" line with the first points of a new article, or "already there"."""
        article = added.article
        title = article.short_name or texts.UNTITLED.get(language)
        if not added.created:
            line = texts.ALREADY_THERE.format(language, title=title)
            self.conversations.create(chat, topic=None, article_ids=[article.id])
            return [Reply(line, language=language, title=line)]
        digest = await asyncio.to_thread(self.briefing.digest, article, points=ADD_PREVIEW_POINTS)
        context = self.conversations.create(
            chat,
            topic=None,
            article_ids=[article.id],
            shown=[point_key(p.text) for p in digest.points],
        )
        heading = texts.ADDED.format(language, title=title)
        lines = [f"• {p.text}" for p in digest.points]
        return [
            Reply(
                "\n".join([heading, *lines]),
                language=language,
                title=heading,
                lines=tuple(lines),
                context_id=context.id,
            )
        ]

    async def _lang(self, request: Request) -> list[Reply]:
        choice = request.args.strip().lower()
        if not choice:
            return [
                self._reply(texts.LANG_CURRENT, request.language),
                self.usage(self._by_name["lang"], request.language),
            ]
        language = LANGUAGES.get(choice)
        if language is None:
            return [self.usage(self._by_name["lang"], request.language)]
        self.conversations.set_language(request.message.chat, language)
        return [self._reply(texts.LANG_SET, language)]

    # --- follow-ups and buttons --------------------------------------------------------------

    async def _follow_up(self, message: Incoming, question: str, language: str) -> list[Reply]:
        context = self._context_of(message)
        if context is None or not context.article_ids:
            return [self._reply(texts.NO_CONTEXT, language, kind="usage")]
        answer = await asyncio.to_thread(
            self.briefing.answer, question, articles=list(context.article_ids)
        )
        return [self._answer_reply(answer, language, texts.NOT_IN_SOURCES, context_id=context.id)]

    def _context_of(self, message: Incoming) -> Context | None:
        chat = message.chat
        if message.reply_to_message_id:
            context = self.conversations.for_message(chat, message.reply_to_message_id)
            if context is not None:
                return context
        if chat.thread_id:
            context = self.conversations.for_message(chat, chat.thread_id)
            if context is not None:
                return context
        # a message reaches the router only when it is addressed to the bot (in groups the
        # adapters pass on commands, replies to the bot and mentions), so a question without
        # a reply is about the chat's last brief, in groups as in private chats
        return self.conversations.last(chat)

    async def _press_more(self, press: Press, payload: str, language: str) -> list[Reply]:
        context = self.conversations.get(payload, press.chat) if payload else None
        if context is None:
            return [self._reply(texts.EXPIRED, language)]
        if context.topic is None:
            topic = ""
            digest = await self._more_of_article(context)
        else:
            topic = context.topic
            digest = await asyncio.to_thread(
                self.briefing.brief,
                context.topic,
                points=MORE_POINTS,
                exclude=set(context.shown),
                language=language,
            )
        if not digest.points:
            return [self._reply(texts.NO_MORE_POINTS, language, topic=topic)]
        self.conversations.extend(
            context.id,
            article_ids=self._digest_article_ids(digest),
            shown=[point_key(p.text) for p in digest.points],
        )
        self.conversations.set_last(press.chat, context.id)
        title = texts.BRIEF_MORE_TITLE.format(language, topic=topic or digest.title)
        return [
            self.digest_reply(
                digest, language, context_id=context.id, title=title, private=press.is_private
            )
        ]

    async def _more_of_article(self, context: Context) -> Digest:
        """Next points of a single added article (contexts made by /add have no topic)."""
        article_id = context.article_ids[0]
        shown = set(context.shown)
        full = await asyncio.to_thread(
            self.briefing.digest, article_id, points=len(shown) + MORE_POINTS
        )
        fresh = tuple(p for p in full.points if point_key(p.text) not in shown)
        return Digest(
            title=full.title,
            language=full.language,
            points=fresh[:MORE_POINTS],
            articles=full.articles,
            has_more=full.has_more or len(fresh) > MORE_POINTS,
        )

    async def _press_sources(self, press: Press, payload: str, language: str) -> list[Reply]:
        context = self.conversations.get(payload, press.chat) if payload else None
        if context is None:
            return [self._reply(texts.EXPIRED, language)]
        refs: list[ArticleRef] = []
        for article_id in context.article_ids:
            article = await asyncio.to_thread(self.briefing.article, article_id)
            if article is not None:
                refs.append(ArticleRef(article.id, article.short_name, article.url))
        if context.topic:
            title = texts.CONTEXT_SOURCES_TITLE.format(language, topic=context.topic)
        else:
            title = texts.CONTEXT_SOURCES_TITLE_PLAIN.get(language)
        lines = [f"{i}. {_cite(ref, language)}" for i, ref in enumerate(refs, 1)]
        return [
            Reply(
                "\n".join([title, *lines]),
                language=language,
                title=title,
                lines=tuple(lines),
                context_id=context.id,
            )
        ]

    # --- small helpers -----------------------------------------------------------------------

    def _answer_reply(
        self, answer: Answer, language: str, not_found: Phrase, *, context_id: str | None
    ) -> Reply:
        if not answer.found or not answer.text.strip():
            lines = [not_found.get(language)]
            if answer.text.strip() and answer.score >= CLOSEST_SCORE:  # marked as no answer
                lines += [texts.CLOSEST_MENTION.get(language), *self._quote(answer, language)]
            return Reply(
                "\n".join(lines),
                kind="text",
                language=language,
                context_id=context_id,
                meta={"found": "false"},
            )
        lines = self._quote(answer, language)
        if answer.also is not None:
            lines += [texts.ANSWER_ALSO.get(language), *self._quote(answer.also, language)]
        return Reply(
            "\n".join(lines),
            kind="answer",
            language=language,
            answer=answer,
            context_id=context_id,
            meta={"found": "true"},
        )

    def _quote(self, answer: Answer, language: str) -> list[str]:
        """The answer's text in quotation marks, and the line citing its source."""
        source = answer.source
        if source is None and answer.article_id:
            article = self.briefing.article(answer.article_id)
            if article is not None:
                source = ArticleRef(article.id, article.short_name, article.url)
        text = answer.text.strip()
        lines = [f"„{text}“" if language == "de" else f"“{text}”"]
        if source is not None:
            lines.append(texts.ANSWER_SOURCE.format(language, source=_cite(source, language)))
        return lines

    @staticmethod
    def _digest_article_ids(digest: Digest) -> list[str]:
        ids = [ref.id for ref in digest.articles]
        ids += [i for p in digest.points for i in (p.article_id, *p.also_in)]
        return list(dict.fromkeys(ids))

    @staticmethod
    def _reply(text: Phrase, language: str, *, kind: ReplyKind = "text", **values: object) -> Reply:
        return Reply(text.format(language, **values), kind=kind, language=language)

    def _too_long(self, text: str, limit: int, language: str) -> Reply:
        return self._reply(texts.TOO_LONG, language, kind="usage", length=len(text), limit=limit)

    def _too_big(self, size: int, limit: int, language: str) -> Reply:
        return self._reply(
            texts.FILE_TOO_BIG, language, kind="error", size=_bytes(size), limit=_bytes(limit)
        )


def _cite(ref: ArticleRef, language: str) -> str:
    title = ref.title or texts.UNTITLED.get(language)
    return f"{title} – {ref.url}" if ref.url else title


def _bytes(size: int) -> str:
    """1234567 -> "1.2 MB", 4200 -> "4 kB", for size limits a person reads."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size} B"


def _cited(digest: Digest) -> set[str]:
    return {i for p in digest.points for i in (p.article_id, *p.also_in)}


def _citation(point: KeyPoint, number: Mapping[str, int]) -> str:
    """ "[1]", or "[1] [3]" when other articles state the same fact (`KeyPoint.also_in`)."""
    return " ".join(f"[{number[i]}]" for i in (point.article_id, *point.also_in) if i in number)


def _looks_like_path(source: str) -> bool:
    return "\n" not in source and len(source) < 1024 and source.lower().endswith(FILE_SUFFIXES)


def _existing_path(source: str) -> bool:
    if "\n" in source or len(source) >= 1024:
        return False
    try:
        return Path(source).expanduser().exists()
    except (OSError, ValueError, RuntimeError):
        return False


def path_problem(path: Path) -> Phrase | None:
    """Why `path` cannot be read as an article file (a folder, no read permission), or None
    (a missing file or a wrong suffix is left to the extractor, which says so)."""
    try:
        if path.is_dir():
            return texts.PATH_IS_FOLDER
        if path.exists():
            with path.open("rb"):
                pass
    except OSError:
        return texts.PATH_UNREADABLE
    return None


QUOTES = "\"'„“”‚‘’«»‹›"


def unquote(topic: str) -> str:
    """`"Kim Jong-un"` -> `Kim Jong-un`: quotes around a topic (as a shell would strip)."""
    return topic.strip(QUOTES).strip()
