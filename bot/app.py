"""The composition root: settings -> engine -> tables -> Library/Briefing -> Router -> Components.

This is the one place that knows every part. `build_app` wires the core and the router with
its command groups (`build_router`; the subscription commands join in `scheduled_digests`,
once the scheduler exists);
`build_components` decides what `briefbot run` starts; `serve` starts the components in order
and stops them in reverse on SIGTERM/SIGINT, or when one of them (the console) asks to stop.
Platform libraries are imported only when their platform is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.commands import CommandGroup
from bot.commands.brief import BriefCommands
from bot.commands.library import LibraryCommands
from bot.commands.settings import SettingsCommands
from bot.config import Settings
from bot.console import Console
from bot.conversation import Conversations
from bot.lifecycle import Component
from bot.pending_adds import PendingAdds
from bot.presentation import ScheduledDigests
from bot.router import Router
from schedules.sending import Sender
from summarizer.db import Base, make_engine
from summarizer.library import Library
from summarizer.models import Digest
from summarizer.reply import ChatRef
from summarizer.service import Briefing, DocumentFetcher

if TYPE_CHECKING:
    from bot.observability import Metrics
    from bot.router import Observer
    from schedules.clock import Clock
    from schedules.feeds import FeedStore
    from schedules.leader import LeaderElection
    from schedules.ratelimit import RateLimiter

log = logging.getLogger(__name__)

CONTEXT_LIFETIME = timedelta(days=30)
"""How long a digest's buttons and follow-ups keep working; older contexts are pruned at start."""

TABLE_MODULES = (
    "summarizer.library",
    "bot.conversation",
    "schedules.subscriptions",
    "schedules.delivery",
    "schedules.feeds",
    "bot.seen_updates",
    "bot.pending_adds",
)
"""Every module that declares tables on `summarizer.db.Base` (imported before migrating)."""


