"""Hardening benchmark: replays the attacks and faults of issue 14 against the real components and
measures the figures the README's reliability section reports.

    python -m bench.hardening [--url-chars 4000] [--feed-items 50000] [--outage-seconds 20]
                              [--bomb-mib 1024] [--json]

- long link: a digest of 7 points whose article URL is `--url-chars` long (one `&` in 12, as in
  the attack), rendered for Telegram and Slack: the longest message and the largest section
  against the platform limits (4,096 / 3,000), and whether every point stayed whole.
- feed stall: `/feed URL` of a `--feed-items`-item feed through the real router, then one poll
  by the real FeedPoller (the 30 newest items carry their own text and are ranked and stored),
  while a loop-lag probe wakes every 5 ms: the longest stall of the event loop, against the
  probe on an idle loop for as long right after (on a shared, loaded machine the operating
  system alone can hold a process off the CPU for 100 ms and more) (target: <= 100 ms).
- outage: a /brief sent to the real TelegramBot (long polling, default retry policy) against
  the fake Bot API, which drops every connection for `--outage-seconds` from the moment the
  reply goes on the wire: whether and when the reply arrives.
- brotli bomb: an ~1.6 KB `Content-Encoding: br` body that inflates to `--bomb-mib` MiB, added
  with the real `briefbot add URL` (BRIEFBOT_FETCH_MAX_BYTES 5 MB) in its own process; its peak
  RSS against the same command on an ordinary brotli page in the same run (target: refused,
  peak RSS <= 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import brotli

from bench.web_server import Route, WebServer, fixture
from bot.app import build_router
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.render import slack_messages, telegram_messages, utf16_len
from bot.telegram import TelegramBot
from schedules.feeds import FeedPoller, FeedStore
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.models import ArticleRef, Digest, KeyPoint
from summarizer.reply import Button, ChatRef, Reply
from summarizer.service import Briefing
from tests.fakes.library import briefed_app
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI

HOST = "127.0.0.2"
MAX_BYTES = 5_000_000


POINTS = (
    "Die Stadtwerke in Kiel testen drei Wasserstoffbusse im Winterbetrieb.",
    "Nach Angaben der Betreiber liegt die Reichweite bei Frost um ein Fünftel niedriger.",
    "Der Stadtrat will im Frühjahr über zwölf weitere Busse entscheiden.",
    "Kritiker verweisen auf die hohen Kosten für den Wasserstoff aus Norwegen.",
    "Die Fahrgäste bewerten die leisen Busse in einer Umfrage überwiegend positiv.",
    "Ein Tankstellennetz für den Landkreis soll bis 2027 entstehen.",
    "Die Förderung des Bundes deckt etwa die Hälfte der Anschaffungskosten.",
)


def long_url(chars: int) -> str:
    """An https URL of exactly `chars` characters with a query parameter every 12 characters."""
    head = "https://news.example.org/artikel?"
    params = "".join(f"&p{i % 1000:03d}=wert{i % 100:02d}" for i in range(chars // 12 + 1))
    return (head + params.lstrip("&"))[:chars]


def long_link(url_chars: int) -> dict[str, Any]:
    """Render a digest citing one article with a `url_chars`-long URL for both platforms."""
    url = long_url(url_chars)
    refs = (
        ArticleRef("a0", "Wasserstoffbusse im Kieler Winter", url),
        ArticleRef("a1", "Busse und Bahnen im Norden", "https://news.example.org/b?x=1&y=2"),
    )
    points = tuple(KeyPoint(text, f"a{i % 2}", i) for i, text in enumerate(POINTS))
    digest = Digest("Wasserstoffbusse", "de", points, refs, topic="wasserstoff", has_more=True)
    text = digest.title + "\n" + "\n".join(f"• {p.text}" for p in points)
    reply = Reply(
        text,
        kind="digest",
        digest=digest,
        buttons=(Button("… mehr", "more:1"), Button("Quellen", "sources:1")),
        context_id="1",
    )
    telegram = [m.html for m in telegram_messages(reply)]
    slack = slack_messages(reply)
    sections = [
        block["text"]["text"] for m in slack for block in m.blocks if block["type"] == "section"
    ]
    contexts = [
        element["text"]
        for m in slack
        for block in m.blocks
        if block["type"] == "context"
        for element in block["elements"]
    ]
    return {
        "url_chars": len(url),
        "ampersands": url.count("&"),
        "telegram_messages": telegram,
        "telegram_longest": max(utf16_len(t) for t in telegram),
        "slack_sections": sections,
        "slack_contexts": contexts,
        "slack_largest_section": max(len(t) for t in sections),
        "slack_largest_context": max(len(t) for t in contexts),
        "points_whole": {
            "telegram": all(sum(p in t for t in telegram) == 1 for p in POINTS),
            "slack": all(sum(p in t for t in sections) == 1 for p in POINTS),
        },
    }


class LoopLag:
    """A probe task that sleeps `interval` seconds over and over and records by how much each
    wake-up came late: the longest is the longest time the event loop was blocked."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self.wakeups = 0
        self._asleep_since = 0.0
        self._task: asyncio.Task[None] | None = None

    def _late(self) -> None:
        """Count the wake-up now due: how late it is, if it is late."""
        late = asyncio.get_running_loop().time() - self._asleep_since - self.interval
        self.worst = max(self.worst, late)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._asleep_since = loop.time()
            await asyncio.sleep(self.interval)
            self._late()
            self.wakeups += 1

    async def __aenter__(self) -> LoopLag:
        self._asleep_since = asyncio.get_running_loop().time()
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._late()  # a stall right before the end leaves a wake-up that never ran
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def big_feed(base: str, items: int, with_text: int = 30, *, start: int = 0) -> bytes:
    """An RSS 2.0 feed of `items` short entries linking to `base`/n/N; the first `with_text`
    (the newest) have no link but a text long enough to be added from the feed itself."""

    def text(i: int) -> str:  # each entry its own sentences, so each is a new article
        turned = POINTS[i % len(POINTS) :] + POINTS[: i % len(POINTS)]
        return "".join(f"<p>Meldung {i}, Absatz {n}: {p}</p>" for n, p in enumerate(turned))

    parts = [
        f"<item><title>Meldung {i}</title><guid>m-{i}</guid>"
        + (
            f"<description><![CDATA[{text(i)}]]></description>"
            if i < start + with_text
            else f"<link>{base}/n/{i}</link>"
        )
        + "</item>"
        for i in range(start, start + items)
    ]
    channel = f"<channel><title>Sehr viele Meldungen</title>{''.join(parts)}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


