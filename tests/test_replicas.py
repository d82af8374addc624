"""Three `briefbot run` replicas on the real PostgreSQL (issue 7): Telegram in webhook mode and
Slack in HTTP mode on three loopback ports, against the fake Bot API and fake Slack API.

A driver spreads /subscribe commands (Telegram updates with the secret header, signed Slack
slash commands) over the replicas, asks /brief on one replica and the follow-up on another,
lets the digests fall due (the replicas run on a shifted clock), SIGKILLs the scheduling
replica in the middle of the fan-out, and then checks: every digest reached its chat exactly
once (a send cut off by the kill may be `unconfirmed`: at most once, never twice), and every
follow-up was answered from the sources, on whichever replica it landed.

Every step waits for an event (replicas ready, the 8th digest seen by the fake, the ledger
settled, a successor elected), so a busy machine makes it slower, not red: the digests' minute
is chosen once the replicas are ready, far enough ahead for the subscriptions to land first.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from schedules.delivery import SENT, UNCONFIRMED
from tests.briefbot_processes import (
    DUE,
    HANG,
    BriefbotProcess,
    ledger_counts,
    offset_for,
    start_webhook_replica,
    store_digest_articles,
)
from tests.fakes.slack_api import FakeSlackAPI, signed_headers
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.postgres

SECRET = "replica-test-secret"
TELEGRAM_CHATS = [str(7000 + n) for n in range(45)]
SLACK_CHANNELS = [f"C0CHAN{n:03d}" for n in range(6)]
QUESTION = "Wie viele Container hat Nordkorea verschifft?"
ANSWER = "6.700"
DUE_IN = 25.0  # seconds from spawning the replicas to the shifted 07:30 (idle: ready in ~7 s)
_ids = itertools.count(900_000)


def telegram_update(chat_id: str, text: str) -> dict[str, Any]:
    number = next(_ids)
    return {
        "update_id": number,
        "message": {
            "message_id": number,
            "date": 1764250000,
            "chat": {"id": int(chat_id), "type": "private", "first_name": "Leser"},
            "from": {"id": int(chat_id), "is_bot": False, "first_name": "Leser",
                     "language_code": "de"},
            "text": text,
            **({"entities": [{"type": "bot_command", "offset": 0,
                              "length": len(text.split()[0])}]} if text.startswith("/") else {}),
        },
    }  # fmt: skip


def slack_slash(slack: FakeSlackAPI, channel: str, command: str, text: str) -> str:
    return urlencode(
        {
            "token": "legacy", "team_id": "T0TEAM001", "team_domain": "newsroom",
            "channel_id": channel, "channel_name": "news", "user_id": "U0ANNA001",
            "user_name": "anna", "command": command, "text": text, "api_app_id": "A0BRIEF01",
            "is_enterprise_install": "false", "response_url": slack.response_url(),
            "trigger_id": f"{next(_ids)}.1.x",
        }
    )  # fmt: skip


def slack_thread_reply(channel: str, thread_ts: str, text: str) -> str:
    number = next(_ids)
    return json.dumps(
        {
            "token": "legacy", "team_id": "T0TEAM001", "api_app_id": "A0BRIEF01",
            "type": "event_callback", "event_id": f"Ev{number}", "event_time": 1764250000,
            "authorizations": [{"team_id": "T0TEAM001", "user_id": "UBOT0001", "is_bot": True,
                                "is_enterprise_install": False}],
            "event": {
                "type": "message", "user": "U0BEN0001", "text": text,
                "ts": f"1764250100.{number}", "thread_ts": thread_ts,
                "parent_user_id": "UBOT0001", "channel": channel, "channel_type": "channel",
                "event_ts": f"1764250100.{number}", "team": "T0TEAM001",
            },
        }
    )  # fmt: skip


class Driver:
    """Sends platform requests to the replicas, round robin unless told which one."""

    def __init__(self, replicas: list[BriefbotProcess], session: aiohttp.ClientSession) -> None:
        self.replicas = replicas
        self.session = session
        self._turn = itertools.count()

    def pick(self, index: int | None = None) -> BriefbotProcess:
        return self.replicas[next(self._turn) % 3 if index is None else index]

    async def telegram(self, chat_id: str, text: str, *, replica: int | None = None) -> None:
        target = self.pick(replica)
        async with self.session.post(
            f"{target.url}/telegram",
            json=telegram_update(chat_id, text),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response:
            assert response.status == 200, await response.text()

    async def slack(
        self, body: str, *, json_body: bool = False, replica: int | None = None
    ) -> None:
        target = self.pick(replica)
        kind = "application/json" if json_body else "application/x-www-form-urlencoded"
        async with self.session.post(
            f"{target.url}/slack/events", data=body, headers=signed_headers(body, content_type=kind)
        ) as response:
            assert response.status == 200, await response.text()

    async def leader(self, *, timeout: float = HANG) -> int:
        """The index of the replica that runs the scheduler now (its /metrics says so)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, replica in enumerate(self.replicas):
                if replica.process is None or replica.process.poll() is not None:
                    continue
                try:
                    async with self.session.get(f"{replica.url}/metrics") as response:
                        text = await response.text()
                except aiohttp.ClientError:
                    continue
                if re.search(r"^briefbot_scheduler_leader 1\.0$", text, re.MULTILINE):
                    return index
            await asyncio.sleep(0.1)
        raise AssertionError("no replica leads the scheduler")


