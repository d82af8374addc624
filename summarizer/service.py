"""Briefing: the one facade the chat router, the CLI and scheduled digests call.

It ties extraction, ranking (once, at ingest), the library, briefs across articles and
answers together, so callers never touch the store or the NLP modules directly.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from summarizer import brief as cross_article
from summarizer import digest as single_article
from summarizer import extract, qa
from summarizer.errors import FetchError, UserError
from summarizer.library import Library
from summarizer.models import Added, Answer, Article, ArticleRef, Digest, Document, Hit

BRIEF_ARTICLES = 30  # a 7-point brief draws on at most this many of the best matching articles
BRIEF_DEPTH = 8  # best-ranked sentences read per article (more when points are excluded)
MAX_DEPTH = 30
ANSWER_ARTICLES = 10  # articles searched for a question asked without a brief


class DocumentFetcher(Protocol):
    """Fetches an article by URL (implemented by summarizer.fetch.Fetcher)."""

    def canonical(self, url: str) -> str: ...

    async def fetch_document(self, url: str) -> Document: ...


class Briefing:
    """Add articles, brief on a topic across them, digest one, answer questions from them."""

    def __init__(self, library: Library, *, fetcher: DocumentFetcher | None = None) -> None:
        self.library = library
        self.fetcher = fetcher

    # --- adding ------------------------------------------------------------------------

    def add(
        self,
        source: str | Path | bytes,
        *,
        url: str | None = None,
        language: str | None = None,
        filename: str | None = None,
    ) -> Added:
        """Store a file (Path), pasted text (str) or file content (bytes, its type told by
        `filename`'s suffix when given); once per text."""
        if isinstance(source, Path):
            document = extract.from_path(source, language=language)
            if url is not None:
                document = _with_url(document, url)
        elif isinstance(source, bytes):
            document = extract.from_bytes(source, filename=filename, url=url, language=language)
        else:
            document = extract.from_text(source, url=url, language=language)
        return self.add_document(document)

    def add_document(self, document: Document) -> Added:
        """Rank a document once and store it with its ranking (nothing happens if known)."""
        return self.library.add(document, single_article.rank(document))

    async def add_url(self, url: str) -> Added:
        """Fetch and store the article at `url`, unless its canonical URL is stored already."""
        if self.fetcher is None:
            raise FetchError(
                "no_fetcher",
                de="Dieser Bot ruft keine Adressen ab. Sende den Text oder eine Datei.",
                en="This bot does not fetch web addresses. Send the text or a file instead.",
            )
        canonical = self.fetcher.canonical(url)
        known = self.library.by_url(canonical)
        if known is not None:
            return Added(known, created=False)
        document = await self.fetcher.fetch_document(canonical)
        if not document.url:
            document = _with_url(document, canonical)
        # ranking and storing are CPU and disk work: off the event loop, so chats, feeds and
        # other downloads go on meanwhile
        return await asyncio.to_thread(self.add_document, document)

    # --- reading -----------------------------------------------------------------------

    def brief(
        self,
        topic: str,
        *,
        since: datetime | None = None,
        points: int = 7,
        exclude: Collection[str] = (),
        shown: Collection[str] = (),
        language: str = "de",
    ) -> Digest:
        """Key points across the stored articles on `topic`, each citing its article.

        `since` keeps the articles that arrived at or after it (see `Library.search`);
        `exclude` holds the keys of points shown before, `shown` the texts of points a chat
        has seen (no near-duplicate of one becomes a point).

        Reads only the best-ranked sentences of the best-matching articles (rankings were
        computed at ingest). `Digest.title` is the topic itself (the router words it), and
        `Digest.language` the majority language of the cited articles (`language` if none).
        """
        hits = self.library.search(topic, limit=BRIEF_ARTICLES, since=since)
        if not hits:
            return Digest(title=topic, language=language, points=(), topic=topic)
        depth = min(MAX_DEPTH, max(BRIEF_DEPTH, points + 1) + len(exclude))
        articles = self.library.ranked([h.article_id for h in hits], depth=depth)
        relevance = {h.article_id: h.score for h in hits}
        key_points, has_more = cross_article.merge(
            [(a, relevance[a.id]) for a in articles],
            points=points,
            exclude=exclude,
            shown=shown,
        )
        by_id = {a.id: a for a in articles}
        cited = list(dict.fromkeys(i for p in key_points for i in (p.article_id, *p.also_in)))
        refs = tuple(_ref(by_id[i]) for i in cited)
        languages = Counter(by_id[i].language for i in cited)
        return Digest(
            title=topic,
            language=languages.most_common(1)[0][0] if languages else language,
            points=tuple(key_points),
            articles=refs,
            topic=topic,
            has_more=has_more,
        )

    def digest(self, article: Article | str, *, points: int = 5) -> Digest:
        """The stored key points of one article (given, or by id)."""
        if isinstance(article, str):
            found = self.library.get(article)
            if found is None:
                raise _unknown_article(article)
            article = found
        return single_article.digest(article, points=points)

    def answer(self, question: str, *, articles: Sequence[str] | None = None) -> Answer:
        """The sentence answering `question` from the given articles (or the best matches in
        the whole library when `articles` is None); found=False when none supports it."""
        if articles is None:
            hits = self.library.search(question, limit=ANSWER_ARTICLES, match_all=False)
            articles = [h.article_id for h in hits]
        stored = self.library.get_many(articles)
        if not stored:
            return Answer(question, False, "", None, (), 0.0)
        return qa.answer(question, stored)

    def search(self, topic: str, *, limit: int = 20) -> list[Hit]:
        return self.library.search(topic, limit=limit)

    def sources(self, *, limit: int = 50, offset: int = 0) -> list[ArticleRef]:
        return self.library.sources(limit=limit, offset=offset)

    def article(self, article_id: str) -> Article | None:
        return self.library.get(article_id)


def _ref(article: Article) -> ArticleRef:
    return ArticleRef(article.id, article.short_name, article.url, article.published)


def _with_url(document: Document, url: str) -> Document:
    return replace(document, url=url)


def _unknown_article(article_id: str) -> UserError:
    return UserError(
        "unknown_article",
        de=f"Keinen Artikel mit der Kennung {article_id!r} gefunden. /sources listet alle.",
        en=f"No article with the id {article_id!r}. /sources lists them all.",
    )
