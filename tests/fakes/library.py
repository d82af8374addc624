"""A real briefbot core for the chat adapter tests and benchmarks: SQLite Briefing and Router,
built by the composition root, holding the short articles in tests/fixtures/telegram/articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.config import Settings

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram" / "articles"


def briefed_app(data_dir: Path, **settings: Any) -> App:
    """An App on a fresh SQLite file in `data_dir` with the fixture articles added.
    `settings` are Settings fields by name (e.g. allowed_chats=[...], admins=[...])."""
    config = Settings(_env_file=None, data_dir=data_dir, **settings)  # type: ignore[call-arg]
    app = build_app(config)
    for path in sorted(ARTICLES.glob("*.txt")):
        app.briefing.add(path)
    return app
