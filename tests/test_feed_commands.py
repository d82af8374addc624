"""/feed, /feeds and /unfeed through the real router, against feeds served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.hardening import LoopLag, big_feed
from bench.web_server import Route, WebServer, fixture
from bot.app import build_router
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.router import Router
from schedules.feeds import MAX_FEED_ITEMS, FeedPoller, FeedStore
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.reply import ChatRef
from summarizer.service import Briefing

ALLOWED = "127.0.0.2"


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer(ALLOWED) as server:
        server.page("/rss.xml", fixture("feed_rss2.xml", base=server.base))
        server.page("/atom.xml", fixture("feed_atom.xml", base=server.base))
        server.page("/news/de-wasserstoff.html", fixture("de_article.html"))
        server.page("/seite.html", fixture("de_article.html"))
        server.route("/kaputt.xml", Route(b"", status=500))
        yield server


@pytest.fixture
def parts(sqlite_url: str, tmp_path) -> tuple[Router, FeedStore, Briefing, Fetcher]:
    library = Library.open(sqlite_url)
    store = FeedStore.open(sqlite_url)
    fetcher = Fetcher(allow=[ALLOWED], timeout=2.0)
    briefing = Briefing(library, fetcher=fetcher)
    conversations = Conversations(library.engine)
    conversations.create_tables()
    settings = Settings(BRIEFBOT_DATA_DIR=tmp_path, BRIEFBOT_ADMINS="42")
    router, _ = build_router(briefing, conversations, settings, fetcher=fetcher, feeds=store)
    return router, store, briefing, fetcher


async def say(router: Router, text: str, *, language: str = "de", user: str = "42") -> str:
    message = Incoming(ChatRef("telegram", "100"), user, text, user_language=language)
    replies = await router.handle(message)
    assert len(replies) == 1
    return replies[0].text


async def test_follow_list_and_stop_a_feed(web: WebServer, parts) -> None:
    router, store, _briefing, _fetcher = parts
    answer = await say(router, f"/feed {web.url('/rss.xml')}")
    assert answer.startswith("Folge jetzt #1 «Nordkurier Digital – Wirtschaft» (4 Einträge)")
    assert "alle 15 Minuten" in answer
    answer = await say(router, f"/feed {web.url('/atom.xml')} 60", language="en")
    assert answer.startswith(
        "Now following #2 «Coastal Courier» (2 items), checked every 60 minutes"
    )
    assert "already" in await say(router, f"/feed {web.url('/atom.xml')}#x", language="en")
    listing = await say(router, "/feeds", language="en")
    assert "#1 «Nordkurier Digital – Wirtschaft» – every 15 min" in listing
    assert "#2 «Coastal Courier» – every 60 min" in listing
    assert "last success: never" in listing
    assert await say(router, "/unfeed #1") == "Feed #1 «Nordkurier Digital – Wirtschaft» entfernt."
    assert await say(router, "/unfeed 1", language="en") == "No feed #1. /feeds shows the numbers."
    assert [f.id for f in store.all()] == [2]


async def test_feeds_shows_last_success_and_errors(web: WebServer, parts) -> None:
    router, store, briefing, fetcher = parts
    await say(router, f"/feed {web.url('/rss.xml')}")
    store.add(web.url("/kaputt.xml"), interval_minutes=15, title="Kaputt")
    await FeedPoller(store, fetcher, briefing).poll_due()
    listing = await say(router, "/feeds")
    lines = listing.splitlines()
    assert lines[0] == "Verfolgte Feeds"
    assert "zuletzt ok: noch nie" not in lines[1]
    assert any("Fehler" in line and "Die Seite antwortete mit 500." in line for line in lines)
    listing_en = await say(router, "/feeds", language="en")
    assert "The page returned 500." in listing_en


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/feed", "So folgst du einem Feed"),
        ("/feed a b c", "So folgst du einem Feed"),
        ("/feed {base}/rss.xml 2", "Das Intervall muss eine Zahl von 5 bis 1440 Minuten sein."),
        ("/feed {base}/rss.xml viertel", "Das Intervall muss"),
        ("/feed {base}/seite.html", "Das ist kein RSS- oder Atom-Feed."),
        ("/feed {base}/kaputt.xml", "Die Seite antwortete mit 500."),
        ("/feed {base}/fehlt.xml", "Die Seite antwortete mit 404."),
        ("/feed http://127.0.0.1:1/rss", "Diese Adresse ist nicht erlaubt."),
        ("/feed file:///etc/passwd", "Diese Adresse ist nicht erlaubt."),
        ("/feed kein-link", "So folgst du einem Feed: /feed https://"),  # not "not allowed"
        ("/unfeed", "Welcher Feed?"),
        ("/unfeed zwei", "Welcher Feed?"),
        ("/unfeed 99999999999999", "Welcher Feed?"),
        ("/unfeed 7", "Keinen Feed #7 gefunden."),
        ("/feeds", "Noch keine Feeds."),
    ],
)
async def test_bad_input_gets_one_clear_line(
    web: WebServer, parts, text: str, expected: str
) -> None:
    router, store, _briefing, _fetcher = parts
    answer = await say(router, text.format(base=web.base))
    assert answer.startswith(expected), answer
    assert "\n" not in answer
    assert store.all() == []


async def test_following_is_for_admins(web: WebServer, parts) -> None:
    router, store, _briefing, _fetcher = parts
    answer = await say(router, f"/feed {web.url('/rss.xml')}", user="7")
    assert "Folge jetzt" not in answer
    assert store.all() == []
    assert "Noch keine Feeds" in await say(router, "/feeds", user="7")


async def test_following_a_huge_feed_does_not_stall_the_event_loop(web: WebServer, parts) -> None:
    """Issue 14 item 4: /feed parsed a 50,000-item feed on the event loop and stalled every chat
    for 8 s. Now it is parsed in a thread and only its first MAX_FEED_ITEMS entries are read."""
    router, store, _briefing, _fetcher = parts
    url = web.page("/huge.xml", big_feed(web.base, 20_000, 0), content_type="application/rss+xml")
    async with LoopLag() as lag:
        answer = await say(router, f"/feed {url}")
    assert lag.wakeups > 0
    assert lag.worst < 0.5  # before: the whole parse (seconds); a loaded machine adds ~0.1 s
    assert answer.startswith(f"Folge jetzt #1 «Sehr viele Meldungen» ({MAX_FEED_ITEMS} Einträge)")
    assert [feed.url for feed in store.all()] == [url]
