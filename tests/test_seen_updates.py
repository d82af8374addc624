"""The shared duplicate check on SQLite and PostgreSQL: one claimer per platform event, even when
two engines (two replicas) race for it; claims as leases (in flight, done, taken over from a dead
replica by exactly one claimer); the memory in front; pruning of old claims only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from bot.seen_updates import LEASE, Claim, SeenUpdateRow, SeenUpdates
from summarizer.db import make_engine
from summarizer.migrate import current_revision, migrate
from tests.threads import race

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
    assert store.claim("telegram", "1001") is Claim.NEW
    assert store.claim("telegram", "1001") is Claim.IN_FLIGHT
    assert store.claim("slack", "1001") is Claim.NEW  # the key is per platform
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

    for round_ in range(20):
        wins = race(*(partial(store.first_time, "telegram", f"race-{round_}") for store in stores))
        assert sorted(wins) == [False] * (len(stores) - 1) + [True]
    assert rows(engines[0]) == 20


def test_pruning_removes_old_claims_only(engines: tuple[Engine, Engine]) -> None:
    clock = Clock(T0)
    store = SeenUpdates(engines[0], now=clock)
    store.claim("telegram", "old")
    store.done("telegram", "old")
    clock.now = T0 + timedelta(days=1, hours=12)
    store.claim("telegram", "recent")
    store.done("telegram", "recent")
    clock.now = T0 + timedelta(days=2, hours=1)
    assert store.prune() == 1
    assert rows(engines[0]) == 1
    assert store.claim("telegram", "recent") is Claim.DONE
    assert store.claim("telegram", "old") is Claim.NEW  # forgotten, so claimable again


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
    assert other_replica.claim("slack", "EvOLD2") is Claim.NEW


def test_unreachable_database_counts_as_new_not_lost(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'never-migrated.db').as_posix()}")
    try:
        store = SeenUpdates(engine)  # no table: every query fails
        assert store.first_time("telegram", "7") is True
        assert store.first_time("telegram", "7") is False  # the memory in front still works
    finally:
        engine.dispose()


# ------------------------------------------------------------------ claims as leases


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL the session's zone."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def done_at(engine: Engine, platform: str, event_id: str) -> datetime | None:
    with engine.connect() as connection:
        return connection.execute(
            select(SeenUpdateRow.done_at).where(
                SeenUpdateRow.platform == platform, SeenUpdateRow.event_id == event_id
            )
        ).scalar_one()


def test_unfinished_claim_is_in_flight_until_the_lease_passes(
    engines: tuple[Engine, Engine],
) -> None:
    dead_clock, clock = Clock(T0), Clock(T0 + timedelta(seconds=5))
    assert SeenUpdates(engines[0], now=dead_clock).first_time("telegram", "2001") is True
    replica = SeenUpdates(engines[1], now=clock)
    assert replica.claim("telegram", "2001") is Claim.IN_FLIGHT
    assert replica.first_time("telegram", "2001") is False
    clock.now = T0 + LEASE  # exactly the lease: still in flight
    assert replica.first_time("telegram", "2001") is False
    clock.now = T0 + LEASE + timedelta(seconds=1)
    # the same replica was told "in flight" twice: its memory must not hide the dead claim
    assert replica.first_time("telegram", "2001") is True
    assert replica.first_time("telegram", "2001") is False  # now its own claim
    assert SeenUpdates(engines[0], now=clock).claim("telegram", "2001") is Claim.IN_FLIGHT


def test_done_claim_is_skipped_forever(engines: tuple[Engine, Engine]) -> None:
    clock = Clock(T0)
    first = SeenUpdates(engines[0], now=clock)
    assert first.first_time("telegram", "3001") is True
    assert done_at(engines[0], "telegram", "3001") is None
    clock.now = T0 + timedelta(seconds=2)
    first.done("telegram", "3001")
    finished = done_at(engines[1], "telegram", "3001")
    assert finished is not None and utc(finished) == T0 + timedelta(seconds=2)
    clock.now = T0 + timedelta(days=1)  # far past the lease, not yet pruned
    second = SeenUpdates(engines[1], now=clock, prune_every=timedelta(days=3))
    assert second.claim("telegram", "3001") is Claim.DONE
    assert second.first_time("telegram", "3001") is False
    assert SeenUpdates(engines[0], now=clock).first_time("telegram", "3001") is False


def test_stale_claim_is_taken_over_by_exactly_one_of_two_racing_replicas(
    engines: tuple[Engine, Engine],
) -> None:
    dead = SeenUpdates(engines[0], now=Clock(T0))
    later = Clock(T0 + timedelta(minutes=3))
    stores = [SeenUpdates(engine, now=later) for engine in engines for _ in range(3)]

    for round_ in range(20):
        event_id = f"stale-{round_}"
        assert dead.claim("telegram", event_id) is Claim.NEW  # then that replica was killed
        claims = race(*(partial(store.claim, "telegram", event_id) for store in stores))
        assert sorted(claim.value for claim in claims) == ["in flight"] * (len(stores) - 1) + [
            "taken over"
        ]
    assert rows(engines[0]) == 20
    with engines[1].connect() as connection:
        renewed = connection.execute(select(SeenUpdateRow.seen_at)).scalars().all()
    assert {utc(moment) for moment in renewed} == {later.now}


def test_claims_made_before_leases_count_as_done(database_url: str) -> None:
    """A database at the revision before `done_at` (its claims were skipped forever) keeps
    skipping them after `migrate`, however old they are."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM seen_updates"))
            connection.execute(text("ALTER TABLE seen_updates DROP COLUMN done_at"))
            connection.execute(text("UPDATE alembic_version SET version_num = 'eccde6f594a2'"))
            connection.execute(
                text("INSERT INTO seen_updates (platform, event_id, seen_at) VALUES (:p, :e, :t)"),
                {"p": "telegram", "e": "4001", "t": T0},
            )
        head = migrate(database_url)
        with engine.connect() as connection:
            assert current_revision(connection) == head != "eccde6f594a2"
        finished = done_at(engine, "telegram", "4001")
        assert finished is not None and utc(finished) == T0
        store = SeenUpdates(engine, now=Clock(T0 + timedelta(hours=5)))
        assert store.claim("telegram", "4001") is Claim.DONE
        assert store.claim("telegram", "4002") is Claim.NEW
    finally:
        engine.dispose()


def test_done_on_an_unreachable_database_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'never-migrated.db').as_posix()}")
    try:
        SeenUpdates(engine).done("telegram", "8")  # no table: the claim would expire instead
    finally:
        engine.dispose()
    assert "telegram event 8: not marked done" in caplog.text