async def feed_stall(items: int, directory: Path) -> dict[str, Any]:
    """The longest event-loop stall while `/feed` follows an `items`-item feed and the poller
    polls it once, against the probe's own jitter on an idle loop (same run)."""
    database = f"sqlite:///{directory / 'feeds.db'}"
    library = Library.open(database)
    store = FeedStore.open(database)
    fetcher = Fetcher(allow=[HOST], timeout=60.0, max_bytes=50_000_000)
    briefing = Briefing(library, fetcher=fetcher)
    conversations = Conversations(library.engine)
    conversations.create_tables()
    settings = Settings(_env_file=None, BRIEFBOT_DATA_DIR=directory)  # type: ignore[call-arg]
    router, _ = build_router(briefing, conversations, settings, fetcher=fetcher, feeds=store)
    poller = FeedPoller(store, fetcher, briefing)
    with WebServer(HOST) as web:
        # warm up as a running bot is: the libraries' lazy imports (a C extension loads with
        # the interpreter lock held) happen once per process, not per feed
        small = web.page("/small.xml", big_feed(web.base, 3, 3), content_type="application/rss+xml")
        await router.handle(Incoming(ChatRef("telegram", "1"), "1", f"/feed {small}"))
        await poller.poll_due()
        body = big_feed(web.base, items, 30, start=3)
        url = web.page("/big.xml", body, content_type="application/rss+xml")
        message = Incoming(ChatRef("telegram", "1"), "1", f"/feed {url}", user_language="de")
        started = time.monotonic()
        async with LoopLag() as follow:
            [answer] = await router.handle(message)
        follow_seconds = time.monotonic() - started
        started = time.monotonic()
        async with LoopLag() as poll:
            [result] = await poller.poll_due()
        poll_seconds = time.monotonic() - started
    async with LoopLag() as idle:  # the machine's own jitter over as long, for comparison
        await asyncio.sleep(follow_seconds + poll_seconds)
    return {
        "items": items,
        "feed_bytes": len(body),
        "answer": answer.text,
        "follow_seconds": round(follow_seconds, 2),
        "follow_worst_stall_ms": round(follow.worst * 1000, 1),
        "poll_seconds": round(poll_seconds, 2),
        "poll_added": result.added,
        "poll_error": result.error.code if result.error else None,
        "poll_worst_stall_ms": round(poll.worst * 1000, 1),
        "idle_worst_stall_ms": round(idle.worst * 1000, 1),
    }


BRIEF_UPDATE = {
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 111, "type": "private"},
        "from": {"id": 111, "is_bot": False, "first_name": "Ada", "language_code": "de"},
        "text": "/brief nordkorea",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
}


async def outage(seconds: float, directory: Path) -> dict[str, Any]:
    """A reply on the wire when the Bot API goes away for `seconds`: is it delivered, and when
    (seconds after the outage began)?"""
    app = briefed_app(directory)
    api = await FakeTelegramAPI().start()
    bot = TelegramBot(app.router, token=TOKEN, base_url=api.base_url, poll_timeout=1)
    await bot.start()
    try:
        api.go_down_on("sendMessage", seconds)
        api.push_update(BRIEF_UPDATE)
        try:
            [call] = await api.wait_for("sendMessage", timeout=seconds + 90)
        except AssertionError:
            call = None
    finally:
        await bot.stop()
        await api.stop()
    [(down, up)] = api.outages
    return {
        "down_seconds": round(up - down, 1),
        "delivered": call is not None,
        "delivered_after_seconds": round(call.at - down, 1) if call is not None else None,
        "text_chars": len(call.params["text"]) if call is not None else 0,
    }


