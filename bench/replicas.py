"""Replicas bench (issue 7), with real processes on the real PostgreSQL:

- deliveries/s with 1 and with 3 `briefbot run` replicas (Telegram webhook, Slack HTTP mode)
  when N subscriptions in as many chats fall due at once, against the fake Bot API (enforcing
  30 messages/s, 429 with retry_after beyond) and the fake Slack API; every message is a real
  digest of the stored fixture articles. Exactly-once is checked on the platforms' side
  (duplicates, lost) and in the ledger (unconfirmed, failed). Only the replica holding the
  advisory lock schedules, so the rate is bounded by Telegram's 30/s whatever the number of
  replicas: it is reported as time against the floor of N / 30 s, with each replica's own
  count of delivered digests (from its /metrics) to show who sent them.
- failover: how long the scheduler is leaderless when the scheduling replica is killed
  (SIGKILL) or frozen (SIGSTOP). Each replica there is a process running only
  `schedules.leader.LeaderElection` with the failover budget; the bench strikes the leader,
  times until another process reports being elected, starts a replacement, and repeats.

    python -m bench.replicas [--subs 600] [--slack 20] [--counts 1,3] [--rounds 5]
                             [--failover 30] [--mode kill|stop] [--json]

Each part creates its own database on BRIEFBOT_TEST_POSTGRES (default: 127.0.0.1:5432, database
`test`, trust auth) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from summarizer.reply import ChatRef
from tests.briefbot_processes import (
    DUE,
    BriefbotProcess,
    ledger_counts,
    offset_for,
    schedule_subscriptions,
    start_webhook_replica,
    store_digest_articles,
)
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.scratch_postgres import scratch_database

TOPIC = "nordkorea"
RATE = 30
"""Telegram's messages per second per bot, which the fake enforces."""


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    elected_at: float | None = None
    reader: asyncio.Task[None] | None = field(default=None, repr=False)


async def child(url: str, failover: float) -> None:
    """One replica: elect, report the wall-clock time of election on stdout, run until killed."""
    from schedules.leader import LeaderElection

    async def elected() -> None:
        print(f"elected {time.time():.6f}", flush=True)

    async def demoted() -> None:
        print(f"demoted {time.time():.6f}", flush=True)

    election = LeaderElection(
        url, on_elected=elected, on_demoted=demoted, failover_seconds=failover
    )
    await election.start()
    await asyncio.Event().wait()


async def spawn(url: str, failover: float, news: asyncio.Queue[Replica]) -> Replica:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.replicas",
        "--child",
        url,
        "--failover",
        str(failover),
        stdout=asyncio.subprocess.PIPE,
    )
    replica = Replica(process)

    async def read() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            word, _, stamp = line.decode().partition(" ")
            if word == "elected":
                replica.elected_at = float(stamp)
                await news.put(replica)

    replica.reader = asyncio.create_task(read())
    return replica


