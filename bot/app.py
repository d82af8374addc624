"""The composition root: settings -> engine -> tables -> Library/Briefing -> Router -> Components.

This is the one place that knows every part. `build_app` wires the core and the router (with
the extra commands and button actions other modules contribute in `extra_commands`);
`build_components` decides what `briefbot run` starts; `serve` starts the components in order
and stops them in reverse on SIGTERM/SIGINT, or when one of them (the console) asks to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.commands import ActionHandler, Command
from bot.config import Settings
from bot.conversation import Conversations
from bot.lifecycle import Component
from bot.router import Router
from summarizer.db import Base, make_engine
from summarizer.library import Library
from summarizer.service import Briefing, DocumentFetcher

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running briefbot shares; `stop` is set to end `serve`."""

    settings: Settings
    engine: Engine
    library: Library
    briefing: Briefing
    conversations: Conversations
    router: Router
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def close(self) -> None:
        self.engine.dispose()


def default_fetcher(settings: Settings) -> DocumentFetcher:
    """The safe HTTP fetcher for /add URL and feeds, limited as configured."""
    from summarizer.fetch import Fetcher

    return Fetcher(
        allow=settings.fetch_allow,
        max_bytes=settings.fetch_max_bytes,
        timeout=settings.fetch_timeout,
    )


def create_tables(engine: Engine) -> None:
    """Create every briefbot table that is missing: all modules declaring tables are imported
    first, so `Base.metadata` knows them."""
    import bot.conversation  # noqa: F401 - declares the conversation tables
    import summarizer.library  # noqa: F401 - declares the library tables

    Base.metadata.create_all(engine)


def extra_commands(
    settings: Settings, engine: Engine, briefing: Briefing
) -> tuple[list[Command], dict[str, ActionHandler]]:
    """Commands and button actions beyond the router's built-in ones.

    Modules that add commands plug in here, e.g. feeds (`bot.feed_commands.feed_commands`) and
    subscriptions (`bot.subscription_commands`, which also handles the "subscribe:<topic>"
    button): `commands += feed_commands(...)`, `actions["subscribe"] = handler`.
    """
    commands: list[Command] = []
    actions: dict[str, ActionHandler] = {}
    return commands, actions


def build_app(
    settings: Settings,
    *,
    fetcher: DocumentFetcher | None = None,
    commands: Sequence[Command] = (),
) -> App:
    """Wire the core and the router on the configured database (tables created if missing)."""
    engine = make_engine(settings.database)
    create_tables(engine)
    library = Library(engine)
    briefing = Briefing(
        library, fetcher=fetcher if fetcher is not None else default_fetcher(settings)
    )
    conversations = Conversations(engine)
    extra, actions = extra_commands(settings, engine, briefing)
    router = Router(
        briefing, conversations, settings, commands=[*extra, *commands], actions=actions
    )
    return App(settings, engine, library, briefing, conversations, router)


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

    The console runs when asked, or by default when no chat platform is configured. Chat
    adapters, the scheduler, the feed poller and the HTTP server append their Component here
    when their settings say so.
    """
    components: list[Component] = []
    if console is None:
        console = not chat_platforms(settings)
    if console:
        from bot.console import Console

        components.append(Console(app.router, on_exit=app.stop.set))
    return components


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
        if not components:
            log.warning("nothing to run: no console and no chat platform configured")
            return
        for component in components:
            await component.start()
            started.append(component)
            log.info("started %s", component.name)
        await app.stop.wait()
    finally:
        for component in reversed(started):
            try:
                await component.stop()
                log.info("stopped %s", component.name)
            except Exception:
                log.exception("stopping %s failed", component.name)
        for sig in handled:
            loop.remove_signal_handler(sig)
