"""Sending one scheduled digest exactly once: the delivery ledger, the digest of what is new, and
what to do when the platform says wait, retry, or gone.

A delivery is keyed by (platform, chat, subscription, scheduled local date) with a unique
constraint, so a restart, a retry, a catch-up or a second replica can never send it twice:

    claimed ──build──> sending ──send ok──> sent        (points recorded as sent to the chat)
       ^                  │
       └── 429 / 5xx ─────┘ (retry after exactly retry_after, or after a backoff)

A `claimed` row whose owner (one scheduler term) is gone is taken over and retried. A `sending`
row whose owner is gone may or may not have reached the chat: it becomes `unconfirmed` and is
not sent again (a duplicate is the failure users hate most; the log says which ones).

What a digest holds: the points of the articles on the topic that arrived since the
subscription's previous delivery was claimed (the first one: the 24 hours before it), minus
every point the chat was shown before (by a digest, or by a /brief or "more", which the
composition root passes in as `shown_elsewhere`), near-duplicates included, and minus the
articles another subscription of the same chat has already covered (aliases such as
`nordkorea` and `north korea` find the same articles: one digest shows an article, whole).
One chat's digests are built and sent one after the other, so two due at the same minute see
each other's points. Nothing left: one "nothing new since …" line, or silence if configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Engine,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from schedules.clock import Clock, SystemClock
from schedules.ratelimit import RateLimiter
from schedules.sending import ChatGone, RetryAfter, Sender, SendError, TransientSendError
from schedules.subscriptions import Subscription, Subscriptions
from summarizer.brief import point_key
from summarizer.db import Base, UTCDateTime, as_utc
from summarizer.models import Digest
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

log = logging.getLogger(__name__)

CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
SILENT = "silent"
UNCONFIRMED = "unconfirmed"
FAILED = "failed"
GONE = "gone"
EXPIRED = "expired"
DONE = (SENT, SILENT, UNCONFIRMED, FAILED, GONE, EXPIRED)
DELIVERED = (SENT, SILENT, UNCONFIRMED)
"""A run that counts as "the previous delivery": its window of new articles is used up."""
FIRST_WINDOW = timedelta(hours=24)
"""What a subscription's first digest covers: the articles of the 24 hours before it."""
SHOWN_HORIZON = timedelta(days=30)
"""How far back the texts of shown points are compared for near-duplicates (exact repeats
are excluded for ever, by key)."""


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "platform", "chat_id", "subscription_id", "scheduled_date", name="uq_delivery_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[int] = mapped_column(Integer, index=True)
    scheduled_date: Mapped[date] = mapped_column(Date)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(64))
    points: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str] = mapped_column(String(300), default="")


class SentPointRow(Base):
    """A point (by `summarizer.brief.point_key`) that a chat has already received."""

    __tablename__ = "sent_points"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    point_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class ShownPoint:
    """A point a digest showed: its key, its text and the article it cites (stored as JSON in
    `deliveries.points`; rows written before texts were kept hold bare keys)."""

    key: str
    text: str = ""
    article_id: str = ""

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "text": self.text, "article": self.article_id}

    @classmethod
    def from_json(cls, value: object) -> ShownPoint:
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict):
            return cls(
                str(value.get("key", "")), str(value.get("text", "")), str(value.get("article", ""))
            )
        raise ValueError(f"not a shown point: {value!r}")


def _shown_points(raw: str | None) -> list[ShownPoint]:
    return [ShownPoint.from_json(item) for item in json.loads(raw or "[]")]


@dataclass(frozen=True)
class Claim:
    """A delivery this scheduler term now owns."""

    id: int
    subscription_id: int
    scheduled_at: datetime
    attempts: int
    next_attempt_at: datetime | None = None


