"""RSS/Atom feeds the bot follows: the feed tables, one poll of a feed, and the `FeedPoller`
component that polls every due feed once a minute, each on its own interval.

A poll is a conditional GET (ETag / Last-Modified) through the safe `Fetcher`; feedparser reads
RSS 0.9x/1.0/2.0 and Atom; items are recognised by guid, then link, then a hash of their content,
and new ones go in through `Briefing.add_url` (or `add_document` for items that carry their text
but no link). A feed that fails backs off exponentially and is marked failing after repeated
errors; feeds are polled concurrently with a bound, so one slow or broken feed delays no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
from sqlalchemy import (
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from schedules.periodic import Periodic
from summarizer import extract
from summarizer.db import Base, UTCDateTime, make_engine
from summarizer.errors import FetchError, TransientFetchError, UserError
from summarizer.fetch import FEED_KINDS, Fetcher
from summarizer.i18n import Phrase
from summarizer.service import Briefing
from summarizer.urls import canonical_url

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # consecutive failures after which /feeds shows a feed as failing
MAX_BACKOFF = timedelta(hours=24)
ITEMS_PER_POLL = 30  # newest new items fetched per poll; older new ones are only marked seen
MAX_FEED_ITEMS = 500
"""Entries read from one feed document (feeds list the newest first); the rest are cut off
before parsing, so a 50,000-item feed costs no more than a big ordinary one (feedparser takes
about 0.4 ms per entry and holds the interpreter lock for long stretches)."""
_ITEM_OPEN = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")
_ITEM_CLOSE = re.compile(rb"</(?:[A-Za-z][\w.-]*:)?(?:item|entry)\s*>")
MIN_CONTENT_CHARS = 400  # an item without a usable link is added from its own text above this

NOT_A_FEED = Phrase(de="Das ist kein RSS- oder Atom-Feed.", en="That is not an RSS or Atom feed.")
POLL_TIMED_OUT = Phrase(
    de="Abruf dauerte länger als {seconds:g} s.", en="Poll took longer than {seconds:g} s."
)
POLL_FAILED = Phrase(de="Unerwarteter Fehler beim Abruf.", en="Unexpected error while polling.")


class FeedRow(Base):
    """A followed feed and its polling state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    interval_minutes: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_de: Mapped[str | None] = mapped_column(Text)  # the last error's Phrase,
    last_error_en: Mapped[str | None] = mapped_column(Text)  # one column per language
    failures: Mapped[int] = mapped_column(Integer, default=0)
    articles_added: Mapped[int] = mapped_column(Integer, default=0)


