"""Metrics per registry, readiness verdicts, JSON logs without tokens or message texts at INFO."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.observability import (
    REDACTED,
    Metrics,
    Readiness,
    configure_logging,
    redact,
    state_check,
)
from summarizer.reply import Reply

TELEGRAM_TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
SLACK_BOT_TOKEN = "xoxb-1111111111-2222222222222-abcdefghijklmnopqrstuvwx"
SLACK_APP_TOKEN = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def settings(log_format: Literal["text", "json"] = "json", level: str = "INFO") -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        LOG_FORMAT=log_format,
        LOG_LEVEL=level,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        SLACK_BOT_TOKEN=SLACK_BOT_TOKEN,
        SLACK_APP_TOKEN=SLACK_APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging(settings(), stream=stream)
    try:
        yield stream, logging.getLogger("briefbot.test")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_chat_ids(logs) -> None:
    stream, log = logs
    log.info("digest sent", extra={"chat_id": "-100123", "platform": "telegram"})
    log.warning("two\nlines of message")
    entries = lines(stream)
    assert len(entries) == 2
    assert entries[0]["message"] == "digest sent"
    assert entries[0]["chat_id"] == "-100123"
    assert entries[0]["platform"] == "telegram"
    assert entries[0]["level"] == "INFO"
    assert entries[0]["logger"] == "briefbot.test"
    assert entries[1]["message"] == "two\nlines of message"


def test_tokens_never_reach_the_log(logs) -> None:
    stream, log = logs
    log.info("POST https://api.telegram.org/bot%s/sendMessage", TELEGRAM_TOKEN)
    log.info("slack client", extra={"auth": f"Bearer {SLACK_BOT_TOKEN}"})
    log.error("socket mode with %s and secret %s", SLACK_APP_TOKEN, SIGNING_SECRET)
    try:
        raise RuntimeError(f"auth failed for {TELEGRAM_TOKEN}")
    except RuntimeError:
        log.exception("adapter crashed")
    output = stream.getvalue()
    for secret in (TELEGRAM_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SIGNING_SECRET):
        assert secret not in output
    assert "AAHfiqksKZ8WmR2zSjiQ7" not in output
    entries = lines(stream)
    assert entries[0]["message"] == f"POST https://api.telegram.org/bot{REDACTED}/sendMessage"
    assert entries[1]["auth"] == f"Bearer {REDACTED}"
    assert "RuntimeError" in entries[3]["exception"]


def test_message_texts_only_at_debug(logs) -> None:
    stream, log = logs
    log.info("incoming", extra={"chat_id": "42", "text": "streng geheime Frage"})
    logging.getLogger().setLevel(logging.DEBUG)
    log.debug("incoming", extra={"chat_id": "42", "text": "streng geheime Frage"})
    info, debug = lines(stream)
    assert "text" not in info and info["chat_id"] == "42"
    assert debug["text"] == "streng geheime Frage"


def test_text_format_is_plain_and_redacted() -> None:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging(settings("text"), stream=stream)
    try:
        logging.getLogger("x").info("token %s", TELEGRAM_TOKEN)
        again = configure_logging(settings("text"), stream=stream)
        assert handler not in root.handlers  # configuring twice replaces, never doubles
        handler = again
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    line = stream.getvalue().strip()
    assert line.endswith(f"INFO x: token {REDACTED}")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@given(
    bot_id=st.integers(min_value=10_000, max_value=99_999_999_999),
    secret=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
        min_size=35,
        max_size=40,
    ),
    prefix=st.sampled_from(["", "bot", "token=", "https://api.telegram.org/bot", "x "]),
)
def test_any_telegram_shaped_token_is_masked(bot_id: int, secret: str, prefix: str) -> None:
    token = f"{bot_id}:{secret}"
    assert token not in redact(f"{prefix}{token}/getMe")
    assert secret not in redact(f"{prefix}{token}")


def test_ordinary_text_is_left_alone() -> None:
    text = "Am 17.06. um 07:30 Uhr: 3 Punkte zu nordkorea, chat -100123456, xoxo"
    assert redact(text) == text


def test_metrics_registries_are_independent() -> None:
    first, second = Metrics(), Metrics()
    first.digests_failed.labels(platform="telegram").inc()
    first.feeds_polled.inc(4)
    first.feeds_failing.set(1)
    assert b'briefbot_digests_failed_total{platform="telegram"} 1.0' in first.render()
    assert b"briefbot_feeds_polled_total 4.0" in first.render()
    assert b"briefbot_feeds_failing 1.0" in first.render()
    assert b"briefbot_digests_failed_total{" not in second.render()
    assert b"briefbot_feeds_polled_total 0.0" in second.render()


async def test_state_check_reports_the_state() -> None:
    state = {"now": "starting"}
    readiness = Readiness(
        {"scheduler": state_check(lambda: state["now"], ready_states={"leader", "standby"})}
    )
    assert (await readiness.run())["scheduler"].ok is False
    state["now"] = "standby"
    result = (await readiness.run())["scheduler"]
    assert result.ok and result.detail == "standby"


def test_recorders_count_what_the_parts_report() -> None:
    metrics = Metrics()
    digest = Reply(text="3 Punkte", kind="digest")
    metrics.replied("telegram", [digest, Reply(text="mehr?")], 0.3)
    metrics.replied("slack", [Reply(text="nicht in den Quellen")], 0.05)
    for status in ("sent", "sent", "deferred", "gone", "failed", "skipped", "silent"):
        metrics.delivery_outcome("telegram", status)
    metrics.rate_limit_waited("telegram", 0.0)
    metrics.rate_limit_waited("telegram", 1.5)
    metrics.feeds_checked(polled=5, failing=2)
    body = metrics.render().decode()
    assert 'briefbot_briefs_served_total{platform="telegram"} 3.0' in body  # 1 reply + 2 digests
    assert 'briefbot_briefs_served_total{platform="slack"}' not in body
    assert "briefbot_answer_latency_seconds_count 2.0" in body
    assert 'briefbot_digests_delivered_total{platform="telegram"} 2.0' in body
    assert 'briefbot_digests_retried_total{platform="telegram"} 1.0' in body
    assert 'briefbot_digests_failed_total{platform="telegram"} 2.0' in body
    assert 'briefbot_rate_limit_waits_total{platform="telegram"} 1.0' in body
    assert 'briefbot_rate_limit_wait_seconds_total{platform="telegram"} 1.5' in body
    assert "briefbot_feeds_polled_total 5.0" in body
    assert "briefbot_feeds_failing 2.0" in body
