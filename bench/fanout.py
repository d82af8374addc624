"""Fan-out bench: N subscriptions due at the same moment against a fake Telegram that allows
30 messages/s (429 with retry_after beyond), answers 5% of requests with a 5xx and lets 2% time
out; the delivering process is stopped once mid-run and started again: SIGKILL (`--kill kill`,
a crash: a send cut off on the wire may end `unconfirmed`, never repeated) or SIGTERM (`--kill
term`, a graceful stop: the send on the wire finishes and is recorded, so nothing may be lost).

    python -m bench.fanout [--subs 2000] [--kill kill|term|both] [--kill-at 0.4] [--seed 7] [--json]

The stop comes when the fake platform has accepted `--kill-at` of the messages (0.4: the 800th
of 2,000), sent from the request handler itself: an event, not a moment, so a worker that starts
slowly on a busy machine is still stopped in the middle of its fan-out.

Reports delivered, duplicates (target 0), lost (target 0) and the time from the due moment to
the last accepted message against the platform's floor of N / 30 s (target <= 1.10 x floor),
and where the time above the floor went: the first send after the due moment, the gap the
stop and restart left, and other idle stretches (retry back-off at the tail, 429 pauses). Those
are fixed costs, so the ratio shrinks with N (300 subscriptions: a 10 s floor; 2,000: 66.7 s).
The fake platform runs in this process (a small aiohttp server on 127.0.0.1, port chosen by the
OS) so it outlives the kill; the deliveries run in a child process on a SQLite file: the real
subscriptions, APScheduler job store, ledger, rate limiter and an (empty) Briefing, so every
digest is the short "nothing new" line. A timed-out request is not delivered by the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.presentation import ScheduledDigests
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
"""Seconds the bench's sender waits for an answer; an injected timeout holds twice as long. A
smoke test on a busy machine passes more: an accepted message answered after the sender gave up
would be sent again (a duplicate the platform caused, not the ledger)."""
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
    hold: float = CLIENT_TIMEOUT * 2
    """Seconds an injected timeout keeps the request unanswered."""
    accepted: list[tuple[str, float]] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    strike_after: int = 0
    """After this many accepted messages `strike` is called (0: never)."""
    strike: Callable[[], None] | None = None
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
            await asyncio.sleep(self.hold)
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
        if self.strike is not None and len(self.accepted) == self.strike_after:
            self.strike()
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
        library.engine,
        subscriptions,
        Briefing(library),
        sender,
        ScheduledDigests(),
        clock=clock,
        limiter=limiter,
    )
    return subscriptions, DigestScheduler(library.engine, subscriptions, deliveries, clock=clock)


async def worker(
    database: str, url: str, offset: float, expect: int, client_timeout: float = CLIENT_TIMEOUT
) -> None:
    """Deliver until the ledger has settled `expect` deliveries, or stop on SIGTERM the way
    `briefbot run` does (the scheduler lets the send on the wire finish and record itself)."""
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    limiter = RateLimiter(SystemClock())
    timeout = aiohttp.ClientTimeout(total=client_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        _, scheduler = stack(database, offset, HttpSender(session, url, limiter), limiter)
        ledger = scheduler.deliveries.ledger
        await scheduler.start()
        print("ready", flush=True)
        while not stopping.is_set():
            if sum(n for status, n in ledger.counts().items() if status in DONE) >= expect:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 0.1)
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


def start_worker(
    database: str, url: str, offset: float, expect: int, client_timeout: float
) -> subprocess.Popen[str]:
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
        "--client-timeout",
        repr(client_timeout),
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


SIGNALS = {"kill": signal.SIGKILL, "term": signal.SIGTERM}
IDLE = 0.1
"""A stretch without an accepted message longer than this (3 slots at 30/s) counts as idle."""


async def run(
    subs: int, kill_at: float, seed: int, kill: str = "kill", client_timeout: float = CLIENT_TIMEOUT
) -> dict[str, Any]:
    """One fan-out; `kill` is "kill" (SIGKILL) or "term" (SIGTERM, waiting for a clean exit),
    sent when the platform has accepted `kill_at` of the messages (`kill_at` >= 1: no stop)."""
    platform = FakeTelegram(seed, hold=client_timeout * 2)
    runner, url = await platform.start()
    struck_at = exited_at = restarted_at = None
    exit_code = 0
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{(Path(folder) / 'fanout.db').as_posix()}"
        await subscribe_all(
            database, subs, (DUE - timedelta(hours=1) - datetime.now(UTC)).total_seconds()
        )
        offset = (DUE - datetime.now(UTC)).total_seconds() - LEAD
        due = time.monotonic() + LEAD
        first = start_worker(database, url, offset, subs, client_timeout)
        last = first
        if kill_at < 1.0:
            struck = asyncio.Event()

            def strike() -> None:
                first.send_signal(SIGNALS[kill])
                struck.set()

            platform.strike_after, platform.strike = max(1, round(kill_at * subs)), strike
            while not struck.is_set():
                if first.poll() is not None:
                    raise RuntimeError(f"the worker exited ({first.returncode}) before the stop")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(struck.wait(), 0.1)
            struck_at = platform.accepted[platform.strike_after - 1][1]
            exit_code = await wait_exit(first, timeout=60)
            exited_at = time.monotonic()
            last = start_worker(database, url, offset, subs, client_timeout)
            assert last.stdout is not None
            await asyncio.to_thread(last.stdout.readline)
            restarted_at = time.monotonic()
        await wait_exit(last, timeout=20 * subs / RATE + 60)
        ledger = Ledger(make_engine(database)).counts()
    await runner.cleanup()
    return figures(platform, subs, due, ledger, kill if kill_at < 1.0 else "none",
                   struck_at, exited_at, restarted_at, exit_code)  # fmt: skip


def figures(
    platform: FakeTelegram,
    subs: int,
    due: float,
    ledger: dict[str, int],
    kill: str,
    struck_at: float | None,
    exited_at: float | None,
    restarted_at: float | None,
    exit_code: int,
) -> dict[str, Any]:
    times = sorted(at for _, at in platform.accepted)
    per_chat = Counter(chat for chat, _ in platform.accepted)
    last = times[-1] if times else due
    floor = subs / RATE
    gaps = [(b - a, a, b) for a, b in itertools.pairwise(times)]
    # the stretch the stop and restart left: from the last message before the old process
    # exited to the first one the new process sent
    before = [at for at in times if exited_at is not None and at <= exited_at]
    after = [at for at in times if exited_at is not None and at > exited_at]
    stop_gap = after[0] - before[-1] if before and after else 0.0
    other_idle = sum(
        gap - IDLE
        for gap, a, b in gaps
        if gap > IDLE and not (before and after and a == before[-1] and b == after[0])
    )
    first_after_due = times[0] - due if times else 0.0
    sending = (last - times[0]) - stop_gap - other_idle if times else 0.0
    return {
        "subscriptions": subs,
        "kill": kill,
        "delivered": len(per_chat),
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "lost": subs - len(per_chat),
        "early": sum(1 for at in times if at < due),
        "unconfirmed": ledger.get("unconfirmed", 0),
        "failed": ledger.get("failed", 0),
        "seconds": round(last - due, 2),
        "floor_seconds": round(floor, 2),
        "ratio": round((last - due) / floor, 3),
        "overhead_seconds": round(last - due - floor, 2),
        "first_after_due": round(first_after_due, 2),
        "stop_gap_seconds": round(stop_gap, 2),
        "other_idle_seconds": round(other_idle, 2),
        "rate_while_sending": round((len(times) - 1) / sending, 2) if sending > 0 else 0.0,
        "answers_ok": platform.answers["ok"],
        "answers_5xx": platform.answers["5xx"],
        "answers_timeout": platform.answers["timeout"],
        "answers_429": platform.answers["429"],
        "killed_after_seconds": round(struck_at - due, 2) if struck_at else 0,
        "delivered_before_kill": sum(1 for at in times if struck_at and at <= struck_at),
        "exit_seconds": round(exited_at - struck_at, 2) if exited_at and struck_at else 0,
        "exit_code": exit_code,
        "restart_seconds": round(restarted_at - exited_at, 2) if restarted_at and exited_at else 0,
        "first_after_kill": round(after[0] - exited_at, 2) if after and exited_at else 0,
    }


LABELS = {"kill": "SIGKILL", "term": "SIGTERM", "none": "no stop"}
ROWS = [
    ("due -> stop (s)", "killed_after_seconds"),
    ("delivered before the stop", "delivered_before_kill"),
    ("signal -> exit (s)", "exit_seconds"),
    ("exit code", "exit_code"),
    ("restart to ready (s)", "restart_seconds"),
    ("delivered", "delivered"),
    ("duplicates (target 0)", "duplicates"),
    ("lost (target 0)", "lost"),
    ("early", "early"),
    ("unconfirmed", "unconfirmed"),
    ("failed", "failed"),
    ("time (s)", "seconds"),
    ("floor (s)", "floor_seconds"),
    ("time / floor (target <= 1.10)", "ratio"),
    ("time above floor (s)", "overhead_seconds"),
    ("  due -> first send (s)", "first_after_due"),
    ("  gap left by the stop (s)", "stop_gap_seconds"),
    ("  other idle > 0.1 s (s)", "other_idle_seconds"),
    ("msg/s while sending", "rate_while_sending"),
    ("answers ok", "answers_ok"),
    ("answers 5xx", "answers_5xx"),
    ("answers timeout", "answers_timeout"),
    ("answers 429", "answers_429"),
]


def report(results: list[dict[str, Any]]) -> str:
    """One table, a column per run."""
    first = results[0]
    head = (
        f"fan-out: {first['subscriptions']} subscriptions due at once; fake Telegram {RATE} msg/s, "
        f"{ERRORS:.0%} 5xx, {TIMEOUTS:.0%} timeouts; one worker stopped mid-run and restarted"
    )
    width = max(len(label) for label, _ in ROWS)
    lines = [head, f"{'':{width}}" + "".join(f"{LABELS[str(r['kill'])]:>10}" for r in results)]
    for label, key in ROWS:
        lines.append(f"{label:{width}}" + "".join(f"{r[key]!s:>10}" for r in results))
    return "\n".join(lines)


def on_target(result: dict[str, Any]) -> bool:
    clean = result["duplicates"] == 0 and float(result["ratio"]) <= 1.10
    if result["kill"] == "kill":  # a crash may cut one send off on the wire: never repeated
        return clean and int(result["lost"]) <= int(result["unconfirmed"])
    return clean and result["lost"] == 0 and result["unconfirmed"] == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subs", type=int, default=2000)
    parser.add_argument(
        "--kill", choices=["kill", "term", "both"], default="kill", help="SIGKILL, SIGTERM or both"
    )
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="fraction of the messages; 1 = no stop"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--client-timeout", type=float, default=CLIENT_TIMEOUT, help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(worker(args.database, args.url, args.offset, args.subs, args.client_timeout))
        return 0
    modes = ["kill", "term"] if args.kill == "both" else [args.kill]
    results = [asyncio.run(run(args.subs, args.kill_at, args.seed, mode)) for mode in modes]
    print(report(results))
    if args.json:
        print(json.dumps(results))
    return 0 if all(on_target(result) for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
