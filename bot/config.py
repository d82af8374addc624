"""Settings from the environment (and an optional `.env` file), validated once at start.

Every variable the README lists is a field here; the names are the environment variable names.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]
"""A list read from the environment as comma-separated items (not as JSON)."""


def _csv(value: object) -> object:
    """Accept "a,b , c" from the environment as a list of stripped, non-empty items."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def webhook_secret_for(token: str) -> str:
    """A stable secret derived from the bot token when TELEGRAM_WEBHOOK_SECRET is unset, so
    every replica checks the same one and no one without the token can forge it."""
    return hmac.new(token.encode(), b"briefbot-telegram-webhook", hashlib.sha256).hexdigest()


class Settings(BaseSettings):
    """briefbot's configuration. Unset tokens switch the matching platform off."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    language: Literal["de", "en"] = Field("de", alias="BRIEFBOT_LANGUAGE")
    data_dir: Path = Field(Path("data"), alias="BRIEFBOT_DATA_DIR")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    timezone: str = Field("Europe/Berlin", alias="BRIEFBOT_TIMEZONE")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")

    telegram_bot_token: str | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    http_port: int = Field(8080, alias="BRIEFBOT_HTTP_PORT", ge=0, le=65535)
    http_host: str = Field("0.0.0.0", alias="BRIEFBOT_HTTP_HOST")

    allowed_chats: CommaList = Field(default_factory=list, alias="BRIEFBOT_ALLOWED_CHATS")
    admins: CommaList = Field(default_factory=list, alias="BRIEFBOT_ADMINS")

    fetch_allow: CommaList = Field(default_factory=list, alias="BRIEFBOT_FETCH_ALLOW")
    fetch_max_bytes: int = Field(5_000_000, alias="BRIEFBOT_FETCH_MAX_BYTES", gt=0)
    fetch_timeout: float = Field(10.0, alias="BRIEFBOT_FETCH_TIMEOUT", gt=0)
    feed_interval_minutes: int = Field(15, alias="BRIEFBOT_FEED_INTERVAL_MINUTES", ge=1)

    max_subscriptions: int = Field(20, alias="BRIEFBOT_MAX_SUBSCRIPTIONS", ge=1)
    catchup_grace_hours: float = Field(6.0, alias="BRIEFBOT_CATCHUP_GRACE_HOURS", ge=0)
    silent_when_nothing_new: bool = Field(False, alias="BRIEFBOT_SILENT_WHEN_NOTHING_NEW")
    scheduler_failover_seconds: float = Field(
        30.0, alias="BRIEFBOT_SCHEDULER_FAILOVER_SECONDS", gt=0
    )
    scheduler_poll_seconds: float = Field(30.0, alias="BRIEFBOT_SCHEDULER_POLL_SECONDS", gt=0)
    """How often the leading scheduler re-reads the job store for jobs other replicas added
    (tests and benches shorten it; a deployment keeps the default)."""
    clock_offset_seconds: float = Field(0.0, alias="BRIEFBOT_CLOCK_OFFSET_SECONDS")
    """Tests and benches only: shift the scheduler's wall clock by this many seconds, so
    several `briefbot run` processes agree on "a little before 07:30" without waiting for it."""

    _split_lists = field_validator("allowed_chats", "admins", "fetch_allow", mode="before")(_csv)

    @property
    def database(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL, else a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'briefbot.db').as_posix()}"