def brotli_bomb(mebibytes: int) -> bytes:
    """A brotli body that inflates to `mebibytes` MiB of zeros (built chunk by chunk)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(1 << 20)
    parts = [compressor.process(zeros) for _ in range(mebibytes)]
    parts.append(compressor.finish())
    return b"".join(parts)


@dataclass(frozen=True)
class FetchProbe:
    """What one `briefbot add URL` process did: its exit code, its last line on stderr, and its
    peak RSS (of that process alone, from wait4)."""

    exit_code: int
    message: str
    peak_rss_mb: float


def probe_fetch(body: bytes, encoding: str, max_bytes: int = MAX_BYTES) -> FetchProbe:
    """Serve `body` with `encoding` on loopback and run the real `briefbot add URL` on it in a
    fresh process (its own SQLite library), as the attack did."""
    headers = {"Content-Encoding": encoding} if encoding else {}
    with WebServer(HOST) as web, tempfile.TemporaryDirectory() as data:
        url = web.route("/a.html", Route(body, headers=headers))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("BRIEFBOT_", "DATABASE_URL", "TELEGRAM_", "SLACK_"))
        }
        env |= {
            "BRIEFBOT_FETCH_ALLOW": HOST,
            "BRIEFBOT_DATA_DIR": data,
            "BRIEFBOT_FETCH_MAX_BYTES": str(max_bytes),
            "BRIEFBOT_LANGUAGE": "en",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "add", url],
            cwd=data,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    lines = errors.strip().splitlines()
    return FetchProbe(
        process.returncode, lines[-1] if lines else "", round(usage.ru_maxrss / 1024, 1)
    )


def bomb(mebibytes: int) -> dict[str, Any]:
    """The brotli bomb against an ordinary page, each in its own child process."""
    body = brotli_bomb(mebibytes)
    ordinary = probe_fetch(brotli.compress(fixture("de_article.html")), "br")
    attacked = probe_fetch(body, "br")
    return {
        "bomb_compressed_bytes": len(body),
        "bomb_inflated_mib": mebibytes,
        "max_bytes": MAX_BYTES,
        "baseline": asdict(ordinary),
        "bomb": asdict(attacked),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url-chars", type=int, default=4000)
    parser.add_argument("--feed-items", type=int, default=50_000)
    parser.add_argument("--outage-seconds", type=float, default=20.0)
    parser.add_argument("--bomb-mib", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    link = long_link(args.url_chars)
    for key in ("telegram_messages", "slack_sections", "slack_contexts"):
        del link[key]
    with tempfile.TemporaryDirectory() as directory:
        stall = asyncio.run(feed_stall(args.feed_items, Path(directory)))
    with tempfile.TemporaryDirectory() as directory:
        down = asyncio.run(outage(args.outage_seconds, Path(directory)))
    b = bomb(args.bomb_mib)
    if args.json:
        result = {"long_link": link, "feed_stall": stall, "outage": down, "bomb": b}
        print(json.dumps(result, indent=2))
        return
    print(
        f"long link ({link['url_chars']} characters, {link['ampersands']} '&'): longest Telegram "
        f"message {link['telegram_longest']} (limit 4096), largest Slack section "
        f"{link['slack_largest_section']} (limit 3000), context {link['slack_largest_context']} "
        f"(limit 2000), points whole: {link['points_whole']}"
    )
    print(
        f"feed of {stall['items']} items ({stall['feed_bytes']} B): longest event-loop stall "
        f"{stall['follow_worst_stall_ms']} ms during /feed ({stall['follow_seconds']} s), "
        f"{stall['poll_worst_stall_ms']} ms during a poll adding {stall['poll_added']} articles "
        f"({stall['poll_seconds']} s); idle loop: {stall['idle_worst_stall_ms']} ms"
    )
    print(
        f"Bot API down {down['down_seconds']} s while a reply was sent: "
        + (
            f"delivered {down['delivered_after_seconds']} s after the outage began"
            if down["delivered"]
            else "NOT delivered"
        )
    )
    print(
        f"brotli bomb {b['bomb_compressed_bytes']} B -> {b['bomb_inflated_mib']} MiB: "
        f"'briefbot add' exit {b['bomb']['exit_code']} ({b['bomb']['message']}), peak RSS "
        f"{b['bomb']['peak_rss_mb']} MB (ordinary page: exit {b['baseline']['exit_code']}, "
        f"{b['baseline']['peak_rss_mb']} MB)"
    )


if __name__ == "__main__":
    main()