class FeedItemRow(Base):
    """An item already seen in a feed (added, skipped or unusable), so it is handled once."""

    __tablename__ = "feed_items"
    __table_args__ = (
        Index("ix_feed_items_guid", "feed_id", "guid"),
        Index("ix_feed_items_link", "feed_id", "link"),
        Index("ix_feed_items_hash", "feed_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str | None] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[str | None] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Feed:
    """A followed feed as /feeds shows it."""

    id: int
    url: str
    title: str
    interval_minutes: int
    next_poll_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: Phrase | None = None
    """What the last failed poll told the user (its time is `last_error_at`); None before any."""
    failures: int = 0
    articles_added: int = 0
    added_by: str = ""

    @property
    def failing(self) -> bool:
        return self.failures >= FAILING_AFTER

    @classmethod
    def of(cls, row: FeedRow) -> Feed:
        return cls(
            id=row.id,
            url=row.url,
            title=row.title or "",
            interval_minutes=row.interval_minutes,
            next_poll_at=row.next_poll_at,
            etag=row.etag,
            last_modified=row.last_modified,
            last_success_at=row.last_success_at,
            last_error_at=row.last_error_at,
            last_error=(
                Phrase(de=row.last_error_de or "", en=row.last_error_en or "")
                if row.last_error_de or row.last_error_en
                else None
            ),
            failures=row.failures or 0,
            articles_added=row.articles_added or 0,
            added_by=row.added_by or "",
        )


@dataclass(frozen=True)
class FeedItem:
    """One entry of a parsed feed; `key_hash` identifies it when it has neither guid nor link."""

    title: str
    guid: str | None
    link: str | None
    published: datetime | None
    content: str
    content_hash: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: tuple[FeedItem, ...]


def not_a_feed() -> FetchError:
    return FetchError("not_feed", NOT_A_FEED)


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _content(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value") if hasattr(content, "get") else None
        if value:
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


def first_items(body: bytes, limit: int = MAX_FEED_ITEMS) -> bytes:
    """`body` with every entry after the first `limit` cut out: the document up to the start of
    entry `limit + 1`, then what follows the last entry (the closing tags of RSS 0.9x/1.0/2.0
    and Atom alike). A body with fewer entries comes back unchanged."""
    for count, match in enumerate(_ITEM_OPEN.finditer(body)):
        if count == limit:
            cut = match.start()
            tail = 0
            for tail_match in _ITEM_CLOSE.finditer(body, max(cut, len(body) - 65_536)):
                tail = tail_match.end()
            if tail <= cut:  # the last entry's end is not near the end: find it the long way
                for tail_match in _ITEM_CLOSE.finditer(body, cut):
                    tail = tail_match.end()
            return body[:cut] + body[max(tail, cut) :]
    return body


def parse_feed(
    body: bytes, *, url: str, content_type: str = "", max_items: int = MAX_FEED_ITEMS
) -> ParsedFeed:
    """Read RSS or Atom from `body`; raises FetchError("not_feed") for anything else (an HTML
    page, garbage). Items without guid, link or date are kept; links become absolute http(s).
    Only the first `max_items` entries are read. CPU-bound: callers run it in a thread."""
    body = first_items(body, max_items)
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "text/xml"})
    if not parsed.get("version") and not parsed.entries:
        raise not_a_feed()
    items: list[FeedItem] = []
    for entry in parsed.entries[:max_items]:
        title = str(entry.get("title") or "").strip()
        guid = str(entry.get("id") or "").strip() or None
        link_value = str(entry.get("link") or "").strip()
        link = canonical_url(urljoin(url, link_value)) if link_value else None
        if link is not None and not link.startswith(("http://", "https://")):
            link = None
        content = _content(entry)
        digest = hashlib.sha256(f"{title}\n{content}".encode("utf-8", "replace")).hexdigest()
        items.append(FeedItem(title, guid, link, _published(entry), content, digest))
    return ParsedFeed(str(parsed.feed.get("title") or "").strip(), tuple(items))


class FeedStore:
    """The feed tables: follow, list, stop, claim due feeds, record outcomes and seen items."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> FeedStore:
        store = cls(make_engine(url))
        store.create_tables()
        return store

    def create_tables(self) -> None:
        tables = [FeedRow.__table__, FeedItemRow.__table__]
        Base.metadata.create_all(self.engine, tables=tables)  # type: ignore[arg-type]

    def add(
        self, url: str, *, interval_minutes: int, title: str = "", added_by: str = ""
    ) -> tuple[Feed, bool]:
        """Follow `url` (canonical); (feed, False) when it is followed already."""
        url = canonical_url(url)
        with Session(self.engine) as session, session.begin():
            existing = session.scalar(select(FeedRow).where(FeedRow.url == url))
            if existing is not None:
                return Feed.of(existing), False
            now = _now()
            row = FeedRow(
                url=url,
                title=title,
                interval_minutes=interval_minutes,
                added_by=added_by,
                created_at=now,
                next_poll_at=now,
                failures=0,
                articles_added=0,
            )
            session.add(row)
            session.flush()
            return Feed.of(row), True

    def get(self, feed_id: int) -> Feed | None:
        with Session(self.engine) as session:
            row = session.get(FeedRow, feed_id)
            return Feed.of(row) if row is not None else None

    def all(self) -> list[Feed]:
        with Session(self.engine) as session:
            return [Feed.of(row) for row in session.scalars(select(FeedRow).order_by(FeedRow.id))]

    def count(self) -> int:
        return len(self.all())

    def remove(self, feed_id: int) -> Feed | None:
        with Session(self.engine) as session, session.begin():
            row = session.get(FeedRow, feed_id)
            if row is None:
                return None
            feed = Feed.of(row)
            session.query(FeedItemRow).filter(FeedItemRow.feed_id == feed_id).delete()
            session.delete(row)
            return feed

    def claim_due(self, now: datetime, *, lease: timedelta) -> list[Feed]:
        """Feeds due at `now`, each claimed by pushing its next poll `lease` ahead, so another
        replica (or the next tick) does not poll it at the same time."""
        claimed: list[Feed] = []
        with Session(self.engine) as session, session.begin():
            due = session.scalars(
                select(FeedRow.id).where(FeedRow.next_poll_at <= now).order_by(FeedRow.next_poll_at)
            ).all()
            for feed_id in due:
                result = session.execute(
                    update(FeedRow)
                    .where(FeedRow.id == feed_id, FeedRow.next_poll_at <= now)
                    .values(next_poll_at=now + lease)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = session.get(FeedRow, feed_id)
                    if row is not None:
                        claimed.append(Feed.of(row))
        return claimed

    def record_success(
        self,
        feed_id: int,
        *,
        now: datetime,
        etag: str | None,
        last_modified: str | None,
        title: str | None,
        added: int,
    ) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(FeedRow, feed_id)
            if row is None:
                return
            row.etag = etag
            row.last_modified = last_modified
            if title:
                row.title = title[:500]
            row.failures = 0
            row.last_polled_at = now
            row.last_success_at = now
            row.next_poll_at = now + timedelta(minutes=row.interval_minutes)
            row.articles_added = (row.articles_added or 0) + added

    def record_failure(self, feed_id: int, *, now: datetime, error: UserError) -> Feed | None:
        """Count a failure and back off: interval × 2^failures, at most a day."""
        with Session(self.engine) as session, session.begin():
            row = session.get(FeedRow, feed_id)
            if row is None:
                return None
            row.failures = (row.failures or 0) + 1
            row.last_polled_at = now
            row.last_error_at = now
            row.last_error_de = error.phrase.de
            row.last_error_en = error.phrase.en
            delay = timedelta(minutes=row.interval_minutes) * (2 ** min(row.failures, 16))
            row.next_poll_at = now + min(delay, MAX_BACKOFF)
            return Feed.of(row)

    def unseen(self, feed_id: int, items: Sequence[FeedItem]) -> list[FeedItem]:
        """Items not seen before in this feed: by guid, then link, then content hash."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(FeedItemRow.guid, FeedItemRow.link, FeedItemRow.content_hash).where(
                    FeedItemRow.feed_id == feed_id
                )
            ).all()
        guids = {r.guid for r in rows if r.guid}
        links = {r.link for r in rows if r.link}
        hashes = {r.content_hash for r in rows}
        fresh: list[FeedItem] = []
        for item in items:
            if item.guid and item.guid in guids:
                continue
            if item.link and item.link in links:
                continue
            if item.content_hash in hashes:
                continue
            fresh.append(item)
            guids.add(item.guid or "")
            links.add(item.link or "")
            hashes.add(item.content_hash)
        return fresh

    def mark_seen(
        self, feed_id: int, items: Iterable[tuple[FeedItem, str | None]], *, now: datetime
    ) -> None:
        """Record items as seen (one multi-row insert: hundreds of skipped items at once)."""
        rows = [
            {
                "feed_id": feed_id,
                "guid": item.guid[:1000] if item.guid else None,
                "link": item.link[:2048] if item.link else None,
                "content_hash": item.content_hash,
                "article_id": article_id,
                "seen_at": now,
            }
            for item, article_id in items
        ]
        if not rows:
            return
        with Session(self.engine) as session, session.begin():
            session.execute(insert(FeedItemRow), rows)


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    feed_id: int
    added: int = 0
    new_items: int = 0
    not_modified: bool = False
    error: UserError | None = None


