"""/sources and /add: what the library holds, and adding to it by URL, pasted text, a sent file
or (in the console only) a file path.

An `/add URL` from a chat is recorded (`bot.pending_adds`) until its reply went out, so a
restart in between finishes it instead of losing it (`finish_add`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import KW_ONLY, dataclass
from functools import partial
from pathlib import Path

from bot import presentation, texts
from bot.commands import Action, Attachment, Command, Incoming, Request
from bot.config import Settings
from bot.conversation import Conversations
from bot.pending_adds import PendingAdd, PendingAdds
from summarizer.errors import UserError
from summarizer.i18n import Phrase
from summarizer.models import Added
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

MAX_ADD_TEXT = 1_000_000
"""Longest text /add accepts pasted in a message."""
ADD_PREVIEW_POINTS = 3
SOURCES_PAGE = 20
FILE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

_URL = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)
_ANY_URL = re.compile(r"[a-z][a-z0-9+.-]*:/\S*", re.IGNORECASE)
"""Something typed as an address ("ftp://…", "http://", "file:///…"); only `_URL` is fetched."""


@dataclass(eq=False)  # a service: equal only to itself
class LibraryCommands:
    """Lists the stored articles and adds new ones (adding is for admins). `pending` records
    `/add URL` requests until answered, so they are finished after a restart."""

    briefing: Briefing
    conversations: Conversations
    settings: Settings
    _: KW_ONLY
    pending: PendingAdds | None = None

    def commands(self) -> list[Command]:
        return [
            Command(
                "sources",
                self.sources,
                texts.SOURCES_USAGE,
                texts.SOURCES_SUMMARY,
                aliases=("quellen",),
            ),
            Command(
                "add",
                self.add,
                texts.ADD_USAGE,
                texts.ADD_SUMMARY,
                admin_only=True,
                max_text=MAX_ADD_TEXT,
                files=True,
            ),
        ]

    def actions(self) -> list[Action]:
        return []

    async def sources(self, request: Request) -> list[Reply]:
        """/sources [PAGE]: the stored articles, newest first, 20 a page."""
        language = request.language
        page_text = request.args.strip() or "1"
        if not page_text.isdecimal() or int(page_text) < 1 or len(page_text) > 6:
            return [presentation.usage(texts.SOURCES_USAGE, language)]
        page = int(page_text)
        offset = (page - 1) * SOURCES_PAGE
        refs = await asyncio.to_thread(self.briefing.sources, limit=SOURCES_PAGE + 1, offset=offset)
        if not refs:
            if page == 1:
                return [presentation.say(texts.LIBRARY_EMPTY, language)]
            return [presentation.say(texts.SOURCES_NO_PAGE, language, page=page)]
        footer = []
        if len(refs) > SOURCES_PAGE:
            footer.append(texts.SOURCES_NEXT.format(language, next=page + 1))
        title = texts.SOURCES_TITLE.get(language)
        return [
            presentation.sources_reply(
                refs[:SOURCES_PAGE], language, title=title, first=offset + 1, footer=footer
            )
        ]

    async def add(self, request: Request) -> list[Reply]:
        """/add URL, pasted text, a sent file, or a path in the console."""
        language = request.language
        message = request.message
        if message.attachment is not None:
            return await self._add_file(message, message.attachment, language)
        source = request.args.strip()
        if not source:
            return [presentation.usage(texts.ADD_USAGE, language)]
        console = message.chat.platform == "console"
        if _URL.fullmatch(source):
            if self.pending is not None and not console:
                pending_id = await asyncio.to_thread(
                    self.pending.record, message.chat, message.user_id, source, language
                )
                request.when_answered.append(partial(self.pending.answered, pending_id))
            added = await self.briefing.add_url(source)
        elif _ANY_URL.fullmatch(source):
            # stored as text it would be "no article text in it", which misleads
            shown = source if len(source) <= 80 else source[:80] + "…"
            return [presentation.say(texts.ADD_NOT_WEB_URL, language, kind="usage", url=shown)]
        elif _looks_like_path(source) or (console and _existing_path(source)):
            # an existing file without a known suffix is still a file ("unsupported file
            # type"), never its name stored as text; elsewhere the server's files stay private
            if not console:
                return [presentation.say(texts.ADD_PATH_CONSOLE_ONLY, language)]
            path = Path(source).expanduser()
            problem = path_problem(path)
            if problem is not None:
                return [presentation.say(problem, language, kind="error")]
            added = await asyncio.to_thread(self.briefing.add, path)
        else:
            added = await asyncio.to_thread(self.briefing.add, source)
        return await self._added(added, message.chat, language)

    async def finish_add(self, pending: PendingAdd) -> list[Reply]:
        """Add a URL recorded before a restart again and answer as `/add URL` would."""
        language = pending.language
        try:
            added = await self.briefing.add_url(pending.url)
            return await self._added(added, pending.chat, language)
        except UserError as error:
            return [Reply(error.message(language), kind="error", language=language)]

    async def _add_file(
        self, message: Incoming, attachment: Attachment, language: str
    ) -> list[Reply]:
        """/add of a sent file: type and reported size are checked before it is downloaded."""
        suffix = Path(attachment.filename).suffix.lower()
        if suffix not in FILE_SUFFIXES:
            shown = suffix or attachment.filename[:40] or "?"
            return [presentation.say(texts.FILE_TYPE, language, kind="error", suffix=shown)]
        limit = self.settings.fetch_max_bytes
        if attachment.size is not None and attachment.size > limit:
            return [_too_big(attachment.size, limit, language)]
        data = await attachment.download()
        if len(data) > limit:
            return [_too_big(len(data), limit, language)]
        added = await asyncio.to_thread(self.briefing.add, data, filename=attachment.filename)
        return await self._added(added, message.chat, language)

    async def _added(self, added: Added, chat: ChatRef, language: str) -> list[Reply]:
        """The "saved" line with the first points of a new article, or "already there"; either
        way the article becomes the chat's context for follow-up questions."""
        article = added.article
        if not added.created:
            self.conversations.create(chat, topic=None, article_ids=[article.id])
            return [presentation.added_reply(article.short_name, None, language)]
        digest = await asyncio.to_thread(self.briefing.digest, article, points=ADD_PREVIEW_POINTS)
        context = self.conversations.for_digest(chat, digest)
        return [
            presentation.added_reply(article.short_name, digest, language, context_id=context.id)
        ]


def _too_big(size: int, limit: int, language: str) -> Reply:
    return presentation.say(
        texts.FILE_TOO_BIG, language, kind="error", size=_bytes(size), limit=_bytes(limit)
    )


def _bytes(size: int) -> str:
    """1234567 -> "1.2 MB", 4200 -> "4 kB", for size limits a person reads."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size} B"


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
