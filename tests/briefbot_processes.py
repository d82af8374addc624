"""Helpers for tests that run real `briefbot run` processes: environment, start, readiness,
SIGTERM/SIGKILL, and subscriptions scheduled straight into the database for a shifted clock.

Processes run with BRIEFBOT_CLOCK_OFFSET_SECONDS, so "07:30 on a day in 2030" is a few seconds
after they start, and every process (and the test) agrees on that moment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.presentation import ScheduledDigests
from schedules.sending import Sender
from summarizer.reply import ChatRef, Reply

REPO = Path(__file__).resolve().parents[1]
DUE = datetime(2030, 1, 7, 7, 30, tzinfo=UTC)
"""The shifted moment the test subscriptions are due (a Monday)."""
HANG = 600.0
"""Seconds after which a wait for a process is declared hung: a failure detector for a busy
machine, never an expected duration (every wait returns as soon as its event happened)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def offset_for(due_in: float) -> float:
    """The clock offset (seconds) that makes DUE `due_in` real seconds from now."""
    return (DUE - datetime.now(UTC)).total_seconds() - due_in


@dataclass
class BriefbotProcess:
    """One `python -m bot run` child with its log file."""

    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> BriefbotProcess:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=self.env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=handle,
        )
        handle.close()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = HANG) -> None:
        """Wait until /readyz answers 200 (migrated, adapters started, scheduler elected)."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.poll() is None, self.tail()
                try:
                    async with session.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"not ready in {timeout} s:\n{self.tail()}")

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def exited(self, timeout: float = HANG) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while (code := self.process.poll()) is None:
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"did not exit in {timeout} s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def defaults_env(**extra: str) -> dict[str, str]:
    """The developer's environment without briefbot, platform and database settings, with the
    repo on PYTHONPATH: a child `python -m bot` that runs on its defaults (plus `extra`)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BRIEFBOT_", "TELEGRAM_", "SLACK_")) and key != "DATABASE_URL"
    }
    return env | {"PYTHONPATH": str(REPO), **extra}


def briefbot_env(
    database: str, *, port: int, offset: float, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a child: only what the test sets (no tokens from the developer's
    shell), on loopback, JSON logs, the shifted clock and a quick job-store poll."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        {
            "DATABASE_URL": database,
            "BRIEFBOT_HTTP_HOST": "127.0.0.1",
            "BRIEFBOT_HTTP_PORT": str(port),
            "BRIEFBOT_CLOCK_OFFSET_SECONDS": repr(offset),
            "BRIEFBOT_SCHEDULER_POLL_SECONDS": "1",
            "BRIEFBOT_FETCH_ALLOW": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def start_webhook_replica(
    database: str,
    log: Path,
    *,
    offset: float,
    telegram_url: str,
    slack_url: str,
    secret: str,
    extra: Mapping[str, str] | None = None,
) -> BriefbotProcess:
    """Start a replica that serves Telegram by webhook and Slack over HTTP on a free port,
    against the fake APIs at `telegram_url` and `slack_url` (tests/fakes, with their tokens)."""
    from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET
    from tests.fakes.telegram_api import TOKEN

    port = free_port()
    platforms = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
    }
    env = briefbot_env(database, port=port, offset=offset, extra={**platforms, **(extra or {})})
    return BriefbotProcess(env, log, port).start()


def store_digest_articles(database: str) -> None:
    """Migrate `database` and store the two Nordkorea fixture articles, added an hour before
    DUE so the digests due then find them new."""
    from bot.app import migrate_database
    from summarizer.db import make_engine
    from summarizer.library import Library
    from summarizer.service import Briefing
    from tests.fakes.library import ARTICLES

    engine = make_engine(database)
    try:
        migrate_database(engine)
        library = Library(engine)
        library.now = lambda: DUE - timedelta(hours=1)
        briefing = Briefing(library)
        for name in ("nordkorea_container.txt", "nordkorea_rakete.txt"):
            briefing.add(ARTICLES / name)
    finally:
        engine.dispose()


class _NeverSends:
    async def send(self, chat: ChatRef, reply: Reply) -> str:
        raise AssertionError("the test never sends")


def schedule_subscriptions(database: str, chats: Sequence[ChatRef], topic: str) -> list[int]:
    """Subscribe each chat to `topic` at DUE (UTC) and write its job, as /subscribe would."""
    from bot.app import migrate_database
    from schedules.clock import SystemClock
    from schedules.delivery import Deliveries
    from schedules.scheduler import DigestScheduler
    from schedules.subscriptions import Subscriptions
    from schedules.timespec import TimeSpec
    from summarizer.db import make_engine
    from summarizer.library import Library
    from summarizer.service import Briefing

    engine = make_engine(database)
    migrate_database(engine)
    clock = SystemClock(timedelta(seconds=offset_for(3600)))  # an hour before DUE
    subscriptions = Subscriptions(engine)
    sender: Sender = _NeverSends()
    briefing = Briefing(Library(engine))
    deliveries = Deliveries(
        engine, subscriptions, briefing, sender, ScheduledDigests(), clock=clock
    )
    scheduler = DigestScheduler(engine, subscriptions, deliveries, clock=clock)
    ids = []
    for chat in chats:
        subscription, _ = subscriptions.subscribe(
            chat, topic, TimeSpec(DUE.hour, DUE.minute, timezone="UTC"), now=clock.now(),
            zone_from_chat=False,
        )  # fmt: skip
        scheduler.schedule(subscription)
        ids.append(subscription.id)
    scheduler.close()
    engine.dispose()
    return ids


def ledger_counts(database: str) -> dict[str, int]:
    from schedules.delivery import Ledger
    from summarizer.db import make_engine

    engine = make_engine(database)
    try:
        return Ledger(engine).counts()
    finally:
        engine.dispose()


def stop_all(processes: Sequence[BriefbotProcess]) -> None:
    for process in processes:
        process.kill()


__all__ = [
    "DUE",
    "HANG",
    "BriefbotProcess",
    "briefbot_env",
    "defaults_env",
    "free_port",
    "ledger_counts",
    "offset_for",
    "schedule_subscriptions",
    "signal",
    "start_webhook_replica",
    "stop_all",
    "store_digest_articles",
]
