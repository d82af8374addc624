"""The store of articles: their sentences, the key-point ranking computed at ingest, and a search index.

Tables are declared on `summarizer.db.Base`. Articles are keyed by a hash of their folded
cleaned text, so the same text is stored once whatever URL it came from. The ranking lives on
the sentence rows (`rank`, `score`), so reading an article is two queries and a brief reads
only the best-ranked sentences of the articles it cites. So does what answering needs of each
sentence (`summarizer.qa_index.answer_terms`: stemmed terms, folded content words, answer types),
so the first question on an article stems nothing; rows stored before those columns existed have
them NULL, and the answer index computes them when it needs them.

The search index is the database's own full-text search, created next to the `articles`
table: an FTS5 table on SQLite, a tsvector table with a GIN index on PostgreSQL (both over the
folded text of `summarizer.search.index_text`, so both answer a topic the same way).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    DDL,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    column,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import BindParameter

from summarizer import search as topic_search
from summarizer.db import Base, make_engine
from summarizer.models import (
    NAME_WORDS,
    Added,
    AnswerTerms,
    Article,
    ArticleRef,
    Document,
    Hit,
    Sentence,
    name_from_text,
)
from summarizer.qa_index import answer_terms
from summarizer.text import fold

SEARCH_TABLE = "article_fts"
ID_LENGTH = 16
CACHE_SIZE = 512
TITLE_WEIGHT, TEASER_WEIGHT, BODY_WEIGHT = 4.0, 2.0, 1.0
RECENCY_HALF_LIFE_DAYS = 30.0


class ArticleRow(Base):
    """One stored article. `seq` is the search index's key, `id` the public content-hash id."""

    __tablename__ = "articles"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True, nullable=False)
    url: Mapped[str | None] = mapped_column(String(2048), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    teaser: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # published if known, else added: what "newest" means
    dated: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sentence_count: Mapped[int] = mapped_column(Integer, default=0)


class SentenceRow(Base):
    """A body sentence; `rank` is its place in the stored key-point ranking (None: not ranked)."""

    __tablename__ = "sentences"

    article_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    paragraph: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    # AnswerTerms of the sentence, stored at ingest (NULL in rows of earlier releases)
    terms: Mapped[str | None] = mapped_column(Text)
    content_words: Mapped[str | None] = mapped_column(Text)
    answer_types: Mapped[str | None] = mapped_column(String(64))


_articles = cast(Table, ArticleRow.__table__)
_sentences = cast(Table, SentenceRow.__table__)

# The search index is not a declarative table: FTS5 and tsvector have no portable type.
# It is created and dropped with `articles`, so `Base.metadata.create_all` makes it too;
# a migration calls `create_search_index(connection)` after creating `articles`.
SEARCH_INDEX_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        "title, teaser, body, content='', tokenize='unicode61 remove_diacritics 2')",
    ),
    "postgresql": (
        f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} ("
        "seq integer PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE, "
        "document tsvector NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {SEARCH_TABLE}_document ON {SEARCH_TABLE} USING gin(document)",
    ),
}


def create_search_index(connection: Connection) -> None:
    """Create the full-text index table for the connection's database, if missing."""
    for statement in SEARCH_INDEX_DDL.get(connection.dialect.name, ()):
        connection.execute(text(statement))


for _dialect, _statements in SEARCH_INDEX_DDL.items():
    for _statement in _statements:
        event.listen(_articles, "after_create", DDL(_statement).execute_if(dialect=_dialect))
event.listen(_articles, "before_drop", DDL(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))


def content_id(document: Document) -> str:
    """The article id: short hex of a SHA-256 over the folded, whitespace-normalised body."""
    body = document.text or " ".join(s.text for s in document.sentences)
    folded = " ".join(fold(body).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:ID_LENGTH]


