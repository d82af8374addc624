"""`/add URL` requests in flight, kept in the database until their answer was sent, so one whose
process was killed mid-fetch (or mid-send) is finished and answered after the restart.

The router records a URL add before fetching and the adapter marks it answered after sending the
replies. A record left behind belongs to a process that died: once it is older than the lease
(as for claimed platform updates, bot/seen_updates.py: far above a fetch's time limit plus a
minute of reply retries), `PendingAddResumer`, running in every process, claims it with one
conditional UPDATE (so exactly one replica takes it), adds the URL again (adding is idempotent:
a stored article is "already there") and sends the usual answer, or the error, to the chat.
After `MAX_ATTEMPTS` claims a record is dropped with an apology instead of retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot import texts
from schedules.periodic import Periodic
from summarizer.db import Base, UTCDateTime
from summarizer.reply import ChatRef, Reply

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
CHECK_EVERY = 30.0
MAX_ATTEMPTS = 3


class PendingAddRow(Base):
    """One `/add URL` whose answer has not been sent yet."""

    __tablename__ = "pending_adds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128), default="")
    url: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class PendingAdd:
    """A recorded `/add URL`: where to answer, what to add, in which language."""

    id: str
    chat: ChatRef
    user_id: str
    url: str
    language: str
    attempts: int


def _now() -> datetime:
    return datetime.now(UTC)


class PendingAdds:
    """The `pending_adds` table. Every call is one short transaction, safe across processes."""

    def __init__(self, engine: Engine, *, now: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.now = now

    def record(self, chat: ChatRef, user_id: str, url: str, language: str) -> str:
        """Remember an add about to start; returns its id for `answered`."""
        pending_id = uuid.uuid4().hex
        with Session(self.engine) as session, session.begin():
            session.add(
                PendingAddRow(
                    id=pending_id,
                    platform=chat.platform,
                    chat=chat.chat_id,
                    thread=chat.thread_id or "",
                    user_id=user_id,
                    url=url,
                    language=language,
                    started_at=self.now(),
                    attempts=0,
                )
            )
        return pending_id

    def answered(self, pending_id: str) -> None:
        """The add's replies were sent (or given up on): forget it."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(PendingAddRow).where(PendingAddRow.id == pending_id))

    def all(self) -> list[PendingAdd]:
        with Session(self.engine) as session:
            rows = session.scalars(select(PendingAddRow).order_by(PendingAddRow.started_at))
            return [_pending(row) for row in rows]

    def claim_stale(self, platforms: set[str], *, lease: timedelta = LEASE) -> list[PendingAdd]:
        """Records of `platforms` older than `lease` (their process died), each claimed for this
        caller by renewing its start time, so no other replica takes it within the lease."""
        now = self.now()
        claimed: list[PendingAdd] = []
        with Session(self.engine) as session, session.begin():
            stale = session.execute(
                select(PendingAddRow.id, PendingAddRow.started_at).where(
                    PendingAddRow.started_at < now - lease,
                    PendingAddRow.platform.in_(sorted(platforms)),
                )
            ).all()
            for pending_id, started_at in stale:
                result = session.execute(
                    update(PendingAddRow)
                    .where(PendingAddRow.id == pending_id, PendingAddRow.started_at == started_at)
                    .values(started_at=now, attempts=PendingAddRow.attempts + 1)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = session.get(PendingAddRow, pending_id)
                    if row is not None:
                        claimed.append(_pending(row))
        return claimed


def _pending(row: PendingAddRow) -> PendingAdd:
    return PendingAdd(
        id=row.id,
        chat=ChatRef(row.platform, row.chat, row.thread or None),
        user_id=row.user_id,
        url=row.url,
        language=row.language,
        attempts=row.attempts or 0,
    )


class ReplySender(Protocol):
    async def send(self, chat: ChatRef, reply: Reply) -> str: ...


Finish = Callable[[PendingAdd], Awaitable[list[Reply]]]
"""Adds a pending URL again and returns the replies (the router's `finish_add`)."""


class PendingAddResumer:
    """A Component of `briefbot run`: at start and every `every` seconds, finishes and answers
    the `/add URL` requests a dead process left, through the platform's sender."""

    name = "pending-adds"

    def __init__(
        self,
        store: PendingAdds,
        finish: Finish,
        senders: Mapping[str, ReplySender],
        *,
        every: float = CHECK_EVERY,
        lease: timedelta = LEASE,
    ) -> None:
        self.store = store
        self.finish = finish
        self.senders = dict(senders)
        self.every = every
        self.lease = lease
        self._loop = Periodic("pending-adds", self._round, every)

    async def start(self) -> None:
        if self.senders:
            await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _round(self) -> None:
        try:
            await self.resume()
        except Exception as error:  # the database may be down: try again next round
            log.warning("pending /add check failed: %s", error)

    async def resume(self) -> int:
        """Finish and answer every stale pending add once; returns how many were handled."""
        stale = await asyncio.to_thread(self.store.claim_stale, set(self.senders), lease=self.lease)
        for pending in stale:
            sender = self.senders[pending.chat.platform]
            if pending.attempts > MAX_ATTEMPTS:
                gave_up = texts.ADD_GAVE_UP.format(pending.language, url=pending.url)
                replies = [Reply(gave_up, kind="error", language=pending.language)]
            else:
                note = texts.ADD_RESUMED.format(pending.language, url=pending.url)
                replies = [Reply(note, language=pending.language), *await self.finish(pending)]
            try:
                for reply in replies:
                    await sender.send(pending.chat, reply)
            except Exception as error:
                log.warning("pending /add in %s not answered: %s", pending.chat, error)
                continue  # tried again after the lease, up to MAX_ATTEMPTS
            await asyncio.to_thread(self.store.answered, pending.id)
            log.info("pending /add in %s finished after a restart", pending.chat)
        return len(stale)
