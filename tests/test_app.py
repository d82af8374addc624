"""The composition root's own decisions (settings that only tests and benches change, read
through Settings like every other variable) and the layout rule that benches stand on their own."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.app import build_app, build_components, scheduler_clock
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


def test_the_ingest_bench_does_not_import_the_test_package() -> None:
    bench = Path(__file__).resolve().parents[1] / "bench"
    for name in ("ingest.py", "web_server.py"):
        tree = ast.parse((bench / name).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert not [m for m in imported if m == "tests" or m.startswith("tests.")], name


@pytest.mark.parametrize("language", ["de", "en"])
def test_help_shows_an_example_and_a_capitalised_summary_for_every_command(
    tmp_path: Path, language: str
) -> None:
    database = f"sqlite:///{(tmp_path / 'app.db').as_posix()}"
    app = build_app(Settings.model_validate({"DATABASE_URL": database}))
    try:
        build_components(app.settings, app, console=False)  # registers /subscribe and co.
        example = " – z. B. " if language == "de" else " – e.g. "
        names = [command.name for command in app.router.commands]
        assert {"feed", "feeds", "unfeed", "subscribe", "subscriptions", "unsubscribe"} <= set(
            names
        )
        for command in app.router.commands:
            usage = command.usage.get(language)
            summary = command.summary.get(language)
            takes_nothing = usage == f"/{command.name}"  # /help, /feeds: the usage is the example
            assert takes_nothing or f"{example}/{command.name}" in usage, usage
            assert "\n" not in usage and summary[:1].isupper(), (usage, summary)
    finally:
        app.close()
