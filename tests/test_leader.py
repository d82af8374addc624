"""Leader election on the real PostgreSQL: exactly one leads; stop, a killed session or a killed
process hands the scheduler over; SQLite is always the leader."""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from schedules.leader import LeaderElection, libpq_conninfo, lock_key

FAILOVER = 2.0  # seconds; small so the tests are quick (interval 0.33 s)


async def until(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Wait for `condition` (a hang guard, not a speed assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


class Recorder:
    """Callbacks that log what the scheduler would have been told."""

    def __init__(self, name: str, events: list[str]) -> None:
        self.name = name
        self.events = events

    async def elected(self) -> None:
        self.events.append(f"{self.name}:elected")

    async def demoted(self) -> None:
        self.events.append(f"{self.name}:demoted")


def elector(url: str, name: str, events: list[str]) -> LeaderElection:
    recorder = Recorder(name, events)
    return LeaderElection(
        url, on_elected=recorder.elected, on_demoted=recorder.demoted, failover_seconds=FAILOVER
    )


def decided(*electors: LeaderElection) -> Callable[[], bool]:
    return lambda: all(e.state in {"leader", "standby"} for e in electors)


@pytest.mark.postgres
async def test_exactly_one_leads_and_stop_hands_over(postgres_url: str) -> None:
    events: list[str] = []
    a, b = elector(postgres_url, "a", events), elector(postgres_url, "b", events)
    await a.start()
    await b.start()
    try:
        await until(decided(a, b), "both electors decided")
        await asyncio.sleep(3 * a.interval)  # several more rounds: still exactly one
        assert [a.is_leader, b.is_leader].count(True) == 1
        leader, standby = (a, b) if a.is_leader else (b, a)
        assert standby.state == "standby"
        assert events == [f"{'a' if leader is a else 'b'}:elected"]

        await leader.stop()
        assert leader.state == "stopped" and not leader.is_leader
        await until(lambda: standby.is_leader, "the standby took over")
        first = "a" if leader is a else "b"
        second = "b" if leader is a else "a"
        assert events == [f"{first}:elected", f"{first}:demoted", f"{second}:elected"]
    finally:
        await a.stop()
        await b.stop()
    assert events[-1] == f"{second}:demoted"


@pytest.mark.postgres
async def test_killed_session_demotes_the_leader_and_the_other_takes_over(
    postgres_url: str,
) -> None:
    events: list[str] = []
    a, b = elector(postgres_url, "a", events), elector(postgres_url, "b", events)
    await a.start()
    await until(lambda: a.is_leader, "a leads alone")
    await b.start()
    engine = create_engine(postgres_url)
    try:
        await until(lambda: b.state == "standby", "b waits")
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).all()
        assert killed == [(True,)]
        await until(lambda: b.is_leader, "b took over")
        await until(lambda: not a.is_leader, "a noticed and stepped down")
        assert "a:demoted" in events
        await asyncio.sleep(3 * a.interval)
        assert (a.is_leader, b.is_leader) == (False, True)
        assert a.state == "standby"
    finally:
        await a.stop()
        await b.stop()
        engine.dispose()


LEADER_PROCESS = textwrap.dedent(
    """
    import asyncio, sys
    from schedules.leader import LeaderElection

    async def main() -> None:
        async def elected() -> None:
            print("elected", flush=True)
        async def demoted() -> None:
            print("demoted", flush=True)
        election = LeaderElection(sys.argv[1], on_elected=elected, on_demoted=demoted,
                                  failover_seconds=float(sys.argv[2]))
        await election.start()
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def elected_process(postgres_url: str) -> asyncio.subprocess.Process:
    """A LEADER_PROCESS child that has won the election (it said "elected")."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LEADER_PROCESS,
        postgres_url,
        str(FAILOVER),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 120)  # a hang guard
        assert line.strip() == b"elected"
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process


@pytest.mark.postgres
@pytest.mark.parametrize("strike", [signal.SIGKILL, signal.SIGSTOP])
async def test_struck_leader_process_is_replaced(postgres_url: str, strike: int) -> None:
    """SIGKILL ends the process and its session. SIGSTOP leaves both alive, but the process no
    longer talks to the server, whose idle-session timeout ends the session and frees the lock."""
    process = await elected_process(postgres_url)
    events: list[str] = []
    local = elector(postgres_url, "local", events)
    try:
        await local.start()
        await until(lambda: local.state == "standby", "the local elector waits")
        assert events == []
        process.send_signal(strike)
        if strike == signal.SIGKILL:
            assert await process.wait() == -signal.SIGKILL
        await until(lambda: local.is_leader, "the local elector took over")
        assert events == ["local:elected"]
        if strike == signal.SIGSTOP:
            assert process.returncode is None  # frozen, not dead
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await local.stop()
    assert events == ["local:elected", "local:demoted"]


@pytest.mark.postgres
async def test_failing_start_gives_the_lock_to_another(postgres_url: str) -> None:
    events: list[str] = []

    async def broken() -> None:
        events.append("broken:elected")
        raise RuntimeError("scheduler cannot start")

    async def nothing() -> None:
        events.append("broken:demoted")

    bad = LeaderElection(
        postgres_url, on_elected=broken, on_demoted=nothing, failover_seconds=FAILOVER
    )
    await bad.start()
    await until(lambda: "broken:elected" in events, "the broken replica tried")
    good = elector(postgres_url, "good", events)
    await good.start()
    try:
        await until(lambda: good.is_leader, "the healthy replica leads")
        assert not bad.is_leader
    finally:
        await bad.stop()
        await good.stop()


async def test_sqlite_is_always_leader(sqlite_url: str) -> None:
    events: list[str] = []
    single = elector(sqlite_url, "only", events)
    assert not single.uses_lock
    await single.start()
    assert single.is_leader and single.state == "leader"
    await single.stop()
    assert events == ["only:elected", "only:demoted"]
    assert single.state == "stopped"


async def test_unreachable_database_never_leads() -> None:
    events: list[str] = []
    # port 9 on loopback: nothing listens there, the connection is refused at once
    lonely = elector("postgresql+psycopg://postgres@127.0.0.1:9/none", "lonely", events)
    await lonely.start()
    try:
        await until(lambda: lonely.state == "disconnected", "the elector noticed")
        assert not lonely.is_leader
    finally:
        await lonely.stop()
    assert events == []


def test_lock_key_is_stable_and_conninfo_keeps_the_parts() -> None:
    assert lock_key("briefbot-scheduler") == lock_key("briefbot-scheduler")
    assert lock_key("briefbot-scheduler") != lock_key("other")
    assert -(2**63) <= lock_key("x") < 2**63
    info = libpq_conninfo("postgresql+psycopg://bob:s3cret@db.internal:6543/brief?sslmode=require")
    assert set(info.split()) == {
        "host=db.internal",
        "port=6543",
        "user=bob",
        "password=s3cret",
        "dbname=brief",
        "sslmode=require",
    }