@dataclass
class App:
    """Everything a running briefbot shares; setting `stop` ends `serve`."""

    settings: Settings
    engine: Engine
    library: Library
    briefing: Briefing
    conversations: Conversations
    router: Router
    library_commands: LibraryCommands
    fetcher: DocumentFetcher | None = None
    metrics: Metrics | None = None
    feeds: FeedStore | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    on_shutdown: list[Callable[[], None]] = field(default_factory=list)
    """Run by `serve` inside the event loop after every component stopped (e.g. closing
    the scheduler for good)."""

    intake: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Stop taking updates (HTTP server, Telegram polling): run first on shutdown, before
    the scheduler finishes its deliveries and before any connection is closed."""

    started: set[str] = field(default_factory=set)
    """Names of the components running now (readiness: "adapters connected")."""

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def default_fetcher(settings: Settings) -> DocumentFetcher:
    """The guarded HTTP fetcher for /add URL and feeds, limited as configured."""
    from summarizer.fetch import Fetcher

    return Fetcher(
        allow=settings.fetch_allow,
        max_bytes=settings.fetch_max_bytes,
        timeout=settings.fetch_timeout,
    )


def import_table_modules() -> None:
    """Import every module declaring tables, so `Base.metadata` knows them all."""
    for module in TABLE_MODULES:
        importlib.import_module(module)


def create_tables(engine: Engine) -> None:
    """Create every missing briefbot table straight from the models (benches, scratch
    databases); a real database goes through `migrate_database`."""
    import_table_modules()
    Base.metadata.create_all(engine)


def migrate_database(engine: Engine) -> str | None:
    """Bring the database to the newest Alembic revision (what start-up and `briefbot
    migrate` run; replicas starting together queue on an advisory lock). Returns it."""
    from summarizer.migrate import migrate

    import_table_modules()
    return migrate(engine)


def scheduler_clock(settings: Settings) -> Clock:
    """The scheduler's clock: the system clock, shifted by BRIEFBOT_CLOCK_OFFSET_SECONDS
    (tests and benches only; zero otherwise)."""
    from schedules.clock import SystemClock

    return SystemClock(timedelta(seconds=settings.clock_offset_seconds))


def build_router(
    briefing: Briefing,
    conversations: Conversations,
    settings: Settings,
    *,
    fetcher: DocumentFetcher | None = None,
    feeds: FeedStore | None = None,
    pending: PendingAdds | None = None,
    groups: Sequence[CommandGroup] = (),
    observe: Observer | None = None,
) -> tuple[Router, LibraryCommands]:
    """The router with every command group, in /help order: settings, brief and ask, sources
    and add, feeds (with a feed store and an HTTP fetcher), then `groups`. Adding a command
    group is adding it here. Returns the library group too (it finishes /add after restarts)."""
    briefs = BriefCommands(briefing, conversations)
    router = Router(conversations, settings, on_text=briefs.follow_up, observe=observe)
    library = LibraryCommands(briefing, conversations, settings, pending=pending)
    router.add(SettingsCommands(conversations, lambda: router.commands))
    router.add(briefs)
    router.add(library)
    from summarizer.fetch import Fetcher

    if feeds is not None and isinstance(fetcher, Fetcher):
        from bot.commands.feeds import FeedCommands

        router.add(FeedCommands(feeds, fetcher, default_interval=settings.feed_interval_minutes))
    for group in groups:
        router.add(group)
    return router, library


def build_app(
    settings: Settings,
    *,
    fetcher: DocumentFetcher | None = None,
    groups: Sequence[CommandGroup] = (),
    metrics: Metrics | None = None,
) -> App:
    """Wire the core and the router on the configured database (migrated to the newest
    revision first)."""
    engine = make_engine(settings.database)
    migrate_database(engine)
    library = Library(engine)
    if settings.clock_offset_seconds:  # articles arrive on the shifted clock the digests read
        library.now = scheduler_clock(settings).now
    fetcher = fetcher if fetcher is not None else default_fetcher(settings)
    briefing = Briefing(library, fetcher=fetcher)
    conversations = Conversations(engine)
    from schedules.feeds import FeedStore

    feeds = FeedStore(engine)
    router, library_commands = build_router(
        briefing,
        conversations,
        settings,
        fetcher=fetcher,
        feeds=feeds,
        pending=PendingAdds(engine),
        groups=groups,
        observe=metrics.replied if metrics is not None else None,
    )
    return App(
        settings,
        engine,
        library,
        briefing,
        conversations,
        router,
        library_commands,
        fetcher,
        metrics,
        feeds,
    )


def chat_platforms(settings: Settings) -> list[str]:
    """The chat platforms whose tokens are configured."""
    platforms = []
    if settings.telegram_bot_token:
        platforms.append("telegram")
    if settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret):
        platforms.append("slack")
    return platforms


class OptionalComponent:
    """A component whose failure to start is logged instead of ending the process (the HTTP
    server in console-only mode: a busy port must not take the console down)."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.name = component.name
        self.running = False

    async def start(self) -> None:
        try:
            await self.component.start()
        except OSError as error:
            log.warning("%s not started (%s); going on without it", self.name, error)
            return
        self.running = True

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.component.stop()


class LeaderDuties:
    """What only the scheduler leader runs: the digest scheduler and the feed poller, started
    and stopped together by the leader election (poller stopped first, then the scheduler,
    which lets sends already on the wire finish)."""

    name = "leader-duties"

    def __init__(self, parts: Sequence[Component], metrics: Metrics | None = None) -> None:
        self.parts = list(parts)
        self.metrics = metrics

    async def start(self) -> None:
        started: list[Component] = []
        try:
            for part in self.parts:
                await part.start()
                started.append(part)
        except BaseException:
            for part in reversed(started):
                await part.stop()
            raise
        if self.metrics is not None:
            self.metrics.scheduler_leader.set(1)

    async def stop(self) -> None:
        if self.metrics is not None:
            self.metrics.scheduler_leader.set(0)
        for part in reversed(self.parts):
            try:
                await part.stop()
            except Exception:
                log.exception("stopping %s failed", part.name)


