"""The composition root's own decisions: settings that only tests and benches change, read
through Settings like every other variable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.app import scheduler_clock
from bot.config import Settings


def test_clock_offset_and_poll_interval_come_from_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRIEFBOT_CLOCK_OFFSET_SECONDS", "90.5")
    monkeypatch.setenv("BRIEFBOT_SCHEDULER_POLL_SECONDS", "1")
    settings = Settings()  # type: ignore[call-arg]  # values come from the environment
    assert settings.clock_offset_seconds == 90.5 and settings.scheduler_poll_seconds == 1.0
    assert scheduler_clock(settings).offset == timedelta(seconds=90.5)  # type: ignore[attr-defined]


def test_defaults_leave_the_clock_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFBOT_CLOCK_OFFSET_SECONDS", raising=False)
    monkeypatch.delenv("BRIEFBOT_SCHEDULER_POLL_SECONDS", raising=False)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.scheduler_poll_seconds == 30.0
    assert scheduler_clock(settings).offset == timedelta(0)  # type: ignore[attr-defined]


def test_a_bad_poll_interval_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_SCHEDULER_POLL_SECONDS", "0")
    with pytest.raises(ValidationError, match="BRIEFBOT_SCHEDULER_POLL_SECONDS"):
        Settings()  # type: ignore[call-arg]
