"""Fetching a page or feed by URL safely: the `Fetcher` that `Briefing.add_url` and the feed poller
use.

httpx does the HTTP (redirects); this module adds what a server that takes URLs from chat users
needs on top: the address guard on every hop (`summarizer.ssrf`), one deadline for the whole
fetch, a body limit enforced on the decompressed bytes while streaming (`CappedDecoder`: httpx
would inflate a whole brotli chunk at once, an 809-byte bomb to a gigabyte), an allowlist of
content types and encodings, and charset
detection for legacy German pages (header, BOM, meta tag, then UTF-8, then windows-1252 — written
here because it is a dozen lines and the HTTP header has to win, which the detectors ignore).
"""

from __future__ import annotations

import asyncio
import codecs
import re
import ssl
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import brotli
import httpcore  # noqa: F401  httpx imports it lazily at the first request, ~0.1 s on the event loop
import httpx

from summarizer import extract
from summarizer.errors import ExtractError, FetchError, TransientFetchError
from summarizer.i18n import Phrase
from summarizer.models import Document
from summarizer.ssrf import AddressGuard, PinnedTransport, Resolver, system_resolver
from summarizer.urls import canonical_url

Kind = Literal["html", "text", "feed"]
PAGE_KINDS: tuple[Kind, ...] = ("html", "text")
FEED_KINDS: tuple[Kind, ...] = ("feed", "html", "text")  # feeds are often served as text/html

