"""Runs each subscription's digest at its local time, exactly once, on APScheduler 3.11.

One AsyncIOScheduler with a persistent SQLAlchemyJobStore in the shared database holds a cron
job per subscription (CronTrigger in the subscription's zone, so DST is the trigger's business).
Jobs are added when a subscription is made and removed with it — never re-added at start, which
would recompute next_run_time and silently drop a run missed while the bot was down. A missed run
is coalesced and caught up once if it is at most `grace` late; later than that it is logged as
missed. The delivery ledger makes every catch-up, retry and restart idempotent.

Two deliberate departures from stock APScheduler, both small:
- `_DigestExecutor` runs each job in its own task with a context variable holding this
  component and the exact scheduled time, so jobs stay module-level functions with plain
  stored arguments and no global registry is needed;
- `_ClockedScheduler` takes "now" from our Clock (stock APScheduler reads the wall clock inside
  `_process_jobs`), so tests run days of schedules in seconds and the bench can shift time.

As a Component, `start` means "this replica leads": process jobs and catch up; `stop` means
"stop delivering" (leadership lost or shutting down). `schedule`/`unschedule` work in every
replica, leader or not: they write the job store, which the leader polls.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.base import BaseExecutor, MaxInstancesReachedError
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine

from schedules.clock import Clock, SystemClock
from schedules.delivery import EXPIRED, Deliveries, Outcome
from schedules.subscriptions import Subscription, Subscriptions

log = logging.getLogger(__name__)

JOB_TABLE = "scheduled_jobs"
STORE = "default"


_RUN: ContextVar[tuple[DigestScheduler, datetime]] = ContextVar("briefbot_job_run")
"""Set by the executor in each job's task: the scheduler running it and the scheduled time."""


async def send_digest(subscription_id: int) -> None:
    """The cron job of one subscription: deliver the run it was scheduled for."""
    runner, run_time = _RUN.get()
    await runner.deliver(subscription_id, run_time)


async def retry_delivery(delivery_id: int) -> None:
    """A one-shot job for a delivery the platform asked us to hold back for a long while."""
    runner, _ = _RUN.get()
    await runner.resume(delivery_id)


def job_id(subscription_id: int) -> str:
    return f"digest:{subscription_id}"


def retry_job_id(delivery_id: int) -> str:
    return f"retry:{delivery_id}"


def trigger_for(subscription: Subscription) -> CronTrigger:
    spec = subscription.spec
    return CronTrigger(
        day_of_week=spec.cron_days,
        hour=spec.hour,
        minute=spec.minute,
        timezone=ZoneInfo(subscription.timezone),
    )


def next_run(subscription: Subscription, now: datetime) -> datetime | None:
    """The subscription's next run after `now` (never before it took effect)."""
    start = max(now, subscription.effective_from)
    first: datetime | None = trigger_for(subscription).get_next_fire_time(None, start)
    return first


def last_run(subscription: Subscription, now: datetime, *, since: datetime) -> datetime | None:
    """The subscription's latest run in [max(since, effective_from), now], if any."""
    trigger = trigger_for(subscription)
    fire: datetime | None = trigger.get_next_fire_time(
        None, max(since, subscription.effective_from)
    )
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, now)
    return latest


class _DigestExecutor(BaseExecutor):
    """Runs job coroutines as tasks on the loop, passing the runner and the scheduled time."""

    def __init__(self, runner: DigestScheduler) -> None:
        super().__init__()
        self.runner = runner
        self.tasks: set[asyncio.Task[list[JobExecutionEvent]]] = set()

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(job, run_times))
        self.tasks.add(task)
        task.add_done_callback(partial(self._finished, job.id))

    async def _run(self, job: Job, run_times: list[datetime]) -> list[JobExecutionEvent]:
        events = []
        for run_time in run_times:
            if job.func is send_digest and self.runner.missed(run_time):
                log.warning(
                    "job %s: the run at %s is %s late, beyond the catch-up grace of %s: skipped",
                    job.id,
                    run_time.isoformat(),
                    self.runner.clock.now() - run_time,
                    self.runner.grace,
                )
                events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, STORE, run_time))
                continue
            _RUN.set((self.runner, run_time))
            try:
                await job.func(*job.args, **job.kwargs)
            except Exception as error:
                log.exception("job %s (run at %s) failed", job.id, run_time.isoformat())
                events.append(
                    JobExecutionEvent(EVENT_JOB_ERROR, job.id, STORE, run_time, exception=error)
                )
            else:
                events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, STORE, run_time))
        return events

    def _finished(self, job_id: str, task: asyncio.Task[list[JobExecutionEvent]]) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            self._run_job_success(job_id, [])
        elif (error := task.exception()) is not None:
            self._run_job_error(job_id, error, error.__traceback__)
        else:
            self._run_job_success(job_id, task.result())

    def shutdown(self, wait: bool = True) -> None:
        for task in self.tasks:
            task.cancel()


