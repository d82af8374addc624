"""Graceful shutdown of a real `briefbot run` (issue 7): SIGTERM in the middle of a digest
fan-out stops intake, lets the send on the wire finish, leaves the rest claimed or unclaimed,
and exits cleanly; after a restart every due digest has reached its chat exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp

from schedules.delivery import SENT
from summarizer.reply import ChatRef
from tests.briefbot_processes import (
    BriefbotProcess,
    briefbot_env,
    free_port,
    ledger_counts,
    offset_for,
    schedule_subscriptions,
)
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI

CHATS = 40


async def intake_closed(process: BriefbotProcess) -> bool:
    """Whether /healthz refused (5xx or no connection) before the process exited."""
    async with aiohttp.ClientSession() as session:
        while process.process is not None and process.process.poll() is None:
            try:
                async with session.get(f"{process.url}/healthz") as response:
                    if response.status >= 500:
                        return True
            except aiohttp.ClientError:
                return True
            await asyncio.sleep(0.02)
    return False


async def test_sigterm_mid_fan_out_loses_and_repeats_nothing(tmp_path: Path) -> None:
    telegram = await FakeTelegramAPI().start()
    database = f"sqlite:///{(tmp_path / 'briefbot.db').as_posix()}"
    chats = [ChatRef("telegram", str(5000 + n)) for n in range(CHATS)]
    schedule_subscriptions(database, chats, "nordkorea")
    port = free_port()
    env = briefbot_env(
        database,
        port=port,
        offset=offset_for(due_in=6.0),
        extra={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "shutdown-test-secret",
        },
    )
    log = tmp_path / "briefbot.log"
    telegram.hold_sends(after=12)  # the stop lands mid-fan-out however busy the machine is
    first = BriefbotProcess(env, log, port).start()
    try:
        await first.ready()
        await telegram.wait_for("sendMessage", count=12)
        first.signal(signal.SIGTERM)
        refused = await intake_closed(first)  # the process is stopping
        # the sends on the wire get their answers and are marked; the rest of the fan-out would
        # take the slow platform seconds, so the stop, already under way, still finds it
        telegram.release_sends(pace=1.0)
        assert await first.exited() == 0, first.tail()
        sent_before_restart = len(telegram.sent())
        counts = ledger_counts(database)
        assert counts.get("sending", 0) == 0 and counts.get("unconfirmed", 0) == 0, counts
        assert sent_before_restart < CHATS, "the stop came after the fan-out: nothing tested"
        assert counts.get(SENT, 0) == sent_before_restart  # every message sent is marked

        second = BriefbotProcess(env, log, port).start()
        try:
            await second.ready()
            await telegram.wait_for("sendMessage", count=CHATS)
            deadline = time.monotonic() + 60  # a hang guard: the last mark trails the answer
            while ledger_counts(database).get(SENT, 0) < CHATS and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            second.signal(signal.SIGTERM)
            assert await second.exited() == 0, second.tail()
        finally:
            second.kill()
    finally:
        first.kill()
        await telegram.stop()

    per_chat = Counter(str(params["chat_id"]) for params in telegram.sent())
    assert per_chat == Counter({chat.chat_id: 1 for chat in chats})
    assert ledger_counts(database) == {SENT: CHATS}
    assert refused
    assert '"stopping: no new updates' in log.read_text()
