"""What an operator sees of a running briefbot: Prometheus metrics, readiness checks, and logs.

`Metrics` owns its own prometheus-client registry (no module-global collectors), so a test or a
second app in one process gets clean counters. Logs are one JSON object per line when
`LOG_FORMAT=json`; a filter on the handler masks anything shaped like a Telegram or Slack token
(and the configured secrets themselves), and message texts passed as log fields are dropped above
DEBUG. The formatter is ours because the standard library has none for JSON and the job is small.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from bot.config import Settings, webhook_secret_for
from summarizer.reply import Reply

# ---------------------------------------------------------------------------------------- metrics


class Metrics:
    """The counters every part updates; passed to whoever needs it, rendered at /metrics.

    Label `platform` is "telegram", "slack" or "console".
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.briefs_served = Counter(
            "briefbot_briefs_served",
            "Briefings (/brief and digests) answered to users",
            ["platform"],
            registry=registry,
        )
        self.answer_latency = Histogram(
            "briefbot_answer_latency_seconds",
            "Time from an incoming message or button press to its replies being ready",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=registry,
        )
        self.digests_delivered = Counter(
            "briefbot_digests_delivered",
            "Scheduled digests sent and marked in the ledger",
            ["platform"],
            registry=registry,
        )
        self.digests_failed = Counter(
            "briefbot_digests_failed",
            "Scheduled digests given up (chat gone or retries exhausted)",
            ["platform"],
            registry=registry,
        )
        self.digests_retried = Counter(
            "briefbot_digests_retried",
            "Send attempts of scheduled digests that will be retried (429, 5xx, timeouts)",
            ["platform"],
            registry=registry,
        )
        self.rate_limit_waits = Counter(
            "briefbot_rate_limit_waits",
            "Times an outgoing message had to wait for the rate limiter",
            ["platform"],
            registry=registry,
        )
        self.rate_limit_wait_seconds = Counter(
            "briefbot_rate_limit_wait_seconds",
            "Total seconds outgoing messages waited for the rate limiter",
            ["platform"],
            registry=registry,
        )
        self.feeds_polled = Counter(
            "briefbot_feeds_polled",
            "Feed fetches attempted by the poller",
            registry=registry,
        )
        self.feeds_failing = Gauge(
            "briefbot_feeds_failing",
            "Feeds whose latest fetch failed",
            registry=registry,
        )
        self.scheduler_leader = Gauge(
            "briefbot_scheduler_leader",
            "1 while this replica runs the scheduler, else 0",
            registry=registry,
        )

    def replied(self, platform: str, replies: Iterable[Reply], seconds: float) -> None:
        """After one incoming message or press was answered: its latency, and a brief counted
        for every digest among the replies."""
        self.answer_latency.observe(seconds)
        briefs = sum(1 for reply in replies if reply.kind == "digest")
        if briefs:
            self.briefs_served.labels(platform=platform).inc(briefs)

    def delivery_outcome(self, platform: str, status: str) -> None:
        """Count a scheduled delivery by its `schedules.delivery.Outcome.status`: "sent" ->
        delivered (and a brief served), "deferred" -> retried, "failed"/"gone" -> failed."""
        if status == "sent":
            self.digests_delivered.labels(platform=platform).inc()
            self.briefs_served.labels(platform=platform).inc()
        elif status == "deferred":
            self.digests_retried.labels(platform=platform).inc()
        elif status in {"failed", "gone"}:
            self.digests_failed.labels(platform=platform).inc()

    def rate_limit_waited(self, platform: str, seconds: float) -> None:
        """An outgoing message waited `seconds` (> 0) for the rate limiter."""
        if seconds > 0:
            self.rate_limit_waits.labels(platform=platform).inc()
            self.rate_limit_wait_seconds.labels(platform=platform).inc(seconds)

    def feeds_checked(self, polled: int, failing: int) -> None:
        """After a poller round: `polled` fetches made, `failing` feeds now failing."""
        self.feeds_polled.inc(polled)
        self.feeds_failing.set(failing)

    def render(self) -> bytes:
        """The registry in Prometheus text exposition format."""
        return generate_latest(self.registry)


# -------------------------------------------------------------------------------------- readiness


@dataclass(frozen=True)
class CheckResult:
    """One readiness check's verdict; `detail` is shown at /readyz (never a secret)."""

    ok: bool
    detail: str = ""


Check = Callable[[], CheckResult | Awaitable[CheckResult]]
"""A readiness check: sync or async, returns a verdict; an exception counts as not ready."""


