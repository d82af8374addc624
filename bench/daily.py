"""Daily digests over two weeks of news: only what is new, never a point twice, "nothing new"
on quiet days, exactly once; through the real scheduler, ledger, router and digest builder.

    python -m bench.daily [--days 14] [--subs 50] [--articles 1028] [--no-baseline] [--json]

The 1,028 articles of ../shared/data/news-de/10kgnad-test.csv (`section;'text'` lines) are
released day by day on a virtual clock (schedules.clock.ManualClock), by these rules:
- the calendar starts on Monday 16 March 2026 (Europe/Berlin, so the run crosses the
  spring-forward Sunday of 29 March); every Sunday is quiet: no article is released;
- article i of the file (in file order) is released on news day floor(i * D / N) of the D
  non-Sunday days, at 06:00 + (i * 7919 mod 960) minutes local time (06:00 to 21:59), so some
  arrive before a 07:30 digest and most after it.
Subscriptions on recurring topics, by this rule: a capitalised word (at least 5 letters, not a
stop word) whose articles are released on at least 5 news days (half of them, when fewer than
10 are replayed), that occurs in at most 4 % of all articles, and at least 60 % of whose
articles are in one section (a subject, not a word every section uses, such as "Monat"); by
days, then articles, then alphabet, the
first `subs - 3` become one chat each, due at 07:30, 12:00 or 18:00 (by rank, in turn). The other
3 subscriptions are aliases of one name in one chat, all due at 07:30: the first three
spellings of the `summarizer.search.ALIASES` row with at least three spellings that most
articles name (as the search matches it). Every fourth topic chat also asks `/brief TOPIC`
through the real Router at 09:00 on the third day, so digests must not repeat a brief either.

The same replay runs twice: with today's digests ("ours") and, as the baseline, with the rule
they had before (`PreviousRule`: the best points not yet sent, from any article, no window).
Reported per digest (`--json`) and in total:
- new: the share of points whose article was released since the subscription's previous
  delivery, up to and including the moment of this one (an article released at 07:30 sharp
  is in the 07:30 digest); for the first one: in the 24 hours before it; target 1.0;
- repeated: points equal to or a near-duplicate (`summarizer.brief.near_duplicate`) of a point
  the same chat was shown earlier by a digest or a /brief; target 0;
- quiet: deliveries whose window holds no article that names the topic (`Briefing.mentions`,
  what a brief draws on), and how many of them were answered with the "Nichts Neues zu … seit
  …" line; target all;
- on topic: the share of points about the topic by the one shared definition,
  `summarizer.topic.is_about` (as bench.briefs counts it); target >= 0.90;
- split: articles cited by more than one digest of a chat (target 0);
- exactly once as in bench.fanout: expected runs against ledger rows and sent messages,
  duplicates and lost (target 0 each).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.corpus import SHARED_DATA
from bot.app import build_router, remember_digest
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.presentation import ScheduledDigests
from bot.router import Router
from schedules.clock import ManualClock
from schedules.delivery import (
    FIRST_WINDOW,
    Claim,
    Deliveries,
    DeliveryRow,
    ShownPoint,
)
from schedules.scheduler import DigestScheduler, trigger_for
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec
from summarizer import search as topic_search
from summarizer import topic
from summarizer.brief import near_duplicate, point_key
from summarizer.db import as_utc as utc
from summarizer.library import Library
from summarizer.models import KeyPoint, Mentions
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing
from summarizer.text import stop_words

DATA = SHARED_DATA / "news-de" / "10kgnad-test.csv"
ZONE = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 16, tzinfo=ZONE)  # a Monday; DST begins on Sunday 29 March
TIMES = ((7, 30), (12, 0), (18, 0))
MIN_DAYS = 5
MAX_SHARE = 0.04
ONE_SECTION = 0.6
BRIEF_EVERY = 4
BRIEF_DAY = 2  # the third day, at 09:00
NOTHING_NEW = "Nichts Neues zu "


# --- the data and the rules ---------------------------------------------------------------


@dataclass(frozen=True)
class NewsArticle:
    """One line of 10kGNAD: its section and its text (teaser and body, no headline)."""

    section: str
    text: str


def read_articles(path: Path = DATA, limit: int | None = None) -> list[NewsArticle]:
    """10kGNAD's `section;'text'` lines (the quote is `'`, doubled inside), in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            NewsArticle(row[0], row[1])
            for row in csv.reader(handle, delimiter=";", quotechar="'")
            if len(row) == 2
        ]
    return rows[:limit] if limit is not None else rows


def news_days(days: int) -> list[int]:
    """The calendar days (0 = the first Monday) on which articles are released: not Sundays."""
    return [d for d in range(days) if (START + timedelta(days=d)).weekday() != 6]


def release_times(count: int, days: int) -> list[datetime]:
    """When article i is released (see the module doc for the rule)."""
    open_days = news_days(days)
    times = []
    for i in range(count):
        day = open_days[i * len(open_days) // count]
        minutes = 6 * 60 + (i * 7919) % 960
        local = (START + timedelta(days=day)).replace(hour=minutes // 60, minute=minutes % 60)
        times.append(local)
    return times


_CAPITAL = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]{4,}\b")


def recurring_topics(
    news: Sequence[NewsArticle], released: Sequence[datetime], count: int
) -> list[str]:
    """Topic words by the rule in the module doc, best first."""
    stop = stop_words("de")
    days: dict[str, set[date]] = defaultdict(set)
    articles: Counter[str] = Counter()
    sections: dict[str, Counter[str]] = defaultdict(Counter)
    for article, when in zip(news, released, strict=True):
        for word in {w for w in _CAPITAL.findall(article.text) if w.lower() not in stop}:
            days[word].add(when.date())
            articles[word] += 1
            sections[word][article.section] += 1
    limit = MAX_SHARE * len(news)
    least = min(MIN_DAYS, max(1, len({when.date() for when in released}) // 2))
    kept = [
        w
        for w in days
        if len(days[w]) >= least
        and articles[w] <= limit
        and sections[w].most_common(1)[0][1] >= ONE_SECTION * articles[w]
    ]
    kept.sort(key=lambda w: (-len(days[w]), -articles[w], w))
    return kept[:count]


def alias_names(texts: Sequence[str]) -> tuple[str, ...]:
    """Three spellings of the alias row (of three or more) that names the most articles."""
    rows = [row for row in topic_search.ALIASES if len(row) >= 3]
    best = max(rows, key=lambda row: (sum(names_topic(row[0], t) for t in texts), row[0]))
    return best[:3]


def names_topic(topic: str, sentence: str) -> bool:
    """Does the sentence name the topic as the search would match it (every term: one of its
    phrases, the last token as a stem prefix where the search uses one)?"""
    tokens = topic_search.tokens(sentence)

    def has(phrase: topic_search.SearchPhrase) -> bool:
        size = len(phrase.tokens)
        for i in range(len(tokens) - size + 1):
            head, last = tokens[i : i + size - 1], tokens[i + size - 1]
            if list(head) == list(phrase.tokens[:-1]) and (
                last.startswith(phrase.tokens[-1]) if phrase.prefix else last == phrase.tokens[-1]
            ):
                return True
        return False

    terms = topic_search.parse(topic)
    return bool(terms) and all(any(has(p) for p in term.phrases) for term in terms)


# --- the run ------------------------------------------------------------------------------


@dataclass
class Sent:
    """A message the bench's platform accepted."""

    message_id: str
    chat: ChatRef
    reply: Reply
    at: datetime


@dataclass
class Platform:
    """Accepts every message at once and keeps it (the bench reads what each chat got), and
    reports it to the router as the Telegram and Slack senders do."""

    clock: ManualClock
    router: Router
    sent: list[Sent] = field(default_factory=list)

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        message_id = str(len(self.sent) + 1)
        self.sent.append(Sent(message_id, chat, reply, self.clock.now()))
        self.router.delivered(chat, reply, message_id)
        return message_id


@dataclass
class Shown:
    """A point a chat was shown, and when and by what."""

    text: str
    at: datetime
    by: str


class PreviousRule(Deliveries):
    """The baseline: digests as they were built before "what is new" (issue 12): the topic's
    best points the chat has not been sent by a digest, from any article, whenever it came."""

    def _build(
        self, subscription: Subscription, claim: Claim
    ) -> tuple[Reply | None, list[ShownPoint]]:
        language = self.language(subscription.chat)
        digest = self.source.brief(
            subscription.topic,
            points=self.points,
            exclude=self.ledger.sent_keys(subscription.chat),
            language=language,
        )
        if digest.points:
            points = [ShownPoint(point_key(p.text), p.text, p.article_id) for p in digest.points]
            return self.presenter.digest(subscription, digest, language), points
        since = self.window_start(subscription, claim)
        return self.presenter.nothing_new(subscription, since, language, now=self.clock.now()), []


RULES: dict[str, type[Deliveries]] = {"ours": Deliveries, "baseline": PreviousRule}


async def run(
    days: int = 14, subs: int = 50, articles: int | None = None, rule: str = "ours"
) -> dict[str, Any]:
    """Replay `days` days of news to `subs` subscriptions under `rule` (see RULES)."""
    news = read_articles(limit=articles)
    texts = [article.text for article in news]
    released = release_times(len(texts), days)
    clock = ManualClock(START.astimezone(ZoneInfo("UTC")) - timedelta(hours=1))
    with tempfile.TemporaryDirectory(prefix="bench-daily-") as folder:
        library = Library.open(f"sqlite:///{folder}/daily.db")
        library.now = clock.now
        briefing = Briefing(library)
        settings = Settings(_env_file=None, data_dir=Path(folder))  # type: ignore[call-arg]
        conversations = Conversations(library.engine)
        conversations.create_tables()
        router, _ = build_router(briefing, conversations, settings)
        platform = Platform(clock, router)
        subscriptions = Subscriptions(library.engine)
        deliveries = RULES[rule](
            library.engine,
            subscriptions,
            briefing,
            platform,
            ScheduledDigests(partial(remember_digest, conversations)),
            clock=clock,
            language=router.language_for,
            shown_elsewhere=partial(conversations.shown_points, article=briefing.article),
        )
        scheduler = DigestScheduler(library.engine, subscriptions, deliveries, clock=clock)
        # topics are picked from the whole run's articles (the rule looks at release days)
        topics = recurring_topics(news, released, max(0, subs - 3))
        aliases = alias_names(texts)
        made: list[Subscription] = []
        for rank, name in enumerate(topics):
            hour, minute = TIMES[rank % len(TIMES)]
            made.append(_subscribe(subscriptions, f"topic-{rank}", name, hour, minute, clock))
        for spelling in aliases:
            made.append(_subscribe(subscriptions, "aliases", spelling, 7, 30, clock))
        for subscription in made:
            scheduler.schedule(subscription)
        briefs = [
            (START + timedelta(days=BRIEF_DAY, hours=9), s)
            for i, s in enumerate(made[: len(topics)])
            if i % BRIEF_EVERY == 0
        ]
        shown_by_brief: dict[str, list[Shown]] = defaultdict(list)
        await scheduler.start()
        end = START + timedelta(days=days)
        events = sorted(
            [(when, 0, i) for i, when in enumerate(released)]
            + [(when, 1, i) for i, (when, _) in enumerate(briefs)]
        )
        position = 0
        while True:
            due = scheduler.next_due()
            upcoming = events[position][0] if position < len(events) else None
            if upcoming is not None and (due is None or upcoming <= due) and upcoming < end:
                await clock.advance_to(upcoming)
                while position < len(events) and events[position][0] <= upcoming:
                    _, kind, index = events[position]
                    position += 1
                    if kind == 0:
                        briefing.add(texts[index])
                    else:
                        subscription = briefs[index][1]
                        for text in await _brief(router, subscription):
                            shown_by_brief[subscription.chat.chat_id].append(
                                Shown(text, clock.now(), "brief")
                            )
                continue
            if due is None or due >= end:
                break
            await clock.advance_to(due)
            await clock.drive(scheduler.run_due())
        await scheduler.stop()
        scheduler.close()
        return _figures(
            library, briefing, platform, made, released, texts, shown_by_brief, end, days, aliases
        )


def _subscribe(
    subscriptions: Subscriptions, chat: str, topic: str, hour: int, minute: int, clock: ManualClock
) -> Subscription:
    subscription, _ = subscriptions.subscribe(
        ChatRef("telegram", chat),
        topic,
        TimeSpec(hour, minute, timezone=str(ZONE)),
        now=clock.now(),
        zone_from_chat=False,
    )
    return subscription


async def _brief(router: Router, subscription: Subscription) -> list[str]:
    """A reader's /brief in the subscription's chat, answered and reported as sent."""
    message = Incoming(subscription.chat, "reader", f"/brief {subscription.topic}")
    replies = await router.handle(message)
    for number, reply in enumerate(replies):
        router.delivered(subscription.chat, reply, f"brief-{subscription.id}-{number}")
    return [p.text for r in replies if r.digest is not None for p in r.digest.points]


# --- the figures --------------------------------------------------------------------------


def _figures(
    library: Library,
    briefing: Briefing,
    platform: Platform,
    made: Sequence[Subscription],
    released: Sequence[datetime],
    texts: Sequence[str],
    shown_by_brief: dict[str, list[Shown]],
    end: datetime,
    days: int,
    aliases: Sequence[str],
) -> dict[str, Any]:
    arrival = {
        a.id: utc(a.added) for a in (briefing.article(r.id) for r in _all_refs(library)) if a
    }
    by_message = {s.message_id: s for s in platform.sent}
    with Session(library.engine) as session:
        rows = list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.scheduled_at)))
    per_run: dict[tuple[int, date], list[DeliveryRow]] = defaultdict(list)
    for row in rows:
        per_run[(row.subscription_id, row.scheduled_date)].append(row)
    start = START.astimezone(ZoneInfo("UTC"))
    expected = {
        (s.id, when.astimezone(ZONE).date()): utc(when)
        for s in made
        for when in _runs(s, start, end.astimezone(ZoneInfo("UTC")))
    }
    mentions = {s.id: {m.article_id: m for m in briefing.mentions(s.topic)} for s in made}
    matches = {subscription_id: set(found) for subscription_id, found in mentions.items()}
    shown: dict[str, list[Shown]] = {chat: list(items) for chat, items in shown_by_brief.items()}
    cited_by: dict[tuple[str, str], set[int]] = defaultdict(set)
    digests: list[dict[str, Any]] = []
    previous: dict[int, datetime] = {}
    sent_ids = [row.message_id for row in rows if row.message_id]
    for (subscription_id, day), when in sorted(expected.items(), key=lambda item: item[1]):
        subscription = next(s for s in made if s.id == subscription_id)
        chat = subscription.chat.chat_id
        window_start = previous.get(subscription_id, when - FIRST_WINDOW)
        previous[subscription_id] = when
        run_rows = per_run.get((subscription_id, day), [])
        message = next(
            (by_message[r.message_id] for r in run_rows if r.message_id in by_message), None
        )
        new_articles = {
            a for a in matches[subscription_id] if window_start <= arrival.get(a, end) <= when
        }
        record: dict[str, Any] = {
            "subscription": subscription.topic,
            "chat": chat,
            "at": when.astimezone(ZONE).strftime("%a %d.%m. %H:%M"),
            "delivered": message is not None,
            "quiet": not new_articles,
            "points": 0,
        }
        if message is None:
            digests.append(record)
            continue
        reply = message.reply
        record["nothing_new_line"] = reply.kind == "text" and reply.text.startswith(NOTHING_NEW)
        points = list(reply.digest.points) if reply.digest is not None else []
        earlier = [s for s in shown.get(chat, []) if s.at <= message.at]
        fresh = [p for p in points if window_start <= arrival.get(p.article_id, end) <= when]
        repeated = [
            p.text
            for p in points
            if any(
                point_key(p.text) == point_key(e.text) or near_duplicate(p.text, e.text, "de")
                for e in earlier
            )
        ]
        on_topic = [p for p in points if _about(p, mentions[subscription_id], briefing)]
        for point in points:
            cited_by[(chat, point.article_id)].add(subscription_id)
        shown.setdefault(chat, []).extend(Shown(p.text, message.at, "digest") for p in points)
        record.update(
            points=len(points),
            new=len(fresh),
            repeated=len(repeated),
            repeated_texts=repeated[:3],
            off_topic_texts=[p.text for p in points if p not in on_topic][:2],
            on_topic=len(on_topic),
            outlets=sum(1 for p in points if p.also_in),
        )
        digests.append(record)
    return _totals(
        digests, expected, per_run, platform, sent_ids, cited_by, made, texts, days, aliases
    )


def _all_refs(library: Library) -> list[Any]:
    refs: list[Any] = []
    while batch := library.sources(limit=500, offset=len(refs)):
        refs.extend(batch)
    return refs


def _runs(subscription: Subscription, start: datetime, end: datetime) -> list[datetime]:
    trigger = trigger_for(subscription)
    fire = trigger.get_next_fire_time(None, start)
    runs = []
    while fire is not None and fire < end:
        runs.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return runs


def _about(point: KeyPoint, mentions: dict[str, Mentions], briefing: Briefing) -> bool:
    """Is the point about the topic, by the shared definition (`summarizer.topic.is_about`)?"""
    article = briefing.article(point.article_id)
    language = article.language if article is not None else "de"
    found = mentions.get(point.article_id)
    return topic.is_about(point.sentence_index, point.text, language, found)


def _totals(
    digests: list[dict[str, Any]],
    expected: dict[tuple[int, date], datetime],
    per_run: dict[tuple[int, date], list[DeliveryRow]],
    platform: Platform,
    sent_ids: Sequence[str | None],
    cited_by: dict[tuple[str, str], set[int]],
    made: Sequence[Subscription],
    texts: Sequence[str],
    days: int,
    aliases: Sequence[str],
) -> dict[str, Any]:
    points = sum(d["points"] for d in digests)
    new = sum(d.get("new", 0) for d in digests)
    quiet = [d for d in digests if d["quiet"] and d["delivered"]]
    answered = sum(1 for d in quiet if d.get("nothing_new_line"))
    busy_nothing = sum(
        1 for d in digests if not d["quiet"] and d.get("nothing_new_line") and d["delivered"]
    )
    on_topic = sum(d.get("on_topic", 0) for d in digests)
    per_key = Counter(
        (r.subscription_id, r.scheduled_date) for rows in per_run.values() for r in rows
    )
    ledger_ids = Counter(i for i in sent_ids if i)
    duplicates = sum(n - 1 for n in per_key.values() if n > 1) + sum(
        1 for s in platform.sent if s.message_id not in ledger_ids
    )
    delivered = sum(1 for d in digests if d["delivered"])
    return {
        "days": days,
        "articles": len(texts),
        "subscriptions": len(made),
        "topics": [s.topic for s in made],
        "aliases": list(aliases),
        "expected": len(expected),
        "delivered": delivered,
        "duplicates": duplicates,
        "lost": len(expected) - delivered,
        "messages": len(platform.sent),
        "digests_with_points": sum(1 for d in digests if d["points"]),
        "points": points,
        "new_share": round(new / points, 4) if points else 1.0,
        "repeated": sum(d.get("repeated", 0) for d in digests),
        "quiet": len(quiet),
        "quiet_answered": answered,
        "nothing_new_with_new_articles": busy_nothing,
        "on_topic_share": round(on_topic / points, 4) if points else 1.0,
        "points_citing_several_outlets": sum(d.get("outlets", 0) for d in digests),
        "split_articles": sum(1 for subs in cited_by.values() if len(subs) > 1),
        "per_digest": digests,
    }


def on_target(result: dict[str, Any]) -> bool:
    return (
        result["new_share"] == 1.0
        and result["repeated"] == 0
        and result["quiet_answered"] == result["quiet"]
        and result["on_topic_share"] >= 0.90
        and result["duplicates"] == 0
        and result["lost"] == 0
        and result["split_articles"] == 0
    )


def report(result: dict[str, Any]) -> str:
    lines = [
        f"daily digests: {result['articles']} articles over {result['days']} days, "
        f"{result['subscriptions']} subscriptions (aliases in one chat: "
        f"{', '.join(result['aliases'])})",
        f"  deliveries: {result['delivered']}/{result['expected']} "
        f"({result['duplicates']} duplicates, {result['lost']} lost; target 0 / 0)",
        f"  digests with points: {result['digests_with_points']}, points: {result['points']}",
        f"  points from articles new since the previous digest: {result['new_share']:.3f} "
        "(target 1.0)",
        f"  points repeated in a chat, near-duplicates included: {result['repeated']} (target 0)",
        f"  quiet deliveries answered 'nothing new': {result['quiet_answered']}/{result['quiet']}"
        " (target all)",
        f"  'nothing new' although the window had articles: "
        f"{result['nothing_new_with_new_articles']}",
        f"  points about the topic: {result['on_topic_share']:.3f} (target >= 0.90)",
        f"  articles split across one chat's digests: {result['split_articles']} (target 0)",
        f"  points citing several outlets: {result['points_citing_several_outlets']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--subs", type=int, default=50)
    parser.add_argument("--articles", type=int, default=None, help="the first N articles only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the replay under the previous rule"
    )
    args = parser.parse_args(argv)
    results = {"ours": asyncio.run(run(args.days, args.subs, args.articles))}
    if not args.no_baseline:
        results["baseline"] = asyncio.run(run(args.days, args.subs, args.articles, "baseline"))
    for name, result in results.items():
        print(f"{name}: {report(result)}")
    if args.json:
        print(json.dumps(results))
    return 0 if on_target(results["ours"]) else 1


if __name__ == "__main__":
    sys.exit(main())
