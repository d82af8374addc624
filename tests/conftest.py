"""Fixtures every test module may use: the shared data folder and a private PostgreSQL database.

Tests that need `../shared` or PostgreSQL skip with a reason on a developer machine that lacks
them, and fail in CI (`CI=true`), where both must be present.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from bot.app import App

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SEED_ARTICLE = SHARED_DATA / "articles" / "000_9643a6726ce6d8a4.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

UseDictionary = Callable[[str | None], Path]
"""The `use_dictionary` fixture: point the lexicon at a dictionary with this text (None: none)."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Skip with a reason on a developer machine; fail in CI, where nothing may be missing."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        missing(f"{SHARED_DATA} is absent: clone the project beside ../shared")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_article(shared_data: Path) -> Path:
    if not SEED_ARTICLE.is_file():
        missing(f"{SEED_ARTICLE} is absent")
    return SEED_ARTICLE


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A real SQLite file in the test's own folder."""
    return f"sqlite:///{(tmp_path / 'briefbot.db').as_posix()}"


@pytest.fixture
def app(tmp_path: Path) -> App:
    """The chat adapters' core: an App on a fresh SQLite file in the test's folder holding the
    short fixture articles (tests/fakes/library.py)."""
    from tests.fakes.library import briefed_app

    return briefed_app(tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import text

    from tests.scratch_postgres import ADMIN_URL, admin_engine, scratch_database

    admin = admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        missing(f"PostgreSQL at {ADMIN_URL} is not reachable: {exc.__class__.__name__}")
    with scratch_database("briefbot_test", admin) as url:
        yield url


@pytest.fixture
def use_dictionary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UseDictionary]:
    """Point summarizer.lexicon at a Ding-format dictionary in the test's folder holding the text
    given (None: a path where there is none), compiled into a cache there too; the loaded tables
    and parsed questions are forgotten on each switch and after the test."""
    from summarizer import lexicon, qa

    def use(text: str | None) -> Path:
        path = tmp_path / ("absent" if text is None else "de-en")
        if text is not None:
            path.write_text(text, encoding="utf-8")
        monkeypatch.setenv(lexicon.DICTIONARY_ENV, str(path))
        monkeypatch.setenv(lexicon.CACHE_ENV, str(tmp_path / "cache"))
        qa.clear_cache()
        return path

    yield use
    qa.clear_cache()


@pytest.fixture
def no_dictionary(use_dictionary: UseDictionary) -> None:
    """No dictionary: only the names the lexicon carries itself (CLDR, historical states)."""
    use_dictionary(None)
