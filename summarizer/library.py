"""The store of articles: their sentences, the key-point ranking computed at ingest, and a search index.

Tables are declared on `summarizer.db.Base`. Articles are keyed by a hash of their folded
cleaned text, so the same text is stored once whatever URL it came from. The ranking lives on
the sentence rows (`rank`, `score`), so reading an article is two queries and a brief reads
only the best-ranked sentences of the articles it cites. So does what answering needs of each
sentence (`summarizer.qa_index.answer_terms`: stemmed terms, folded content words, answer types),
so the first question on an article stems nothing; rows stored before those columns existed have
them NULL, and the answer index computes them when it needs them. Timestamps (`published`,
`added`, `dated`) are `summarizer.db.UTCDateTime` columns: aware UTC in and out on both
databases, the search statement's typed columns included.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    DDL,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    column,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import BindParameter

from summarizer import search as topic_search
from summarizer.db import Base, UTCDateTime, as_utc, make_engine
from summarizer.models import (
    NAME_WORDS,
    Added,
    AnswerTerms,
    Article,
    ArticleRef,
    Document,
    Hit,
    Mentions,
    Sentence,
    name_from_text,
)
from summarizer.qa_index import answer_terms
from summarizer.text import fold, fold_parts, stop_words

SEARCH_TABLE = "article_fts"
SENTENCE_TABLE = "sentence_fts"
TITLE_SLOT = 0xFFFF  # the sentence index under which an article's title is in SENTENCE_TABLE
SENTENCE_SLOTS = 0x10000  # SQLite rowid of a sentence: article seq * SENTENCE_SLOTS + index
ID_LENGTH = 16
VOCABULARY_WORD = 64
PASSAGE_CACHE_SIZE = 4_096  # articles whose brief sentences are kept in memory
HEAD_CACHE_SIZE = 200_000  # article heads kept in memory (about 300 bytes each)
HEAD_BATCH = 5_000  # seqs per look-up of missing heads
COMPOUND_STEM = 8  # a stem this long also finds the compounds it starts ("Flüchtlingskrise")
# endings after a topic's stem that keep it the same word: inflections, and the adjective and
# demonym forms of names (German and English)
INFLECTIONS = frozenset(
    ", s, es, e, en, n, ns, ens, er, ern, ers, em, in, innen, nen, "
    "isch, ische, ischen, ischer, isches, ischem, sch, sche, schen, scher, sches, schem, "
    "an, ans, ian, ians, ese, ish, ic, ics".split(", ")
)
MIN_SUGGESTED = 4  # shorter topics get no spelling suggestions
SPELLING_CUTOFF = 80.0  # rapidfuzz ratio (0..100) a suggestion needs
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
    # UTCDateTime: aware UTC in and out on both databases, so no reader repairs a timestamp
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # published if known, else added: what "newest" means
    dated: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
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


# Rows the library keeps or reads in bulk become typed NamedTuples (`_make`, by the order of
# their column tuple) or are unpacked into named variables once: SQLAlchemy's Row reads a value
# by name about ten times slower than a tuple, and a brief or a whole article is hundreds of
# rows. Each column tuple is checked against its NamedTuple's fields below.


class _StoredArticle(NamedTuple):
    """What an `Article` carries of its `articles` row (`_ARTICLE_COLUMNS`)."""

    id: str
    title: str | None
    teaser: str | None
    language: str
    url: str | None
    author: str | None
    published: datetime | None
    added: datetime


_ARTICLE_COLUMNS = (
    _articles.c.id,
    _articles.c.title,
    _articles.c.teaser,
    _articles.c.language,
    _articles.c.url,
    _articles.c.author,
    _articles.c.published,
    _articles.c.added,
)


class _StoredSentence(NamedTuple):
    """What a brief reads of a sentence (`_BRIEF_COLUMNS`): where it is, its text, its place
    in the stored ranking (None: not ranked)."""

    article_id: str
    sentence_index: int  # not "index", which a tuple has as a method
    paragraph: int
    text: str
    rank: int | None
    score: float | None


_BRIEF_COLUMNS = (
    _sentences.c.article_id,
    _sentences.c.index.label("sentence_index"),
    _sentences.c.paragraph,
    _sentences.c.text,
    _sentences.c.rank,
    _sentences.c.score,
)
# a whole article's sentences also bring their AnswerTerms (NULL in rows of earlier releases)
_ANSWER_COLUMNS = (_sentences.c.terms, _sentences.c.content_words, _sentences.c.answer_types)
assert tuple(c.name for c in _ARTICLE_COLUMNS) == _StoredArticle._fields
assert tuple(c.name for c in _BRIEF_COLUMNS) == _StoredSentence._fields

# The search index is not a declarative table: FTS5 and tsvector have no portable type.
# It is created and dropped with `articles`, so `Base.metadata.create_all` makes it too;
# a migration calls `create_search_index(connection)` after creating `articles`.
SEARCH_INDEX_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        "title, teaser, body, content='', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SENTENCE_TABLE} USING fts5("
        "body, content='', tokenize='unicode61 remove_diacritics 2')",
    ),
    "postgresql": (
        f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} ("
        "seq integer PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE, "
        "document tsvector NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {SEARCH_TABLE}_document ON {SEARCH_TABLE} USING gin(document)",
        f"CREATE TABLE IF NOT EXISTS {SENTENCE_TABLE} ("
        "seq integer NOT NULL REFERENCES articles(seq) ON DELETE CASCADE, "
        "idx integer NOT NULL, document tsvector NOT NULL, PRIMARY KEY (seq, idx))",
        f"CREATE INDEX IF NOT EXISTS {SENTENCE_TABLE}_document ON {SENTENCE_TABLE} "
        "USING gin(document)",
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
event.listen(_articles, "before_drop", DDL(f"DROP TABLE IF EXISTS {SENTENCE_TABLE}"))


class VocabularyRow(Base):
    """A word of the library (folded as the index folds it) with how it is written and in how
    many articles: where "did you mean …?" looks for close spellings of an unknown topic."""

    __tablename__ = "vocabulary"

    term: Mapped[str] = mapped_column(String(VOCABULARY_WORD), primary_key=True)
    surface: Mapped[str] = mapped_column(String(VOCABULARY_WORD))
    articles: Mapped[int] = mapped_column(Integer, default=1)


_vocabulary = cast(Table, VocabularyRow.__table__)


def sentence_rows(
    seq: int, title: str, sentences: Sequence[tuple[int, Sequence[str]]]
) -> list[dict[str, Any]]:
    """The sentence index's rows of one article: its title and every body sentence, as their
    folded tokens (`text.fold_tokens`)."""
    rows = (
        [{"seq": seq, "idx": TITLE_SLOT, "body": topic_search.index_text(title)}] if title else []
    )
    rows += [
        {"seq": seq, "idx": index, "body": " ".join(tokens)}
        for index, tokens in sentences
        if 0 <= index < TITLE_SLOT
    ]
    return rows


def insert_sentence_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write sentence index rows (see `sentence_rows`) on either backend, straight through the
    driver (dozens of rows per article: SQLAlchemy's parameter handling cost more than SQLite)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"INSERT INTO {SENTENCE_TABLE} (seq, idx, document) "
            "VALUES (%s, %s, to_tsvector('simple', %s)) ON CONFLICT DO NOTHING",
            [(r["seq"], r["idx"], r["body"]) for r in rows],
        )
    else:
        conn.exec_driver_sql(
            f"INSERT INTO {SENTENCE_TABLE} (rowid, body) VALUES (?, ?)",
            [(r["seq"] * SENTENCE_SLOTS + r["idx"], r["body"]) for r in rows],
        )


def index_existing_articles(conn: Connection) -> None:
    """Fill the sentence index and the vocabulary from the articles already stored (a database
    made before they existed), one article at a time."""
    articles = conn.execute(select(_articles.c.seq, _articles.c.id, _articles.c.title)).all()
    counts: dict[str, tuple[str, int]] = {}
    for seq, article_id, stored_title in articles:
        title = stored_title or ""
        sentences = conn.execute(
            select(_sentences.c.index, _sentences.c.text)
            .where(_sentences.c.article_id == article_id)
            .order_by(_sentences.c.index)
        ).all()
        indexes = [index for index, _ in sentences]
        parts = [fold_parts(sentence) for _, sentence in sentences]
        tokens = [
            (index, [token for token, _ in p]) for index, p in zip(indexes, parts, strict=True)
        ]
        insert_sentence_rows(conn, sentence_rows(seq, title, tokens))
        for term, surface in vocabulary_of(title, parts).items():
            first_surface, articles_before = counts.get(term, (surface, 0))
            counts[term] = (first_surface, articles_before + 1)
    if counts:
        conn.execute(
            insert(_vocabulary),
            [
                {"term": term, "surface": surface, "articles": number}
                for term, (surface, number) in sorted(counts.items())
            ],
        )


def vocabulary_of(title: str, sentences: Sequence[Sequence[tuple[str, str]]]) -> dict[str, str]:
    """The words worth suggesting from one article (its sentences as `text.fold_parts` gives
    them): folded token -> its first written form (at least 4 letters, no stop word)."""
    found: dict[str, str] = {}
    for parts in (fold_parts(title), *sentences):
        for folded, part in parts:
            if folded in found or len(part) < 4 or len(part) > VOCABULARY_WORD:
                continue
            if part.isalpha() and folded not in stop_words("de") and folded not in stop_words("en"):
                found[folded] = part
    return found


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


@dataclass
class _Passages:
    """What `Library.passages` has read of one article: its row (None until read), some of
    its sentences by index, and how deep its ranking was read (articles never change, so this
    is cached)."""

    head: _StoredArticle | None
    rows: dict[int, _StoredSentence]
    depth: int

    def article(self, wanted: set[int], depth: int) -> Article:
        """The article holding the wanted sentences and its ranked ones down to `depth`."""
        head = self.head
        assert head is not None  # `Library.passages` builds only articles whose row it read
        parts = [
            row
            for index, row in sorted(self.rows.items())
            if index in wanted or (row.rank is not None and row.rank < depth)
        ]
        ranked = sorted(  # (rank, index, score); ranks are unique in an article
            (p.rank, p.sentence_index, float(p.score or 0.0)) for p in parts if p.rank is not None
        )
        return Article(
            id=head.id,
            title=head.title or "",
            teaser=head.teaser or "",
            language=head.language,
            sentences=tuple(Sentence(p.sentence_index, p.text, p.paragraph) for p in parts),
            ranking=tuple(index for _, index, _ in ranked),
            ranking_scores=tuple(score for _, _, score in ranked),
            added=head.added,
            url=head.url,
            author=head.author,
            published=head.published,
        )


class Head(NamedTuple):
    """An article's row without its text: what judging its centrality needs."""

    id: str
    title: str
    language: str
    sentence_count: int
    dated: datetime
    added: datetime
    published: datetime | None


