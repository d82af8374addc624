"""Every error the core raises for a user carries one `Phrase` (issue 15: user-facing text had
five translation mechanisms; it now has one).

Real raise paths, not the constructors: a bad time, an unknown day and zone, a forbidden
address, a 404 from a loopback server, a missing file, a body that is no feed. Each must carry a
Phrase whose German and English lines are both written and differ, with every placeholder
filled, and `message()` and `str()` must read from it. A scan of the source keeps the old
spelling (`de=f"…"` beside `en=f"…"`, each line formatted twice) from coming back.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bench.web_server import Route, WebServer
from schedules.feeds import parse_feed
from schedules.timespec import parse_subscription
from summarizer import extract
from summarizer.errors import UserError
from summarizer.fetch import Fetcher
from summarizer.i18n import Phrase

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.2"


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer(LOOPBACK) as server:
        yield server


async def _bad_time(web: WebServer, tmp_path: Path) -> None:
    parse_subscription("nordkorea 25:00")


async def _bad_day(web: WebServer, tmp_path: Path) -> None:
    parse_subscription("fussball mo,xx 18:00")


async def _unknown_zone(web: WebServer, tmp_path: Path) -> None:
    parse_subscription("nordkorea 07:30 Mars/Olympus")


async def _forbidden_url(web: WebServer, tmp_path: Path) -> None:
    await Fetcher(timeout=3.0).fetch_document("http://169.254.169.254/latest/meta-data/")


async def _not_found(web: WebServer, tmp_path: Path) -> None:
    url = web.route("/gone", Route(b"<html>weg</html>", status=404))
    await Fetcher(allow=[LOOPBACK], timeout=3.0).fetch_document(url)


async def _missing_file(web: WebServer, tmp_path: Path) -> None:
    extract.from_path(tmp_path / "nirgends.txt")


async def _not_a_feed(web: WebServer, tmp_path: Path) -> None:
    parse_feed(b"<html><body>Nur eine Seite</body></html>", url="https://example.org/")


RAISE_PATHS: dict[str, tuple[str, Callable[[WebServer, Path], Awaitable[None]]]] = {
    "bad time": ("bad_time", _bad_time),
    "bad day": ("bad_day", _bad_day),
    "unknown zone": ("bad_zone", _unknown_zone),
    "forbidden url": ("forbidden", _forbidden_url),
    "404": ("status", _not_found),
    "missing file": ("missing_file", _missing_file),
    "not a feed": ("not_feed", _not_a_feed),
}


@pytest.mark.parametrize("case", RAISE_PATHS, ids=list(RAISE_PATHS))
async def test_core_errors_carry_a_filled_phrase_in_both_languages(
    case: str, web: WebServer, tmp_path: Path
) -> None:
    code, raise_it = RAISE_PATHS[case]
    with pytest.raises(UserError) as caught:
        await raise_it(web, tmp_path)
    error = caught.value
    assert error.code == code
    phrase = error.phrase
    assert isinstance(phrase, Phrase)
    assert phrase.de.strip() and phrase.en.strip() and phrase.de != phrase.en
    assert "{" not in phrase.de + phrase.en, "a placeholder was left unfilled"
    assert error.message("de") == phrase.de
    assert error.message("en") == error.message("fr") == str(error) == phrase.en


OLD_STYLE = re.compile(r"""\b(?:de|en)=f["']|Error\(\s*["'][a-z_]+["'],\s*de=""")
"""A line formatted once per language (`de=f"…"`), or an error built from `de=`/`en=` keywords."""


def test_no_line_is_formatted_once_per_language() -> None:
    found = []
    for package in ("bot", "schedules", "summarizer", "bench", "tests"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            for match in OLD_STYLE.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "write a Phrase constant with {placeholders} and .filled() instead"


LANGUAGE_SWITCH = re.compile(r"""language\s*==\s*["']de["']|["']de["']\s+if\s""")
"""Choosing words by `language == "de"` in place of a Phrase (text processing may still ask
which language a text is in: the core's linguistic modules are not scanned)."""


def test_the_chat_says_everything_through_bot_texts() -> None:
    """Every line bot/ shows is a Phrase in bot/texts.py: no other bot module writes one, and
    none picks words by an `if language == "de"` of its own."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name == "texts.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (re.compile(r"\bPhrase\((?:de=|\")"), LANGUAGE_SWITCH):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "put the line in bot/texts.py and say it through bot.presentation"