class FeedPoller:
    """Polls due feeds every `tick` seconds (a Component of `briefbot run`).

    At most `concurrency` feeds are polled at once, and each poll has its own time budget, so a
    slow, huge or broken feed holds up no other.
    """

    name = "feeds"

    def __init__(
        self,
        store: FeedStore,
        fetcher: Fetcher,
        briefing: Briefing,
        *,
        concurrency: int = 4,
        tick: float = 60.0,
        items_per_poll: int = ITEMS_PER_POLL,
        budget: float = 300.0,
        observe: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store = store
        self.observe = observe
        """Told (feeds polled, feeds now failing) after each round (metrics)."""
        self.fetcher = fetcher
        self.briefing = briefing
        self.concurrency = concurrency
        self.tick = tick
        self.items_per_poll = items_per_poll
        self.budget = budget
        self._loop = Periodic("feed-poller", self._round, tick, pause=1.0)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _round(self) -> None:
        try:
            results = await self.poll_due()
            if self.observe is not None:
                failing = sum(1 for feed in self.store.all() if feed.failing)
                self.observe(len(results), failing)
        except Exception:
            log.exception("feed poll cycle failed")

    async def poll_due(self, now: datetime | None = None) -> list[PollResult]:
        """Poll every feed that is due, concurrently within the bound."""
        now = now or _now()
        lease = timedelta(seconds=self.budget + 60)
        feeds = await asyncio.to_thread(self.store.claim_due, now, lease=lease)
        bound = asyncio.Semaphore(self.concurrency)

        async def one(feed: Feed) -> PollResult:
            async with bound:
                return await self.poll(feed, now=now)

        return list(await asyncio.gather(*(one(feed) for feed in feeds)))

    async def poll(self, feed: Feed, *, now: datetime | None = None) -> PollResult:
        """One poll of one feed; never raises (errors are recorded on the feed). The next poll
        is due one interval (or back-off) after `now`, the start of this cycle."""
        now = now or _now()
        try:
            async with asyncio.timeout(self.budget):
                return await self._poll(feed, now)
        except UserError as error:
            failure = error
        except TimeoutError:
            failure = TransientFetchError("timeout", POLL_TIMED_OUT.filled(seconds=self.budget))
        except Exception:
            log.exception("feed %s: unexpected error", feed.url)
            failure = FetchError("internal", POLL_FAILED)
        updated = await asyncio.to_thread(
            self.store.record_failure, feed.id, now=now, error=failure
        )
        log.info(
            "feed %s failed (%s, %d in a row)",
            feed.url,
            failure.code,
            updated.failures if updated else 0,
        )
        return PollResult(feed.id, error=failure)

    async def _poll(self, feed: Feed, now: datetime) -> PollResult:
        """Fetch, parse, pick the new items and ingest them; everything that parses, ranks or
        touches the database runs in a thread, so no feed stalls the chats (issue 14)."""
        headers: dict[str, str] = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        download = await self.fetcher.download(feed.url, accept=FEED_KINDS, headers=headers)
        if download.not_modified:
            await asyncio.to_thread(
                self.store.record_success,
                feed.id,
                now=now,
                etag=feed.etag,
                last_modified=feed.last_modified,
                title=None,
                added=0,
            )
            return PollResult(feed.id, not_modified=True)
        parsed = await asyncio.to_thread(
            parse_feed,
            download.body,
            url=download.url,
            content_type=download.headers.get("content-type", ""),
        )
        fresh = await asyncio.to_thread(self.store.unseen, feed.id, parsed.items)
        newest = sorted(
            fresh,
            key=lambda item: item.published or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        to_fetch, skipped = newest[: self.items_per_poll], newest[self.items_per_poll :]
        await asyncio.to_thread(
            self.store.mark_seen, feed.id, [(item, None) for item in skipped], now=now
        )
        added = 0
        for item in to_fetch:
            outcome = await self._ingest(item)
            if outcome is None:
                continue  # passing failure: try again when the feed next changes
            article_id, created = outcome
            added += created
            await asyncio.to_thread(self.store.mark_seen, feed.id, [(item, article_id)], now=_now())
        await asyncio.to_thread(
            self.store.record_success,
            feed.id,
            now=now,
            etag=download.headers.get("etag"),
            last_modified=download.headers.get("last-modified"),
            title=parsed.title,
            added=added,
        )
        return PollResult(feed.id, added=added, new_items=len(fresh))

    async def _ingest(self, item: FeedItem) -> tuple[str | None, bool] | None:
        """Add one item: (article id, created), (None, False) when it holds no usable article,
        None when it failed for a passing reason (time-out, network, 5xx) and should be retried."""
        if item.link:
            try:
                added = await self.briefing.add_url(item.link)
                return added.article.id, added.created
            except TransientFetchError:
                return None
            except UserError as error:
                log.info("feed item %s not added: %s", item.link, error.code)
        if len(item.content) >= MIN_CONTENT_CHARS:
            try:
                document = await asyncio.to_thread(extract.from_html, item.content, url=item.link)
                if item.title and not document.title:
                    document = replace(document, title=item.title)
                added = await asyncio.to_thread(self.briefing.add_document, document)
                return added.article.id, added.created
            except UserError as error:
                log.info("feed item %r not added from its text: %s", item.title, error.code)
        return None, False
