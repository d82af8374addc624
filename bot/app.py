"""The composition root: settings -> engine -> tables -> Library/Briefing -> Router -> Components.

This is the one place that knows every part. `build_app` wires the core and the router (with
the extra commands and button actions other modules contribute in `extra_commands`);
`build_components` decides what `briefbot run` starts; `serve` starts the components in order
and stops them in reverse on SIGTERM/SIGINT, or when one of them (the console) asks to stop.
Platform libraries are imported only when their platform is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.commands import ActionHandler, Command
from bot.config import Settings
from bot.conversation import Conversations
from bot.lifecycle import Component
from bot.router import Router
from schedules.sending import Sender, TransientSendError
from summarizer.db import Base, make_engine
from summarizer.library import Library
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing, DocumentFetcher

if TYPE_CHECKING:
    from bot.observability import Metrics
    from schedules.feeds import FeedStore
    from schedules.ratelimit import RateLimiter

log = logging.getLogger(__name__)

CONTEXT_LIFETIME = timedelta(days=30)
"""How long a digest's buttons and follow-ups keep working; older contexts are pruned at start."""


@dataclass
class App:
    """Everything a running briefbot shares; setting `stop` ends `serve`."""

    settings: Settings
    engine: Engine
    library: Library
    briefing: Briefing
    conversations: Conversations
    router: Router
    fetcher: DocumentFetcher | None = None
    metrics: Metrics | None = None
    feeds: FeedStore | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    on_shutdown: list[Callable[[], None]] = field(default_factory=list)
    """Run by `serve` inside the event loop after every component stopped (e.g. closing
    the scheduler for good)."""

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


class PlatformSenders:
    """One `Sender` for scheduled digests over the adapters' senders, by the chat's platform."""

    def __init__(self) -> None:
        self.senders: dict[str, Sender] = {}

    def add(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        sender = self.senders.get(chat.platform)
        if sender is None:  # e.g. its token was removed: retried, the subscription is kept
            raise TransientSendError(f"no {chat.platform!r} adapter is running")
        return await sender.send(chat, reply)


def default_fetcher(settings: Settings) -> DocumentFetcher:
    """The guarded HTTP fetcher for /add URL and feeds, limited as configured."""
    from summarizer.fetch import Fetcher

    return Fetcher(
        allow=settings.fetch_allow,
        max_bytes=settings.fetch_max_bytes,
        timeout=settings.fetch_timeout,
    )


def create_tables(engine: Engine) -> None:
    """Create every missing briefbot table; the modules declaring tables are imported first,
    so `Base.metadata` knows them all."""
    import bot.conversation  # noqa: F401 - conversation tables
    import schedules.feeds  # noqa: F401 - feed tables
    import summarizer.library  # noqa: F401 - library tables

    Base.metadata.create_all(engine)


def extra_commands(
    settings: Settings, briefing: Briefing, fetcher: DocumentFetcher, feeds: FeedStore | None
) -> tuple[list[Command], dict[str, ActionHandler]]:
    """Commands and button actions beyond the router's built-in ones, in /help order.

    A module that adds commands plugs in here: `commands += its_commands(...)`, and a button
    prefix it handles goes into `actions`. Parts that can only be built after the router
    (they need an adapter's sender) use `Router.register` / `register_action` instead.
    """
    commands: list[Command] = []
    actions: dict[str, ActionHandler] = {}
    from summarizer.fetch import Fetcher

    if feeds is not None and isinstance(fetcher, Fetcher):
        from bot.feed_commands import feed_commands

        commands += feed_commands(feeds, fetcher, default_interval=settings.feed_interval_minutes)
    return commands, actions


def build_app(
    settings: Settings,
    *,
    fetcher: DocumentFetcher | None = None,
    commands: Sequence[Command] = (),
    metrics: Metrics | None = None,
) -> App:
    """Wire the core and the router on the configured database (tables created if missing)."""
    engine = make_engine(settings.database)
    create_tables(engine)
    library = Library(engine)
    fetcher = fetcher if fetcher is not None else default_fetcher(settings)
    briefing = Briefing(library, fetcher=fetcher)
    conversations = Conversations(engine)
    from schedules.feeds import FeedStore

    feeds = FeedStore(engine)
    extra, actions = extra_commands(settings, briefing, fetcher, feeds)
    router = Router(
        briefing,
        conversations,
        settings,
        commands=[*extra, *commands],
        actions=actions,
        observe=metrics.replied if metrics is not None else None,
    )
    return App(settings, engine, library, briefing, conversations, router, fetcher, metrics, feeds)


def chat_platforms(settings: Settings) -> list[str]:
    """The chat platforms whose tokens are configured."""
    platforms = []
    if settings.telegram_bot_token:
        platforms.append("telegram")
    if settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret):
        platforms.append("slack")
    return platforms