class Readiness:
    """Named checks that /readyz runs; ready only when every check passes."""

    def __init__(self, checks: Mapping[str, Check] | None = None, *, timeout: float = 5.0) -> None:
        self._checks: dict[str, Check] = dict(checks or {})
        self.timeout = timeout

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def run(self) -> dict[str, CheckResult]:
        """Every check's verdict, concurrently; a check that raises or hangs fails."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_one(self._checks[n]) for n in names))
        return dict(zip(names, results, strict=True))

    async def _run_one(self, check: Check) -> CheckResult:
        try:
            outcome = check()
            if inspect.isawaitable(outcome):
                outcome = await asyncio.wait_for(outcome, self.timeout)
            assert isinstance(outcome, CheckResult)
            return outcome
        except TimeoutError:
            return CheckResult(False, "timed out")
        except Exception as exc:
            return CheckResult(False, f"error: {exc.__class__.__name__}")


def database_check(engine: Engine) -> Check:
    """Ready when `SELECT 1` answers (run in a thread, so a slow database blocks nothing)."""

    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def check() -> CheckResult:
        try:
            await asyncio.to_thread(probe)
        except Exception as exc:
            return CheckResult(False, f"unreachable: {exc.__class__.__name__}")
        return CheckResult(True, engine.dialect.name)

    return check


def flag_check(is_ok: Callable[[], bool], *, ok: str = "connected", not_ok: str = "down") -> Check:
    """A check from a boolean, e.g. an adapter's "connected" property."""

    def check() -> CheckResult:
        return CheckResult(True, ok) if is_ok() else CheckResult(False, not_ok)

    return check


def state_check(state: Callable[[], str], *, ready_states: Iterable[str]) -> Check:
    """A check that reports a state (e.g. the scheduler's "leader" or "standby")."""
    allowed = frozenset(ready_states)

    def check() -> CheckResult:
        current = state()
        return CheckResult(current in allowed, current)

    return check


# ------------------------------------------------------------------------------------------- logs

_TELEGRAM_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")
_SLACK_TOKEN = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}")
REDACTED = "[REDACTED]"

TEXT_FIELDS = frozenset({"text", "message_text", "body", "question", "reply_text"})
"""Log fields that carry what users wrote or what the bot sent: kept only at DEBUG."""

_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(message: str, secrets: Iterable[str] = ()) -> str:
    """`message` with configured secrets and token-shaped strings replaced by [REDACTED]."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, REDACTED)
    message = _TELEGRAM_TOKEN.sub(REDACTED, message)
    return _SLACK_TOKEN.sub(REDACTED, message)


class RedactSecrets(logging.Filter):
    """Rewrites every record (message, exception text, string fields) without tokens or secrets.

    Attach it to the handler, so records from every library's logger pass through it.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # longest first, so a secret that contains another is masked whole
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        for key, value in list(vars(record).items()):
            if key in _RECORD_ATTRIBUTES:
                continue
            if key in TEXT_FIELDS and record.levelno > logging.DEBUG:
                delattr(record, key)
            elif isinstance(value, str):
                setattr(record, key, redact(value, self.secrets))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, any `extra=` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def database_outage(error: BaseException) -> str | None:
    """One line for an error that means the database is unreachable (so a log shows one line a
    message during an outage, not a traceback each), or None for any other error."""
    if not isinstance(error, OperationalError | InterfaceError):
        return None
    cause = error.orig if error.orig is not None else error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"database unavailable ({type(cause).__name__}: {first[:200]})"


def settings_secrets(settings: Settings) -> list[str]:
    """Every token and secret the app holds or derives, for `RedactSecrets`: the configured
    ones, the webhook secret derived from the Telegram token (python-telegram-bot logs
    setWebhook's parameters at DEBUG), the database password, and each URL-encoded."""
    values = [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
    ]
    if settings.telegram_bot_token and not settings.telegram_webhook_secret:
        values.append(webhook_secret_for(settings.telegram_bot_token))
    if settings.database_url:
        with contextlib.suppress(ArgumentError, ValueError):
            values.append(make_url(settings.database_url).password)
    secrets = [value for value in values if value]
    return secrets + [quote(value, safe="") for value in secrets]


def configure_logging(settings: Settings, *, stream: Any = None) -> logging.Handler:
    """Route all logging to one stderr handler: JSON or text, secrets redacted, LOG_LEVEL.

    Calling it again replaces the handler it installed before. Returns that handler.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_briefbot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler._briefbot = True  # type: ignore[attr-defined]
    handler.addFilter(RedactSecrets(settings_secrets(settings)))
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # httpx logs every request URL at INFO; the Telegram URL carries the token (redacted anyway)
    # and the volume drowns the bot's own lines.
    if root.level > logging.DEBUG:
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
