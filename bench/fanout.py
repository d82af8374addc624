"""Fan-out bench: N subscriptions due at the same moment against a fake Telegram that allows
30 messages/s (429 with retry_after beyond), answers 5% of requests with a 5xx and lets 2% time
out; the delivering process is killed with SIGKILL once mid-run and started again.

    python -m bench.fanout [--subs 2000] [--kill-at 0.4] [--seed 7]

Reports delivered, duplicates (target 0), lost (target 0) and the time from the due moment to
the last accepted message against the platform's floor of N / 30 s (target <= 1.10 x floor).
The fake platform runs in this process (a small aiohttp server on 127.0.0.1, port chosen by the
OS) so it outlives the kill; the deliveries run in a child process on a SQLite file: the real
subscriptions, APScheduler job store, ledger, rate limiter and an (empty) Briefing, so every
digest is the short "nothing new" line. A timed-out request is not delivered by the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from schedules.clock import SystemClock
from schedules.delivery import DONE, Deliveries, Ledger
from schedules.ratelimit import RateLimiter
from schedules.scheduler import DigestScheduler
from schedules.sending import ChatGone, RetryAfter, Sender, TransientSendError
from schedules.subscriptions import Subscriptions
from schedules.timespec import TimeSpec
from summarizer.db import make_engine
from summarizer.library import Library
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

REPO = Path(__file__).resolve().parents[1]
RATE = 30
ERRORS = 0.05
TIMEOUTS = 0.02
CLIENT_TIMEOUT = 0.25
"""Seconds the bench's sender waits for an answer; an injected timeout holds 10x as long."""
LEAD = 6.0
"""Seconds between starting the first worker and the due moment (time to import and start)."""
DUE = datetime(2030, 1, 7, 7, 30, tzinfo=UTC)
"""The shifted wall-clock moment every subscription is due (workers run on a shifted clock)."""


@dataclass
class FakeTelegram:
    """sendMessage with Telegram's shape of answers, a sliding 1-second rate window over
    accepted messages, and injected 5xx answers and timeouts."""

    seed: int
    rate: int = RATE
    errors: float = ERRORS
    timeouts: float = TIMEOUTS
    accepted: list[tuple[str, float]] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    _window: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    async def send_message(self, request: web.Request) -> web.Response:
        payload = await request.json()
        chat_id = str(payload["chat_id"])
        roll = self._random.random()
        if roll < self.errors:
            self.answers["5xx"] += 1
            return web.json_response({"ok": False, "error_code": 502}, status=502)
        if roll < self.errors + self.timeouts:
            self.answers["timeout"] += 1
            await asyncio.sleep(CLIENT_TIMEOUT * 10)
            return web.json_response({"ok": False, "error_code": 504}, status=504)
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate:
            self.answers["429"] += 1
            body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 1}}
            return web.json_response(body, status=429)
        self._window.append(now)
        self.accepted.append((chat_id, now))
        self.answers["ok"] += 1
        return web.json_response({"ok": True, "result": {"message_id": len(self.accepted)}})

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", self.send_message)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return runner, f"http://127.0.0.1:{port}/botbench"


# --- the worker (child process) --------------------------------------------------------------


class HttpSender:
    """The bench's Sender: one request per call, mapped like the adapters map theirs."""

    def __init__(self, session: aiohttp.ClientSession, url: str, limiter: RateLimiter) -> None:
        self.session = session
        self.url = url
        self.limiter = limiter

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        await self.limiter.wait(chat)
        try:
            async with self.session.post(
                f"{self.url}/sendMessage", json={"chat_id": chat.chat_id, "text": reply.text}
            ) as response:
                body = await response.json()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TransientSendError(f"no answer: {error!r}") from error
        if response.status == 200:
            return str(body["result"]["message_id"])
        if response.status == 429:
            seconds = float(body.get("parameters", {}).get("retry_after", 1))
            self.limiter.pause("telegram", seconds, chat)
            raise RetryAfter(seconds)
        if response.status == 403:
            raise ChatGone(str(body))
        raise TransientSendError(f"HTTP {response.status}")


def stack(
    database: str, offset: float, sender: Sender, limiter: RateLimiter | None
) -> tuple[Subscriptions, DigestScheduler]:
    """The real subscriptions, ledger and scheduler on `database`, on a shifted clock."""
    clock = SystemClock(timedelta(seconds=offset))
    library = Library.open(database)
    subscriptions = Subscriptions(library.engine)
    deliveries = Deliveries(
        library.engine, subscriptions, Briefing(library), sender, clock=clock, limiter=limiter
    )
    return subscriptions, DigestScheduler(library.engine, subscriptions, deliveries, clock=clock)


async def worker(database: str, url: str, offset: float, expect: int) -> None:
    limiter = RateLimiter(SystemClock())
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        _, scheduler = stack(database, offset, HttpSender(session, url, limiter), limiter)
        ledger = scheduler.deliveries.ledger
        await scheduler.start()
        print("ready", flush=True)
        while sum(n for status, n in ledger.counts().items() if status in DONE) < expect:
            await asyncio.sleep(0.1)
        await scheduler.stop()
        scheduler.close()


# --- the bench (parent process) --------------------------------------------------------------