def build_components(
    settings: Settings, app: App, *, console: bool | None = None
) -> list[Component]:
    """What `briefbot run` starts, in start order (stopped in reverse).

    With a chat platform configured: the HTTP server (health, readiness, metrics, and the
    Telegram webhook / Slack HTTP endpoint), then each adapter; then the feed poller (with the
    guarded fetcher). The console runs when asked, or by default when no chat platform is
    configured. The digest scheduler (behind leader election) goes after the adapters, whose
    senders it uses (the console is one too); all outgoing messages share one RateLimiter.
    """
    from schedules.ratelimit import RateLimiter

    components: list[Component] = []
    platforms = chat_platforms(settings)
    limiter = RateLimiter()
    senders = PlatformSenders()
    if platforms:
        from bot.http import HttpServer
        from bot.observability import Metrics, Readiness, database_check

        metrics = app.metrics or Metrics()
        readiness = Readiness({"database": database_check(app.engine)})
        http = HttpServer(
            settings.http_host, settings.http_port, metrics=metrics, readiness=readiness
        )
        components.append(http)
        if "telegram" in platforms:
            from bot.telegram import TelegramBot

            telegram = TelegramBot.from_settings(settings, app.router, limiter=limiter)
            if settings.telegram_webhook_url:
                http.add_routes(telegram.routes())
            senders.add("telegram", telegram.sender)
            components.append(telegram)
        if "slack" in platforms:
            from bot.slack import SlackBot

            slack = SlackBot.from_settings(settings, app.router, limiter=limiter)
            if slack.http_mode:
                http.add_routes(slack.routes())
            senders.add("slack", slack.sender)
            components.append(slack)
    from summarizer.fetch import Fetcher

    if app.feeds is not None and isinstance(app.fetcher, Fetcher):
        from schedules.feeds import FeedPoller

        components.append(FeedPoller(app.feeds, app.fetcher, app.briefing))
    if console is None:
        console = not platforms
    terminal = None
    if console:
        from bot.console import Console

        terminal = Console(app.router, on_exit=app.stop.set)
        senders.add("console", terminal)
    components.append(scheduled_digests(settings, app, senders, limiter))
    if terminal is not None:
        components.append(terminal)
    return components


def scheduled_digests(
    settings: Settings, app: App, sender: Sender, limiter: RateLimiter | None = None
) -> Component:
    """The digest scheduler behind leader election (one active scheduler among replicas on
    PostgreSQL; on SQLite always this process), and the /subscribe family of commands and
    the "subscribe:<topic>" button registered on the router."""
    from bot.subscription_commands import SubscriptionCommands
    from schedules.delivery import Deliveries
    from schedules.leader import LeaderElection
    from schedules.scheduler import DigestScheduler
    from schedules.subscriptions import Subscriptions

    subscriptions = Subscriptions(app.engine)
    deliveries = Deliveries(
        app.engine,
        subscriptions,
        app.briefing,
        sender,
        limiter=limiter,
        language=app.router.language_for,
        compose=app.router.digest_reply,
        silent_when_nothing_new=settings.silent_when_nothing_new,
    )
    scheduler = DigestScheduler(
        app.engine,
        subscriptions,
        deliveries,
        grace=timedelta(hours=settings.catchup_grace_hours),
    )
    app.on_shutdown.append(scheduler.close)
    commands = SubscriptionCommands(subscriptions, scheduler, settings, briefing=app.briefing)
    for command in commands.commands():
        app.router.register(command)
    for prefix, handler in commands.actions().items():
        app.router.register_action(prefix, handler)
    return LeaderElection(
        settings.database,
        on_elected=scheduler.start,
        on_demoted=scheduler.stop,
        failover_seconds=settings.scheduler_failover_seconds,
    )


async def serve(app: App, components: Sequence[Component]) -> None:
    """Start `components` in order, wait for SIGTERM/SIGINT or `app.stop`, stop in reverse."""
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
            log.debug("started %s", component.name)
        await app.stop.wait()
    finally:
        for component in reversed(started):
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
