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
from summarizer import search as topic_search
from summarizer.errors import FetchError, UserError
from summarizer.i18n import Phrase
from summarizer.library import Library
from summarizer.models import (
    Added,
    Answer,
    Article,
    ArticleRef,
    Digest,
    Document,
    Hit,
    Mentions,
)
from summarizer.text import fold, words

BRIEF_ARTICLES = 30  # a 7-point brief draws on at most this many of the best matching articles
BRIEF_DEPTH = 8  # best-ranked sentences read per article (more when points are excluded)
MAX_DEPTH = 30
ANSWER_ARTICLES = 10  # articles searched for a question asked without a brief

NO_FETCHER = Phrase(
    de="Dieser Bot ruft keine Adressen ab. Sende den Text oder eine Datei.",
    en="This bot does not fetch web addresses. Send the text or a file instead.",
)
UNKNOWN_ARTICLE = Phrase(
    de="Keinen Artikel mit der Kennung {article_id!r} gefunden. /sources listet alle.",
    en="No article with the id {article_id!r}. /sources lists them all.",
)


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
            raise FetchError("no_fetcher", NO_FETCHER)
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
        """Key points about `topic` across the stored articles, each citing its article.

        The topic is a phrase ("New Zealand", not "new" and "Zealand" apart); when no article
        names it so, its words are required in one sentence instead. The articles centred on
        the topic give their stored key points, the ones naming it in passing only the
        sentences that name it (`summarizer.brief`, `summarizer.topic`). `exclude` (point
        keys) and `shown` (texts) are points shown before: neither they nor a near-duplicate
        come again. A topic no article names gets `Digest.suggestions`: close spellings that
        do find articles. `Digest.language` is the majority language of the cited articles.
        """
        empty = Digest(title=topic, language=language, points=(), topic=topic)
        mentions = self.mentions(topic, since=since)
        chosen = cross_article.sources_for(mentions, topic, language)
        if not chosen:
            if since is None and not mentions:
                return replace(empty, suggestions=tuple(self.suggestions(topic)))
            return empty
        depth = min(MAX_DEPTH, max(BRIEF_DEPTH, points + 1) + len(exclude) + len(shown))
        wanted = {m.article_id: cross_article.wanted_sentences(m, c) for m, _, c in chosen}
        central_ids = [m.article_id for m, _, c in chosen if c]
        loaded = {a.id: a for a in self.library.passages(wanted, heads=central_ids, depth=depth)}
        sources = [
            cross_article.Source(loaded[m.article_id], m, weight, central)
            for m, weight, central in chosen
            if m.article_id in loaded
        ]
        key_points, has_more = cross_article.merge(
            sources, points=points, exclude=exclude, shown=shown
        )
        by_id = {a.id: a for a in loaded.values()}
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

    def mentions(self, topic: str, *, since: datetime | None = None) -> list[Mentions]:
        """Where the stored articles name `topic`: what a brief draws on and is judged by.

        A multi-word topic is a phrase ("Bayern München" is the club, not Bavaria and Munich
        in one sentence). Only when no article holds the phrase at all are its words required
        in one sentence instead ("putin nordkorea": both, wherever in the sentence)."""
        query = topic_search.topic_query(topic)
        if query is None:
            return []
        found = self.library.mentions(query, since=since)
        anywhere = found if since is None else self.library.mentions(query)
        if not any(m.naming or m.in_title for m in anywhere):
            loose = query.loose()
            if loose is not None:
                return self.library.mentions(loose, since=since)
        return found

    def suggestions(self, topic: str, *, limit: int = 3) -> list[str]:
        """What "did you mean …?" offers for a topic nothing names, each finding an article:
        the topic with one word spelled as the library spells it ("Rheinmettal" ->
        "Rheinmetall"), and for a phrase no article holds, its words on their own ("Merkel
        Flüchtlinge" -> "Merkel", "Flüchtlinge")."""
        written = words(topic)
        candidates: list[str] = []
        for place, word in enumerate(written):
            for spelling, _ in self.library.close_spellings(word, limit=limit):
                candidates.append(" ".join([*written[:place], spelling, *written[place + 1 :]]))
        if len(written) > 1:
            candidates += [w for w in written if len(w) >= 3]
        found: list[str] = []
        for candidate in dict.fromkeys(candidates):
            query = topic_search.topic_query(candidate)
            if query is None or fold(candidate) == fold(topic):
                continue
            if any(fold(candidate) == fold(f) + "s" for f in found):
                continue  # "Mitterlehners" after "Mitterlehner": the same name inflected
            if any(m.naming or m.in_title for m in self.library.mentions(query)):
                found.append(candidate)
            if len(found) >= limit:
                break
        return found

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
    return UserError("unknown_article", UNKNOWN_ARTICLE.filled(article_id=article_id))