def _names_of_untitled(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """Names of articles stored untitled before their name was stored as the title: the
    first words of the text, from the first few sentences (each holds a word at least)."""
    if not ids:
        return {}
    ids_param: BindParameter[str] = bindparam("ids", expanding=True)
    rows = conn.execute(
        select(_sentences.c.article_id, _sentences.c.text)
        .where(_sentences.c.article_id.in_(ids_param), _sentences.c.index <= NAME_WORDS)
        .order_by(_sentences.c.article_id, _sentences.c.index),
        {"ids": list(ids)},
    ).all()
    texts: dict[str, list[str]] = {}
    for article_id, sentence in rows:
        texts.setdefault(article_id, []).append(sentence)
    return {article_id: name_from_text(" ".join(parts)) for article_id, parts in texts.items()}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Library:
    """Stored articles: add once, read back with their ranking, search by topic."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        # articles never change once stored (the id is their content hash), so caching is safe
        self._cache: OrderedDict[str, Article] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        """When an article being added arrives; tests and benchmarks replaying days of news
        set their clock here."""

    @classmethod
    def open(cls, url: str) -> Library:
        """A library on the database at `url`, with its tables created if missing."""
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        return cls(engine)

    # --- writing -----------------------------------------------------------------------

    def add(self, document: Document, ranking: Sequence[tuple[int, float]]) -> Added:
        """Store a document with its ranking; the same text again returns the stored article."""
        article_id = content_id(document)
        if self._exists(article_id):
            existing = self.get(article_id)
            assert existing is not None  # articles are never deleted
            if document.url and not existing.url:
                self._set_url(article_id, document.url)
                existing = self._reload(article_id)
            return Added(existing, created=False)
        added = self.now()
        published = _utc(document.published)
        # an untitled article (pasted text) is stored under the name it is cited by everywhere
        title = document.title or name_from_text(" ".join(s.text for s in document.sentences))
        indexes = {s.index for s in document.sentences}
        kept: list[tuple[int, float]] = []  # the ranking without unknown or repeated indexes
        for index, score in ranking:
            if index in indexes:
                indexes.discard(index)
                kept.append((index, float(score)))
        ranks = {index: (place, score) for place, (index, score) in enumerate(kept)}
        answering = tuple(answer_terms(s.text, document.language) for s in document.sentences)
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    insert(_articles).values(
                        id=article_id,
                        url=document.url,
                        title=title,
                        teaser=document.teaser,
                        language=document.language,
                        author=document.author,
                        published=published,
                        added=added,
                        dated=published or added,
                        sentence_count=len(document.sentences),
                    )
                )
                seq = int(result.inserted_primary_key[0])  # type: ignore[index]
                if document.sentences:
                    conn.execute(
                        insert(_sentences),
                        [
                            {
                                "article_id": article_id,
                                "index": s.index,
                                "paragraph": s.paragraph,
                                "text": s.text,
                                "rank": ranks.get(s.index, (None, None))[0],
                                "score": ranks.get(s.index, (None, None))[1],
                                "terms": stored.terms,
                                "content_words": stored.words,
                                "answer_types": stored.types,
                            }
                            for s, stored in zip(document.sentences, answering, strict=True)
                        ],
                    )
                self._index(conn, seq, document)
        except IntegrityError:  # another process stored the same text a moment ago
            stored = self.get(article_id)
            if stored is None:
                raise
            return Added(stored, created=False)
        article = Article(
            id=article_id,
            title=title,
            teaser=document.teaser,
            language=document.language,
            sentences=tuple(Sentence(s.index, s.text, s.paragraph) for s in document.sentences),
            ranking=tuple(i for i, _ in kept),
            ranking_scores=tuple(score for _, score in kept),
            added=added,
            url=document.url,
            author=document.author,
            published=published,
            answer_terms=answering,
        )
        return Added(article, created=True)

    def _exists(self, article_id: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(_articles.c.seq).where(_articles.c.id == article_id))
            return found.first() is not None

    def _index(self, conn: Connection, seq: int, document: Document) -> None:
        title = topic_search.index_text(document.title)
        teaser = topic_search.index_text(document.teaser)
        body = topic_search.index_text(" ".join(s.text for s in document.sentences))
        if self._postgres:
            conn.execute(
                text(
                    f"INSERT INTO {SEARCH_TABLE} (seq, document) VALUES (:seq, "
                    "setweight(to_tsvector('simple', :title), 'A') || "
                    "setweight(to_tsvector('simple', :teaser), 'B') || "
                    "setweight(to_tsvector('simple', :body), 'D'))"
                ),
                {"seq": seq, "title": title, "teaser": teaser, "body": body},
            )
        else:
            conn.execute(
                text(
                    f"INSERT INTO {SEARCH_TABLE} (rowid, title, teaser, body) "
                    "VALUES (:seq, :title, :teaser, :body)"
                ),
                {"seq": seq, "title": title, "teaser": teaser, "body": body},
            )

    def _set_url(self, article_id: str, url: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_articles).where(_articles.c.id == article_id).values(url=url))

    # --- reading -----------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The stored article with all its sentences and its ranking, or None."""
        found = self.get_many([article_id])
        return found[0] if found else None

    def get_many(self, ids: Sequence[str]) -> list[Article]:
        """The stored articles among `ids`, in the given order (unknown ids are skipped)."""
        wanted = list(dict.fromkeys(ids))
        with self._cache_lock:
            cached = {i: self._cache[i] for i in wanted if i in self._cache}
            for i in cached:
                self._cache.move_to_end(i)
        missing = [i for i in wanted if i not in cached]
        if missing:
            loaded = self._load(missing)
            with self._cache_lock:
                for article in loaded.values():
                    self._cache[article.id] = article
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            cached.update(loaded)
        return [cached[i] for i in wanted if i in cached]

    def _reload(self, article_id: str) -> Article:
        with self._cache_lock:
            self._cache.pop(article_id, None)
        article = self.get(article_id)
        assert article is not None  # just written or read in this process
        return article

    def _load(self, ids: Sequence[str], depth: int | None = None) -> dict[str, Article]:
        """Articles by id; with `depth`, only each article's `depth` best-ranked sentences."""
        if not ids:
            return {}
        ids_param: BindParameter[str] = bindparam("ids", expanding=True)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_articles).where(_articles.c.id.in_(ids_param)), {"ids": ids}
            )
            heads = {row.id: row for row in rows}
            columns = [
                _sentences.c.article_id,
                _sentences.c.index,
                _sentences.c.paragraph,
                _sentences.c.text,
                _sentences.c.rank,
                _sentences.c.score,
            ]
            if depth is None:  # a whole article may be asked about: read its AnswerTerms too
                columns += [
                    _sentences.c.terms,
                    _sentences.c.content_words,
                    _sentences.c.answer_types,
                ]
            query = select(*columns).where(_sentences.c.article_id.in_(ids_param))
            if depth is not None:
                query = query.where(_sentences.c.rank < depth)
            sentence_rows = conn.execute(
                query.order_by(_sentences.c.article_id, _sentences.c.index), {"ids": ids}
            ).all()
            names = _names_of_untitled(conn, [i for i, head in heads.items() if not head.title])
        by_article: dict[str, list[tuple[int, int, str, int | None, float | None]]] = {}
        answering: dict[str, list[AnswerTerms | None]] = {}
        for row in sentence_rows:
            article_id, index, paragraph, sentence, rank, score = row[:6]
            by_article.setdefault(article_id, []).append((index, paragraph, sentence, rank, score))
            if depth is None:
                terms, content_words, types = row[6:]
                answering.setdefault(article_id, []).append(
                    None
                    if terms is None or content_words is None or types is None
                    else AnswerTerms(terms, content_words, types)
                )
        articles: dict[str, Article] = {}
        for article_id, head in heads.items():
            parts = by_article.get(article_id, [])
            stored = answering.get(article_id, [])
            complete = tuple(a for a in stored if a is not None)
            ranked = sorted((p for p in parts if p[3] is not None), key=lambda p: p[3] or 0)
            articles[article_id] = Article(
                id=head.id,
                title=head.title or names.get(article_id, ""),
                teaser=head.teaser or "",
                language=head.language,
                sentences=tuple(Sentence(i, t, paragraph) for i, paragraph, t, _, _ in parts),
                ranking=tuple(p[0] for p in ranked),
                ranking_scores=tuple(float(p[4] or 0.0) for p in ranked),
                added=_utc(head.added) or datetime.now(UTC),
                url=head.url,
                author=head.author,
                published=_utc(head.published),
                answer_terms=complete if parts and len(complete) == len(parts) else None,
            )
        return articles

    def ranked(self, ids: Sequence[str], *, depth: int) -> list[Article]:
        """The articles among `ids` (in order) holding only their `depth` best-ranked sentences.

        What a brief across many articles needs: their stored key points, not their bodies.
        `Article.sentences` then holds just those sentences (each with its real index).
        """
        wanted = list(dict.fromkeys(ids))
        loaded = self._load(wanted, depth=depth)
        return [loaded[i] for i in wanted if i in loaded]

    def by_url(self, url: str) -> Article | None:
        """The newest article stored from this (canonical) URL, or None."""
        with self.engine.connect() as conn:
            article_id = conn.execute(
                select(_articles.c.id)
                .where(_articles.c.url == url)
                .order_by(_articles.c.added.desc())
                .limit(1)
            ).scalar()
        return self.get(article_id) if article_id else None

    def sources(self, *, limit: int = 50, offset: int = 0) -> list[ArticleRef]:
        """Stored articles, newest first (by publication date, else the day they were added)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_articles.c.id, _articles.c.title, _articles.c.url, _articles.c.published)
                .order_by(_articles.c.dated.desc(), _articles.c.seq.desc())
                .limit(max(0, limit))
                .offset(max(0, offset))
            ).all()
            names = _names_of_untitled(conn, [r.id for r in rows if not r.title])
        return [
            ArticleRef(r.id, r.title or names.get(r.id, ""), r.url, _utc(r.published)) for r in rows
        ]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_articles)).scalar() or 0)

    # --- search ------------------------------------------------------------------------

    def search(
        self,
        topic: str,
        *,
        limit: int = 20,
        since: datetime | None = None,
        match_all: bool = True,
    ) -> list[Hit]:
        """Articles on a topic, most relevant and newest first.

        Every word of the topic must occur (inflections, compounds starting with it, and the
        aliases of `summarizer.search` count); `match_all=False` wants any word instead (how a
        question finds candidate articles). Relevance is bm25 / ts_rank with title hits
        weighing more, discounted by age (publication date, else arrival) with a half-life of
        RECENCY_HALF_LIFE_DAYS relative to the newest hit. `since` keeps the articles that arrived
        at or after that moment (what a scheduled digest has not seen yet): added to the library,
        or published when the source says so, whichever is later.
        """
        terms = topic_search.parse(topic)
        if not terms or limit <= 0:
            return []
        since_utc = _utc(since)
        if self._postgres:
            rows = self._search_postgres(
                topic_search.tsquery(terms, match_all=match_all), since_utc
            )
        else:
            rows = self._search_sqlite(
                topic_search.fts5_query(terms, match_all=match_all), since_utc
            )
        if not rows:
            return []
        # `dated` is never NULL; naive values are UTC (SQLite keeps no zone)
        stamps = [
            r[5].replace(tzinfo=UTC).timestamp() if r[5].tzinfo is None else r[5].timestamp()
            for r in rows
        ]
        newest = max(stamps)
        best = max(r[1] for r in rows) or 1.0
        half_life = RECENCY_HALF_LIFE_DAYS * 86400.0
        scored: list[tuple[float, float, int]] = []
        for number, (row, stamp) in enumerate(zip(rows, stamps, strict=True)):
            recency = math.pow(0.5, (newest - stamp) / half_life)
            scored.append(((row[1] / best) * (0.5 + 0.5 * recency), stamp, number))
        labels = tuple(t.label for t in terms)
        top = heapq.nlargest(limit, scored)
        untitled = [rows[number][0] for _, _, number in top if not rows[number][2]]
        names: dict[str, str] = {}
        if untitled:
            with self.engine.connect() as conn:
                names = _names_of_untitled(conn, untitled)
        return [
            Hit(
                article_id=rows[number][0],
                title=rows[number][2] or names.get(rows[number][0], ""),
                score=round(score, 6),
                published=_utc(rows[number][4]),
                added=_utc(rows[number][6]),
                url=rows[number][3],
                matched_terms=labels,
            )
            for score, _, number in top
        ]

    def _search_sqlite(self, query: str, since: datetime | None) -> list[tuple[Any, ...]]:
        sql = (
            f"SELECT a.id, -bm25({SEARCH_TABLE}, :w_title, :w_teaser, :w_body) AS relevance, "
            "a.title, a.url, a.published, a.dated, a.added "
            f"FROM {SEARCH_TABLE} JOIN articles AS a ON a.seq = {SEARCH_TABLE}.rowid "
            f"WHERE {SEARCH_TABLE} MATCH :query"
        )
        params: dict[str, object] = {
            "query": query,
            "w_title": TITLE_WEIGHT,
            "w_teaser": TEASER_WEIGHT,
            "w_body": BODY_WEIGHT,
        }
        return self._run_search(sql, params, since)

    def _search_postgres(self, query: str, since: datetime | None) -> list[tuple[Any, ...]]:
        sql = (
            "SELECT a.id, ts_rank(f.document, q, 1) AS relevance, a.title, a.url, a.published, "
            f"a.dated, a.added FROM {SEARCH_TABLE} AS f "
            "JOIN articles AS a ON a.seq = f.seq, to_tsquery('simple', :query) AS q "
            "WHERE f.document @@ q"
        )
        return self._run_search(sql, {"query": query}, since)

    def _run_search(
        self, sql: str, params: dict[str, object], since: datetime | None
    ) -> list[tuple[Any, ...]]:
        if since is not None:
            # max(added, published) >= since, written so either column's index can serve
            sql += " AND (a.added >= :since OR a.published >= :since)"
            params["since"] = since
        stmt = text(sql).columns(
            column("id", String),
            column("relevance", Float),
            column("title", Text),
            column("url", String),
            column("published", DateTime(timezone=True)),
            column("dated", DateTime(timezone=True)),
            column("added", DateTime(timezone=True)),
        )
        if since is not None:
            stmt = stmt.bindparams(bindparam("since", type_=DateTime(timezone=True)))
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt, params)]