class _NeverSends:
    async def send(self, chat: ChatRef, reply: Reply) -> str:
        raise AssertionError("the bench itself never sends")


async def subscribe_all(database: str, subs: int, offset: float) -> None:
    subscriptions, scheduler = stack(database, offset, _NeverSends(), None)
    spec = TimeSpec(DUE.hour, DUE.minute, timezone="UTC")
    now = scheduler.clock.now()
    for number in range(subs):
        chat = ChatRef("telegram", str(100_000 + number))
        subscription, _ = subscriptions.subscribe(
            chat, f"thema {number % 20}", spec, now=now, zone_from_chat=False
        )
        scheduler.schedule(subscription)
    scheduler.close()


def start_worker(database: str, url: str, offset: float, expect: int) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "bench.fanout",
        "--worker",
        "--database",
        database,
        "--url",
        url,
        "--offset",
        repr(offset),
        "--subs",
        str(expect),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO)


async def wait_exit(process: subprocess.Popen[str], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError("the worker did not finish")
        await asyncio.sleep(0.05)
    return process.returncode


async def run(subs: int, kill_at: float, seed: int) -> dict[str, float]:
    platform = FakeTelegram(seed)
    runner, url = await platform.start()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{(Path(folder) / 'fanout.db').as_posix()}"
        await subscribe_all(
            database, subs, (DUE - timedelta(hours=1) - datetime.now(UTC)).total_seconds()
        )
        offset = (DUE - datetime.now(UTC)).total_seconds() - LEAD
        due = time.monotonic() + LEAD
        first = start_worker(database, url, offset, subs)
        killed_at = restarted_at = None
        if kill_at < 1.0:
            await asyncio.sleep(max(0.0, due + kill_at * subs / RATE - time.monotonic()))
            first.kill()
            first.wait()
            killed_at = time.monotonic()
            second = start_worker(database, url, offset, subs)
            assert second.stdout is not None
            await asyncio.to_thread(second.stdout.readline)
            restarted_at = time.monotonic()
            await wait_exit(second, timeout=20 * subs / RATE + 60)
        else:
            await wait_exit(first, timeout=20 * subs / RATE + 60)
        ledger = Ledger(make_engine(database)).counts()
    await runner.cleanup()

    times = sorted(at for _, at in platform.accepted)
    after_kill = [at for at in times if killed_at and at > killed_at]
    per_chat = Counter(chat for chat, _ in platform.accepted)
    early = sum(1 for _, at in platform.accepted if at < due)
    last = max(at for _, at in platform.accepted) if platform.accepted else due
    floor = subs / RATE
    return {
        "subscriptions": subs,
        "delivered": len(per_chat),
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "lost": subs - len(per_chat),
        "early": early,
        "unconfirmed": ledger.get("unconfirmed", 0),
        "failed": ledger.get("failed", 0),
        "seconds": round(last - due, 2),
        "floor_seconds": round(floor, 2),
        "ratio": round((last - due) / floor, 3),
        "answers_ok": platform.answers["ok"],
        "answers_5xx": platform.answers["5xx"],
        "answers_timeout": platform.answers["timeout"],
        "answers_429": platform.answers["429"],
        "killed_after_seconds": round(kill_at * subs / RATE, 1) if kill_at < 1.0 else 0,
        "delivered_before_kill": sum(
            1 for _, at in platform.accepted if killed_at and at < killed_at
        ),
        "restart_seconds": round(restarted_at - killed_at, 2) if killed_at and restarted_at else 0,
        "first_after_due": round(times[0] - due, 2) if times else 0,
        "first_after_kill": round(after_kill[0] - killed_at, 2) if after_kill and killed_at else 0,
    }


def report(result: dict[str, float]) -> str:
    return "\n".join(
        [
            f"fan-out: {result['subscriptions']} subscriptions due at once; fake Telegram "
            f"{RATE} msg/s, {ERRORS:.0%} 5xx, {TIMEOUTS:.0%} timeouts; SIGKILL "
            f"{result['killed_after_seconds']} s after the due time ({result['delivered_before_kill']}"
            f" delivered), restarted in {result['restart_seconds']} s",
            f"delivered {result['delivered']}  duplicates {result['duplicates']} (target 0)  "
            f"lost {result['lost']} (target 0)  early {result['early']}  "
            f"unconfirmed {result['unconfirmed']}  failed {result['failed']}",
            f"time {result['seconds']} s vs floor {result['floor_seconds']} s = "
            f"{result['ratio']} x floor (target <= 1.10)",
            f"platform answers: {result['answers_ok']} ok, {result['answers_5xx']} 5xx, "
            f"{result['answers_timeout']} timeouts, {result['answers_429']} 429",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subs", type=int, default=2000)
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="fraction delivered; 1 = no kill"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(worker(args.database, args.url, args.offset, args.subs))
        return 0
    result = asyncio.run(run(args.subs, args.kill_at, args.seed))
    print(report(result))
    if args.json:
        print(json.dumps(result))
    on_target = result["duplicates"] == 0 and result["lost"] == 0 and float(result["ratio"]) <= 1.10
    return 0 if on_target else 1


if __name__ == "__main__":
    sys.exit(main())