def build_components(
    settings: Settings, app: App, *, console: bool | None = None
) -> list[Component]:
    """What `briefbot run` starts, in start order (stopped in reverse, after `app.intake`).

    Always the HTTP server (health, readiness, metrics, and the Telegram webhook / Slack HTTP
    endpoint; in console-only mode a busy port only logs a warning), then each configured
    adapter. The console runs when asked, or by default when no chat platform is configured.
    Then the leader election, whose leader runs the digest scheduler and the feed poller; it
    goes after the adapters, whose senders it uses (the console is one too). All outgoing
    messages share one RateLimiter. On shutdown `app.intake` stops taking updates first.
    """
    from bot.http import HttpServer
    from bot.observability import Metrics, Readiness, database_check, flag_check, state_check
    from bot.seen_updates import SeenUpdates
    from schedules.delivery import SenderByPlatform
    from schedules.ratelimit import RateLimiter

    if app.metrics is None:
        app.metrics = Metrics()
    metrics = app.metrics
    components: list[Component] = []
    seen_updates = SeenUpdates(app.engine)  # a redelivery is answered once by all replicas
    platforms = chat_platforms(settings)
    limiter = RateLimiter(observe_wait=metrics.rate_limit_waited)
    senders = SenderByPlatform()
    readiness = Readiness({"database": database_check(app.engine)})
    http = HttpServer(settings.http_host, settings.http_port, metrics=metrics, readiness=readiness)
    components.append(http if platforms else OptionalComponent(http))
    app.intake.append(http.stop)
    if "telegram" in platforms:
        from bot.telegram import TelegramBot

        telegram = TelegramBot.from_settings(
            settings, app.router, limiter=limiter, seen_updates=seen_updates
        )
        if settings.telegram_webhook_url:
            http.add_routes(telegram.routes())
        else:
            app.intake.append(polling_stopper(telegram))
        senders.add("telegram", telegram.sender.single_attempt())
        components.append(telegram)
    if "slack" in platforms:
        from bot.slack import SlackBot

        slack = SlackBot.from_settings(
            settings, app.router, limiter=limiter, seen_updates=seen_updates
        )
        if slack.http_mode:
            http.add_routes(slack.routes())
        senders.add("slack", slack.sender.single_attempt())
        components.append(slack)
    for platform in platforms:
        readiness.add(platform, flag_check(partial(app.started.__contains__, platform)))
    pending = app.library_commands.pending
    if pending is not None and platforms:
        from bot.pending_adds import PendingAddResumer, ReplySender

        replies: dict[str, ReplySender] = {}
        if "telegram" in platforms:
            replies["telegram"] = telegram.sender
        if "slack" in platforms:
            replies["slack"] = slack.sender
        components.append(PendingAddResumer(pending, app.library_commands.finish_add, replies))
    if console is None:
        console = not platforms
    terminal = None
    if console:
        terminal = make_console(app)
        senders.add("console", terminal)
    election = scheduled_digests(settings, app, senders, limiter)
    readiness.add("scheduler", state_check(lambda: election.state, ready_states=READY_STATES))
    components.append(election)
    if terminal is not None:
        components.append(terminal)
    return components


def console_components(settings: Settings, app: App) -> list[Component]:
    """What `briefbot console` starts: the scheduler (so the console's own subscriptions are
    delivered to it) and the console, nothing else. No HTTP server and no chat adapter even
    when tokens are set: a second Telegram poller next to a running `briefbot run` would make
    both get 409 Conflict, and a second HTTP server would fight over the port."""
    from bot.observability import Metrics
    from schedules.delivery import SenderByPlatform
    from schedules.ratelimit import RateLimiter

    if app.metrics is None:
        app.metrics = Metrics()
    terminal = make_console(app)
    limiter = RateLimiter(observe_wait=app.metrics.rate_limit_waited)
    election = scheduled_digests(settings, app, SenderByPlatform({"console": terminal}), limiter)
    return [election, terminal]


