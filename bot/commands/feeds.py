"""/feed URL [minutes] follows an RSS or Atom feed, /feeds lists them with their last success
and last error, /unfeed N stops one.

/feed checks the address right away (guard, fetch, parse), so a wrong link is answered at once;
the poller (`schedules.feeds.FeedPoller`) then fetches the new items on the feed's interval.
Following and stopping feeds is for admins (like /add: it makes the server fetch URLs).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import KW_ONLY, dataclass

from bot import presentation, texts
from bot.commands import Action, Command, Request
from schedules.feeds import FeedStore, parse_feed
from summarizer.fetch import FEED_KINDS, Fetcher
from summarizer.reply import Reply
from summarizer.urls import canonical_url

MIN_INTERVAL = 5
MAX_INTERVAL = 24 * 60
MAX_FEEDS = 200

_ANY_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
"""Anything typed as an address; other schemes are refused by the fetcher's guard."""
_NUMBER = re.compile(r"#?(\d{1,9})")


@dataclass(eq=False)  # a service: equal only to itself
class FeedCommands:
    """/feed, /feeds and /unfeed over `store`; /feed checks a new feed through `fetcher`."""

    store: FeedStore
    fetcher: Fetcher
    _: KW_ONLY
    default_interval: int = 15

    def commands(self) -> list[Command]:
        return [
            Command("feed", self.follow, texts.FEED_USAGE, texts.FEED_SUMMARY, admin_only=True),
            Command("feeds", self.list_feeds, texts.FEEDS_USAGE, texts.FEEDS_SUMMARY),
            Command(
                "unfeed", self.unfollow, texts.UNFEED_USAGE, texts.UNFEED_SUMMARY, admin_only=True
            ),
        ]

    def actions(self) -> list[Action]:
        return []

    async def follow(self, request: Request) -> list[Reply]:
        language = request.language
        parts = request.args.split()
        low, high = MIN_INTERVAL, MAX_INTERVAL
        how = presentation.say(texts.FEED_HOW, language, kind="usage", low=low, high=high)
        if not parts or len(parts) > 2:
            return [how]
        minutes = self.default_interval
        if len(parts) == 2:
            if not parts[1].isdecimal() or not low <= int(parts[1]) <= high:
                return [
                    presentation.say(
                        texts.FEED_BAD_INTERVAL, language, kind="usage", low=low, high=high
                    )
                ]
            minutes = int(parts[1])
        if not _ANY_URL.match(parts[0].strip("<>")):  # "kein-link" is no address at all
            return [how]
        url = canonical_url(parts[0].strip("<>"))
        known = next((f for f in self.store.all() if f.url == url), None)
        if known is not None:
            name = presentation.feed_name(known)
            return [presentation.say(texts.ALREADY_FOLLOWING, language, id=known.id, title=name)]
        if self.store.count() >= MAX_FEEDS:
            return [presentation.say(texts.TOO_MANY_FEEDS, language, kind="error", limit=MAX_FEEDS)]
        download = await self.fetcher.download(url, accept=FEED_KINDS)
        parsed = await asyncio.to_thread(  # a huge feed must not stall every chat
            parse_feed,
            download.body,
            url=download.url,
            content_type=download.headers.get("content-type", ""),
        )
        added_by = f"{request.message.chat.platform}:{request.message.chat.chat_id}"
        feed, _ = await asyncio.to_thread(
            self.store.add, url, interval_minutes=minutes, title=parsed.title, added_by=added_by
        )
        return [
            presentation.say(
                texts.FOLLOWING,
                language,
                id=feed.id,
                title=presentation.feed_name(feed),
                items=len(parsed.items),
                minutes=minutes,
            )
        ]

    async def list_feeds(self, request: Request) -> list[Reply]:
        return [presentation.feeds_reply(self.store.all(), request.language)]

    async def unfollow(self, request: Request) -> list[Reply]:
        language = request.language
        match = _NUMBER.fullmatch(request.args.strip())
        if match is None:
            return [presentation.say(texts.UNFEED_HOW, language, kind="usage")]
        feed_id = int(match.group(1))
        removed = self.store.remove(feed_id)
        if removed is None:
            return [presentation.say(texts.NO_SUCH_FEED, language, kind="error", id=feed_id)]
        name = presentation.feed_name(removed)
        return [presentation.say(texts.UNFOLLOWED, language, id=removed.id, title=name)]
