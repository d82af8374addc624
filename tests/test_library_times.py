"""The library's timestamps on SQLite and PostgreSQL: a moment given in any zone is stored as
that instant and read back aware in UTC, on every read path (get, ranked, passages, sources,
search, mentions) and straight from the tables, because the library's columns are
`UTCDateTime`; a naive `since` still counts as UTC."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, Engine, create_engine, select

from summarizer.db import Base, UTCDateTime, make_engine
from summarizer.library import ArticleRow, Library
from summarizer.search import topic_query
from tests.test_library import fixture_document, lead_ranking

PUBLISHED = datetime(2024, 6, 18, 10, 15, 30, tzinfo=timezone(timedelta(hours=2)))  # 08:15:30Z
ARRIVED = datetime(2024, 6, 19, 17, 0, tzinfo=timezone(timedelta(hours=9)))  # 08:00Z
SESSION_ZONE = "America/New_York"
"""PostgreSQL sessions of these tests run in this zone, so timestamptz values come back in it
unless the column type converts them (the server's own zone is often UTC, which hides that)."""
SECOND = timedelta(seconds=1)

OpenLibrary = Callable[[], Library]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def open_library(request: pytest.FixtureRequest) -> Iterator[OpenLibrary]:
    """Opens a library on one fresh database (a file under tmp_path, or a scratch PostgreSQL
    database) as a new process would: nothing cached, tables created once."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    Library.open(url).engine.dispose()
    engines: list[Engine] = []

    def opened() -> Library:
        if request.param == "sqlite":
            engine = make_engine(url)
        else:
            engine = create_engine(url, connect_args={"options": f"-c TimeZone={SESSION_ZONE}"})
        engines.append(engine)
        return Library(engine)

    yield opened
    for engine in engines:
        engine.dispose()


def same_instant_in_utc(value: datetime | None, expected: datetime) -> bool:
    return value is not None and value == expected and value.tzinfo == UTC


def test_library_timestamps_are_utc_columns() -> None:
    columns = {
        f"{table.name}.{column.name}": column.type
        for mapper in Base.registry.mappers
        if mapper.class_.__module__ == Library.__module__
        for table in mapper.tables
        for column in table.columns
    }
    assert {"articles.published", "articles.added", "articles.dated"} <= set(columns)
    naive = [name for name, type_ in columns.items() if isinstance(type_, DateTime)]
    assert naive == []
    for name in ("articles.published", "articles.added", "articles.dated"):
        assert isinstance(columns[name], UTCDateTime)


def test_aware_non_utc_published_reads_back_as_the_same_instant_in_utc(
    open_library: OpenLibrary,
) -> None:
    document = fixture_document("putin_besuch", url="https://a.example/p", published=PUBLISHED)
    added = open_library().add(document, lead_ranking(document)).article
    assert same_instant_in_utc(added.published, PUBLISHED)

    reader = open_library()
    article = reader.get(added.id)
    assert article == added
    (ranked,) = reader.ranked([added.id], depth=2)
    (passage,) = reader.passages({added.id: {0}}, heads=[added.id], depth=1)
    (source,) = reader.sources()
    (hit,) = reader.search("Nordkorea")
    query = topic_query("Nordkorea")
    assert query is not None
    (mention,) = reader.mentions(query)
    for published in (
        ranked.published,
        passage.published,
        source.published,
        hit.published,
        mention.published,
        mention.dated,  # published if known
    ):
        assert same_instant_in_utc(published, PUBLISHED)
    for arrival in (ranked.added, passage.added, hit.added, mention.added):
        assert same_instant_in_utc(arrival, added.added)


def test_a_clock_in_another_zone_stores_the_arrival_as_that_instant(
    open_library: OpenLibrary,
) -> None:
    writer = open_library()
    writer.now = lambda: ARRIVED
    document = fixture_document("trade_talks")  # no publication date: dated is the arrival
    added = writer.add(document, lead_ranking(document)).article
    assert same_instant_in_utc(added.added, ARRIVED)

    reader = open_library()
    assert reader.get(added.id) == added
    (hit,) = reader.search("trade talks", since=ARRIVED)
    assert same_instant_in_utc(hit.added, ARRIVED)
    assert reader.search("trade talks", since=ARRIVED + SECOND) == []
    query = topic_query("trade talks")
    assert query is not None
    (mention,) = reader.mentions(query, since=ARRIVED)
    assert same_instant_in_utc(mention.added, ARRIVED)
    assert same_instant_in_utc(mention.dated, ARRIVED)
    assert reader.mentions(query, since=ARRIVED + SECOND) == []
    # a naive moment is taken to be UTC, as stored values always were
    naive = ARRIVED.astimezone(UTC).replace(tzinfo=None)
    assert [h.article_id for h in reader.search("trade talks", since=naive)] == [added.id]
    assert reader.search("trade talks", since=naive + SECOND) == []
    assert [m.article_id for m in reader.mentions(query, since=naive)] == [added.id]
    assert reader.mentions(query, since=naive + SECOND) == []


def test_rows_read_straight_from_the_articles_table_are_aware_utc(
    open_library: OpenLibrary,
) -> None:
    library = open_library()
    library.now = lambda: ARRIVED
    document = fixture_document("fussball", published=PUBLISHED)
    library.add(document, lead_ranking(document))
    with library.engine.connect() as conn:
        row = conn.execute(select(ArticleRow.published, ArticleRow.added, ArticleRow.dated)).one()
        earlier = conn.execute(select(ArticleRow.id).where(ArticleRow.added < ARRIVED)).all()
    assert same_instant_in_utc(row.published, PUBLISHED)
    assert same_instant_in_utc(row.added, ARRIVED)
    assert same_instant_in_utc(row.dated, PUBLISHED)
    assert earlier == []  # compared as instants on both sides
