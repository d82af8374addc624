"""Which platform events (Telegram update_id, Slack event_id) some replica already took, kept in
the database so a redelivery is answered once across replicas and restarts.

Telegram redelivers a webhook update it saw no answer to in time, and Slack retries an event
(X-Slack-Retry-Num); behind a load balancer the copy may land on another replica. Every replica
claims an event with one atomic insert-or-ignore on a unique (platform, event_id) key: exactly
one claimer wins. A bounded in-memory memory of recent ids answers most repeats without a query.
Rows older than `keep` (2 days: longer than Telegram keeps an update, far longer than Slack
retries) are pruned on the first claim and then at most once per `prune_every`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, String, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from bot.retry import RecentIds
from summarizer.db import Base

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)


class SeenUpdateRow(Base):
    """One claimed platform event; the composite primary key is the unique claim."""

    __tablename__ = "seen_updates"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _now() -> datetime:
    return datetime.now(UTC)


class SeenUpdates:
    """The shared "first time this platform event is seen?" store. Every call is one short
    transaction, safe across processes and replicas."""

    def __init__(
        self,
        engine: Engine,
        *,
        keep: timedelta = KEEP,
        prune_every: timedelta = PRUNE_EVERY,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.keep = keep
        self.prune_every = prune_every
        self.now = now
        self._recent = RecentIds()
        self._pruned_at: datetime | None = None

    def first_time(self, platform: str, event_id: str) -> bool:
        """True for exactly one caller per (platform, event_id) across every process sharing the
        database; False for every repeat. When the database cannot be reached the event counts
        as new (logged): answering a rare duplicate beats losing the update."""
        if not self._recent.first_time(f"{platform}:{event_id}"):
            return False
        try:
            self._prune_when_due()
            return self.claim(platform, event_id)
        except SQLAlchemyError as error:
            log.warning("%s event %s: duplicate check failed (%s)", platform, event_id, error)
            return True

    def claim(self, platform: str, event_id: str) -> bool:
        """Insert the claim unless it exists; True when this call inserted it."""
        values: dict[str, Any] = {
            "platform": platform,
            "event_id": event_id,
            "seen_at": self.now(),
        }
        dialect = self.engine.dialect.name
        if dialect in ("postgresql", "sqlite"):
            dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                dialect_insert(SeenUpdateRow)
                .values(values)
                .on_conflict_do_nothing()
                .returning(SeenUpdateRow.event_id)  # psycopg's rowcount here is -1
            )
            with self.engine.begin() as connection:
                return connection.execute(statement).first() is not None
        try:  # any other database: the unique key refuses the second insert
            with self.engine.begin() as connection:
                connection.execute(insert(SeenUpdateRow).values(values))
        except IntegrityError:
            return False
        return True

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
