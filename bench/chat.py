"""Chat adapter throughput and latency: `/brief` through the real python-telegram-bot Application
(long polling) and the real slack-bolt AsyncApp (signed slash commands over HTTP) against the fake
platform servers of tests/fakes, sent at a steady rate; reports updates/s and the p50/p95/max time
from an update entering the platform to the bot's answer arriving there.

    python -m bench.chat [--updates 1000] [--rate 20] [--articles 1000]

The library is bench/corpus.py's synthetic one when ../shared/data is present (topics Inflation,
Taiwan, Sahel), else the chat test fixtures (topic nordkorea). Fakes, bot and load generator share
one process and event loop, so the figures include the fakes' own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import ClientSession

from bot.app import App, build_app
from bot.config import Settings
from bot.slack import SlackBot
from bot.telegram import TelegramBot
from tests.fakes.library import ARTICLES
from tests.fakes.recording import CallLog, serve_routes
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackAPI, signed_headers
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI

FIXTURE_TOPICS = ("nordkorea", "rakete", "container")


@dataclass(frozen=True)
class Result:
    """One platform's run."""

    platform: str
    updates: int
    answered: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float


def _result(platform: str, sent: dict[str, float], answered: dict[str, float],
            seconds: float) -> Result:  # fmt: skip
    latencies = sorted((answered[k] - sent[k]) * 1000 for k in sent if k in answered)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    return Result(
        platform=platform,
        updates=len(sent),
        answered=len(latencies),
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds, 1) if seconds else 0.0,
        p50_ms=round(statistics.median(latencies), 1) if latencies else float("nan"),
        p95_ms=round(p95, 1),
        max_ms=round(latencies[-1], 1) if latencies else float("nan"),
    )


def build_library(data_dir: Path, articles: int) -> tuple[App, tuple[str, ...]]:
    """The App on a fresh SQLite file, with the synthetic corpus or the fixture articles."""
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    topics: tuple[str, ...] = FIXTURE_TOPICS
    if articles:
        from bench import corpus

        if corpus.SHARED_DATA.is_dir():
            corpus.build(settings.database, articles)
            topics = tuple(t.word for t in corpus.TOPICS)
    app = build_app(settings)
    if topics == FIXTURE_TOPICS:
        for path in sorted(ARTICLES.glob("*.txt")):
            app.briefing.add(path)
    if app.engine.dialect.name == "sqlite":
        # a steady-state file, not one just bulk-loaded: fold the loader's write-ahead log in
        # now, or its checkpoint stalls some of the first measured requests
        with app.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return app, topics


async def _answered(
    api: CallLog, method: str, key: str, updates: int, start: float
) -> tuple[dict[str, float], float]:
    """Wait for the answers (the `method` calls), then when each chat (`key`) first got one (the
    fake's arrival time of the call), and the seconds from `start` to the last of those. Missing
    answers show up as fewer chats than updates, not as a crash."""
    with contextlib.suppress(AssertionError):
        await api.wait_for(method, updates, timeout=60)
    first: dict[str, float] = {}
    for call in api.calls:
        if call.method == method:
            first.setdefault(str(call.params[key]), call.at)
    return first, max(first.values(), default=start) - start


async def bench_telegram(app: App, topics: Sequence[str], updates: int, rate: float) -> Result:
    api = await FakeTelegramAPI().start()
    bot = TelegramBot(app.router, token=TOKEN, base_url=api.base_url, poll_timeout=10)
    sent: dict[str, float] = {}
    await bot.start()
    try:
        start = time.perf_counter()
        for i in range(updates):
            await _pace(start, i, rate)
            chat_id = 10_000 + i
            text = f"/brief {topics[i % len(topics)]}"
            sent[str(chat_id)] = time.perf_counter()
            api.push_update(
                {"message": {"message_id": 1, "date": int(time.time()), "text": text,
                             "chat": {"id": chat_id, "type": "private", "first_name": "B"},
                             "from": {"id": chat_id, "is_bot": False, "first_name": "B"},
                             "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
            )  # fmt: skip
        answered, seconds = await _answered(api, "sendMessage", "chat_id", updates, start)
    finally:
        await bot.stop()
        await api.stop()
    return _result("telegram", sent, answered, seconds)


async def bench_slack(app: App, topics: Sequence[str], updates: int, rate: float) -> Result:
    api = await FakeSlackAPI().start()
    bot = SlackBot(app.router, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET,
                   api_url=api.base_url)  # fmt: skip
    await bot.start()
    runner, url = await serve_routes(bot.routes(), "/slack/events")
    sent: dict[str, float] = {}
    tasks: list[asyncio.Task[None]] = []
    try:
        async with ClientSession() as session:

            async def one(i: int) -> None:
                channel = f"C{i:08d}"
                body = urlencode({
                    "team_id": "T0BENCH", "channel_id": channel, "user_id": f"U{i:08d}",
                    "command": "/brief", "text": topics[i % len(topics)],
                    "response_url": api.response_url(), "trigger_id": f"t{i}",
                })  # fmt: skip
                sent[channel] = time.perf_counter()
                async with session.post(url, data=body, headers=signed_headers(body)) as reply:
                    await reply.read()

            start = time.perf_counter()
            for i in range(updates):
                await _pace(start, i, rate)
                tasks.append(asyncio.create_task(one(i)))
            await asyncio.gather(*tasks)
            answered, seconds = await _answered(api, "chat.postMessage", "channel", updates, start)
    finally:
        await runner.cleanup()
        await bot.stop()
        await api.stop()
    return _result("slack", sent, answered, seconds)


async def _pace(start: float, index: int, rate: float) -> None:
    delay = start + index / rate - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def run(*, updates: int, rate: float, articles: int, data_dir: Path) -> list[Result]:
    app, topics = build_library(data_dir, articles)
    # What a long-running bot should do after start-up: move the objects built so far out of
    # the collector's reach. Without it a full collection over the loaded library stalls the
    # event loop for ~0.6 s once (measured: p95 228 ms instead of 34 ms over 200 updates).
    gc.collect()
    gc.freeze()
    try:
        return [
            await bench_telegram(app, topics, updates, rate),
            await bench_slack(app, topics, updates, rate),
        ]
    finally:
        app.close()


def table(results: Sequence[Result], rate: float) -> str:
    lines = [
        f"/brief at {rate:g} updates/s (target p95 <= 100 ms)",
        "| platform | updates | answered | updates/s | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(f"| {r.platform} | {r.updates} | {r.answered} | {r.per_second} | "
                     f"{r.p50_ms} | {r.p95_ms} | {r.max_ms} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="updates per second sent")
    parser.add_argument("--articles", type=int, default=1000,
                        help="synthetic library size (0: the test fixtures)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-chat-") as folder:
        results = asyncio.run(
            run(updates=args.updates, rate=args.rate, articles=args.articles, data_dir=Path(folder))
        )
    print(json.dumps([asdict(r) for r in results]) if args.json else table(results, args.rate))
    return 0 if all(r.answered == r.updates for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