class _Match(NamedTuple):
    """An article the topic search matched, as `Library._run_search` reads it: its full-text
    relevance (bm25 or ts_rank, higher is better) and what ranking and citing it need."""

    id: str
    relevance: float
    title: str | None
    url: str | None
    published: datetime | None
    dated: datetime  # published if known, else added
    added: datetime


# the result columns of the search statements, typed so timestamps read back aware UTC
_MATCH_COLUMNS = (
    column("id", String),
    column("relevance", Float),
    column("title", Text),
    column("url", String),
    column("published", UTCDateTime),
    column("dated", UTCDateTime),
    column("added", UTCDateTime),
)
assert tuple(c.name for c in _MATCH_COLUMNS) == _Match._fields  # rows are built by position


def _arrived(head: Head) -> datetime:
    """When an article became news for a reader: added to the library, or published when its
    source says so, whichever is later (a feed may deliver yesterday's story today)."""
    return max(head.added, head.published) if head.published else head.added


class Library:
    """Stored articles: add once, read back with their ranking, search by topic."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        # articles never change once stored (the id is their content hash), so caching is safe
        self._cache: OrderedDict[str, Article] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._head_cache: dict[int, Head] = {}
        self._passage_cache: OrderedDict[str, _Passages] = OrderedDict()
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
        # the stored values exactly (UTC), so the article returned equals the one read back
        added = as_utc(self.now())
        published = None if document.published is None else as_utc(document.published)
        # an untitled article (pasted text) is stored under the name it is cited by everywhere
        title = document.title or name_from_text(" ".join(s.text for s in document.sentences))
        indexes = {s.index for s in document.sentences}
        kept: list[tuple[int, float]] = []  # the ranking without unknown or repeated indexes
        for index, score in ranking:
            if index in indexes:
                indexes.discard(index)
                kept.append((index, float(score)))
        places = {index: place for place, (index, _) in enumerate(kept)}
        scores = dict(kept)
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
                assert result.inserted_primary_key is not None  # a single-row INSERT
                seq = int(result.inserted_primary_key.seq)
                if document.sentences:
                    conn.execute(
                        insert(_sentences),
                        [
                            {
                                "article_id": article_id,
                                "index": s.index,
                                "paragraph": s.paragraph,
                                "text": s.text,
                                "rank": places.get(s.index),
                                "score": scores.get(s.index),
                                "terms": stored.terms,
                                "content_words": stored.words,
                                "answer_types": stored.types,
                            }
                            for s, stored in zip(document.sentences, answering, strict=True)
                        ],
                    )
                # one pass over the text gives the article index, the sentence index and the
                # vocabulary their tokens
                parts = [fold_parts(s.text) for s in document.sentences]
                tokens = [[token for token, _ in p] for p in parts]
                self._index(conn, seq, document, " ".join(" ".join(t) for t in tokens))
                insert_sentence_rows(
                    conn,
                    sentence_rows(
                        seq,
                        title,
                        [(s.index, t) for s, t in zip(document.sentences, tokens, strict=True)],
                    ),
                )
                self._count_words(conn, vocabulary_of(title, parts))
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
            ranking=tuple(index for index, _ in kept),
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

    def _index(self, conn: Connection, seq: int, document: Document, body: str) -> None:
        """Add the article to the article index; `body` is its sentences' folded tokens."""
        title = topic_search.index_text(document.title)
        teaser = topic_search.index_text(document.teaser)
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

    def _count_words(self, conn: Connection, found: dict[str, str]) -> None:
        """Add one article's words to the vocabulary (in sorted order, so two replicas adding
        articles at once lock rows in the same order and never deadlock), straight through
        the driver: hundreds of rows per article."""
        if not found:
            return
        mark = "%s" if self._postgres else "?"
        conn.exec_driver_sql(
            f"INSERT INTO vocabulary (term, surface, articles) VALUES ({mark}, {mark}, 1) "
            "ON CONFLICT (term) DO UPDATE SET articles = vocabulary.articles + 1",
            [(term, found[term]) for term in sorted(found)],
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
                select(*_ARTICLE_COLUMNS).where(_articles.c.id.in_(ids_param)), {"ids": ids}
            )
            heads = {head.id: head for head in map(_StoredArticle._make, rows)}
            columns = list(_BRIEF_COLUMNS)
            if depth is None:  # a whole article may be asked about: read its AnswerTerms too
                columns += _ANSWER_COLUMNS
            query = select(*columns).where(_sentences.c.article_id.in_(ids_param))
            if depth is not None:
                query = query.where(_sentences.c.rank < depth)
            sentence_rows = conn.execute(
                query.order_by(_sentences.c.article_id, _sentences.c.index), {"ids": ids}
            ).all()
            names = _names_of_untitled(conn, [i for i, head in heads.items() if not head.title])
        sentences_of: dict[str, list[Sentence]] = {}
        ranked_of: dict[str, list[tuple[int, int, float]]] = {}  # (rank, index, score)
        answering: dict[str, list[AnswerTerms | None]] = {}
        # unpacked once by the order of _BRIEF_COLUMNS (+ _ANSWER_COLUMNS for whole articles)
        for article_id, index, paragraph, sentence, rank, score, *answer in sentence_rows:
            sentences_of.setdefault(article_id, []).append(Sentence(index, sentence, paragraph))
            if rank is not None:
                ranked_of.setdefault(article_id, []).append((rank, index, float(score or 0.0)))
            if answer:
                terms, content_words, types = answer
                answering.setdefault(article_id, []).append(
                    None
                    if terms is None or content_words is None or types is None
                    else AnswerTerms(terms, content_words, types)
                )
        articles: dict[str, Article] = {}
        for article_id, head in heads.items():
            sentences = sentences_of.get(article_id, [])
            ranked = sorted(ranked_of.get(article_id, []))  # ranks are unique in an article
            complete = tuple(a for a in answering.get(article_id, []) if a is not None)
            articles[article_id] = Article(
                id=head.id,
                title=head.title or names.get(article_id, ""),
                teaser=head.teaser or "",
                language=head.language,
                sentences=tuple(sentences),
                ranking=tuple(index for _, index, _ in ranked),
                ranking_scores=tuple(score for _, _, score in ranked),
                added=head.added,
                url=head.url,
                author=head.author,
                published=head.published,
                answer_terms=complete if sentences and len(complete) == len(sentences) else None,
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

    def mentions(
        self, query: topic_search.TopicQuery, *, since: datetime | None = None
    ) -> list[Mentions]:
        """Every article naming the topic, with the sentences that name it (title included).

        One look-up in the sentence index, no article loaded: what the brief needs to judge
        how central each article is. A person's surname alone counts only in an article that
        names the whole name.
        """
        found = self._naming([self._exact(term) for term in query.terms])
        if query.surname is not None and found:
            for seq, indexes in self._naming([self._exact(query.surname)]).items():
                if seq in found:
                    found[seq].update(indexes)
        heads = self._heads(list(found))
        since_utc = None if since is None else as_utc(since)  # comparable with stored times
        out: list[Mentions] = []
        for seq, indexes in found.items():
            head = heads.get(seq)
            if head is None or (since_utc is not None and _arrived(head) < since_utc):
                continue
            out.append(
                Mentions(
                    article_id=head.id,
                    title=head.title,
                    language=head.language,
                    sentence_count=head.sentence_count,
                    naming=tuple(sorted(i for i in indexes if i != TITLE_SLOT)),
                    in_title=TITLE_SLOT in indexes,
                    dated=head.dated,
                    added=head.added,
                    published=head.published,
                )
            )
        return out

    def _exact(self, term: topic_search.Term) -> topic_search.Term:
        """The term with each one-word prefix ("hypo*") replaced by the library's words that
        are that word inflected ("Hypo", "Hypos"), not other words that start alike
        ("Hypothese"): see `word_forms`."""
        phrases: list[topic_search.SearchPhrase] = []
        for phrase in term.phrases:
            if len(phrase.tokens) != 1 or not phrase.prefix:
                phrases.append(phrase)
                continue
            phrases += [
                topic_search.SearchPhrase((form,), False)
                for form in self.word_forms(phrase.tokens[0])
            ]
        return topic_search.Term(term.label, tuple(phrases) or term.phrases[:0], term.name)

    def word_forms(self, stem: str) -> list[str]:
        """The library's words (from the vocabulary) that are `stem` inflected or derived:
        the rest after the stem is an ending in INFLECTIONS ("wien" -> wien, wiens, wiener;
        "syri" -> syrien, syrische), and a stem of COMPOUND_STEM letters or more also heads
        compounds ("fluechtling" -> fluechtlingskrise). Short stems start too many other words
        ("hypo" -> hypothese, "elefant" -> elefantenrunde, "rhein" -> rheinland)."""
        if len(stem) < MIN_SUGGESTED:
            return [stem]
        upper = stem[:-1] + chr(ord(stem[-1]) + 1)
        with self.engine.connect() as conn:
            found = conn.execute(
                select(_vocabulary.c.term).where(
                    _vocabulary.c.term >= stem, _vocabulary.c.term < upper
                )
            ).scalars()
            forms = [
                word
                for word in found
                if word[len(stem) :] in INFLECTIONS or len(stem) >= COMPOUND_STEM
            ]
        return forms or [stem]

    def _naming(self, terms: list[topic_search.Term]) -> dict[int, set[int]]:
        """seq -> indexes of the article's sentences where every term occurs (TITLE_SLOT: the
        title). Read straight from the driver: a common word has tens of thousands of rows."""
        if self._postgres:
            sql = (
                f"SELECT seq * {SENTENCE_SLOTS} + idx FROM {SENTENCE_TABLE} "
                "WHERE document @@ to_tsquery('simple', %(query)s)"
            )
            params: Any = {"query": topic_search.tsquery(terms)}
        else:
            sql = f"SELECT rowid FROM {SENTENCE_TABLE} WHERE {SENTENCE_TABLE} MATCH ?"
            params = (topic_search.fts5_query(terms),)
        found: dict[int, set[int]] = {}
        with self.engine.connect() as conn:
            for (slot,) in conn.exec_driver_sql(sql, params).fetchall():
                seq, index = divmod(int(slot), SENTENCE_SLOTS)
                found.setdefault(seq, set()).add(index)
        return found

    def _heads(self, seqs: Sequence[int]) -> dict[int, Head]:
        """What a brief needs of each article before loading any of it, cached: stored
        articles never change, so a head read once serves every later brief."""
        with self._cache_lock:
            known = {seq: self._head_cache[seq] for seq in seqs if seq in self._head_cache}
        missing = [seq for seq in seqs if seq not in known]
        for start in range(0, len(missing), HEAD_BATCH):
            batch = missing[start : start + HEAD_BATCH]
            seqs_param: BindParameter[int] = bindparam("seqs", expanding=True)
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(
                        _articles.c.seq,
                        _articles.c.id,
                        _articles.c.title,
                        _articles.c.language,
                        _articles.c.sentence_count,
                        _articles.c.dated,
                        _articles.c.added,
                        _articles.c.published,
                    ).where(_articles.c.seq.in_(seqs_param)),
                    {"seqs": batch},
                ).all()
            loaded = {
                seq: Head(
                    id=article_id,
                    title=title or "",
                    language=language,
                    sentence_count=int(sentence_count or 0),
                    dated=dated,
                    added=added,
                    published=published,
                )
                for seq, article_id, title, language, sentence_count, dated, added, published in rows
            }
            known.update(loaded)
            with self._cache_lock:
                if len(self._head_cache) + len(loaded) > HEAD_CACHE_SIZE:
                    self._head_cache.clear()
                self._head_cache.update(loaded)
        return known

    def passages(
        self, wanted: dict[str, set[int]], *, heads: Sequence[str] = (), depth: int = 0
    ) -> list[Article]:
        """Articles holding only some sentences: the `wanted` indexes of each, and for the
        articles in `heads` also their `depth` best-ranked ones (their stored key points).

        `Article.ranking` lists the loaded sentences that have a rank, in rank order.
        """
        ids = list(dict.fromkeys([*wanted, *heads]))
        if not ids:
            return []
        with self._cache_lock:
            known = {i: self._passage_cache[i] for i in ids if i in self._passage_cache}
        missing_heads = [i for i in ids if i not in known]
        deeper = [i for i in heads if depth > 0 and (i not in known or known[i].depth < depth)]
        missing = {
            i: {n for n in indexes if i not in known or n not in known[i].rows}
            for i, indexes in wanted.items()
        }
        loaded = self._load_passages(missing_heads, deeper, depth, missing)
        out: list[Article] = []
        with self._cache_lock:
            for article_id in ids:
                entry = known.get(article_id) or self._passage_cache.get(article_id)
                fresh = loaded.get(article_id)
                if fresh is not None:
                    entry = _Passages(
                        fresh.head if entry is None else entry.head,
                        {**(entry.rows if entry else {}), **fresh.rows},
                        max(fresh.depth, entry.depth if entry else 0),
                    )
                    self._passage_cache[article_id] = entry
                    self._passage_cache.move_to_end(article_id)
                if entry is None or entry.head is None:
                    continue
                out.append(
                    entry.article(
                        wanted.get(article_id, set()), depth if article_id in heads else 0
                    )
                )
            while len(self._passage_cache) > PASSAGE_CACHE_SIZE:
                self._passage_cache.popitem(last=False)
        return out

    def _load_passages(
        self,
        new_ids: Sequence[str],
        deeper: Sequence[str],
        depth: int,
        missing: dict[str, set[int]],
    ) -> dict[str, _Passages]:
        """Read what `passages` lacks: heads of new articles, ranked sentences down to
        `depth`, and missing wanted sentences, along the primary key only."""
        columns = _BRIEF_COLUMNS
        ranges = [
            and_(_sentences.c.article_id == article_id, _sentences.c.index.in_(sorted(indexes)))
            for article_id, indexes in missing.items()
            if indexes
        ]
        if not new_ids and not deeper and not ranges:
            return {}
        out: dict[str, _Passages] = {}
        with self.engine.connect() as conn:
            if new_ids:
                ids_param: BindParameter[str] = bindparam("ids", expanding=True)
                for head in map(
                    _StoredArticle._make,
                    conn.execute(
                        select(*_ARTICLE_COLUMNS).where(_articles.c.id.in_(ids_param)),
                        {"ids": list(new_ids)},
                    ),
                ):
                    out[head.id] = _Passages(head, {}, 0)
            rows: list[_StoredSentence] = []
            if deeper:
                rows += map(
                    _StoredSentence._make,
                    conn.execute(
                        select(*columns).where(
                            _sentences.c.article_id.in_(list(deeper)), _sentences.c.rank < depth
                        )
                    ),
                )
                for article_id in deeper:
                    out.setdefault(article_id, _Passages(None, {}, 0)).depth = depth
            # one primary-key range per article (SQLite and PostgreSQL both plan an OR of such
            # terms as separate index look-ups; a row-value IN scans the table)
            if ranges:
                rows += map(
                    _StoredSentence._make, conn.execute(select(*columns).where(or_(*ranges)))
                )
        for row in rows:
            out.setdefault(row.article_id, _Passages(None, {}, 0)).rows[row.sentence_index] = row
        return out

    def close_spellings(self, word: str, *, limit: int = 3) -> list[tuple[str, int]]:
        """Words of the library written like `word` (a typo: "Rheinmettal" -> "Rheinmetall"),
        best first, as (written form, number of articles)."""
        from rapidfuzz import fuzz, process

        folded = fold(word)
        if len(folded) < MIN_SUGGESTED:
            return []
        size = func.length(_vocabulary.c.term)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_vocabulary.c.term, _vocabulary.c.surface, _vocabulary.c.articles).where(
                    size.between(len(folded) - 2, len(folded) + 2),
                    or_(
                        func.substr(_vocabulary.c.term, 1, 2) == folded[:2],
                        func.substr(_vocabulary.c.term, len(folded) - 1, 3) == folded[-3:],
                    ),
                )
            ).all()
        choices = {r.term: r for r in rows if r.term != folded}
        matches = process.extract(
            folded, list(choices), scorer=fuzz.ratio, limit=limit * 3, score_cutoff=SPELLING_CUTOFF
        )
        close = [(similarity, choices[term]) for term, similarity, _ in matches]
        close.sort(key=lambda match: (-match[0], -match[1].articles))
        return [(row.surface, int(row.articles)) for _, row in close[:limit]]

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
        return [ArticleRef(r.id, r.title or names.get(r.id, ""), r.url, r.published) for r in rows]

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
        RECENCY_HALF_LIFE_DAYS relative to the newest hit. `since` keeps articles added to the
        library at or after that moment (what a scheduled digest has not seen yet).
        """
        terms = topic_search.parse(topic)
        if not terms or limit <= 0:
            return []
        if self._postgres:
            rows = self._search_postgres(topic_search.tsquery(terms, match_all=match_all), since)
        else:
            rows = self._search_sqlite(topic_search.fts5_query(terms, match_all=match_all), since)
        if not rows:
            return []
        stamps = [row.dated.timestamp() for row in rows]
        newest = max(stamps)
        best = max(row.relevance for row in rows) or 1.0
        half_life = RECENCY_HALF_LIFE_DAYS * 86400.0
        scored: list[tuple[float, float, int]] = []
        for number, (row, stamp) in enumerate(zip(rows, stamps, strict=True)):
            recency = math.pow(0.5, (newest - stamp) / half_life)
            scored.append(((row.relevance / best) * (0.5 + 0.5 * recency), stamp, number))
        labels = tuple(t.label for t in terms)
        top = [(score, rows[number]) for score, _, number in heapq.nlargest(limit, scored)]
        untitled = [row.id for _, row in top if not row.title]
        names: dict[str, str] = {}
        if untitled:
            with self.engine.connect() as conn:
                names = _names_of_untitled(conn, untitled)
        return [
            Hit(
                article_id=row.id,
                title=row.title or names.get(row.id, ""),
                score=round(score, 6),
                published=row.published,
                added=row.added,
                url=row.url,
                matched_terms=labels,
            )
            for score, row in top
        ]

    def _search_sqlite(self, query: str, since: datetime | None) -> list[_Match]:
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

    def _search_postgres(self, query: str, since: datetime | None) -> list[_Match]:
        sql = (
            "SELECT a.id, ts_rank(f.document, q, 1) AS relevance, a.title, a.url, a.published, "
            f"a.dated, a.added FROM {SEARCH_TABLE} AS f "
            "JOIN articles AS a ON a.seq = f.seq, to_tsquery('simple', :query) AS q "
            "WHERE f.document @@ q"
        )
        return self._run_search(sql, {"query": query}, since)

    def _run_search(
        self, sql: str, params: dict[str, object], since: datetime | None
    ) -> list[_Match]:
        """The matches of a search statement selecting `_Match`'s columns in its order;
        `since` keeps those that arrived at or after it (compared in UTC: the parameter is a
        `UTCDateTime`, so a naive `since` counts as UTC)."""
        if since is not None:
            # arrived since: added, or published when later (max(added, published) >= since,
            # written so either column's index can serve)
            sql += " AND (a.added >= :since OR a.published >= :since)"
            params["since"] = since
        stmt = text(sql).columns(*_MATCH_COLUMNS)
        if since is not None:
            stmt = stmt.bindparams(bindparam("since", type_=UTCDateTime))
        with self.engine.connect() as conn:
            return [_Match._make(row) for row in conn.execute(stmt, params)]