class Ledger:
    """The deliveries table: every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(
            engine, tables=[Base.metadata.tables[name] for name in ("deliveries", "sent_points")]
        )

    def claim(
        self, subscription: Subscription, scheduled_at: datetime, *, owner: str, now: datetime
    ) -> Claim | None:
        """Own the delivery of `subscription` for `scheduled_at`'s local date, or None when it
        is done, in progress here, or waiting for a later retry."""
        chat = subscription.chat
        day = scheduled_at.astimezone(ZoneInfo(subscription.timezone)).date()
        try:
            with Session(self.engine) as session, session.begin():
                row = session.scalars(
                    select(DeliveryRow).where(
                        DeliveryRow.platform == chat.platform,
                        DeliveryRow.chat_id == chat.chat_id,
                        DeliveryRow.subscription_id == subscription.id,
                        DeliveryRow.scheduled_date == day,
                    )
                ).first()
                if row is None:
                    row = DeliveryRow(
                        platform=chat.platform,
                        chat_id=chat.chat_id,
                        subscription_id=subscription.id,
                        scheduled_date=day,
                        scheduled_at=scheduled_at,
                        status=CLAIMED,
                        owner=owner,
                        attempts=0,
                        claimed_at=now,
                    )
                    session.add(row)
                    session.flush()
                    return Claim(row.id, subscription.id, as_utc(scheduled_at), 0)
                return self._take_over(session, row, owner=owner, now=now)
        except IntegrityError:  # another claim of the same key won the race
            return None

    def take_over(self, delivery_id: int, *, owner: str, now: datetime) -> Claim | None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DeliveryRow, delivery_id)
            return self._take_over(session, row, owner=owner, now=now) if row else None

    @staticmethod
    def _take_over(
        session: Session, row: DeliveryRow, *, owner: str, now: datetime
    ) -> Claim | None:
        if row.status != CLAIMED:
            return None
        deferred = row.next_attempt_at is not None
        if row.owner == owner and not deferred:
            return None  # in progress in this scheduler term
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None
        taken = session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == row.id,
                DeliveryRow.owner == row.owner,
                DeliveryRow.status == CLAIMED,
            )
            .values(owner=owner, next_attempt_at=None, claimed_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Claim(row.id, row.subscription_id, row.scheduled_at, row.attempts)

    def sending(self, delivery_id: int, *, owner: str, keys: Sequence[str | ShownPoint]) -> bool:
        """Mark the delivery as on its way (committed before the platform is called), with the
        points it shows (bare keys, or ShownPoints that also keep the text and the article)."""
        points = [k if isinstance(k, ShownPoint) else ShownPoint(k) for k in keys]
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery_id,
                    DeliveryRow.owner == owner,
                    DeliveryRow.status == CLAIMED,
                )
                .values(status=SENDING, points=json.dumps([p.as_json() for p in points]))
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def sent(self, delivery_id: int, message_id: str, *, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return
            row.status = SENT
            row.message_id = message_id
            row.sent_at = now
            row.next_attempt_at = None
            self._record_points(session, row, now)

    def retry_later(
        self,
        delivery_id: int,
        *,
        owner: str,
        attempts: int,
        error: str,
        at: datetime | None,
    ) -> None:
        """Back to `claimed` after a refused send; `at` set means a retry job will pick it up."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.owner == owner)
                .values(status=CLAIMED, attempts=attempts, error=error[:300], next_attempt_at=at)
            )

    def finish(self, delivery_id: int, status: str, *, error: str = "") -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id)
                .values(status=status, error=error[:300], next_attempt_at=None)
            )

    def sent_keys(self, chat: ChatRef) -> set[str]:
        with Session(self.engine) as session:
            return set(
                session.scalars(
                    select(SentPointRow.point_key).where(
                        SentPointRow.platform == chat.platform,
                        SentPointRow.chat_id == chat.chat_id,
                    )
                )
            )

    def window_start(self, subscription_id: int, *, before: int) -> datetime | None:
        """When the previous delivery of the subscription (a ledger row older than `before`
        that was sent, silent or unconfirmed) was claimed: every article that had arrived by
        then was there to be picked when it was built. None: no delivery yet."""
        with Session(self.engine) as session:
            value = session.scalar(
                select(func.max(DeliveryRow.claimed_at)).where(
                    DeliveryRow.subscription_id == subscription_id,
                    DeliveryRow.id < before,
                    DeliveryRow.status.in_(DELIVERED),
                )
            )
            return as_utc(value) if value is not None else None

    def shown(
        self, chat: ChatRef, *, since: datetime, other_than: int | None = None
    ) -> list[tuple[int, ShownPoint]]:
        """(subscription id, point) of every point the chat's digests claimed at or after
        `since` showed (sent or unconfirmed), optionally leaving out one subscription's."""
        query = select(DeliveryRow.subscription_id, DeliveryRow.points).where(
            DeliveryRow.platform == chat.platform,
            DeliveryRow.chat_id == chat.chat_id,
            DeliveryRow.status.in_((SENT, UNCONFIRMED)),
            DeliveryRow.claimed_at >= since,
        )
        if other_than is not None:
            query = query.where(DeliveryRow.subscription_id != other_than)
        with Session(self.engine) as session:
            return [
                (subscription_id, point)
                for subscription_id, raw in session.execute(query)
                for point in _shown_points(raw)
            ]

    def last_sent_at(self, subscription_id: int) -> datetime | None:
        with Session(self.engine) as session:
            value = session.scalar(
                select(func.max(DeliveryRow.sent_at)).where(
                    DeliveryRow.subscription_id == subscription_id, DeliveryRow.status == SENT
                )
            )
            return value

    def settle_interrupted(self, *, owner: str, now: datetime) -> list[int]:
        """Sends cut off by a crash (`sending`, another owner) become `unconfirmed`: they may
        have reached the chat, so they are not repeated, and their points count as sent."""
        with Session(self.engine) as session, session.begin():
            rows = list(
                session.scalars(
                    select(DeliveryRow).where(
                        DeliveryRow.status == SENDING, DeliveryRow.owner != owner
                    )
                )
            )
            for row in rows:
                row.status = UNCONFIRMED
                row.sent_at = now
                self._record_points(session, row, now)
            return [row.id for row in rows]

    def unfinished(self, *, owner: str) -> list[Claim]:
        """Claimed deliveries of earlier scheduler terms (crashed, stopped, or deferred)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.status == CLAIMED,
                    (DeliveryRow.owner != owner) | DeliveryRow.next_attempt_at.is_not(None),
                )
            )
            return [
                Claim(
                    r.id,
                    r.subscription_id,
                    r.scheduled_at,
                    r.attempts,
                    r.next_attempt_at,
                )
                for r in rows
            ]

    def orphans(self, *, owner: str, claimed_before: datetime) -> list[Claim]:
        """Deliveries another term claimed before `claimed_before` and never finished: a
        leader that stalled past its failover can still claim one before it notices it lost
        the lead, after the new leader's catch-up; the new leader takes them over."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.status == CLAIMED,
                    DeliveryRow.owner != owner,
                    DeliveryRow.claimed_at < claimed_before,
                )
            )
            return [
                Claim(r.id, r.subscription_id, r.scheduled_at, r.attempts, r.next_attempt_at)
                for r in rows
            ]

    def runs_since(self, day: date) -> set[tuple[int, date]]:
        """(subscription id, scheduled date) of every delivery from `day` on, whatever its state."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(DeliveryRow.subscription_id, DeliveryRow.scheduled_date).where(
                    DeliveryRow.scheduled_date >= day
                )
            )
            return {(subscription_id, scheduled) for subscription_id, scheduled in rows}

    def counts(self) -> dict[str, int]:
        """Deliveries per status (for the bench and health checks)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
            )
            return {status: int(n) for status, n in rows}

    def _record_points(self, session: Session, row: DeliveryRow, now: datetime) -> None:
        keys = [point.key for point in _shown_points(row.points)]
        if not keys:
            return
        values = [
            {
                "platform": row.platform,
                "chat_id": row.chat_id,
                "point_key": key,
                "delivery_id": row.id,
                "sent_at": now,
            }
            for key in dict.fromkeys(keys)
        ]
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(SentPointRow).values(values).on_conflict_do_nothing())


