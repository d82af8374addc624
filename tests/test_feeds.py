"""Feeds end to end on loopback: parsing RSS 2.0 / RSS 1.0 / Atom, a poll cycle where broken
feeds do not stop the good ones, conditional GET, dedupe, back-off, and malformed input."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bench.web_server import Route, WebServer, fixture
from schedules.feeds import (
    FAILING_AFTER,
    MAX_FEED_ITEMS,
    FeedPoller,
    FeedStore,
    first_items,
    parse_feed,
)
from summarizer.errors import FetchError
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.service import Briefing

ALLOWED = "127.0.0.2"


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer(ALLOWED) as server:
        server.page("/news/de-wasserstoff.html", fixture("de_article.html"))
        server.page(
            "/news/de-muehle.html",
            fixture("de_cp1252.html"),
            content_type="text/html; charset=iso-8859-1",
        )
        server.page("/news/de-faehre.txt", fixture("plain.txt"))
        server.page("/news/en-floodwall.html", fixture("en_article.html"))
        server.page("/news/de-bad.html", fixture("broken.html"))
        yield server


@pytest.fixture
def setup(sqlite_url: str) -> tuple[Library, FeedStore, Briefing, Fetcher]:
    library = Library.open(sqlite_url)
    store = FeedStore.open(sqlite_url)
    fetcher = Fetcher(
        allow=[ALLOWED], timeout=3.0
    )  # loopback answers in ms; only a hang waits it out
    return library, store, Briefing(library, fetcher=fetcher), fetcher


def test_parse_rss2_rss1_atom(web: WebServer) -> None:
    rss2 = parse_feed(fixture("feed_rss2.xml", base=web.base), url=web.url("/rss"))
    assert rss2.title == "Nordkurier Digital – Wirtschaft"
    assert [i.link for i in rss2.items] == [
        web.url("/news/de-wasserstoff.html"),  # utm_* dropped
        web.url("/news/de-muehle.html"),
        None,
        web.url("/news/de-faehre.txt"),
    ]
    assert rss2.items[0].guid == "nk-2024-12-03-001"
    assert rss2.items[0].published == datetime(2024, 12, 3, 6, 45, tzinfo=UTC)
    assert rss2.items[2].published is None
    rss1 = parse_feed(fixture("feed_rss1.rdf", base=web.base), url=web.url("/rdf"))
    assert rss1.title == "Lausitzer Bote"
    assert [i.link for i in rss1.items] == [
        web.url("/news/de-muehle.html"),
        web.url("/news/de-bad.html"),
    ]
    atom = parse_feed(fixture("feed_atom.xml", base=web.base), url=web.url("/atom"))
    assert atom.items[0].link == web.url("/news/en-floodwall.html")
    assert atom.items[1].link is None and atom.items[1].guid


@pytest.mark.parametrize(
    "body",
    [
        fixture("de_article.html"),
        fixture("broken.html"),
        b"",
        b"\x00\xff\xfe garbage",
        b"<?xml version='1.0'?><nothing/>",
    ],
)
def test_anything_but_a_feed_is_refused_clearly(body: bytes) -> None:
    with pytest.raises(FetchError) as caught:
        parse_feed(body, url="http://127.0.0.2/x")
    assert caught.value.code == "not_feed"
    assert caught.value.message("en") == "That is not an RSS or Atom feed."


def test_empty_feed_has_no_items() -> None:
    parsed = parse_feed(fixture("feed_empty.xml", base="http://x"), url="http://x/f")
    assert parsed.title == "Leerer Feed" and parsed.items == ()


async def test_poll_cycle_lands_good_feeds_despite_broken_ones(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    library, store, briefing, fetcher = setup
    stamp = format_datetime(datetime(2024, 12, 3, 8, 0, tzinfo=UTC), usegmt=True)
    web.route(
        "/rss2.xml",
        Route(
            fixture("feed_rss2.xml", base=web.base),
            content_type="application/rss+xml",
            etag='"v1"',
        ),
    )
    web.route(
        "/rss1.rdf",
        Route(
            fixture("feed_rss1.rdf", base=web.base),
            content_type="application/rdf+xml",
            last_modified=stamp,
        ),
    )
    web.page("/atom.xml", fixture("feed_atom.xml", base=web.base), content_type="text/html")
    web.route("/error.xml", Route(b"<h1>Server Error</h1>", status=500))
    web.page("/html-as-rss.xml", fixture("de_article.html"), content_type="application/rss+xml")
    web.route("/hanging.xml", Route(hang=True))
    web.page("/empty.xml", fixture("feed_empty.xml", base=web.base))
    good = ["/rss2.xml", "/rss1.rdf", "/atom.xml", "/empty.xml"]
    bad = ["/error.xml", "/html-as-rss.xml", "/hanging.xml"]
    ids = {}
    for path in good + bad:
        feed, created = store.add(web.url(path), interval_minutes=15)
        assert created
        ids[path] = feed.id
    poller = FeedPoller(store, fetcher, briefing, concurrency=3)
    results = {r.feed_id: r for r in await poller.poll_due()}
    assert set(results) == set(ids.values())
    errors = {path: results[ids[path]].error for path in bad}
    assert errors["/error.xml"] is not None and errors["/error.xml"].code == "status"
    assert errors["/html-as-rss.xml"] is not None and errors["/html-as-rss.xml"].code == "not_feed"
    assert errors["/hanging.xml"] is not None and errors["/hanging.xml"].code == "timeout"
    for path in good:
        assert results[ids[path]].error is None, path
    titles = {ref.title for ref in library.sources()}
    assert "Kieler Stadtwerke testen Wasserstoffbusse im Winter" in titles
    assert "Görlitzer Bäcker übernehmen die alte Stadtmühle" in titles
    assert any(t.startswith("Harbour town votes") for t in titles)
    assert any(t.startswith("Fährverbindung nach Helgoland") for t in titles)
    stored = library.count()
    assert results[ids["/rss2.xml"]].added + results[ids["/rss1.rdf"]].added >= 3
    muehle = [r for r in library.sources() if r.title.startswith("Görlitzer Bäcker")]
    assert len(muehle) == 1  # in two feeds (maybe fetched by both at once), stored once

    feeds = {f.id: f for f in store.all()}
    assert feeds[ids["/rss2.xml"]].title == "Nordkurier Digital – Wirtschaft"
    assert feeds[ids["/rss2.xml"]].last_success_at is not None
    failed = feeds[ids["/error.xml"]].last_error
    assert failed is not None and failed.get("de") == "Die Seite antwortete mit 500."
    assert feeds[ids["/error.xml"]].failures == 1

    # Nothing is due again before the interval; after it, conditional GET answers 304.
    assert await poller.poll_due() == []
    later = datetime.now(UTC) + timedelta(minutes=16)
    again = {r.feed_id: r for r in await poller.poll_due(now=later)}
    assert again[ids["/rss2.xml"]].not_modified
    assert again[ids["/rss1.rdf"]].not_modified
    assert again[ids["/atom.xml"]].new_items == 0
    assert ids["/error.xml"] not in again  # backing off: 30 minutes after one failure
    conditional = [s for s in web.requests if s.path in ("/rss2.xml", "/rss1.rdf")][-2:]
    assert {s.headers.get("if-none-match") for s in conditional} >= {'"v1"'}
    assert {s.headers.get("if-modified-since") for s in conditional} >= {stamp}
    assert library.count() == stored


async def test_dedupe_by_guid_then_link_then_content(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    library, store, briefing, fetcher = setup

    def rss(*items: str) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            + "".join(items)
            + "</channel></rss>"
        ).encode()

    first = rss(
        f"<item><title>A</title><guid>a-1</guid><link>{web.url('/news/de-wasserstoff.html')}</link></item>",
        f"<item><title>B</title><link>{web.url('/news/en-floodwall.html')}</link></item>",
        "<item><title>C</title><description>nur Text</description></item>",
    )
    second = rss(
        f"<item><title>A neu</title><guid>a-2</guid><link>{web.url('/news/de-wasserstoff.html')}</link></item>",
        f"<item><title>B2</title><link>{web.url('/news/en-floodwall.html')}?utm_source=x</link></item>",
        "<item><title>C</title><description>nur Text</description></item>",
        f"<item><title>D</title><guid>d-1</guid><link>{web.url('/news/de-faehre.txt')}</link></item>",
    )
    web.page("/f.xml", first, content_type="application/rss+xml")
    store.add(web.url("/f.xml"), interval_minutes=15)
    poller = FeedPoller(store, fetcher, briefing)
    [result] = await poller.poll_due()
    assert result.new_items == 3 and result.added == 2
    web.page("/f.xml", second, content_type="application/rss+xml")
    [result] = await poller.poll_due(now=datetime.now(UTC) + timedelta(minutes=20))
    assert result.new_items == 1 and result.added == 1
    assert library.count() == 3


async def test_failing_feed_backs_off_exponentially_and_recovers(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    _library, store, briefing, fetcher = setup
    web.route("/flaky.xml", Route(b"", status=503))
    feed, _ = store.add(web.url("/flaky.xml"), interval_minutes=10)
    poller = FeedPoller(store, fetcher, briefing)
    now = datetime.now(UTC)
    gaps = []
    for _ in range(FAILING_AFTER + 1):
        [result] = await poller.poll_due(now=now)
        assert result.error is not None
        updated = store.get(feed.id)
        assert updated is not None
        gaps.append(updated.next_poll_at - now)
        now = updated.next_poll_at
    assert gaps[1] == 2 * gaps[0] and gaps[2] == 2 * gaps[1]
    assert updated.failing and updated.last_error is not None
    assert updated.last_error.get("en") == "The page returned 503."
    web.page("/flaky.xml", fixture("feed_empty.xml", base=web.base))
    [result] = await poller.poll_due(now=now)
    assert result.error is None
    recovered = store.get(feed.id)
    assert recovered is not None and recovered.failures == 0 and not recovered.failing


async def test_ten_thousand_items_never_crash_and_are_capped(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    library, store, briefing, fetcher = setup
    items = "".join(
        f"<item><title>Meldung {i}</title><link>{web.base}/n/{i}</link></item>"
        for i in range(10_000)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Viel</title>{items}</channel></rss>'
    web.page("/big.xml", body.encode(), content_type="application/rss+xml")
    store.add(web.url("/big.xml"), interval_minutes=15)
    poller = FeedPoller(store, fetcher, briefing, items_per_poll=5)
    [result] = await poller.poll_due()
    assert result.error is None and result.new_items == MAX_FEED_ITEMS and result.added == 0
    assert len([p for p in web.paths() if p.startswith("/n/")]) == 5
    [result] = await poller.poll_due(now=datetime.now(UTC) + timedelta(minutes=20))
    assert result.new_items == 0
    assert library.count() == 0


@pytest.mark.parametrize("name", ["feed_rss2.xml", "feed_rss1.rdf", "feed_atom.xml"])
def test_only_the_first_entries_of_a_feed_are_read(web: WebServer, name: str) -> None:
    body = fixture(name, base=web.base)
    full = parse_feed(body, url=web.url("/f"))
    assert len(full.items) >= 2
    cut = parse_feed(body, url=web.url("/f"), max_items=1)
    assert cut.title == full.title and cut.items == full.items[:1]
    assert first_items(body, 100) == body


async def test_item_without_link_is_added_from_its_own_text(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    library, store, briefing, fetcher = setup
    text = fixture("plain.txt").decode()
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n")[1:])
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Volltext</title><item><title>Fähre fällt aus</title>"
        f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded></item></channel></rss>"
    )
    web.page("/full.xml", body.encode(), content_type="application/rss+xml")
    store.add(web.url("/full.xml"), interval_minutes=15)
    [result] = await FeedPoller(store, fetcher, briefing).poll_due()
    assert result.added == 1
    assert library.count() == 1


async def test_poller_component_polls_on_its_own_and_stops(
    web: WebServer, setup: tuple[Library, FeedStore, Briefing, Fetcher]
) -> None:
    library, store, briefing, fetcher = setup
    web.page(
        "/atom.xml", fixture("feed_atom.xml", base=web.base), content_type="application/atom+xml"
    )
    store.add(web.url("/atom.xml"), interval_minutes=15)
    poller = FeedPoller(store, fetcher, briefing, tick=0.05)
    await poller.start()
    try:
        for _ in range(200):
            if library.count():
                break
            await asyncio.sleep(0.05)
    finally:
        await poller.stop()
    assert library.count() == 1
    assert poller.name == "feeds"


def test_follow_list_and_stop(sqlite_url: str) -> None:
    store = FeedStore.open(sqlite_url)
    feed, created = store.add("HTTPS://Example.ORG/rss?utm_source=x", interval_minutes=30)
    again, created_again = store.add("https://example.org/rss", interval_minutes=5)
    assert created and not created_again and again.id == feed.id
    assert feed.url == "https://example.org/rss" and feed.interval_minutes == 30
    assert [f.id for f in store.all()] == [feed.id]
    removed = store.remove(feed.id)
    assert removed is not None and removed.id == feed.id and removed.url == feed.url
    assert store.all() == [] and store.remove(feed.id) is None  # the second remove finds none
