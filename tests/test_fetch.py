"""Fetching pages end to end against local servers: extraction, encodings, limits, errors, and
refusals of forbidden addresses that must never reach the forbidden server.

Only loopback is ever connected to: the allowed server binds 127.0.0.2 (allowlisted), a second
server on 127.0.0.1 stands for every forbidden target and must see no connection at all.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

import brotli
import pytest

from bench.hardening import brotli_bomb, probe_fetch
from bench.web_server import Route, WebServer, fixture
from summarizer.errors import ExtractError, FetchError, TransientFetchError, UserError
from summarizer.fetch import CappedDecoder, Fetcher, decode
from summarizer.ssrf import unresolvable

ALLOWED = "127.0.0.2"


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer(ALLOWED) as server:
        yield server


@pytest.fixture
def forbidden() -> Iterator[WebServer]:
    with WebServer("127.0.0.1") as server:
        server.page("/", fixture("de_article.html"))
        yield server
    assert server.connections == 0 and server.requests == []


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(allow=[ALLOWED], timeout=3.0, max_bytes=1_000_000)


async def test_german_page_yields_article_without_furniture(
    web: WebServer, fetcher: Fetcher
) -> None:
    url = web.page("/kiel/wasserstoff.html", fixture("de_article.html"))
    document = await fetcher.fetch_document(url + "?utm_source=tw#top")
    assert document.title == "Kieler Stadtwerke testen Wasserstoffbusse im Winter"
    assert document.teaser.startswith("Drei Busse mit Brennstoffzelle")
    assert document.language == "de"
    assert document.author == "Jana Petersen"
    assert document.published is not None and document.published.year == 2024
    assert document.url == url
    body = " ".join(s.text for s in document.sentences)
    assert "Reichweite" in body
    for furniture in ("Cookies", "Mehr zum Thema", "Steuerzahler", "Impressum", "Startseite"):
        assert furniture not in body
    seen = web.requests[-1]
    assert "briefbot" in seen.headers["user-agent"]
    assert "br" in seen.headers["accept-encoding"] and "gzip" in seen.headers["accept-encoding"]


async def test_english_gzip_page(web: WebServer, fetcher: Fetcher) -> None:
    url = web.page("/floodwall.html", fixture("en_article.html"), gzip=True)
    document = await fetcher.fetch_document(url)
    assert document.language == "en"
    assert document.title.startswith("Harbour town votes")
    assert any("38 million pounds" in s.text for s in document.sentences)
    assert not any("cellar flooded" in s.text for s in document.sentences)


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=ISO-8859-1", "text/html; charset=windows-1252", "text/html"],
)
async def test_legacy_encoded_german_page(
    web: WebServer, fetcher: Fetcher, content_type: str
) -> None:
    url = web.page("/muehle.html", fixture("de_cp1252.html"), content_type=content_type)
    document = await fetcher.fetch_document(url)
    assert document.title == "Görlitzer Bäcker übernehmen die alte Stadtmühle"
    body = " ".join(s.text for s in document.sentences)
    assert "1,2 Millionen €" in body
    assert "„Wir wollen wissen, woher unser Getreide kommt“" in body
    assert "\ufffd" not in body


def test_decode_prefers_header_then_meta_then_utf8() -> None:
    latin = "Größe: 5 €".encode("cp1252")
    assert decode(latin, "iso-8859-1") == "Größe: 5 €"
    assert decode(b'<meta charset="windows-1252">' + latin).endswith("Größe: 5 €")
    assert decode("Größe".encode()) == "Größe"
    assert decode(latin) == "Größe: 5 €"  # not UTF-8: falls back to windows-1252
    assert decode(b"\xef\xbb\xbfBOM") == "BOM"
    assert decode("Straße".encode(), "x-unknown-charset") == "Straße"


async def test_plain_text_page(web: WebServer, fetcher: Fetcher) -> None:
    url = web.page("/faehre.txt", fixture("plain.txt"))
    document = await fetcher.fetch_document(url)
    assert document.title.startswith("Fährverbindung nach Helgoland")
    assert (
        any("Cuxhaven" in s.text for s in (*document.sentences,)) or "Cuxhaven" in document.teaser
    )


async def test_redirects_are_followed_and_the_final_url_kept(
    web: WebServer, fetcher: Fetcher
) -> None:
    final = web.page("/artikel.html", fixture("en_article.html"))
    web.redirect("/kurz", web.url("/weiter"), status=301)
    web.redirect("/weiter", "/artikel.html?utm_campaign=x", status=302)
    document = await fetcher.fetch_document(web.url("/kurz"))
    assert document.url == final
    assert web.paths() == ["/kurz", "/weiter", "/artikel.html?utm_campaign=x"]


async def test_more_than_five_redirects_are_refused(web: WebServer, fetcher: Fetcher) -> None:
    for hop in range(7):
        web.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(web.url("/hop0"))
    assert caught.value.code == "redirects"
    assert len(web.requests) == 6


@pytest.mark.parametrize("status", [404, 410, 500, 503])
async def test_error_status(web: WebServer, fetcher: Fetcher, status: int) -> None:
    url = web.route("/x", Route(b"<html>Fehler</html>", status=status))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "status"
    assert caught.value.message("en") == f"The page returned {status}."
    assert caught.value.message("de") == f"Die Seite antwortete mit {status}."


@pytest.mark.parametrize(
    ("route", "transient"),
    [
        (Route(b"<html>Fehler</html>", status=503), True),
        (Route(b"<html>Fehler</html>", status=500), True),
        (Route(hang=True), True),
        (Route(b"<html>Fehler</html>", status=404), False),
        (Route(b"x" * 100, content_type="image/png"), False),
    ],
)
async def test_failures_that_may_pass_are_transient(
    web: WebServer, fetcher: Fetcher, route: Route, transient: bool
) -> None:
    """A caller that retries later (the feed poller) tells a passing failure by its type."""
    if route.hang:  # only here is the time-out the point
        fetcher = Fetcher(allow=[ALLOWED], timeout=0.3)
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(web.route("/x", route))
    assert isinstance(caught.value, TransientFetchError) is transient, caught.value.code


async def test_no_connection_and_no_host_are_transient(fetcher: Fetcher) -> None:
    with WebServer(ALLOWED) as gone:
        url = gone.url("/")
    with pytest.raises(TransientFetchError):
        await fetcher.fetch_document(url)
    assert isinstance(unresolvable(), TransientFetchError)


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "image/png", "application/json", "video/mp4"]
)
async def test_unsupported_content_type(
    web: WebServer, fetcher: Fetcher, content_type: str
) -> None:
    url = web.route("/file", Route(b"%PDF-1.4 ...", content_type=content_type))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "content_type"
    assert content_type in caught.value.message("en")


async def test_a_feed_is_not_an_article(web: WebServer, fetcher: Fetcher) -> None:
    url = web.page("/rss.xml", fixture("feed_rss2.xml", base=web.base))
    with pytest.raises(ExtractError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "not_article"
    assert "/feed" in caught.value.message("de")


@pytest.mark.parametrize("declare_length", [False, True])
async def test_body_limit_is_enforced_while_streaming(
    web: WebServer, fetcher: Fetcher, declare_length: bool
) -> None:
    url = web.route("/huge", Route(size=50_000_000, declare_length=declare_length))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "too_large"
    assert caught.value.message("en") == "Too large: more than 1 MB."
    web.close()  # wait for the handler to notice the hang-up
    assert web.streamed.get("/huge", 0) < 50_000_000


def test_brotli_bomb_is_refused_with_memory_bounded_by_the_limit() -> None:
    """Issue 14 item 2: 1.6 KB of brotli that inflates to 256 MiB must stop at the body limit
    without inflating the rest (before: `briefbot add URL` inflated whole chunks, ~500 MB RSS)."""
    ordinary = probe_fetch(brotli.compress(fixture("de_article.html")), "br")
    attacked = probe_fetch(brotli_bomb(256), "br")
    assert ordinary.exit_code == 0
    assert attacked.exit_code != 0 and attacked.message.endswith(": Too large: more than 5 MB.")
    assert attacked.peak_rss_mb < ordinary.peak_rss_mb + 40


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw"])
async def test_gzip_and_deflate_bombs_stop_at_the_limit(web: WebServer, encoding: str) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, {"gzip": 31, "deflate": 15}.get(encoding, -15))
    bomb = packer.compress(bytes(64_000_000)) + packer.flush()
    url = web.route("/z", Route(bomb, headers={"Content-Encoding": encoding.split("-")[0]}))
    with pytest.raises(FetchError) as caught:
        await Fetcher(allow=[ALLOWED], max_bytes=1_000_000).fetch_document(url)
    assert caught.value.code == "too_large"
    decoder = CappedDecoder(encoding.split("-")[0], 1_000_000)
    with pytest.raises(FetchError):
        decoder.feed(bomb)
    assert decoder.produced <= 1_000_001


async def test_compressed_pages_within_the_limit_are_read(web: WebServer, fetcher: Fetcher) -> None:
    page = fixture("en_article.html")
    for encoding, body in (("br", brotli.compress(page)), ("deflate", zlib.compress(page))):
        url = web.route(f"/{encoding}", Route(body, headers={"Content-Encoding": encoding}))
        document = await fetcher.fetch_document(url)
        assert document.title.startswith("Harbour town votes")


async def test_an_encoding_that_cannot_be_capped_is_refused(
    web: WebServer, fetcher: Fetcher
) -> None:
    url = web.route("/zstd", Route(b"(\xb5/\xfd...", headers={"Content-Encoding": "zstd"}))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "content_encoding"
    assert "zstd" in caught.value.message("de")


async def test_slow_and_hanging_responses_time_out(web: WebServer) -> None:
    fetcher = Fetcher(allow=[ALLOWED], timeout=0.3)
    for path, route in (("/slow", Route(b"x", delay=5)), ("/hang", Route(hang=True))):
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch_document(web.route(path, route))
        assert caught.value.code == "timeout"
        assert caught.value.message("en") == "Timed out after 0.3 s."
        assert caught.value.message("de") == "Zeitüberschreitung nach 0.3 s."


async def test_nothing_listening_is_a_clear_error(fetcher: Fetcher) -> None:
    with WebServer(ALLOWED) as gone:
        url = gone.url("/")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "network"


@pytest.mark.parametrize("name", ["no_text.html", "broken.html"])
async def test_pages_without_article_never_crash(
    web: WebServer, fetcher: Fetcher, name: str
) -> None:
    url = web.page("/" + name, fixture(name))
    try:
        document = await fetcher.fetch_document(url)
    except ExtractError as error:
        assert error.message("de") and error.message("en")
    else:
        assert document.sentences


@pytest.mark.parametrize(
    "target",
    [
        "redirect",
        "http://localhost:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f000001:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://127.1:{port}/",
        "http://127.0.0.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::1]:{port}/",
    ],
)
async def test_forbidden_targets_are_never_contacted(
    web: WebServer, forbidden: WebServer, fetcher: Fetcher, target: str
) -> None:
    if target == "redirect":
        url = web.redirect("/go", forbidden.url("/"))
    else:
        url = target.format(port=forbidden.port)
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(url)
    assert caught.value.code == "forbidden"
    assert caught.value.message("en") == "That address is not allowed."
    assert forbidden.connections == 0


@pytest.mark.parametrize("spelling", ["2130706434", "0x7f000002", "127.0.2"])
async def test_allowlisted_address_in_another_spelling_is_fetched_from_that_address(
    web: WebServer, forbidden: WebServer, fetcher: Fetcher, spelling: str
) -> None:
    web.page("/", fixture("de_article.html"))
    document = await fetcher.fetch_document(f"http://{spelling}:{web.port}/")
    assert document.title.startswith("Kieler Stadtwerke")
    assert forbidden.connections == 0


async def test_nothing_is_allowed_by_default(web: WebServer) -> None:
    url = web.page("/a.html", fixture("de_article.html"))
    with pytest.raises(FetchError) as caught:
        await Fetcher().fetch_document(url)
    assert caught.value.code == "forbidden"
    assert web.connections == 0


class Rebinding:
    """A resolver whose answer for a name turns from the allowed to the forbidden address after
    the first question — a DNS rebinding attack in miniature."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        if host != "news.test":
            raise OSError("unknown host")
        self.calls += 1
        return [ALLOWED] if self.calls == 1 else ["127.0.0.1"]