ShownElsewhere = Callable[[ChatRef], Sequence[str]]
"""chat -> texts of the points the chat was shown outside scheduled digests (/brief, "more");
`Conversations.shown_points` fits."""


class SenderByPlatform:
    """One Sender for scheduled delivery that hands each message to its platform's Sender
    (the adapters register theirs when they are built: `senders.add("telegram", sender)`).

    A platform whose adapter is not running in this process (its token was removed, or this
    replica runs without it) is a transient failure: the delivery is retried and the
    subscription kept, since the adapter may be back after a restart or on another replica."""

    def __init__(self, senders: Mapping[str, Sender] | None = None) -> None:
        self.senders: dict[str, Sender] = dict(senders or {})

    def add(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        sender = self.senders.get(chat.platform)
        if sender is None:
            raise TransientSendError(f"no {chat.platform!r} adapter is running")
        return await sender.send(chat, reply)


class DigestPresenter(Protocol):
    """How a delivery reads, in the chat's language (`bot.presentation.ScheduledDigests`):
    schedules decide what to send and when, never the words."""

    def digest(self, subscription: Subscription, digest: Digest, language: str) -> Reply:
        """The digest of what is new for `subscription`."""
        ...

    def nothing_new(
        self, subscription: Subscription, since: datetime, language: str, *, now: datetime
    ) -> Reply:
        """The line that says nothing arrived on the topic since `since`."""
        ...


@dataclass(frozen=True)
class Outcome:
    """How one delivery attempt ended.

    status: "sent", "silent" (nothing new, configured quiet), "skipped" (done or owned
    elsewhere), "inactive", "deferred" (retry at `retry_at`), "failed", "gone".
    """

    status: str
    retry_at: datetime | None = None
    message_id: str | None = None
    deactivated: tuple[int, ...] = ()
    delivery_id: int | None = None


@dataclass(frozen=True)
class Backoff:
    """Retries after 5xx/timeouts: `base` doubling up to `cap` seconds, `attempts` in all.
    Waits up to `inline_limit` seconds are awaited in the delivery's own task; longer ones
    (a 429 asking for an hour) become a persisted retry job, so nothing sleeps for hours."""

    attempts: int = 8
    base: float = 0.5
    cap: float = 600.0
    inline_limit: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * 2 ** max(0, attempt - 1))


