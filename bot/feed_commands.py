"""The chat commands for feeds: /feed URL [minutes] follows one, /feeds lists them with their last
success and last error, /unfeed N stops one. German and English texts.

/feed checks the address right away (guard, fetch, parse), so a wrong link is answered at once;
the poller then fetches the new items on the feed's interval.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from bot.commands import Command, Request
from schedules.feeds import Feed, FeedStore, parse_feed
from summarizer.fetch import FEED_KINDS, Fetcher
from summarizer.i18n import Phrase
from summarizer.reply import Reply, ReplyKind
from summarizer.urls import canonical_url

MIN_INTERVAL = 5
MAX_INTERVAL = 24 * 60
MAX_FEEDS = 200

FEED_USAGE = Phrase(
    de="/feed URL [MINUTEN] – z. B. /feed https://example.org/rss 30",
    en="/feed URL [MINUTES] – e.g. /feed https://example.org/rss 30",
)
FEED_SUMMARY = Phrase(
    de="Einem RSS- oder Atom-Feed folgen (Standard alle 15 Minuten)",
    en="Follow an RSS or Atom feed (every 15 minutes by default)",
)
FEEDS_USAGE = Phrase(de="/feeds", en="/feeds")
FEEDS_SUMMARY = Phrase(de="Verfolgte Feeds mit letztem Abruf", en="Followed feeds and their state")
UNFEED_USAGE = Phrase(de="/unfeed N – z. B. /unfeed 2", en="/unfeed N – e.g. /unfeed 2")
UNFEED_SUMMARY = Phrase(de="Einem Feed nicht mehr folgen", en="Stop following a feed")

_ANY_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
"""Anything typed as an address; other schemes are refused by the fetcher's guard."""

FEED_HOW = Phrase(
    de="So folgst du einem Feed: /feed https://…/rss [Minuten {low}–{high}]",
    en="To follow a feed: /feed https://…/rss [minutes {low}–{high}]",
)
BAD_INTERVAL = Phrase(
    de="Das Intervall muss eine Zahl von {low} bis {high} Minuten sein.",
    en="The interval must be a number from {low} to {high} minutes.",
)
TOO_MANY = Phrase(
    de="Es werden schon {limit} Feeds verfolgt. Entferne zuerst einen mit /unfeed N.",
    en="{limit} feeds are followed already. Remove one first with /unfeed N.",
)
ALREADY = Phrase(
    de="Diesem Feed folge ich schon: #{id} {title}",
    en="I follow that feed already: #{id} {title}",
)
FOLLOWING = Phrase(
    de="Folge jetzt #{id} {title} ({items} Einträge), Abruf alle {minutes} Minuten. "
    "Neue Artikel erscheinen im nächsten /brief.",
    en="Now following #{id} {title} ({items} items), checked every {minutes} minutes. "
    "New articles show up in the next /brief.",
)
NO_FEEDS = Phrase(
    de="Noch keine Feeds. Folgen mit /feed URL",
    en="No feeds yet. Follow one with /feed URL",
)
FEEDS_TITLE = Phrase(de="Verfolgte Feeds", en="Followed feeds")
FEED_LINE = Phrase(
    de="#{id} {title} – alle {minutes} min, {added} Artikel · zuletzt ok: {success}",
    en="#{id} {title} – every {minutes} min, {added} articles · last success: {success}",
)
ERROR_LINE = Phrase(de="   Fehler {when}: {error}", en="   error {when}: {error}")
FAILING = Phrase(de="   ⚠ fällt wiederholt aus", en="   ⚠ failing repeatedly")
NEVER = Phrase(de="noch nie", en="never")
UNFEED_HOW = Phrase(
    de="Welcher Feed? /unfeed N – die Nummern zeigt /feeds.",
    en="Which feed? /unfeed N – /feeds shows the numbers.",
)
NOT_FOUND = Phrase(
    de="Keinen Feed #{id} gefunden. /feeds zeigt die Nummern.",
    en="No feed #{id}. /feeds shows the numbers.",
)
REMOVED = Phrase(de="Feed #{id} {title} entfernt.", en="Stopped following #{id} {title}.")