def due_minute(now: datetime, room: float) -> datetime:
    """The first whole minute from DUE on that is at least `room` seconds after `now`."""
    late = (now + timedelta(seconds=room) - DUE).total_seconds()
    return DUE + timedelta(minutes=max(0, math.ceil(late / 60)))


def is_digest(text: str) -> bool:
    return "Briefing zu nordkorea" in text


def telegram_digests(telegram: FakeTelegramAPI) -> Counter[str]:
    return Counter(str(p["chat_id"]) for p in telegram.sent() if is_digest(str(p.get("text", ""))))


def slack_digests_in(posts: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        str(p["channel"])
        for p in posts
        if is_digest(str(p.get("text", "")) + json.dumps(p.get("blocks", ""), ensure_ascii=False))
    )


def slack_digests(slack: FakeSlackAPI) -> Counter[str]:
    return slack_digests_in(slack.posted())


def sent_messages(database: str) -> list[tuple[str, str, str]]:
    """(platform, chat, message id) of every delivery the ledger has as sent."""
    from sqlalchemy import text

    from summarizer.db import make_engine

    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT platform, chat_id, message_id FROM deliveries WHERE status = 'sent'")
            )
            return [(str(p), str(c), str(m)) for p, c, m in rows]
    finally:
        engine.dispose()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegramAPI, FakeSlackAPI]]:
    telegram, slack = await FakeTelegramAPI().start(), await FakeSlackAPI().start()
    yield telegram, slack
    await telegram.stop()
    await slack.stop()


@pytest.fixture
def database(postgres_url: str) -> str:
    """The PostgreSQL database with the two Nordkorea articles already stored."""
    store_digest_articles(postgres_url)
    return postgres_url


