"""Which platform events (Telegram update_id, Slack event_id) some replica took, and whether its
processing finished, kept in the database so a redelivery is answered once across replicas and
restarts, and an event whose replica died mid-way is answered on redelivery.

Telegram redelivers a webhook update it saw no answer to in time, and Slack retries an event
(X-Slack-Retry-Num); behind a load balancer the copy may land on another replica. Every replica
claims an event with one atomic insert-or-ignore on a unique (platform, event_id) key: exactly
one claimer wins. The claim is a lease: the caller marks it `done` once the event was processed.
A repeat of a done claim is skipped forever; a repeat of an unfinished claim younger than the
lease is skipped as in flight; an unfinished claim older than the lease belongs to a replica that
died (OOM, SIGKILL, node loss) and is taken over by exactly one claimer with one conditional
UPDATE. Both adapters report `done`: Telegram once its update was answered, Slack as soon as
Bolt took the event (Bolt acknowledges before the listener runs, so Slack never retries an event
whose processing died, and a retry late by more than the lease must still be skipped). A bounded
in-memory memory of ids this process won (or saw done) answers most repeats without a query; an
id it was told is in flight elsewhere is not remembered, so the dead claim can still be taken
over here. Rows older than `keep` (2 days: longer than Telegram keeps an update, far longer than
Slack retries) are pruned on the first claim and then at most once per `prune_every`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, String, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from bot.retry import RecentIds
from summarizer.db import Base, UTCDateTime

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
LEASE = timedelta(minutes=2)
"""How long an unfinished claim counts as in flight. Processing one update is bounded mainly by
fetching a URL for /add: the whole download runs under one `asyncio.timeout` of
BRIEFBOT_FETCH_TIMEOUT (bot/config.py, 10 s by default; summarizer/fetch.py), extraction and
ranking take milliseconds to a second, and a reply is sent within seconds, or retried for up to
a minute when the platform fails (bot/retry.py, `RetryPolicy.interactive`). Two minutes is above that, so a live replica's claim is never taken over, and a
dead replica's update is answered about two minutes late instead of never. Only a reply that
Telegram holds back with several long 429 retry_after waits (each up to 60 s is honoured, see
bot/retry.py) can outlast it."""


class Claim(enum.Enum):
    """What one claim attempt found: the caller processes the event only when it `won`."""

    NEW = "new"
    """No one had claimed the event: this caller did."""
    TAKEN_OVER = "taken over"
    """An unfinished claim older than the lease (its replica died): this caller took it over."""
    IN_FLIGHT = "in flight"
    """An unfinished claim younger than the lease: another replica is processing it."""
    DONE = "done"
    """The event was processed: skipped forever."""

    @property
    def won(self) -> bool:
        return self in (Claim.NEW, Claim.TAKEN_OVER)


class SeenUpdateRow(Base):
    """One claimed platform event; the composite primary key is the unique claim. `seen_at` is
    when the current claim was taken (renewed by a takeover), `done_at` when its processing
    finished (NULL while in flight, or forever for a caller that never reports it)."""

    __tablename__ = "seen_updates"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _now() -> datetime:
    return datetime.now(UTC)


class SeenUpdates:
    """The shared "should this replica process this platform event?" store. Every call is one
    short transaction, safe across processes and replicas."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease: timedelta = LEASE,
        keep: timedelta = KEEP,
        prune_every: timedelta = PRUNE_EVERY,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.keep = keep
        self.prune_every = prune_every
        self.now = now
        self._recent = RecentIds()
        self._pruned_at: datetime | None = None

    def first_time(self, platform: str, event_id: str) -> bool:
        """True when this caller should process the event: for exactly one caller per
        (platform, event_id) across every process sharing the database, and again for one
        caller once an unfinished claim outlived the lease. Call `done` when it was processed.
        When the database cannot be reached the event counts as new (logged): answering a rare
        duplicate beats losing the update."""
        key = f"{platform}:{event_id}"
        if key in self._recent:  # won or seen done by this process: it cannot have died
            return False
        try:
            self._prune_when_due()
            claim = self.claim(platform, event_id)
        except SQLAlchemyError as error:
            log.warning("%s event %s: duplicate check failed (%s)", platform, event_id, error)
            claim = Claim.NEW
        if claim is Claim.TAKEN_OVER:
            log.warning(
                "%s event %s: taken over, its claim unfinished for over %s",
                platform,
                event_id,
                self.lease,
            )
        if claim is not Claim.IN_FLIGHT:  # in flight elsewhere: that replica may still die
            self._recent.first_time(key)
        return claim.won

    def claim(self, platform: str, event_id: str) -> Claim:
        """Insert the claim unless it exists, else take it over when it is unfinished and older
        than the lease; one transaction, so two claimers can never both win."""
        now = self.now()
        with self.engine.begin() as connection:
            if self._insert(connection, platform, event_id, now):
                return Claim.NEW
            key = (SeenUpdateRow.platform == platform) & (SeenUpdateRow.event_id == event_id)
            takeover = (
                update(SeenUpdateRow)
                .where(
                    key, SeenUpdateRow.done_at.is_(None), SeenUpdateRow.seen_at < now - self.lease
                )
                .values(seen_at=now)
            )
            if connection.execute(takeover).rowcount == 1:
                return Claim.TAKEN_OVER
            done_at = connection.execute(select(SeenUpdateRow.done_at).where(key)).first()
        return Claim.DONE if done_at is not None and done_at[0] is not None else Claim.IN_FLIGHT

    def _insert(self, connection: Connection, platform: str, event_id: str, now: datetime) -> bool:
        values: dict[str, Any] = {"platform": platform, "event_id": event_id, "seen_at": now}
        dialect = self.engine.dialect.name
        if dialect in ("postgresql", "sqlite"):
            dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                dialect_insert(SeenUpdateRow)
                .values(values)
                .on_conflict_do_nothing()
                .returning(SeenUpdateRow.event_id)  # psycopg's rowcount here is -1
            )
            return connection.execute(statement).first() is not None
        try:  # any other database: the unique key refuses the second insert
            with connection.begin_nested():
                connection.execute(insert(SeenUpdateRow).values(values))
        except IntegrityError:
            return False
        return True

    def done(self, platform: str, event_id: str) -> None:
        """Mark the event processed (answered, or failed with an error that was handled), so no
        redelivery is ever processed again. A database error is logged, not raised: the claim
        then expires with the lease."""
        key = (SeenUpdateRow.platform == platform) & (SeenUpdateRow.event_id == event_id)
        statement = (
            update(SeenUpdateRow)
            .where(key, SeenUpdateRow.done_at.is_(None))
            .values(done_at=self.now())
        )
        try:
            with self.engine.begin() as connection:
                connection.execute(statement)
        except SQLAlchemyError as error:
            log.warning("%s event %s: not marked done (%s)", platform, event_id, error)

    def prune(self, before: datetime | None = None) -> int:
        """Forget claims made before `before` (default: `keep` ago); returns how many."""
        cutoff = before if before is not None else self.now() - self.keep
        with self.engine.begin() as connection:
            result = connection.execute(delete(SeenUpdateRow).where(SeenUpdateRow.seen_at < cutoff))
        self._pruned_at = self.now()
        return int(result.rowcount or 0)

    def _prune_when_due(self) -> None:
        if self._pruned_at is None or self.now() - self._pruned_at >= self.prune_every:
            forgotten = self.prune()
            if forgotten:
                log.info("forgot %d platform event ids older than %s", forgotten, self.keep)
