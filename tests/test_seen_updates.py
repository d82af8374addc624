"""The shared duplicate check on SQLite and PostgreSQL: one claimer per platform event, even when
two engines (two replicas) race for it; the memory in front; pruning of old claims only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.seen_updates import SeenUpdateRow, SeenUpdates
from summarizer.db import make_engine
from summarizer.migrate import migrate

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    from bot.app import import_table_modules

    import_table_modules()
    migrate(url)  # the table comes from its Alembic revision, as in production
    return url


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database: two replicas."""
    first, second = make_engine(database_url), make_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(SeenUpdateRow)).scalar_one())


def test_first_claim_wins_and_every_repeat_loses(engines: tuple[Engine, Engine]) -> None:
    store = SeenUpdates(engines[0])
    assert store.claim("telegram", "1001") is True
    assert store.claim("telegram", "1001") is False
    assert store.claim("slack", "1001") is True  # the key is per platform
    assert store.first_time("telegram", "1002") is True
    assert store.first_time("telegram", "1002") is False
    assert rows(engines[0]) == 3


def test_another_replica_and_a_restart_see_the_claim(engines: tuple[Engine, Engine]) -> None:
    first, second = engines
    assert SeenUpdates(first).first_time("slack", "Ev0MENTION1") is True
    assert SeenUpdates(second).first_time("slack", "Ev0MENTION1") is False  # other replica
    assert SeenUpdates(first).first_time("slack", "Ev0MENTION1") is False  # restarted process


def test_two_replicas_racing_for_one_id_exactly_one_wins(engines: tuple[Engine, Engine]) -> None:
    stores = [SeenUpdates(engine) for engine in engines for _ in range(3)]

    def race(
        store: SeenUpdates, event_id: str, barrier: threading.Barrier, wins: list[bool]
    ) -> None:
        barrier.wait()
        wins.append(store.first_time("telegram", event_id))

    for round_ in range(20):
        barrier = threading.Barrier(len(stores))
        wins: list[bool] = []
        threads = [
            threading.Thread(target=race, args=(store, f"race-{round_}", barrier, wins))
            for store in stores
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False] * (len(stores) - 1) + [True]
    assert rows(engines[0]) == 20


def test_pruning_removes_old_claims_only(engines: tuple[Engine, Engine]) -> None:
    clock = Clock(T0)
    store = SeenUpdates(engines[0], now=clock)
    store.claim("telegram", "old")
    clock.now = T0 + timedelta(days=1, hours=12)
    store.claim("telegram", "recent")
    clock.now = T0 + timedelta(days=2, hours=1)
    assert store.prune() == 1
    assert rows(engines[0]) == 1
    assert store.claim("telegram", "recent") is False
    assert store.claim("telegram", "old") is True  # forgotten, so claimable again


def test_claims_prune_on_first_use_and_then_once_per_interval(
    engines: tuple[Engine, Engine],
) -> None:
    past, clock = Clock(T0), Clock(T0 + timedelta(days=3))
    other_replica = SeenUpdates(engines[1], now=past)
    other_replica.claim("slack", "EvOLD1")
    store = SeenUpdates(engines[0], now=clock, prune_every=timedelta(hours=1))
    assert store.first_time("slack", "EvNEW1") is True  # the first claim prunes EvOLD1
    assert rows(engines[0]) == 1
    other_replica.claim("slack", "EvOLD2")
    clock.now += timedelta(minutes=10)
    assert store.first_time("slack", "EvNEW2") is True  # within the hour: no prune
    assert rows(engines[0]) == 3
    clock.now += timedelta(hours=1)
    assert store.first_time("slack", "EvNEW3") is True  # an hour later: EvOLD2 goes
    assert rows(engines[0]) == 3
    assert other_replica.claim("slack", "EvOLD2") is True


def test_unreachable_database_counts_as_new_not_lost(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'never-migrated.db').as_posix()}")
    try:
        store = SeenUpdates(engine)  # no table: every query fails
        assert store.first_time("telegram", "7") is True
        assert store.first_time("telegram", "7") is False  # the memory in front still works
    finally:
        engine.dispose()