_NUMBER = re.compile(r"#?(\d{1,9})")


def _when(moment: datetime | None, language: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else NEVER.get(language)


def _name(feed: Feed) -> str:
    return f"«{feed.title}»" if feed.title else feed.url


def feed_commands(
    store: FeedStore, fetcher: Fetcher, *, default_interval: int = 15
) -> list[Command]:
    """/feed, /feeds and /unfeed over `store`; /feed checks a new feed through `fetcher`.
    Following and stopping feeds is for admins (like /add: it makes the server fetch URLs)."""

    def reply(
        text: Phrase, request: Request, kind: ReplyKind = "text", **values: object
    ) -> list[Reply]:
        language = request.language
        return [Reply(text.format(language, **values), kind=kind, language=language)]

    async def follow(request: Request) -> list[Reply]:
        parts = request.args.split()
        low, high = MIN_INTERVAL, MAX_INTERVAL
        if not parts or len(parts) > 2:
            return reply(FEED_HOW, request, "usage", low=low, high=high)
        minutes = default_interval
        if len(parts) == 2:
            if not parts[1].isdigit() or not low <= int(parts[1]) <= high:
                return reply(BAD_INTERVAL, request, "usage", low=low, high=high)
            minutes = int(parts[1])
        if not _ANY_URL.match(parts[0].strip("<>")):  # "kein-link" is no address at all
            return reply(FEED_HOW, request, "usage", low=low, high=high)
        url = canonical_url(parts[0].strip("<>"))
        known = next((f for f in store.all() if f.url == url), None)
        if known is not None:
            return reply(ALREADY, request, id=known.id, title=_name(known))
        if store.count() >= MAX_FEEDS:
            return reply(TOO_MANY, request, "error", limit=MAX_FEEDS)
        download = await fetcher.download(url, accept=FEED_KINDS)
        parsed = await asyncio.to_thread(  # a huge feed must not stall every chat
            parse_feed,
            download.body,
            url=download.url,
            content_type=download.headers.get("content-type", ""),
        )
        added_by = f"{request.message.chat.platform}:{request.message.chat.chat_id}"
        feed, _ = await asyncio.to_thread(
            store.add, url, interval_minutes=minutes, title=parsed.title, added_by=added_by
        )
        return reply(
            FOLLOWING,
            request,
            id=feed.id,
            title=_name(feed),
            items=len(parsed.items),
            minutes=minutes,
        )

    async def list_feeds(request: Request) -> list[Reply]:
        language = request.language
        feeds = store.all()
        if not feeds:
            return reply(NO_FEEDS, request)
        lines: list[str] = []
        for feed in feeds:
            lines.append(
                FEED_LINE.format(
                    language,
                    id=feed.id,
                    title=_name(feed),
                    minutes=feed.interval_minutes,
                    added=feed.articles_added,
                    success=_when(feed.last_success_at, language),
                )
            )
            error = feed.last_error(language)
            if error and (feed.last_success_at is None or feed.failures):
                lines.append(
                    ERROR_LINE.format(
                        language, when=_when(feed.last_error_at, language), error=error
                    )
                )
            if feed.failing:
                lines.append(FAILING.get(language))
        title = FEEDS_TITLE.get(language)
        return [
            Reply(
                "\n".join([title, *lines]),
                language=language,
                title=title,
                lines=tuple(lines),
            )
        ]

    async def unfollow(request: Request) -> list[Reply]:
        match = _NUMBER.fullmatch(request.args.strip())
        if match is None:
            return reply(UNFEED_HOW, request, "usage")
        feed_id = int(match.group(1))
        removed = store.remove(feed_id)
        if removed is None:
            return reply(NOT_FOUND, request, "error", id=feed_id)
        return reply(REMOVED, request, id=removed.id, title=_name(removed))

    return [
        Command("feed", follow, FEED_USAGE, FEED_SUMMARY, admin_only=True),
        Command("feeds", list_feeds, FEEDS_USAGE, FEEDS_SUMMARY),
        Command("unfeed", unfollow, UNFEED_USAGE, UNFEED_SUMMARY, admin_only=True),
    ]
