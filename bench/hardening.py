"""Hardening benchmark: replays the attacks and faults of issue 14 against the real components and
measures the figures the README's reliability section reports.

    python -m bench.hardening [--url-chars 4000] [--feed-items 50000] [--bomb-mib 1024] [--json]

- long link: a digest of 7 points whose article URL is `--url-chars` long (one `&` in 12, as in
  the attack), rendered for Telegram and Slack: the longest message and the largest section
  against the platform limits (4,096 / 3,000), and whether every point stayed whole.
- feed stall: `/feed URL` of a `--feed-items`-item feed through the real router, then one poll
  by the real FeedPoller (the 30 newest items carry their own text and are ranked and stored),
  while a loop-lag probe wakes every 5 ms: the longest stall of the event loop, against the
  probe on an idle loop for as long right after (on a shared, loaded machine the operating
  system alone can hold a process off the CPU for 100 ms and more) (target: <= 100 ms).
- brotli bomb: an ~1.6 KB `Content-Encoding: br` body that inflates to `--bomb-mib` MiB, fetched
  by the real Fetcher (BRIEFBOT_FETCH_MAX_BYTES 5 MB) in a child process; its peak RSS against
  a child fetching an ordinary page in the same run (target: refused, peak RSS <= 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import brotli

from bench.web_server import Route, WebServer, fixture
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.feed_commands import feed_commands
from bot.render import slack_messages, telegram_messages, utf16_len
from bot.router import Router
from schedules.feeds import FeedPoller, FeedStore
from summarizer.errors import UserError
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.models import ArticleRef, Digest, KeyPoint
from summarizer.reply import Button, ChatRef, Reply
from summarizer.service import Briefing

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
    router = Router(briefing, conversations, settings, commands=feed_commands(store, fetcher))
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


def brotli_bomb(mebibytes: int) -> bytes:
    """A brotli body that inflates to `mebibytes` MiB of zeros (built chunk by chunk)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(1 << 20)
    parts = [compressor.process(zeros) for _ in range(mebibytes)]
    parts.append(compressor.finish())
    return b"".join(parts)


@dataclass(frozen=True)
class FetchProbe:
    """What one child process saw: the error code (or "" when stored) and its peak RSS."""

    outcome: str
    peak_rss_mb: float


def _child(body_file: str, encoding: str, max_bytes: int) -> None:
    """The measured process: serve the body on loopback, fetch it through the real Fetcher."""
    body = Path(body_file).read_bytes()
    headers = {"Content-Encoding": encoding} if encoding else {}
    with WebServer(HOST) as web:
        url = web.route("/a.html", Route(body, headers=headers))
        fetcher = Fetcher(allow=[HOST], max_bytes=max_bytes, timeout=60.0)
        try:
            asyncio.run(fetcher.fetch_document(url))
            outcome = "stored"
        except UserError as error:
            outcome = error.code
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(asdict(FetchProbe(outcome, round(peak, 1)))))


def probe_fetch(body: bytes, encoding: str, max_bytes: int = MAX_BYTES) -> FetchProbe:
    """Fetch `body` served with `encoding` in a fresh child process and report what it saw."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as file:
        file.write(body)
        file.flush()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.hardening",
                "--child",
                file.name,
                encoding,
                str(max_bytes),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    return FetchProbe(**json.loads(done.stdout.strip().splitlines()[-1]))


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
    parser.add_argument("--bomb-mib", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("FILE", "ENCODING", "MAX_BYTES"))
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return
    link = long_link(args.url_chars)
    for key in ("telegram_messages", "slack_sections", "slack_contexts"):
        del link[key]
    with tempfile.TemporaryDirectory() as directory:
        stall = asyncio.run(feed_stall(args.feed_items, Path(directory)))
    b = bomb(args.bomb_mib)
    if args.json:
        print(json.dumps({"long_link": link, "feed_stall": stall, "bomb": b}, indent=2))
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
        f"brotli bomb {b['bomb_compressed_bytes']} B -> {b['bomb_inflated_mib']} MiB: "
        f"{b['bomb']['outcome']}, peak RSS {b['bomb']['peak_rss_mb']} MB "
        f"(ordinary page: {b['baseline']['outcome']}, {b['baseline']['peak_rss_mb']} MB)"
    )


if __name__ == "__main__":
    main()