class _ClockedScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose job processing reads `now` from our Clock and polls the store at
    least every `poll_interval` seconds (jobs added by other replicas wake no timer here)."""

    def __init__(self, clock: Clock, poll_interval: float, **options: Any) -> None:
        self._clock = clock
        self._poll_interval = poll_interval
        super().__init__(**options)

    def process_now(self) -> None:
        self._stop_timer()
        self._start_timer(self._process_jobs())

    def _process_jobs(self) -> float | None:
        if self.state == STATE_PAUSED:
            return None
        now = self._clock.now()
        next_wakeup: datetime | None = None
        with self._jobstores_lock:
            for alias, store in self._jobstores.items():
                try:
                    due = store.get_due_jobs(now)
                except Exception as error:
                    log.warning("could not read due jobs from %r: %s", alias, error)
                    continue
                for job in due:
                    self._submit(job, alias, now)
                upcoming = store.get_next_run_time()
                if upcoming is not None and (next_wakeup is None or upcoming < next_wakeup):
                    next_wakeup = upcoming
        if next_wakeup is None:
            return self._poll_interval
        wait = (next_wakeup - self._clock.now()).total_seconds()
        return min(max(wait, 0.0), self._poll_interval)

    def _submit(self, job: Job, alias: str, now: datetime) -> None:
        """Run the latest due time of `job` (missed ones coalesce) and move it to the next."""
        run_time: datetime = job.next_run_time
        while (following := job.trigger.get_next_fire_time(run_time, now)) and following <= now:
            run_time = following
        try:
            self._lookup_executor(job.executor).submit_job(job, [run_time])
        except MaxInstancesReachedError:
            log.warning("job %s is still running; the run at %s is skipped", job.id, run_time)
        except Exception:
            log.exception("could not submit job %s", job.id)
        following = job.trigger.get_next_fire_time(run_time, now)
        if following is not None:
            job._modify(next_run_time=following)
            self._jobstores[alias].update_job(job)
        else:
            self.remove_job(job.id, alias)


class DigestScheduler:
    """The scheduler Component: cron jobs per subscription, catch-up on start, retries."""

    name = "scheduler"

    def __init__(
        self,
        engine: Engine,
        subscriptions: Subscriptions,
        deliveries: Deliveries,
        *,
        clock: Clock | None = None,
        grace: timedelta = timedelta(hours=6),
        poll_interval: float = 30.0,
        table: str = JOB_TABLE,
    ) -> None:
        self.subscriptions = subscriptions
        self.deliveries = deliveries
        self.clock = clock or SystemClock()
        self.grace = grace
        self.owner = ""
        self.leading = False
        self.poll_interval = poll_interval
        self._sweeper: asyncio.Task[None] | None = None
        self._executor = _DigestExecutor(self)
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self._aps = _ClockedScheduler(
            self.clock,
            poll_interval,
            timezone=UTC,
            jobstores={STORE: SQLAlchemyJobStore(engine=engine, tablename=table)},
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # --- the Component ----------------------------------------------------------------------

    async def start(self) -> None:
        """Lead: a new term (owner), catch up what was missed or cut off, then run jobs."""
        self._open()
        self.owner = uuid.uuid4().hex
        self.leading = True
        self.catch_up()
        self._aps.resume()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_orphans())

    async def stop(self) -> None:
        """Stop delivering: pause job processing and cancel deliveries in flight (a claimed
        delivery is taken over by the next term; one cut off mid-send is never repeated)."""
        self.leading = False
        if self._aps.running:
            self._aps.pause()
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        tasks = [*self._tasks, *self._executor.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        """Shut APScheduler down for good (end of process)."""
        if self._aps.running:
            self._aps.shutdown(wait=False)

    # --- subscriptions ----------------------------------------------------------------------

    def schedule(self, subscription: Subscription) -> datetime | None:
        """Create (or move) the subscription's cron job; returns its first run (UTC)."""
        self._open()
        first = next_run(subscription, self.clock.now())
        self._aps.add_job(
            send_digest,
            trigger=trigger_for(subscription),
            args=[subscription.id],
            id=job_id(subscription.id),
            name=f"digest {subscription.chat.platform}:{subscription.chat.chat_id} {subscription.topic}",
            replace_existing=True,
            next_run_time=first,
            misfire_grace_time=int(self.grace.total_seconds()) or None,
        )
        return first

    def unschedule(self, subscription_id: int) -> None:
        self._open()
        try:
            self._aps.remove_job(job_id(subscription_id), STORE)
        except JobLookupError:
            log.info("no job for subscription %d", subscription_id)

    def next_run(self, subscription: Subscription) -> datetime | None:
        return next_run(subscription, self.clock.now())

    def scheduled_ids(self) -> set[str]:
        return {job.id for job in self._aps.get_jobs()}

    def next_due(self) -> datetime | None:
        """The earliest next run time in the job store."""
        times = [job.next_run_time for job in self._aps.get_jobs() if job.next_run_time]
        return min(times) if times else None

    # --- running ----------------------------------------------------------------------------

    def missed(self, run_time: datetime) -> bool:
        return self.clock.now() - run_time > self.grace

    async def deliver(self, subscription_id: int, scheduled_at: datetime) -> Outcome:
        outcome = await self.deliveries.deliver(subscription_id, scheduled_at, owner=self.owner)
        if outcome.status == "inactive":
            self.unschedule(subscription_id)
        self._follow_up(outcome)
        return outcome

    async def resume(self, delivery_id: int) -> Outcome:
        outcome = await self.deliveries.resume(delivery_id, owner=self.owner)
        self._follow_up(outcome)
        return outcome

    def catch_up(self) -> int:
        """Finish what earlier terms left: sends cut off mid-way become `unconfirmed`, claimed
        deliveries are resumed (or re-deferred), and each subscription's latest run within the
        grace that has no delivery yet is delivered now. Returns the deliveries started."""
        now = self.clock.now()
        ledger = self.deliveries.ledger
        cut_off = ledger.settle_interrupted(owner=self.owner, now=now)
        if cut_off:
            log.warning(
                "%d deliveries were cut off mid-send by a stop; not repeated: %s",
                len(cut_off),
                cut_off,
            )
        started = 0
        for claim in ledger.unfinished(owner=self.owner):
            if claim.next_attempt_at is not None and claim.next_attempt_at > now:
                self._defer(claim.id, claim.next_attempt_at)
            elif claim.next_attempt_at is None and now - claim.scheduled_at > self.grace:
                ledger.finish(claim.id, EXPIRED, error="claimed, then down beyond the grace")
                log.warning("delivery %d expired: down beyond the catch-up grace", claim.id)
            else:
                self._spawn(self.resume(claim.id))
                started += 1
        since = now - self.grace
        known = ledger.runs_since((since - timedelta(days=1)).date())
        for subscription in self.subscriptions.active():
            run_time = last_run(subscription, now, since=since)
            if run_time is None:
                continue
            day = run_time.astimezone(ZoneInfo(subscription.timezone)).date()
            if (subscription.id, day) not in known:
                self._spawn(self.deliver(subscription.id, run_time))
                started += 1
        return started

    async def _sweep_orphans(self) -> None:
        """While leading, every poll interval: take over deliveries a deposed term claimed
        after this term's catch-up (it stalled past the failover and claimed before noticing),
        once their claim is a poll interval old; they would otherwise wait for the next
        election."""
        while self.leading:
            await asyncio.sleep(self.poll_interval)
            try:
                self.take_over_orphans()
            except Exception:  # the database may be away for a moment: try again next round
                log.warning("could not look for orphaned deliveries", exc_info=True)

    def take_over_orphans(self) -> int:
        """Resume (or re-defer) other terms' stale claims; returns how many were found."""
        now = self.clock.now()
        cutoff = now - timedelta(seconds=self.poll_interval)
        orphans = self.deliveries.ledger.orphans(owner=self.owner, claimed_before=cutoff)
        for claim in orphans:
            if claim.next_attempt_at is not None and claim.next_attempt_at > now:
                self._defer(claim.id, claim.next_attempt_at)
            else:
                self._spawn(self.resume(claim.id))
        if orphans:
            log.warning("took over %d deliveries claimed by a deposed term", len(orphans))
        return len(orphans)

    async def run_due(self) -> None:
        """Process the jobs due by the clock now and wait for their deliveries (tests, bench)."""
        self._aps.process_now()
        await self.idle()

    async def idle(self) -> None:
        """Wait until no delivery is in flight."""
        while pending := [*self._tasks, *self._executor.tasks]:
            await asyncio.gather(*pending, return_exceptions=True)

    def _follow_up(self, outcome: Outcome) -> None:
        if outcome.status == "deferred" and outcome.retry_at and outcome.delivery_id:
            self._defer(outcome.delivery_id, outcome.retry_at)
        for subscription_id in outcome.deactivated:
            self.unschedule(subscription_id)

    def _defer(self, delivery_id: int, at: datetime) -> None:
        self._open()
        self._aps.add_job(
            retry_delivery,
            trigger=DateTrigger(run_date=at, timezone=UTC),
            args=[delivery_id],
            id=retry_job_id(delivery_id),
            replace_existing=True,
            next_run_time=at,
            misfire_grace_time=None,
        )

    def _spawn(self, work: Coroutine[Any, Any, Outcome]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._spawned_done)

    def _spawned_done(self, task: asyncio.Task[Outcome]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("catch-up delivery failed", exc_info=error)

    def _open(self) -> None:
        """Start APScheduler paused on first use, so the job store is writable before (and
        without) leadership."""
        if not self._aps.running:
            self._aps.start(paused=True)