async def test_connection_goes_to_the_checked_address_with_the_real_host_name(
    web: WebServer, forbidden: WebServer
) -> None:
    resolver = Rebinding()
    fetcher = Fetcher(allow=[ALLOWED], timeout=3.0, resolver=resolver)
    web.page("/a.html", fixture("en_article.html"))
    document = await fetcher.fetch_document(f"http://news.test:{web.port}/a.html")
    assert document.language == "en"
    assert resolver.calls == 1
    assert web.requests[-1].headers["host"] == f"news.test:{web.port}"
    assert document.url == f"http://news.test:{web.port}/a.html"


async def test_every_redirect_hop_is_resolved_and_checked_again(
    web: WebServer, forbidden: WebServer
) -> None:
    resolver = Rebinding()
    fetcher = Fetcher(allow=[ALLOWED], timeout=3.0, resolver=resolver)
    web.redirect("/r", f"http://news.test:{forbidden.port}/")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_document(f"http://news.test:{web.port}/r")
    assert caught.value.code == "forbidden"
    assert resolver.calls == 2


async def test_unknown_host_name(fetcher: Fetcher) -> None:
    fetcher = Fetcher(allow=[ALLOWED], resolver=Rebinding())
    with pytest.raises(UserError) as caught:
        await fetcher.fetch_document("http://no-such-host.test/")
    assert caught.value.code == "dns"


async def test_failed_fetch_leaves_the_library_untouched_and_urls_are_stored_once(
    web: WebServer, fetcher: Fetcher, sqlite_url: str
) -> None:
    from summarizer.library import Library
    from summarizer.service import Briefing

    library = Library.open(sqlite_url)
    briefing = Briefing(library, fetcher=fetcher)
    url = web.page("/a.html", fixture("de_article.html"))
    web.route("/gone", Route(b"", status=404))
    web.page("/empty.html", fixture("no_text.html"))
    for bad in (web.url("/gone"), web.url("/empty.html"), f"http://127.0.0.1:{web.port}/a.html"):
        with pytest.raises(UserError):
            await briefing.add_url(bad)
    assert library.count() == 0
    first = await briefing.add_url(url)
    again = await briefing.add_url(url + "?utm_source=newsletter&fbclid=1#x")
    assert first.created and not again.created
    assert again.article.id == first.article.id
    assert library.count() == 1
    assert web.paths().count("/a.html") == 1