USER_AGENT = "Mozilla/5.0 (compatible; briefbot/0.1; news briefings for teams)"
ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.8,text/xml;q=0.8,*/*;q=0.1",
}
MEDIA_KINDS: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}
ACCEPT_ENCODING = "gzip, deflate, br"
"""Only encodings whose output `CappedDecoder` can bound as it inflates."""
LEGACY_CHARSETS = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _codec(name: str | None) -> str | None:
    """A Python codec for a declared charset, with ISO-8859-1 read as windows-1252 (as browsers
    do), or None for an unknown name."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = LEGACY_CHARSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None = None) -> str:
    """Text of a body: BOM, then the HTTP charset, then a meta/XML declaration, then strict
    UTF-8, then windows-1252 (which decodes any byte)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    head = body[:4096]
    meta = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    candidates = [_codec(declared), _codec(meta.group(1).decode("ascii") if meta else None)]
    for codec in [*(c for c in candidates if c is not None), "utf-8"]:
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("cp1252", errors="replace")


def sniff(body: bytes) -> Kind:
    """What an unlabelled body is, from its first bytes."""
    head = body[:1024].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf")):
        return "html" if b"<html" in head else "feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    return "text"


@dataclass(frozen=True)
class Download:
    """One fetched resource: the final URL (after redirects), status, type and the body."""

    url: str
    status: int
    kind: Kind | None
    media_type: str
    body: bytes
    charset: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        return decode(self.body, self.charset)


STATUS = Phrase(de="Die Seite antwortete mit {status}.", en="The page returned {status}.")
TOO_LARGE = Phrase(de="Zu groß: mehr als {size}.", en="Too large: more than {size}.")
TIMED_OUT = Phrase(de="Zeitüberschreitung nach {seconds:g} s.", en="Timed out after {seconds:g} s.")
UNSUPPORTED_TYPE = Phrase(
    de="Nicht unterstützter Inhaltstyp ({media_type}).",
    en="Unsupported content type ({media_type}).",
)
TOO_MANY_REDIRECTS = Phrase(de="Zu viele Weiterleitungen.", en="Too many redirects.")
INVALID_URL = Phrase(de="Das ist keine gültige Adresse.", en="That is not a valid address.")
UNREACHABLE = Phrase(de="Die Seite ist nicht erreichbar.", en="Could not connect to the page.")
FEED_NOT_ARTICLE = Phrase(
    de="Kein Artikel, sondern ein Feed – zum Abonnieren: /feed URL",
    en="Not an article but a feed – to follow it: /feed URL",
)
UNSUPPORTED_ENCODING = Phrase(
    de="Nicht unterstützte Kodierung ({encoding}).",
    en="Unsupported content encoding ({encoding}).",
)
BADLY_COMPRESSED = Phrase(
    de="Die Seite ist fehlerhaft komprimiert.", en="The page is badly compressed."
)


class StatusError(FetchError):
    """The server answered with an error status (kept in `status`); see `status_error`."""

    def __init__(self, status: int) -> None:
        super().__init__("status", STATUS.filled(status=status))
        self.status = status


class ServerStatusError(StatusError, TransientFetchError):
    """A 5xx answer: the server's trouble, which may pass (a 4xx stays)."""


def status_error(status: int) -> StatusError:
    return ServerStatusError(status) if status >= 500 else StatusError(status)


def too_large(limit: int) -> FetchError:
    return FetchError("too_large", TOO_LARGE.filled(size=f"{limit / 1_000_000:g} MB"))


def timed_out(seconds: float) -> TransientFetchError:
    return TransientFetchError("timeout", TIMED_OUT.filled(seconds=seconds))


def unsupported_type(media_type: str) -> FetchError:
    return FetchError("content_type", UNSUPPORTED_TYPE.filled(media_type=media_type))


def too_many_redirects() -> FetchError:
    return FetchError("redirects", TOO_MANY_REDIRECTS)


def invalid_url() -> FetchError:
    return FetchError("invalid_url", INVALID_URL)


def unreachable() -> TransientFetchError:
    return TransientFetchError("network", UNREACHABLE)


def feed_not_article() -> ExtractError:
    return ExtractError("not_article", FEED_NOT_ARTICLE)


def unsupported_encoding(encoding: str) -> FetchError:
    return FetchError("content_encoding", UNSUPPORTED_ENCODING.filled(encoding=encoding))


class CappedDecoder:
    """Inflates a body chunk by chunk and raises `too_large` as soon as the output would pass
    `limit`, so memory stays bounded by the limit whatever the compression ratio."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        encodings = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if len(encodings) > 1 or (
            encodings and encodings[0] not in ("gzip", "x-gzip", "deflate", "br")
        ):
            raise unsupported_encoding(content_encoding)
        self.encoding = encodings[0] if encodings else "identity"
        self.limit = limit
        self.produced = 0
        self._zlib: zlib._Decompress | None = None
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)
        self._brotli = brotli.Decompressor() if self.encoding == "br" else None
        self._deflate_raw: bool | None = None

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.produced > self.limit:
            raise too_large(self.limit)
        return out

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk (at most the remaining budget)."""
        room = self.limit - self.produced + 1
        if self.encoding == "identity":
            return self._count(data)
        try:
            if self._brotli is not None:
                out = self._brotli.process(data, output_buffer_limit=room)
                while not self._brotli.can_accept_more_data() and len(out) < room:
                    more = self._brotli.process(b"", output_buffer_limit=room - len(out))
                    if not more:
                        break
                    out += more
                if not self._brotli.can_accept_more_data():
                    raise too_large(self.limit)  # more output is waiting beyond the budget
                return self._count(out)
            if self._zlib is None:  # deflate: zlib-wrapped as the RFC says, raw as some send
                self._deflate_raw = self._deflate_raw_first(data)
                self._zlib = zlib.decompressobj(
                    -zlib.MAX_WBITS if self._deflate_raw else zlib.MAX_WBITS
                )
            out = self._zlib.decompress(data, room)
        except (zlib.error, brotli.error):
            raise FetchError("decode", BADLY_COMPRESSED) from None
        if self._zlib.unconsumed_tail:
            raise too_large(self.limit)
        return self._count(out)

    @staticmethod
    def _deflate_raw_first(data: bytes) -> bool:
        try:
            zlib.decompressobj().decompress(data[:64], 1)
        except zlib.error:
            return True
        return False


class Fetcher:
    """Downloads pages and feeds within limits and turns pages into Documents.

    Implements `summarizer.service.DocumentFetcher`. `allow` is BRIEFBOT_FETCH_ALLOW (host names,
    addresses, CIDR ranges the guard lets through); empty by default.
    """

    def __init__(
        self,
        *,
        allow: Collection[str] = (),
        max_bytes: int = 5_000_000,
        timeout: float = 10.0,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.guard = AddressGuard(allow, resolver=resolver)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._ssl: ssl.SSLContext | None = None

    def canonical(self, url: str) -> str:
        return canonical_url(url)

    async def fetch_document(self, url: str) -> Document:
        """The article at `url`. Raises FetchError (address, status, size, time, type) or
        ExtractError (no article text); nothing is stored here."""
        download = await self.download(url, accept=(*PAGE_KINDS, "feed"))
        if download.kind == "feed":
            raise feed_not_article()
        final_url = canonical_url(download.url)
        text = download.text
        if download.kind == "text":
            return await asyncio.to_thread(extract.from_text, text, url=final_url)
        return await asyncio.to_thread(extract.from_html, text, url=final_url)

    async def download(
        self,
        url: str,
        *,
        accept: Collection[Kind] = PAGE_KINDS,
        headers: Mapping[str, str] | None = None,
    ) -> Download:
        """GET `url` through the guard. A 304 (conditional GET) comes back with an empty body;
        any other status outside 2xx, a type outside `accept`, a body over the limit or a
        fetch longer than the timeout raises FetchError."""
        self.guard.check_url(url)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._download(url, accept, headers or {})
        except (TimeoutError, httpx.TimeoutException):
            raise timed_out(self.timeout) from None
        except httpx.TooManyRedirects:
            raise too_many_redirects() from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise invalid_url() from None
        except (httpx.HTTPError, ssl.SSLError, OSError):
            raise unreachable() from None

    async def _download(
        self, url: str, accept: Collection[Kind], headers: Mapping[str, str]
    ) -> Download:
        if self._ssl is None:  # loading the CA bundle takes ~0.2 s: not on the event loop
            self._ssl = await asyncio.to_thread(httpx.create_ssl_context)
        transport = PinnedTransport(self.guard, verify=self._ssl)
        request_headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT["feed" if "feed" in accept and "html" not in accept else "html"],
            "Accept-Language": "de,en;q=0.8",
            "Accept-Encoding": ACCEPT_ENCODING,
            **headers,
        }
        async with (
            httpx.AsyncClient(
                transport=transport,
                follow_redirects=True,
                max_redirects=self.max_redirects,
                timeout=httpx.Timeout(self.timeout),
                trust_env=False,
            ) as client,
            client.stream("GET", url, headers=request_headers) as response,
        ):
            final_url = str(response.url)
            if response.status_code == 304:
                return Download(final_url, 304, None, "", b"", headers=dict(response.headers))
            if not 200 <= response.status_code < 300:
                raise status_error(response.status_code)
            content_type = response.headers.get("content-type", "")
            media_type = content_type.split(";", 1)[0].strip().lower()
            charset = response.charset_encoding
            kind = MEDIA_KINDS.get(media_type)
            if media_type and (kind is None or kind not in accept):
                raise unsupported_type(media_type)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise too_large(self.max_bytes)
            decoder = CappedDecoder(response.headers.get("content-encoding", ""), self.max_bytes)
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += decoder.feed(chunk)
            if kind is None:
                kind = sniff(bytes(body))
                if kind not in accept:
                    raise unsupported_type(kind)
            return Download(
                final_url,
                response.status_code,
                kind,
                media_type,
                bytes(body),
                charset=charset,
                headers=dict(response.headers),
            )