def make_console(app: App) -> Console:
    """The terminal adapter, ending `serve` when its input ends. The scheduler's INFO lines
    would print into the chat, so its logger is raised to WARNING while a console runs."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return Console(app.router, on_exit=app.stop.set)


READY_STATES = ("leader", "standby")
"""Scheduler states of a ready replica (not while starting, stopped or cut off from the DB)."""


def polling_stopper(telegram: Any) -> Callable[[], Awaitable[None]]:
    """Stop Telegram long polling only (the bot's client stays open for the sends left)."""

    async def stop_polling() -> None:
        updater = telegram.application.updater
        if updater is not None and updater.running:
            await updater.stop()

    return stop_polling


def scheduled_digests(
    settings: Settings,
    app: App,
    sender: Sender,
    limiter: RateLimiter | None = None,
    *,
    clock: Clock | None = None,
) -> LeaderElection:
    """The leader election whose leader runs the digest scheduler and the feed poller (one
    active scheduler among replicas on PostgreSQL; on SQLite always this process), and the
    /subscribe family of commands and the "subscribe:<topic>" button registered on the router."""
    from bot.commands.subscriptions import SubscriptionCommands
    from schedules.delivery import Deliveries
    from schedules.leader import LeaderElection
    from schedules.scheduler import DigestScheduler
    from schedules.subscriptions import Subscriptions

    clock = clock or scheduler_clock(settings)
    metrics = app.metrics
    subscriptions = Subscriptions(app.engine)
    deliveries = Deliveries(
        app.engine,
        subscriptions,
        app.briefing,
        sender,
        ScheduledDigests(partial(remember_digest, app.conversations)),
        clock=clock,
        limiter=limiter,
        language=app.router.language_for,
        shown_elsewhere=partial(app.conversations.shown_points, article=app.briefing.article),
        silent_when_nothing_new=settings.silent_when_nothing_new,
        observe=metrics.delivery_outcome if metrics is not None else None,
    )
    scheduler = DigestScheduler(
        app.engine,
        subscriptions,
        deliveries,
        clock=clock,
        grace=timedelta(hours=settings.catchup_grace_hours),
        poll_interval=settings.scheduler_poll_seconds,
    )
    app.on_shutdown.append(scheduler.close)
    app.router.add(
        SubscriptionCommands(subscriptions, scheduler, settings, briefing=app.briefing, clock=clock)
    )
    duties: list[Component] = [scheduler]
    from summarizer.fetch import Fetcher

    if app.feeds is not None and isinstance(app.fetcher, Fetcher):
        from schedules.feeds import FeedPoller

        observe = metrics.feeds_checked if metrics is not None else None
        duties.append(FeedPoller(app.feeds, app.fetcher, app.briefing, observe=observe))
    leader = LeaderDuties(duties, metrics)
    return LeaderElection(
        settings.database,
        on_elected=leader.start,
        on_demoted=leader.stop,
        failover_seconds=settings.scheduler_failover_seconds,
    )


def remember_digest(conversations: Conversations, digest: Digest) -> str:
    """A context for a scheduled digest before its chat is known (bound when delivered), so
    its buttons and follow-ups work like a /brief reply's."""
    return conversations.for_digest(ChatRef("", ""), digest, remember=False).id


async def serve(app: App, components: Sequence[Component]) -> None:
    """Start `components` in order, wait for SIGTERM/SIGINT or `app.stop`, then shut down:
    stop taking updates (`app.intake`), stop the components in reverse (the scheduler lets
    sends on the wire finish and leaves claimed deliveries to the next term), close."""
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, app.stop.set)
            handled.append(sig)
    started: list[Component] = []
    try:
        forgotten = app.conversations.prune(datetime.now(UTC) - CONTEXT_LIFETIME)
        if forgotten:
            log.info("forgot %d conversation contexts older than %s", forgotten, CONTEXT_LIFETIME)
        if not components:
            log.warning("nothing to run: no console and no chat platform configured")
            return
        for component in components:
            await component.start()
            started.append(component)
            app.started.add(component.name)
            log.debug("started %s", component.name)
        # everything loaded at start-up lives as long as the process: keep it out of the
        # collector's generations, so a full collection does not stall the loop for long
        gc.collect()
        gc.freeze()
        log.info("briefbot running", extra={"components": [c.name for c in started]})
        await app.stop.wait()
        log.info("stopping: no new updates, finishing deliveries on the wire")
    finally:
        for stop_intake in app.intake if started else ():
            try:
                await stop_intake()
            except Exception:
                log.exception("stopping intake failed")
        for component in reversed(started):
            app.started.discard(component.name)
            try:
                await component.stop()
                log.debug("stopped %s", component.name)
            except Exception:
                log.exception("stopping %s failed", component.name)
        for shutdown in reversed(app.on_shutdown):
            try:
                shutdown()
            except Exception:
                log.exception("shutting down failed")
        for sig in handled:
            loop.remove_signal_handler(sig)