@pytest.mark.timeout(3 * HANG)  # a hang guard: each wait below fails on its own first
async def test_three_replicas_deliver_once_and_answer_follow_ups_anywhere(
    database: str, fakes: tuple[FakeTelegramAPI, FakeSlackAPI], tmp_path: Path
) -> None:
    telegram, slack = fakes
    offset = offset_for(DUE_IN)
    replicas = [
        start_webhook_replica(
            database,
            tmp_path / f"replica{number}.log",
            offset=offset,
            telegram_url=telegram.base_url,
            slack_url=slack.base_url,
            secret=SECRET,
            extra={"BRIEFBOT_SCHEDULER_FAILOVER_SECONDS": "10"},
        )
        for number in range(3)
    ]
    spawned = time.monotonic()
    try:
        await asyncio.gather(*(replica.ready(timeout=HANG) for replica in replicas))
        # the digests' minute: leave the subscriptions half as long as starting took (a
        # busy machine is slow at both; idle: 7 s to start, 1.3 s to subscribe), so they are
        # all in before it falls due
        shifted = datetime.now(UTC) + timedelta(seconds=offset)
        due = due_minute(shifted, room=max(5.0, (time.monotonic() - spawned) / 2))
        at = f"{due:%H:%M} UTC"
        async with aiohttp.ClientSession() as session:
            driver = Driver(replicas, session)
            # subscriptions, spread over the replicas
            await asyncio.gather(
                *(driver.telegram(chat, f"/subscribe nordkorea {at}") for chat in TELEGRAM_CHATS),
                *(
                    driver.slack(slack_slash(slack, channel, "/subscribe", f"nordkorea {at}"))
                    for channel in SLACK_CHANNELS
                ),
            )
            subscribed = datetime.now(UTC) + timedelta(seconds=offset)
            assert subscribed < due, f"subscribed at {subscribed:%H:%M:%S}, after {at}"
            # a brief on replica 0, its follow-up on replica 1 (the context is in the database)
            await driver.telegram("8000", "/brief nordkorea", replica=0)
            await driver.telegram("8000", QUESTION, replica=1)
            answered = [p for p in telegram.sent() if str(p["chat_id"]) == "8000"]
            assert any(ANSWER in str(p["text"]) for p in answered), answered

            # the fan-out: kill the scheduling replica once some digests went out
            leader = await driver.leader()
            await telegram.wait_until(
                lambda: sum(telegram_digests(telegram).values()) >= 8,
                (due - subscribed).total_seconds() + HANG,
                lambda: f"{sum(telegram_digests(telegram).values())} digests, expected 8",
            )
            replicas[leader].signal(signal.SIGKILL)
            killed_with = sum(telegram_digests(telegram).values())
            total = len(TELEGRAM_CHATS) + len(SLACK_CHANNELS)
            assert killed_with < total, "the fan-out ended before the kill: nothing tested"

            # a standby takes over and finishes; wait until the ledger has settled everything
            deadline = time.monotonic() + HANG
            while time.monotonic() < deadline:
                counts = await asyncio.to_thread(ledger_counts, database)  # fakes stay responsive
                if counts.get(SENT, 0) + counts.get(UNCONFIRMED, 0) == total:
                    break
                await asyncio.sleep(0.1)
            successor = await driver.leader()
            assert successor != leader

            # follow-ups on digests, each on a replica that is alive, in Telegram and Slack
            alive = [i for i in range(3) if i != leader]
            # (on digests whose send the ledger confirmed: one cut off has no context)
            confirmed = await asyncio.to_thread(sent_messages, database)
            delivered = Counter(chat for platform, chat, _ in confirmed if platform == "telegram")
            asked = [chat for chat in TELEGRAM_CHATS if delivered[chat] == 1][:4]
            assert asked
            for number, chat in enumerate(asked):
                await driver.telegram(chat, QUESTION, replica=alive[number % 2])
            channel, thread_ts = next(
                (chat, ts) for platform, chat, ts in confirmed if platform == "slack"
            )
            posted = len(slack.posted())  # before asking: the answer may beat the ack back
            await driver.slack(
                slack_thread_reply(channel, thread_ts, QUESTION), json_body=True, replica=alive[0]
            )
            await slack.wait_for("chat.postMessage", count=posted + 1, timeout=HANG)
    finally:
        for replica in replicas:
            replica.kill()

    counts = ledger_counts(database)
    unconfirmed = counts.get(UNCONFIRMED, 0)
    assert counts.get(SENT, 0) + unconfirmed == total, counts
    # at most the sends on the wire that the SIGKILL cut off
    assert unconfirmed <= 4, counts  # Deliveries(on_the_wire=4)
    per_chat = telegram_digests(telegram) + slack_digests(slack)
    assert max(per_chat.values()) == 1, [c for c, n in per_chat.items() if n > 1]  # no duplicate
    missing = [c for c in [*TELEGRAM_CHATS, *SLACK_CHANNELS] if per_chat[c] == 0]
    assert len(missing) <= unconfirmed, missing  # nothing lost but a cut-off send
    for chat in asked:
        replies = [str(p["text"]) for p in telegram.sent() if str(p["chat_id"]) == chat]
        assert ANSWER in replies[-1], replies[-1]
    thread = [p for p in slack.posted() if p.get("thread_ts") == thread_ts]
    assert thread and ANSWER in json.dumps(thread[-1], ensure_ascii=False)