class Deliveries:
    """Claim -> build the digest of what is new -> send -> mark, for one subscription run.

    At most `concurrency` deliveries are in progress (claimed, built, queued at the limiter) at
    once; thousands due at the same minute wait for a slot before doing any work, so the event
    loop stays free and a crash leaves few claims behind (the rest have no ledger row yet and
    are caught up as missed runs).

    With a `limiter` (the shared RateLimiter, which the adapters' Senders await too), each
    delivery waits its turn with `reserve` before "sending" is recorded, and the Sender's own
    wait uses that slot. What escapes the Sender is handled here: RetryAfter waits exactly that
    long (a long wait becomes a retry job; the chat is paused exactly that long in the limiter;
    `platform_pause` > 0 also holds back the whole platform up to that many seconds, off by
    default because the limiter already keeps the bot-wide pace and a 1-second platform stop
    per stray 429 costs 30 messages),
    TransientSendError backs off, ChatGone switches the chat's subscriptions off.
    """

    def __init__(
        self,
        engine: Engine,
        subscriptions: Subscriptions,
        source: Briefing,
        sender: Sender,
        presenter: DigestPresenter,
        *,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        language: Callable[[ChatRef], str] | None = None,
        silent_when_nothing_new: bool = False,
        points: int = 7,
        backoff: Backoff | None = None,
        platform_pause: float = 0.0,
        concurrency: int = 64,
        finish_seconds: float = 15.0,
        observe: Callable[[str, str], None] | None = None,
        on_the_wire: int = 4,
        shown_elsewhere: ShownElsewhere | None = None,
    ) -> None:
        self.ledger = Ledger(engine)
        self.shown_elsewhere = shown_elsewhere
        self._chat_locks: dict[tuple[str, str], asyncio.Lock] = {}
        """One lock per chat with a digest in progress: a chat's digests are built and sent
        one at a time, so each sees the points the one before it showed."""
        self._wire = asyncio.Semaphore(on_the_wire)
        """At most this many deliveries are marked "sending" at once: when the platform answers
        slower than the limiter hands out slots, the rest wait as `claimed` (resumable), so a
        crash leaves at most this many sends of unknown fate."""
        self.finish_seconds = finish_seconds
        """How long a stop waits for a send already on the wire (then it is `unconfirmed`)."""
        self.observe = observe
        """Told (platform, status) for every sent/failed/gone delivery and every retry."""
        self.subscriptions = subscriptions
        self.source = source
        self.sender = sender
        self.clock = clock or SystemClock()
        self.limiter = limiter
        self.language = language or (lambda _chat: "de")
        self.presenter = presenter
        self.silent_when_nothing_new = silent_when_nothing_new
        self.points = points
        self.backoff = backoff or Backoff()
        self.platform_pause = platform_pause
        self._slots = asyncio.Semaphore(concurrency)

    async def deliver(self, subscription_id: int, scheduled_at: datetime, *, owner: str) -> Outcome:
        """Deliver the run of `subscription_id` scheduled at `scheduled_at`, at most once."""
        async with self._slots:
            subscription = self.subscriptions.get(subscription_id)
            if subscription is None or not subscription.active:
                return Outcome("inactive")
            now = self.clock.now()
            claim = self.ledger.claim(subscription, scheduled_at, owner=owner, now=now)
            if claim is None:
                return Outcome("skipped")
            return self._observed(subscription, await self._run(claim, subscription, owner))

    async def resume(self, delivery_id: int, *, owner: str) -> Outcome:
        """Take over a claimed delivery of an earlier term (or a deferred one) and finish it."""
        async with self._slots:
            claim = self.ledger.take_over(delivery_id, owner=owner, now=self.clock.now())
            if claim is None:
                return Outcome("skipped")
            subscription = self.subscriptions.get(claim.subscription_id)
            if subscription is None or not subscription.active:
                self.ledger.finish(claim.id, EXPIRED, error="subscription removed")
                return Outcome("inactive")
            return self._observed(subscription, await self._run(claim, subscription, owner))

    def _observed(self, subscription: Subscription, outcome: Outcome) -> Outcome:
        if self.observe is not None and outcome.status in {"sent", "failed", "gone"}:
            self.observe(subscription.chat.platform, outcome.status)
        return outcome

    async def _run(self, claim: Claim, subscription: Subscription, owner: str) -> Outcome:
        chat = subscription.chat
        attempts = claim.attempts
        while True:
            try:
                async with self._chat_lock(chat):
                    reply, keys = self._build(subscription, claim)
                    if reply is None:
                        self.ledger.finish(claim.id, SILENT)
                        return Outcome("silent")
                    if self.limiter is not None:
                        await self.limiter.reserve(chat)
                    async with self._wire:  # "sending" only while really on the wire
                        if not self.ledger.sending(claim.id, owner=owner, keys=keys):
                            return Outcome("skipped")
                        message_id = await self._send(claim, chat, reply, owner)
                    self.ledger.sent(claim.id, message_id, now=self.clock.now())
            except RetryAfter as error:
                wait = max(0.0, error.seconds)
                if self.limiter is not None:
                    self.limiter.pause(chat.platform, wait, chat)
                    if self.platform_pause > 0:  # optionally treat it as the bot-wide limit
                        self.limiter.pause(chat.platform, min(wait, self.platform_pause))
                log.warning("%s: platform asks to wait %.1f s (delivery %d)", chat, wait, claim.id)
                outcome = self._later(claim, owner, attempts, str(error), wait, chat.platform)
                if outcome is not None:
                    return outcome
                await self._sleep_unslotted(wait)
                continue
            except ChatGone as error:
                self.ledger.finish(claim.id, GONE, error=str(error))
                ids = self.subscriptions.deactivate_chat(chat.platform, chat.chat_id)
                log.warning(
                    "chat %s:%s is gone (%s): deactivated subscriptions %s",
                    chat.platform,
                    chat.chat_id,
                    error,
                    ids,
                )
                return Outcome("gone", deactivated=tuple(ids))
            except TransientSendError as error:
                if self.limiter is not None:
                    self.limiter.release(chat)
                attempts += 1
                outcome = self._after_failure(claim, owner, attempts, str(error), chat.platform)
                if outcome is not None:
                    return outcome
                await self._sleep_unslotted(self.backoff.delay(attempts))
                continue
            except SendError as error:
                self.ledger.finish(claim.id, FAILED, error=str(error))
                log.error("%s refused delivery %d: %s", chat, claim.id, error)
                return Outcome("failed")
            except Exception as error:
                log.exception("delivery %d to %s failed", claim.id, chat)
                attempts += 1
                outcome = self._after_failure(claim, owner, attempts, repr(error), chat.platform)
                if outcome is not None:
                    return outcome
                await self._sleep_unslotted(self.backoff.delay(attempts))
                continue
            return Outcome("sent", message_id=message_id)

    @contextlib.asynccontextmanager
    async def _chat_lock(self, chat: ChatRef) -> AsyncIterator[None]:
        key = (chat.platform, chat.chat_id)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._chat_locks.get(key) is lock:
                del self._chat_locks[key]  # no one waits: forget it (waiters hold a reference)

    async def _send(self, claim: Claim, chat: ChatRef, reply: Reply, owner: str) -> str:
        """The platform call. A stop (cancellation) that arrives while a message is on the wire
        waits up to `finish_seconds` for the platform's answer and records it: sent, or back to
        `claimed` for the next scheduler term, so a graceful stop neither loses nor repeats it."""
        send = asyncio.ensure_future(self.sender.send(chat, reply))
        try:
            return await asyncio.shield(send)
        except asyncio.CancelledError:
            done, _ = await asyncio.wait({send}, timeout=self.finish_seconds)
            if not done:  # stays "sending": the next term marks it unconfirmed
                send.cancel()
                log.warning("stopping: delivery %d got no answer in time", claim.id)
            elif not send.cancelled() and (error := send.exception()) is not None:
                self.ledger.retry_later(
                    claim.id, owner=owner, attempts=claim.attempts, error=repr(error), at=None
                )
            elif not send.cancelled():
                self.ledger.sent(claim.id, send.result(), now=self.clock.now())
                if self.observe is not None:
                    self.observe(chat.platform, "sent")
            raise

    async def _sleep_unslotted(self, seconds: float) -> None:
        """Wait without holding a delivery slot, so waiting digests never hold back others."""
        self._slots.release()
        try:
            await self.clock.sleep(seconds)
        finally:
            await self._slots.acquire()

    def _after_failure(
        self, claim: Claim, owner: str, attempts: int, error: str, platform: str
    ) -> Outcome | None:
        if attempts >= self.backoff.attempts:
            self.ledger.finish(claim.id, FAILED, error=error)
            log.error("delivery %d failed after %d attempts: %s", claim.id, attempts, error)
            return Outcome("failed")
        return self._later(claim, owner, attempts, error, self.backoff.delay(attempts), platform)

    def _later(
        self, claim: Claim, owner: str, attempts: int, error: str, wait: float, platform: str
    ) -> Outcome | None:
        """Record the retry; a long wait becomes a deferred Outcome (a persisted retry job)."""
        if self.observe is not None:
            self.observe(platform, "deferred")
        if wait > self.backoff.inline_limit:
            at = self.clock.now() + timedelta(seconds=wait)
            self.ledger.retry_later(claim.id, owner=owner, attempts=attempts, error=error, at=at)
            return Outcome("deferred", retry_at=at, delivery_id=claim.id)
        self.ledger.retry_later(claim.id, owner=owner, attempts=attempts, error=error, at=None)
        return None

    def _build(
        self, subscription: Subscription, claim: Claim
    ) -> tuple[Reply | None, list[ShownPoint]]:
        """The digest of what arrived since the previous delivery and the chat has not been
        shown, or the "nothing new" line (None when configured silent)."""
        chat = subscription.chat
        language = self.language(chat)
        since = self.window_start(subscription, claim)
        horizon = self.clock.now() - SHOWN_HORIZON
        exclude = self.ledger.sent_keys(chat)
        shown = [point.text for _, point in self.ledger.shown(chat, since=horizon) if point.text]
        if self.shown_elsewhere is not None:
            shown.extend(self.shown_elsewhere(chat))
        # articles another subscription of this chat showed are covered, whole: none of their
        # sentences becomes a point here (no alias splits or repeats an article)
        covered = {
            point.article_id
            for _, point in self.ledger.shown(chat, since=since, other_than=subscription.id)
            if point.article_id
        }
        for article_id in sorted(covered):
            article = self.source.article(article_id)
            if article is not None:
                exclude.update(point_key(sentence.text) for sentence in article.sentences)
        digest = self.source.brief(
            subscription.topic,
            since=since,
            points=self.points,
            exclude=exclude,
            shown=list(dict.fromkeys(shown)),
            language=language,
        )
        if digest.points:
            points = [ShownPoint(point_key(p.text), p.text, p.article_id) for p in digest.points]
            return self.presenter.digest(subscription, digest, language), points
        if self.silent_when_nothing_new:
            return None, []
        return self.presenter.nothing_new(subscription, since, language, now=self.clock.now()), []

    def window_start(self, subscription: Subscription, claim: Claim) -> datetime:
        """Where the digest of this run starts: the previous delivery, else 24 hours before."""
        previous = self.ledger.window_start(subscription.id, before=claim.id)
        return previous if previous is not None else claim.scheduled_at - FIRST_WINDOW
