"""Who gets which topic when: the subscriptions table and each chat's time zone, on the shared
`Base` so they live in the same database as the library, the ledger and the job store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Engine,
    Integer,
    Select,
    String,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from schedules.timespec import TimeSpec, days_from_cron
from summarizer.db import Base, UTCDateTime
from summarizer.reply import ChatRef
from summarizer.text import fold


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16), index=True)
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    thread_id: Mapped[str] = mapped_column(String(64), default="")
    topic: Mapped[str] = mapped_column(String(200))
    topic_key: Mapped[str] = mapped_column(String(200))
    days: Mapped[str] = mapped_column(String(40), default="*")
    time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    zone_from_chat: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatZoneRow(Base):
    __tablename__ = "chat_timezones"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))


class ListingRow(Base):
    """The subscriptions /subscriptions last showed a chat (thread), in the order it numbered
    them, so `/unsubscribe 2` means what the reader saw as 2, also after a removal. Each is
    kept as [id, topic key]: SQLite reuses the id of a removed last row for the next one."""

    __tablename__ = "subscription_listings"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    ids: Mapped[str] = mapped_column(Text, default="[]")
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Subscription:
    """One topic digest for one chat (and thread). `effective_from` is when its current time was
    set: runs before that are never caught up. `zone_from_chat` says /timezone moves it."""

    id: int
    chat: ChatRef
    topic: str
    spec: TimeSpec
    active: bool
    effective_from: datetime
    zone_from_chat: bool = True

    @property
    def timezone(self) -> str:
        return self.spec.timezone or "UTC"


def topic_key(topic: str) -> str:
    """How two spellings of one topic are recognised as the same subscription."""
    return " ".join(fold(word) for word in topic.split())


class Subscriptions:
    """The subscription store. Every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(
            engine,
            tables=[
                Base.metadata.tables[name]
                for name in ("subscriptions", "chat_timezones", "subscription_listings")
            ],
        )

    def subscribe(
        self,
        chat: ChatRef,
        topic: str,
        spec: TimeSpec,
        *,
        now: datetime,
        zone_from_chat: bool,
        user_id: str = "",
    ) -> tuple[Subscription, bool]:
        """Add the subscription, or move the chat's existing one on the same topic to the new
        time. Returns it and whether it is new. `spec.timezone` must be set."""
        if spec.timezone is None:
            raise ValueError("subscribe needs a resolved time zone")
        key = topic_key(topic)
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                self._chat_rows(chat).where(SubscriptionRow.topic_key == key)
            ).first()
            created = row is None
            if row is None:
                row = SubscriptionRow(
                    platform=chat.platform,
                    chat_id=chat.chat_id,
                    thread_id=chat.thread_id or "",
                    topic_key=key,
                    created_by=user_id,
                )
                session.add(row)
            row.topic = topic
            row.days = spec.cron_days
            row.time = spec.clock
            row.timezone = spec.timezone
            row.zone_from_chat = zone_from_chat
            row.active = True
            row.effective_from = now
            session.flush()
            return _subscription(row), created

    def get(self, subscription_id: int) -> Subscription | None:
        with Session(self.engine) as session:
            row = session.get(SubscriptionRow, subscription_id)
            return _subscription(row) if row is not None else None

    def for_chat(self, chat: ChatRef) -> list[Subscription]:
        """The chat's (and thread's) active subscriptions, oldest first: /subscriptions numbers."""
        with Session(self.engine) as session:
            rows = session.scalars(self._chat_rows(chat).order_by(SubscriptionRow.id))
            return [_subscription(row) for row in rows]

    def count(self, chat: ChatRef) -> int:
        with Session(self.engine) as session:
            query = (
                select(func.count())
                .select_from(SubscriptionRow)
                .where(
                    SubscriptionRow.platform == chat.platform,
                    SubscriptionRow.chat_id == chat.chat_id,
                    SubscriptionRow.active.is_(True),
                )
            )
            return int(session.scalar(query) or 0)

    def find(self, chat: ChatRef, topic: str) -> Subscription | None:
        with Session(self.engine) as session:
            row = session.scalars(
                self._chat_rows(chat).where(SubscriptionRow.topic_key == topic_key(topic))
            ).first()
            return _subscription(row) if row is not None else None

    def active(self) -> list[Subscription]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.active.is_(True))
                .order_by(SubscriptionRow.id)
            )
            return [_subscription(row) for row in rows]

    def remove(self, subscription_id: int) -> bool:
        with Session(self.engine) as session, session.begin():
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def deactivate_chat(self, platform: str, chat_id: str) -> list[int]:
        """Switch off every subscription of a chat that is gone; returns their ids."""
        with Session(self.engine) as session, session.begin():
            ids = list(
                session.scalars(
                    select(SubscriptionRow.id).where(
                        SubscriptionRow.platform == platform,
                        SubscriptionRow.chat_id == chat_id,
                        SubscriptionRow.active.is_(True),
                    )
                )
            )
            if ids:
                session.execute(
                    update(SubscriptionRow).where(SubscriptionRow.id.in_(ids)).values(active=False)
                )
            return ids

    def move_to_zone(self, chat: ChatRef, zone: str, *, now: datetime) -> list[Subscription]:
        """Set the chat's zone on its subscriptions that follow the chat's zone."""
        with Session(self.engine) as session, session.begin():
            rows = list(
                session.scalars(
                    select(SubscriptionRow).where(
                        SubscriptionRow.platform == chat.platform,
                        SubscriptionRow.chat_id == chat.chat_id,
                        SubscriptionRow.active.is_(True),
                        SubscriptionRow.zone_from_chat.is_(True),
                    )
                )
            )
            for row in rows:
                if row.timezone != zone:
                    row.timezone = zone
                    row.effective_from = now
            session.flush()
            return [_subscription(row) for row in rows]

    def remember_listing(self, chat: ChatRef, shown: list[Subscription], *, now: datetime) -> None:
        """Record the numbering /subscriptions just showed the chat (thread)."""
        key = (chat.platform, chat.chat_id, chat.thread_id or "")
        with Session(self.engine) as session, session.begin():
            row = session.get(ListingRow, key)
            if row is None:
                row = ListingRow(platform=key[0], chat_id=key[1], thread_id=key[2])
                session.add(row)
            row.ids = json.dumps([[s.id, topic_key(s.topic)] for s in shown])
            row.shown_at = now

    def listing(self, chat: ChatRef) -> list[Subscription | None] | None:
        """What /subscriptions last showed, by number: each subscription if it still exists
        (None where it is gone); None if the chat never listed them."""
        with Session(self.engine) as session:
            row = session.get(ListingRow, (chat.platform, chat.chat_id, chat.thread_id or ""))
            if row is None:
                return None
            shown: list[Subscription | None] = []
            for subscription_id, key in json.loads(row.ids):
                found = session.get(SubscriptionRow, int(subscription_id))
                alive = found is not None and found.active and found.topic_key == key
                shown.append(_subscription(found) if found is not None and alive else None)
            return shown

    def chat_zone(self, chat: ChatRef) -> str | None:
        with Session(self.engine) as session:
            row = session.get(ChatZoneRow, (chat.platform, chat.chat_id))
            return row.timezone if row is not None else None

    def set_chat_zone(self, chat: ChatRef, zone: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(ChatZoneRow, (chat.platform, chat.chat_id))
            if row is None:
                session.add(
                    ChatZoneRow(platform=chat.platform, chat_id=chat.chat_id, timezone=zone)
                )
            else:
                row.timezone = zone

    @staticmethod
    def _chat_rows(chat: ChatRef) -> Select[SubscriptionRow]:
        return select(SubscriptionRow).where(
            SubscriptionRow.platform == chat.platform,
            SubscriptionRow.chat_id == chat.chat_id,
            SubscriptionRow.thread_id == (chat.thread_id or ""),
            SubscriptionRow.active.is_(True),
        )


def _subscription(row: SubscriptionRow) -> Subscription:
    hour, minute = (int(part) for part in row.time.split(":"))
    return Subscription(
        id=row.id,
        chat=ChatRef(row.platform, row.chat_id, row.thread_id or None),
        topic=row.topic,
        spec=TimeSpec(hour, minute, days_from_cron(row.days), row.timezone),
        active=row.active,
        effective_from=row.effective_from,
        zone_from_chat=row.zone_from_chat,
    )
