"""Replicas bench, failover part: how long the scheduler is leaderless when the scheduling replica
is killed (SIGKILL) or frozen (SIGSTOP), measured with real processes on the real PostgreSQL.

Each replica is a process running `schedules.leader.LeaderElection` with the configured failover
budget; the bench kills the current leader, times until another process reports being elected,
starts a replacement, and repeats. (Deliveries/s with 1 and 3 `briefbot run` replicas against
the fake platforms is not measured here yet: it needs the webhook adapters and the scheduler.)

    python -m bench.replicas [--replicas 3] [--rounds 5] [--failover 30] [--mode kill|stop] [--json]
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
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "BRIEFBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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


async def run(replicas: int, rounds: int, failover: float, mode: str) -> dict[str, Any]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"briefbot_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        gaps = await measure(url, replicas, rounds, failover, mode)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    return {
        "replicas": replicas,
        "mode": mode,
        "failover_budget_s": failover,
        "rounds": len(gaps),
        "failover_s": [round(gap, 3) for gap in gaps],
        "median_s": round(statistics.median(gaps), 3),
        "max_s": round(max(gaps), 3),
        "within_budget": max(gaps) <= failover,
    }


def render(result: dict[str, Any]) -> str:
    return (
        f"failover after {'SIGKILL' if result['mode'] == 'kill' else 'SIGSTOP'} of the scheduling "
        f"replica ({result['replicas']} replicas, budget {result['failover_budget_s']:g} s, "
        f"{result['rounds']} rounds): median {result['median_s']:.2f} s, "
        f"max {result['max_s']:.2f} s, within budget: {result['within_budget']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--failover", type=float, default=30.0, help="budget in seconds")
    parser.add_argument("--mode", choices=["kill", "stop"], default="kill")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(child(args.child, args.failover))
        return 0
    result = asyncio.run(run(args.replicas, args.rounds, args.failover, args.mode))
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
