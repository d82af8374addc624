"""Migrations on SQLite and PostgreSQL: revisions applied in order keep rows, reruns change
nothing, pre-migration databases are adopted, concurrent replicas migrate once, and the models
match what the revisions build."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, text

from summarizer.db import Base, make_engine
from summarizer.migrate import current_revision, include_object, migrate, revision
from tests.threads import race


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def notes(version: int) -> MetaData:
    """The scratch models: v1 has `notes`; v2 adds a nullable `notes.topic` and a `tags` table."""
    metadata = MetaData()
    Table(
        "notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("body", String(200), nullable=False),
        *([Column("topic", String(80), nullable=True)] if version >= 2 else []),
    )
    if version >= 2:
        Table("tags", metadata, Column("name", String(40), primary_key=True))
    return metadata


def columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_revisions_apply_in_order_and_keep_rows(database_url: str, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    first = revision(database_url, "create notes", metadata=notes(1), version_locations=[versions])
    assert first.parent == versions and "op.create_table" in first.read_text()

    head = migrate(database_url, metadata=notes(1), version_locations=[versions])
    assert head is not None and head in first.name
    assert columns(database_url, "notes") == {"id", "body"}
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('eins'), ('zwei')"))
    engine.dispose()

    second = revision(
        database_url, "topics and tags", metadata=notes(2), version_locations=[versions]
    )
    written = second.read_text()
    assert "add_column" in written and re.search(r"create_table\(\s*[\"']tags[\"']", written)
    new_head = migrate(database_url, metadata=notes(2), version_locations=[versions])
    assert new_head is not None and new_head != head and new_head in second.name
    assert columns(database_url, "notes") == {"id", "body", "topic"}
    assert columns(database_url, "tags") == {"name"}
    assert scalar(database_url, "SELECT count(*) FROM notes") == 2

    assert migrate(database_url, metadata=notes(2), version_locations=[versions]) == new_head
    assert scalar(database_url, "SELECT count(*) FROM notes") == 2
    assert scalar(database_url, "SELECT count(*) FROM alembic_version") == 1


def test_database_made_before_migrations_is_adopted(
    database_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    empty = tmp_path / "none"
    empty.mkdir()
    # no revisions yet: the tables come straight from the models
    assert migrate(database_url, metadata=notes(1), version_locations=[empty]) is None
    assert columns(database_url, "notes") == {"id", "body"}
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('alt')"))
    engine.dispose()

    # the first release's revisions, written against a separate empty database
    versions = tmp_path / "versions"
    versions.mkdir()
    scratch = sqlite_url.replace("briefbot.db", "scratch.db")
    base = revision(scratch, "baseline", metadata=notes(1), version_locations=[versions])
    migrate(scratch, metadata=notes(1), version_locations=[versions])
    later = revision(scratch, "topics", metadata=notes(2), version_locations=[versions])

    head = migrate(database_url, metadata=notes(2), version_locations=[versions])
    assert head is not None and head in later.name and head not in base.name
    assert columns(database_url, "notes") == {"id", "body", "topic"}
    assert scalar(database_url, "SELECT body FROM notes") == "alt"


@pytest.mark.postgres
def test_replicas_starting_together_migrate_once(postgres_url: str, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
    revision(scratch, "create notes", metadata=notes(1), version_locations=[versions])

    replica = partial(migrate, postgres_url, metadata=notes(1), version_locations=[versions])
    results = race(replica, replica, replica)  # fails if any replica raised
    assert len(results) == 3 and len(set(results)) == 1 and results[0] is not None
    assert scalar(postgres_url, "SELECT count(*) FROM alembic_version") == 1


def test_models_match_what_migrate_builds(database_url: str) -> None:
    """The package's own revisions (or, before the first one, the models) build exactly the
    tables the models declare: a model change without a revision fails here."""
    from bot.app import import_table_modules

    import_table_modules()  # every module declaring tables, as the composition root does
    assert "articles" in Base.metadata.tables
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            assert set(Base.metadata.tables) <= present
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
            revision_now = current_revision(connection)
    finally:
        engine.dispose()
    assert migrate(database_url) == revision_now


def test_briefbot_migrate_adopts_a_database_of_the_previous_release(database_url: str) -> None:
    """A database the previous release made with create_all (no alembic_version, rows in it,
    the scheduling tables not yet created) is completed to head by `briefbot migrate` and keeps
    every row; the search index keeps working; a second run changes nothing."""
    from bot.app import import_table_modules
    from bot.cli import main
    from summarizer import extract
    from summarizer.digest import rank
    from summarizer.library import Library

    import_table_modules()
    older = [
        table
        for name, table in Base.metadata.tables.items()
        if name not in {"deliveries", "sent_points", "subscriptions", "chat_timezones"}
    ]
    engine = make_engine(database_url)
    Base.metadata.create_all(engine, tables=older)
    library = Library(engine)
    document = extract.from_text(
        "Nordkorea testet eine Rakete.\n\nDie Regierung in Seoul verurteilt den Start scharf. "
        "Beobachter erwarten weitere Tests im Sommer.",
        language="de",
    )
    added = library.add(document, rank(document))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO feeds (url, title, interval_minutes, added_by, created_at,"
                " next_poll_at, failures, articles_added) VALUES ('https://news.example/rss',"
                " 'Nachrichten', 15, 'telegram:1', '2026-01-01 00:00:00+00',"
                " '2026-01-01 00:00:00+00', 0, 0)"
            )
        )
    before = {
        name: scalar(database_url, f"SELECT count(*) FROM {name}")
        for name in ("articles", "sentences", "feeds")
    }
    engine.dispose()
    assert "alembic_version" not in set(inspect(make_engine(database_url)).get_table_names())

    assert main(["--database", database_url, "migrate"]) == 0
    assert main(["--database", database_url, "migrate"]) == 0
    after = {name: scalar(database_url, f"SELECT count(*) FROM {name}") for name in before}
    assert after == before and before["sentences"] != 0
    assert scalar(database_url, "SELECT count(*) FROM alembic_version") == 1
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"deliveries", "sent_points", "subscriptions", "chat_timezones"} <= tables
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
        hits = Library(engine).search("nordkorea")
        assert [hit.article_id for hit in hits] == [added.article.id]
    finally:
        engine.dispose()


def test_articles_stored_before_answer_terms_still_answer(database_url: str) -> None:
    """A database of the release before answer terms were stored (no such columns on
    `sentences`) gains them as NULL through `briefbot migrate`; its articles answer as before,
    with the terms computed on the fly, and new articles store theirs."""
    from bot.app import import_table_modules
    from bot.cli import main
    from summarizer import extract, qa, qa_index
    from summarizer.digest import rank
    from summarizer.library import Library

    import_table_modules()
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    document = extract.from_text(
        "Nordkorea testet eine Rakete.\n\nDie Regierung in Seoul verurteilt den Start scharf. "
        "Die Rakete flog 600 Kilometer weit und stürzte ins Meer.",
        language="de",
    )
    added = Library(engine).add(document, rank(document))
    with engine.begin() as connection:
        for name in ("terms", "content_words", "answer_types"):
            connection.execute(text(f"ALTER TABLE sentences DROP COLUMN {name}"))
    engine.dispose()

    assert main(["--database", database_url, "migrate"]) == 0
    engine = make_engine(database_url)
    try:
        assert {"terms", "content_words", "answer_types"} <= columns(database_url, "sentences")
        assert scalar(database_url, "SELECT count(*) FROM sentences WHERE terms IS NULL") == len(
            document.sentences
        )
        old = Library(engine).get(added.article.id)
        assert old is not None and old.answer_terms is None
        qa_index.clear_cache()
        answer = qa.answer("Wie weit flog die Rakete?", [old])
        assert answer.found and "600 Kilometer" in answer.text
        assert answer.text == qa.answer("Wie weit flog die Rakete?", [added.article]).text
        newer = extract.from_text("Seoul kündigte neue Sanktionen gegen Pjöngjang an.")
        stored = Library(engine).add(newer, rank(newer)).article
        reread = Library(engine).get(stored.id)
        assert reread is not None and reread.answer_terms is not None
    finally:
        engine.dispose()
