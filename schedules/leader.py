"""One active scheduler among several replicas, chosen with a PostgreSQL session advisory lock.

Each replica holds a dedicated connection and tries `pg_try_advisory_lock` every few seconds; the
holder is the leader and runs the scheduler (`on_elected`), everyone else waits (`on_demoted` when
leadership is lost). The lock belongs to the database session, so when the leader's process dies
the server ends its session and frees the lock; the server-side TCP keepalives and idle-session
timeout set on the session bound that to the failover budget even when the leader's machine
vanishes without a word or its process hangs. A leader
that cannot confirm its session within a third of the budget steps down before anyone can take
over. On SQLite there is one process, which is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]
T = TypeVar("T")

DEFAULT_LOCK_NAME = "briefbot-scheduler"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def libpq_conninfo(url: str | URL) -> str:
    """The libpq connection string for a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url)
    args: dict[str, Any] = parsed.translate_connect_args(username="user", database="dbname")
    for key, value in parsed.query.items():
        args[key] = value if isinstance(value, str) else value[-1]
    return make_conninfo(**args)


class LeaderElection:
    """A `Component` that keeps `on_elected`/`on_demoted` in step with holding the lock.

    `state` is "starting", "leader", "standby" (another replica leads), "disconnected" (the
    database is unreachable; not leading) or "stopped". Callbacks never run concurrently.
    """

    name = "leader-election"

    def __init__(
        self,
        url: str | URL,
        *,
        on_elected: Callback,
        on_demoted: Callback,
        failover_seconds: float = 30.0,
        lock_name: str = DEFAULT_LOCK_NAME,
    ) -> None:
        self.url = make_url(url)
        self.on_elected = on_elected
        self.on_demoted = on_demoted
        self.failover_seconds = failover_seconds
        self.key = lock_key(lock_name)
        # standbys retry and the leader re-checks this often; both well inside the budget
        self.interval = max(0.05, min(5.0, failover_seconds / 6))
        self.timeout = max(self.interval, failover_seconds / 3)
        self.state = "stopped"
        self._leader = False
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._orphans: set[asyncio.Future[Any]] = set()

    @property
    def uses_lock(self) -> bool:
        """False on SQLite and other single-process databases: always the leader there."""
        return self.url.get_backend_name() == "postgresql"

    @property
    def is_leader(self) -> bool:
        return self._leader

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self.state = "starting"
        if not self.uses_lock:
            await self.on_elected()
            self._leader = True
            self.state = "leader"
            return
        self._task = asyncio.create_task(self._run(), name="leader-election")

    async def stop(self) -> None:
        """Step down (scheduler stopped first, then the lock released) and close the session."""
        self._stopping.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task
        elif self._leader:
            self._leader = False
            await self.on_demoted()
        self.state = "stopped"

    # ------------------------------------------------------------------------------- the loop

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    if self._leader:
                        if not await self._still_holding():
                            await self._step_down("lost its database session")
                    else:
                        await self._try_to_lead()
                except Exception:  # a bug must not end the election silently
                    log.exception("leader election round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval)
        finally:
            if self._leader:
                await self._step_down("stopping")
            await self._release()

    async def _try_to_lead(self) -> None:
        try:
            connection = await self._connect()
            cursor = await self._bounded(
                connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            )
            row = await self._bounded(cursor.fetchone())
        except (OSError, psycopg.Error, TimeoutError) as exc:
            if self.state != "disconnected":
                log.warning("leader election cannot reach the database: %s", exc.__class__.__name__)
            self.state = "disconnected"
            await self._discard_connection()
            return
        if not (row and row[0]):
            self.state = "standby"
            return
        self._leader = True
        self.state = "leader"
        log.info("elected: this replica runs the scheduler")
        try:
            await self.on_elected()
        except Exception:
            log.exception("starting the scheduler failed; giving the lock up")
            self._leader = False
            self.state = "standby"
            await self._release()

    async def _still_holding(self) -> bool:
        """True when our session is alive and still holds the lock (answered within timeout)."""
        unsigned = self.key & 0xFFFF_FFFF_FFFF_FFFF
        if self._connection is None:
            return False
        try:
            cursor = await self._bounded(
                self._connection.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid::bigint = %s"
                    " AND objid::bigint = %s AND objsubid = 1",
                    (unsigned >> 32, unsigned & 0xFFFF_FFFF),
                )
            )
            row = await self._bounded(cursor.fetchone())
        except (OSError, psycopg.Error, TimeoutError):
            return False
        return bool(row and row[0])

    async def _step_down(self, why: str) -> None:
        self._leader = False
        self.state = "standby"
        log.warning("demoted (%s): stopping the scheduler", why)
        try:
            await self.on_demoted()
        except Exception:
            log.exception("stopping the scheduler failed")
        if why != "stopping":
            # the session may be dead or may still hold the lock: start afresh either way
            await self._discard_connection()

    # -------------------------------------------------------------------------- the session

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        connection = await self._bounded(
            psycopg.AsyncConnection.connect(
                libpq_conninfo(self.url),
                autocommit=True,
                connect_timeout=max(2, round(self.timeout)),
                application_name="briefbot-leader",
            )
        )
        self._connection = connection
        await self._bound_dead_peer_detection(connection)
        return connection

    async def _bound_dead_peer_detection(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """Have the server end this session within the budget if our machine disappears
        (keepalives) or our process freezes (idle timeout: a live elector queries every
        `interval`, so only a stopped or hung one goes quiet for half the budget)."""
        idle = max(1, round(self.failover_seconds / 3))
        probe = max(1, round(self.failover_seconds / 6))
        settings = {
            "tcp_keepalives_idle": idle,
            "tcp_keepalives_interval": probe,
            "tcp_keepalives_count": 2,
            "tcp_user_timeout": max(1000, round(self.failover_seconds * 1000 / 3)),
            "idle_session_timeout": round(max(self.failover_seconds / 2, 3 * self.interval) * 1000),
        }
        for name, value in settings.items():
            try:  # SET takes no bind parameters; name and value are ours, not user input
                await self._bounded(connection.execute(f"SET {name} = {int(value)}"))
            except psycopg.Error as exc:  # e.g. an older server without tcp_user_timeout
                log.debug("cannot set %s: %s", name, exc)

    async def _release(self) -> None:
        """Unlock (if held) and close the session; the server frees the lock on close anyway."""
        connection = self._connection
        if connection is None or connection.closed:
            self._connection = None
            return
        with contextlib.suppress(OSError, psycopg.Error, TimeoutError):
            await self._bounded(connection.execute("SELECT pg_advisory_unlock_all()"))
        await self._discard_connection()

    async def _discard_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError, psycopg.Error, TimeoutError):
                await self._bounded(connection.close())

    async def _bounded(self, awaitable: Awaitable[T]) -> T:
        """`awaitable`'s result, or TimeoutError after `timeout` without waiting for it to unwind.

        A query on a silently dead connection can hang; waiting for its cancellation could hang
        too, and the leader must step down in time, so the abandoned call finishes on its own.
        """
        task: asyncio.Future[T] = asyncio.ensure_future(_as_coroutine(awaitable))
        done, _ = await asyncio.wait({task}, timeout=self.timeout)
        if task in done:
            return task.result()
        task.cancel()
        self._orphans.add(task)
        task.add_done_callback(self._orphans.discard)
        task.add_done_callback(_consume)
        raise TimeoutError


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned task's outcome so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()