async def measure(url: str, replicas: int, rounds: int, failover: float, mode: str) -> list[float]:
    news: asyncio.Queue[Replica] = asyncio.Queue()
    running = [await spawn(url, failover, news) for _ in range(replicas)]
    gaps: list[float] = []
    try:
        leader = await asyncio.wait_for(news.get(), 60)
        for _ in range(rounds):
            # settle, then strike at a random phase of the standbys' retry cycle
            interval = min(5.0, failover / 6)
            await asyncio.sleep(random.uniform(interval, 3 * interval))
            struck = time.time()
            leader.process.send_signal(signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
            successor = await asyncio.wait_for(news.get(), 4 * failover + 30)
            assert successor is not leader and successor.elected_at is not None
            gaps.append(successor.elected_at - struck)
            with contextlib.suppress(ProcessLookupError):  # SIGKILL may have reaped it already
                leader.process.kill()
            await leader.process.wait()
            running.remove(leader)
            running.append(await spawn(url, failover, news))
            leader = successor
    finally:
        for replica in running:
            with contextlib.suppress(ProcessLookupError):
                replica.process.kill()
            await replica.process.wait()
            if replica.reader is not None:
                replica.reader.cancel()
    return gaps


# --- the platforms --------------------------------------------------------------------------


class _TooMany(Exception):
    """A sendMessage beyond the bot's 30 messages/s."""


class RateLimitedTelegram(FakeTelegramAPI):
    """The test suite's fake Bot API, plus Telegram's bot-wide limit: a sliding one-second
    window over accepted messages; beyond it, 429 with retry_after 1 (nothing delivered)."""

    def __init__(self, rate: int = RATE) -> None:
        super().__init__()
        self.rate = rate
        self.accepted: list[tuple[str, float]] = []
        self.refused = 0
        self._window: list[float] = []

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await super()._handle(request)
        except _TooMany:
            self.refused += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return web.json_response(body, status=429)

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        self._window = [at for at in self._window if at > now - 1.0]
        if len(self._window) >= self.rate:
            raise _TooMany
        result = await super()._m_sendMessage(params)  # checks the text first (no await inside)
        self._window.append(now)
        if is_digest(str(params.get("text", ""))):
            self.accepted.append((str(params["chat_id"]), now))
        return result


def is_digest(text: str) -> bool:
    return f"Briefing zu {TOPIC}" in text


def slack_digests(slack: FakeSlackAPI) -> list[tuple[str, float]]:
    """(channel, monotonic time) of each digest posted to the fake Slack."""
    shift = time.monotonic() - time.perf_counter()  # the fake stamps calls with perf_counter
    return [
        (str(call.params["channel"]), call.at + shift)
        for call in slack.calls
        if call.method == "chat.postMessage"
        and is_digest(str(call.params.get("text", "")) + json.dumps(call.params.get("blocks", "")))
    ]


# --- throughput -----------------------------------------------------------------------------


def bench_chats(subs: int, slack: int) -> list[ChatRef]:
    telegram = [ChatRef("telegram", str(200_000 + n)) for n in range(subs)]
    return telegram + [ChatRef("slack", f"C0BENCH{n:04d}") for n in range(slack)]


def prepare(url: str, chats: Sequence[ChatRef]) -> None:
    """Migrate, store the fixture articles, subscribe every chat to TOPIC at DUE."""
    store_digest_articles(url)
    schedule_subscriptions(url, chats, TOPIC)


def cpu_seconds(process: BriefbotProcess) -> float:
    """User + system CPU time of a running replica so far (Linux /proc)."""
    if process.process is None:
        return 0.0
    try:
        fields = Path(f"/proc/{process.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sender_retries(log: Path) -> int:
    """Sends a replica's platform sender retried in place (429 waits and 5xx back-offs)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("rate limited, waiting") + text.count("send failed (")


async def delivered_by(session: aiohttp.ClientSession, replica: BriefbotProcess) -> int:
    """The digests this replica sent and marked, from its /metrics."""
    async with session.get(f"{replica.url}/metrics") as response:
        metrics = await response.text()
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in metrics.splitlines()
        if line.startswith("briefbot_digests_delivered_total{")
    )


async def throughput(
    replicas: int, subs: int, slack_channels: int, logs: Path, *, lead: float | None = None
) -> dict[str, Any]:
    """One fan-out of `subs` Telegram chats and `slack_channels` Slack channels, all due at
    once, with `replicas` `briefbot run` processes on a fresh database; the due moment is
    `lead` seconds after they are spawned (default: room to start on a busy machine)."""
    from schedules.delivery import DONE

    chats = bench_chats(subs, slack_channels)
    with scratch_database("briefbot_bench") as url:
        prepare(url, chats)  # in the loop: the job store is an AsyncIOScheduler's
        telegram = RateLimitedTelegram()
        await telegram.start()
        slack = await FakeSlackAPI().start()
        offset = offset_for(due_in=lead if lead is not None else 10.0 + 5.0 * replicas)
        due = time.monotonic() + (DUE - datetime.now(UTC)).total_seconds() - offset
        processes = [
            start_webhook_replica(
                url,
                logs / f"throughput-{replicas}-{number}.log",
                offset=offset,
                telegram_url=telegram.base_url,
                slack_url=slack.base_url,
                secret="bench-replicas-secret",
                extra={"LOG_LEVEL": "WARNING"},
            )
            for number in range(replicas)
        ]
        try:
            await asyncio.gather(*(process.ready(timeout=90) for process in processes))
            ready_before_due = time.monotonic() < due
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            cpu_before = [cpu_seconds(process) for process in processes]
            load_before = os.getloadavg()[0]
            deadline = due + 10 * len(chats) / RATE + 60
            counts: dict[str, int] = {}
            while time.monotonic() < deadline:
                counts = await asyncio.to_thread(ledger_counts, url)
                if sum(counts.get(status, 0) for status in DONE) >= len(chats):
                    break
                await asyncio.sleep(0.25)
            cpu = [cpu_seconds(p) - before for p, before in zip(processes, cpu_before, strict=True)]
            load = (load_before + os.getloadavg()[0]) / 2
            async with aiohttp.ClientSession() as session:
                by_replica = [await delivered_by(session, process) for process in processes]
        finally:
            for process in processes:
                if process.process is not None and process.process.poll() is None:
                    process.signal(signal.SIGTERM)
            for process in processes:
                with contextlib.suppress(AssertionError):
                    await process.exited(timeout=30)
                process.kill()
            await telegram.stop()
            await slack.stop()
    result = figures(
        replicas, chats, telegram.accepted, slack_digests(slack), due, counts, by_replica,
        ready_before_due, telegram.refused,
    )  # fmt: skip
    leader = max(range(replicas), key=by_replica.__getitem__)
    result["leader_cpu_s"] = round(cpu[leader], 2)
    result["leader_cpu_ms_per_delivery"] = round(
        1000 * cpu[leader] / max(1, result["delivered"]), 1
    )
    result["sender_retries"] = sender_retries(processes[leader].log)
    result["load_average"] = round(load, 2)
    return result


def figures(
    replicas: int,
    chats: Sequence[ChatRef],
    telegram: Sequence[tuple[str, float]],
    slack: Sequence[tuple[str, float]],
    due: float,
    ledger: dict[str, int],
    by_replica: list[int],
    ready_before_due: bool,
    refused: int,
) -> dict[str, Any]:
    per_chat = Counter(chat for chat, _ in [*telegram, *slack])
    expected = {chat.chat_id for chat in chats}
    subs = sum(1 for chat in chats if chat.platform == "telegram")
    times = sorted(at for _, at in [*telegram, *slack])
    telegram_times = sorted(at for _, at in telegram)
    seconds = times[-1] - due if times else 0.0
    floor = subs / RATE
    return {
        "replicas": replicas,
        "telegram_chats": subs,
        "slack_channels": len(chats) - subs,
        "delivered": len(per_chat.keys() & expected),
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "lost": len(expected - per_chat.keys()),
        "strays": len(per_chat.keys() - expected),
        "unconfirmed": ledger.get("unconfirmed", 0),
        "failed": ledger.get("failed", 0),
        "early": sum(1 for at in times if at < due),
        "ready_before_due": ready_before_due,
        "first_after_due_s": round(times[0] - due, 2) if times else 0.0,
        "seconds": round(seconds, 2),
        "floor_seconds": round(floor, 2),
        "ratio": round(seconds / floor, 3) if floor else 0.0,
        "deliveries_per_s": round(len(times) / seconds, 2) if seconds > 0 else 0.0,
        "telegram_per_s": (
            round(len(telegram_times) / (telegram_times[-1] - due), 2) if telegram_times else 0.0
        ),
        "answers_429": refused,
        "delivered_by_replica": by_replica,
        "scheduling_replicas": sum(1 for n in by_replica if n > 0),
    }


# --- failover -------------------------------------------------------------------------------


async def failover(replicas: int, rounds: int, budget: float, mode: str) -> dict[str, Any]:
    """Leaderless time after striking the scheduling replica, `rounds` times."""
    with scratch_database("briefbot_bench") as url:
        gaps = await measure(url, replicas, rounds, budget, mode)
    return {
        "replicas": replicas,
        "mode": mode,
        "failover_budget_s": budget,
        "rounds": len(gaps),
        "failover_s": [round(gap, 3) for gap in gaps],
        "median_s": round(statistics.median(gaps), 3),
        "max_s": round(max(gaps), 3),
        "within_budget": max(gaps) <= budget,
    }


# --- the bench ------------------------------------------------------------------------------


async def run(
    counts: Sequence[int],
    subs: int,
    slack: int,
    *,
    rounds: int,
    budget: float,
    mode: str,
    failover_replicas: int = 3,
) -> dict[str, Any]:
    """Throughput with each number of replicas in `counts`, then failover (`rounds` > 0)."""
    with tempfile.TemporaryDirectory() as folder:
        runs = [await throughput(count, subs, slack, Path(folder)) for count in counts]
    result: dict[str, Any] = {"throughput": runs}
    if rounds > 0:
        result["failover"] = await failover(failover_replicas, rounds, budget, mode)
    return result


ROWS = [
    ("Telegram chats + Slack channels", lambda r: f"{r['telegram_chats']} + {r['slack_channels']}"),
    ("replicas ready before due", lambda r: r["ready_before_due"]),
    ("delivered", lambda r: r["delivered"]),
    ("duplicates (target 0)", lambda r: r["duplicates"]),
    ("lost (target 0)", lambda r: r["lost"]),
    ("unconfirmed / failed", lambda r: f"{r['unconfirmed']} / {r['failed']}"),
    ("early", lambda r: r["early"]),
    ("due -> first delivery (s)", lambda r: r["first_after_due_s"]),
    ("due -> last delivery (s)", lambda r: r["seconds"]),
    ("floor at 30/s (s)", lambda r: r["floor_seconds"]),
    ("time / floor", lambda r: r["ratio"]),
    ("deliveries/s (all)", lambda r: r["deliveries_per_s"]),
    ("Telegram deliveries/s (limit 30)", lambda r: r["telegram_per_s"]),
    ("Telegram 429 answers", lambda r: r["answers_429"]),
    ("in-sender retries (leader log)", lambda r: r["sender_retries"]),
    ("leader CPU (s)", lambda r: r["leader_cpu_s"]),
    ("leader CPU ms per delivery", lambda r: r["leader_cpu_ms_per_delivery"]),
    ("load average (2 cores)", lambda r: r["load_average"]),
    ("delivered by replica (/metrics)", lambda r: "/".join(map(str, r["delivered_by_replica"]))),
]


def render_failover(result: dict[str, Any]) -> str:
    return (
        f"failover after {'SIGKILL' if result['mode'] == 'kill' else 'SIGSTOP'} of the scheduling "
        f"replica ({result['replicas']} replicas, budget {result['failover_budget_s']:g} s, "
        f"{result['rounds']} rounds): median {result['median_s']:.2f} s, "
        f"max {result['max_s']:.2f} s, within budget: {result['within_budget']}"
    )


def render(result: dict[str, Any]) -> str:
    """One table: a column per number of replicas, then the failover line."""
    lines = []
    runs = result["throughput"]
    if runs:
        width = max(len(label) for label, _ in ROWS)
        lines.append(
            "fan-out on PostgreSQL, `briefbot run` in Telegram webhook / Slack HTTP mode, "
            f"fake Telegram enforcing {RATE} msg/s"
        )
        lines.append(
            f"{'':{width}}" + "".join(f"{str(r['replicas']) + ' replica(s)':>14}" for r in runs)
        )
        lines += [f"{label:{width}}" + "".join(f"{cell(r)!s:>14}" for r in runs)
                  for label, cell in ROWS]  # fmt: skip
        lines.append(
            "only the advisory-lock leader schedules and sends digests, so deliveries/s is "
            f"bounded by Telegram's {RATE}/s per bot whatever the number of replicas "
            "(the others take webhook/HTTP traffic and stand by)"
        )
    if "failover" in result:
        lines.append(render_failover(result["failover"]))
    return "\n".join(lines)


def exactly_once(run: dict[str, Any]) -> bool:
    return bool(
        run["duplicates"] == 0 and run["lost"] == 0 and run["strays"] == 0
        and run["unconfirmed"] == 0 and run["failed"] == 0 and run["early"] == 0
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replicas", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--subs", type=int, default=600, help="Telegram chats due at once")
    parser.add_argument("--slack", type=int, default=20, help="Slack channels due at once")
    parser.add_argument(
        "--counts", default="1,3", help="numbers of replicas to measure throughput with"
    )
    parser.add_argument("--replicas", type=int, default=3, help="processes in the failover part")
    parser.add_argument("--rounds", type=int, default=5, help="failover rounds (0: skip)")
    parser.add_argument("--failover", type=float, default=30.0, help="budget in seconds")
    parser.add_argument("--mode", choices=["kill", "stop"], default="kill")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(child(args.child, args.failover))
        return 0
    counts = [int(part) for part in args.counts.split(",") if part.strip()]
    result = asyncio.run(
        run(counts, args.subs, args.slack, rounds=args.rounds, budget=args.failover,
            mode=args.mode, failover_replicas=args.replicas)
    )  # fmt: skip
    print(render(result))
    if args.json:
        print(json.dumps(result))
    good = all(exactly_once(r) for r in result["throughput"])
    return 0 if good and result.get("failover", {}).get("within_budget", True) else 1


if __name__ == "__main__":
    sys.exit(main())
