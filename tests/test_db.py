"""The shared column type for timestamps: every stored moment reads back as aware UTC on SQLite
(which keeps no zone) and PostgreSQL alike, so no reader repairs naive values by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, DateTime, Engine, MetaData, Table, insert, select, text

from bot.app import import_table_modules
from bot.seen_updates import SeenUpdateRow
from summarizer.db import Base, UTCDateTime, make_engine
from summarizer.migrate import migrate


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    import_table_modules()
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_a_moment_reads_back_as_the_same_aware_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    written = datetime(2026, 3, 1, 8, 15, 30, tzinfo=berlin)
    with engine.begin() as connection:
        connection.execute(
            insert(SeenUpdateRow).values(platform="t", event_id="1", seen_at=written)
        )
    with engine.connect() as connection:
        read = connection.execute(select(SeenUpdateRow.seen_at)).scalar_one()
        earlier = connection.execute(
            select(SeenUpdateRow.event_id).where(SeenUpdateRow.seen_at < written)
        ).all()
    assert read == written and read.tzinfo == UTC and read.hour == 7
    assert earlier == []  # compared in UTC on both sides


def test_every_timestamp_column_is_utc() -> None:
    import_table_modules()
    naive = [
        f"{table.name}.{column.name}"
        for mapper in Base.registry.mappers
        for table in mapper.tables
        for column in table.columns
        if isinstance(column.type, DateTime) and not isinstance(column.type, UTCDateTime)
    ]
    assert naive == []


@pytest.mark.parametrize(
    ("stored", "instant"),
    [
        ("2026-03-01 07:15:30.250000", datetime(2026, 3, 1, 7, 15, 30, 250000, tzinfo=UTC)),
        ("2026-03-01 07:15:30", datetime(2026, 3, 1, 7, 15, 30, tzinfo=UTC)),  # datetime('now')
        ("2026-03-01T07:15:30", datetime(2026, 3, 1, 7, 15, 30, tzinfo=UTC)),
        ("2026-03-01 08:15:30+01:00", datetime(2026, 3, 1, 7, 15, 30, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_sqlite_text_of_any_shape_reads_back_as_aware_utc(
    sqlite_url: str, stored: str, instant: datetime
) -> None:
    """SQLite hands back the stored text, which UTCDateTime parses straight to aware UTC when
    it is in SQLAlchemy's shape; text written otherwise (by SQL, with an offset) still reads
    as the instant it names."""
    moments = Table("moments", MetaData(), Column("at", UTCDateTime))
    engine = make_engine(sqlite_url)
    try:
        moments.create(engine)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO moments (at) VALUES (:stored)"), {"stored": stored}
            )
            connection.execute(insert(moments).values(at=None))
            read = connection.execute(select(moments.c.at)).scalars().all()
    finally:
        engine.dispose()
    assert read == [instant, None] and read[0].tzinfo is UTC
