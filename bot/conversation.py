"""What each chat has been briefed on, stored in the database so any replica can follow up.

A context is one digest a chat received: its topic, article ids and the points already shown
(so "more" never repeats one). Bot messages map to contexts, so a reply to a digest is a question
about exactly its articles; each chat (and thread) remembers its last context for plain
follow-ups in private chats, and its reply language. Tables live on `summarizer.db.Base`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from summarizer.brief import point_key
from summarizer.db import Base, UTCDateTime
from summarizer.models import Article, Digest
from summarizer.reply import ChatRef

SHOWN_CONTEXTS = 50
"""How many of a chat's latest briefs and digests `shown_points` reads."""


class ContextRow(Base):
    __tablename__ = "bot_contexts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str] = mapped_column(String(128), default="")
    topic: Mapped[str | None] = mapped_column(Text, nullable=True)
    article_ids: Mapped[str] = mapped_column(Text, default="[]")
    shown: Mapped[str] = mapped_column(Text, default="[]")
    created: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MessageRow(Base):
    __tablename__ = "bot_messages"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    context_id: Mapped[str] = mapped_column(String(32), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatStateRow(Base):
    """Per chat and thread ("" = the chat itself): last context; language on the chat row."""

    __tablename__ = "bot_chat_state"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat: Mapped[str] = mapped_column(String(128), primary_key=True)
    thread: Mapped[str] = mapped_column(String(128), primary_key=True, default="")
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    last_context_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


@dataclass(frozen=True)
class Context:
    """One digest a chat received: what it was about and which points it has seen."""

    id: str
    chat: ChatRef
    topic: str | None
    article_ids: tuple[str, ...]
    shown: tuple[str, ...]
    created: datetime


def _context(row: ContextRow) -> Context:
    return Context(
        id=row.id,
        chat=ChatRef(row.platform, row.chat, row.thread or None),
        topic=row.topic,
        article_ids=tuple(json.loads(row.article_ids)),
        shown=tuple(json.loads(row.shown)),
        created=row.created,
    )


def _merge(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """`old` followed by the items of `new` not in it, order kept."""
    seen = set(old)
    merged = list(old)
    for item in new:
        if item not in seen:
            seen.add(item)
            merged.append(item)
    return merged


T = TypeVar("T")


class Conversations:
    """The conversation store. Every call is one short transaction, safe across processes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_tables(self) -> None:
        Base.metadata.create_all(
            self.engine,
            tables=[ContextRow.__table__, MessageRow.__table__, ChatStateRow.__table__],  # type: ignore[list-item]
        )

    def create(
        self,
        chat: ChatRef,
        *,
        topic: str | None,
        article_ids: Sequence[str],
        shown: Sequence[str] = (),
        remember: bool = True,
    ) -> Context:
        """Store a new context; with `remember` it becomes the chat's (thread's) last one."""
        row = ContextRow(
            id=uuid.uuid4().hex[:16],
            platform=chat.platform,
            chat=chat.chat_id,
            thread=chat.thread_id or "",
            topic=topic,
            article_ids=json.dumps(list(dict.fromkeys(article_ids))),
            shown=json.dumps(list(dict.fromkeys(shown))),
            created=datetime.now(UTC),
        )

        def work(session: Session) -> Context:
            session.add(row)
            if remember:
                self._state(session, chat).last_context_id = row.id
            return _context(row)

        return self._write(work)

    def for_digest(self, chat: ChatRef, digest: Digest, *, remember: bool = True) -> Context:
        """A context for what `digest` showed: its topic, the articles it draws on and its
        points ("more" goes on from there, follow-ups ask its articles)."""
        return self.create(
            chat,
            topic=digest.topic,
            article_ids=digest.article_ids(),
            shown=[point_key(p.text) for p in digest.points],
            remember=remember,
        )

    def showed(self, context_id: str, digest: Digest) -> None:
        """ "More" showed `digest` in the context: its articles and points join it."""
        self.extend(
            context_id,
            article_ids=digest.article_ids(),
            shown=[point_key(p.text) for p in digest.points],
        )

    def shown_points(self, chat: ChatRef, article: Callable[[str], Article | None]) -> list[str]:
        """The texts of the points the chat's recent briefs, "more" presses and digests showed
        (its contexts that reached it), so a scheduled digest can leave them and their
        near-duplicates out. `article` loads an article by id."""
        shown: list[str] = []
        for context in self.recent(chat, limit=SHOWN_CONTEXTS):
            keys = set(context.shown)
            for article_id in context.article_ids:
                found = article(article_id)
                if found is not None:
                    shown += [s.text for s in found.sentences if point_key(s.text) in keys]
        return list(dict.fromkeys(shown))

    def get(self, context_id: str, chat: ChatRef) -> Context | None:
        """The context `context_id` if it was created in `chat` (any thread of it). A button's
        context id replayed in another chat finds nothing, so it cannot reveal what another
        chat was briefed on (issue 14)."""
        with Session(self.engine) as session:
            row = session.get(ContextRow, context_id)
            if row is None or (row.platform, row.chat) != (chat.platform, chat.chat_id):
                return None
            return _context(row)

    def extend(
        self, context_id: str, *, article_ids: Sequence[str] = (), shown: Sequence[str] = ()
    ) -> Context | None:
        """Add articles and shown point keys to a context (row-locked on PostgreSQL)."""
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(ContextRow).where(ContextRow.id == context_id).with_for_update()
            ).first()
            if row is None:
                return None
            row.article_ids = json.dumps(_merge(json.loads(row.article_ids), article_ids))
            row.shown = json.dumps(_merge(json.loads(row.shown), shown))
            return _context(row)

    def bind(self, context_id: str, chat: ChatRef) -> None:
        """Give a context made before its chat was known (a scheduled digest's) to the chat it
        was delivered to; a context that already has a chat keeps it."""
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(ContextRow).where(ContextRow.id == context_id).with_for_update()
            ).first()
            if row is not None and not row.platform and not row.chat:
                row.platform, row.chat = chat.platform, chat.chat_id
                row.thread = chat.thread_id or ""

    def remember_message(self, chat: ChatRef, message_id: str, context_id: str) -> None:
        """Map a sent bot message to its context (a later reply to it is a follow-up)."""

        def work(session: Session) -> None:
            row = session.get(MessageRow, (chat.platform, chat.chat_id, message_id))
            if row is None:
                session.add(
                    MessageRow(
                        platform=chat.platform,
                        chat=chat.chat_id,
                        message_id=message_id,
                        context_id=context_id,
                        created=datetime.now(UTC),
                    )
                )
            else:
                row.context_id = context_id

        self._write(work)

    def for_message(self, chat: ChatRef, message_id: str) -> Context | None:
        with Session(self.engine) as session:
            row = session.get(MessageRow, (chat.platform, chat.chat_id, message_id))
            if row is None:
                return None
            context = session.get(ContextRow, row.context_id)
            return _context(context) if context is not None else None

    def recent(self, chat: ChatRef, *, limit: int) -> list[Context]:
        """The chat's (all its threads') latest `limit` contexts that reached it (a message of
        theirs was recorded as sent), newest first. A digest whose send failed is not one."""
        sent = select(MessageRow.context_id).where(
            MessageRow.platform == chat.platform, MessageRow.chat == chat.chat_id
        )
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ContextRow)
                .where(
                    ContextRow.platform == chat.platform,
                    ContextRow.chat == chat.chat_id,
                    ContextRow.id.in_(sent),
                )
                .order_by(ContextRow.created.desc())
                .limit(limit)
            )
            return [_context(row) for row in rows]

    def last(self, chat: ChatRef) -> Context | None:
        """The chat's (thread's) most recent context, if any."""
        with Session(self.engine) as session:
            state = session.get(ChatStateRow, (chat.platform, chat.chat_id, chat.thread_id or ""))
            if state is None or state.last_context_id is None:
                return None
            row = session.get(ContextRow, state.last_context_id)
            return _context(row) if row is not None else None

    def set_last(self, chat: ChatRef, context_id: str) -> None:
        def work(session: Session) -> None:
            self._state(session, chat).last_context_id = context_id

        self._write(work)

    def language(self, chat: ChatRef) -> str | None:
        """The reply language a chat chose with /lang, if it did."""
        with Session(self.engine) as session:
            state = session.get(ChatStateRow, (chat.platform, chat.chat_id, ""))
            return state.language if state is not None else None

    def set_language(self, chat: ChatRef, language: str) -> None:
        def work(session: Session) -> None:
            self._state(session, ChatRef(chat.platform, chat.chat_id)).language = language

        self._write(work)

    def prune(self, before: datetime) -> int:
        """Forget contexts created before `before` and their message links; returns how many."""
        with Session(self.engine) as session, session.begin():
            old = select(ContextRow.id).where(ContextRow.created < before)
            session.execute(delete(MessageRow).where(MessageRow.context_id.in_(old)))
            result = session.execute(delete(ContextRow).where(ContextRow.created < before))
            return int(getattr(result, "rowcount", 0) or 0)

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction; retried once when another process inserted the
        same chat or message row at the same moment (a unique-key race between replicas)."""
        try:
            with Session(self.engine) as session, session.begin():
                return work(session)
        except IntegrityError:
            with Session(self.engine) as session, session.begin():
                return work(session)

    @staticmethod
    def _state(session: Session, chat: ChatRef) -> ChatStateRow:
        key = (chat.platform, chat.chat_id, chat.thread_id or "")
        state = session.get(ChatStateRow, key)
        if state is None:
            state = ChatStateRow(platform=key[0], chat=key[1], thread=key[2])
            session.add(state)
            session.flush()
        return state
