"""An `/add URL` in flight when the process dies is finished and answered after the restart
(issue 14 item 6): the real router and store on a SQLite file, pages on loopback, the "kill"
being the handling task cancelled mid-fetch (the adapter never marks it answered)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.web_server import Route, WebServer, fixture
from bot.app import App, build_app
from bot.commands import Incoming
from bot.config import Settings
from bot.pending_adds import LEASE, PendingAddResumer, PendingAdds
from schedules.clock import ManualClock
from summarizer.reply import ChatRef
from tests.fakes.recording_sender import RecordingSender

ALLOWED = "127.0.0.2"
CHAT = ChatRef("telegram", "111")


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer(ALLOWED) as server:
        yield server


def make_app(data_dir: Path) -> App:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BRIEFBOT_DATA_DIR=data_dir,
        BRIEFBOT_FETCH_ALLOW=ALLOWED,
        BRIEFBOT_FETCH_TIMEOUT=30,
    )
    return build_app(settings)


async def killed_mid_fetch(data_dir: Path, web: WebServer, path: str) -> tuple[App, str]:
    """An app (on `data_dir`) whose `/add` of the page at `path`, which hangs, was killed while
    the page was being fetched; the app and the page's URL."""
    url = web.route(path, Route(hang=True))
    app = make_app(data_dir)
    task = asyncio.create_task(app.router.handle(Incoming(CHAT, "7", f"/add {url}")))
    while not any(seen.path == path for seen in web.requests):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return app, url


def resumer_after(app: App, sender: RecordingSender, minutes: float) -> PendingAddResumer:
    later = datetime.now(UTC) + timedelta(minutes=minutes)
    store = PendingAdds(app.engine, now=lambda: later)
    return PendingAddResumer(store, app.library_commands.finish_add, {"telegram": sender})


async def test_an_add_killed_mid_fetch_is_finished_and_answered_after_a_restart(
    tmp_path: Path, web: WebServer
) -> None:
    first, url = await killed_mid_fetch(tmp_path, web, "/kiel/wasserstoff.html")
    assert first.library_commands.pending is not None
    [pending] = first.library_commands.pending.all()
    assert (pending.chat, pending.url, pending.language) == (CHAT, url, "de")

    web.page("/kiel/wasserstoff.html", fixture("de_article.html"))  # the site answers again
    restarted = make_app(tmp_path)
    sender = RecordingSender(ManualClock(datetime.now(UTC)))
    assert await resumer_after(restarted, sender, 0).resume() == 0  # younger than the lease
    assert await resumer_after(restarted, sender, LEASE.total_seconds() / 60 + 1).resume() == 1
    note, added = [sent.reply for sent in sender.to("111")]
    assert note.text == f"Nach einem Neustart nachgeholt: /add {url}"
    assert added.text.startswith("Gespeichert: Kieler Stadtwerke testen Wasserstoffbusse")
    assert added.context_id is not None  # its buttons and follow-ups work like a normal /add
    assert restarted.library.count() == 1 and restarted.library.by_url(url) is not None
    assert (
        restarted.library_commands.pending is not None
        and restarted.library_commands.pending.all() == []
    )


async def test_an_add_that_fails_after_the_restart_is_answered_with_the_reason(
    tmp_path: Path, web: WebServer
) -> None:
    app, url = await killed_mid_fetch(tmp_path, web, "/weg.html")
    web.route("/weg.html", Route(b"gone", status=404, content_type="text/plain"))
    sender = RecordingSender(ManualClock(datetime.now(UTC)))
    assert await resumer_after(app, sender, 3).resume() == 1
    note, error = [sent.reply for sent in sender.sent]
    assert note.text.endswith(url)
    assert error.kind == "error" and "404" in error.text
    assert app.library_commands.pending is not None and app.library_commands.pending.all() == []


async def test_an_answered_add_leaves_nothing_behind(tmp_path: Path, web: WebServer) -> None:
    url = web.page("/kiel/wasserstoff.html", fixture("de_article.html"))
    app = make_app(tmp_path)
    message = Incoming(CHAT, "7", f"/add {url}")
    [reply] = await app.router.handle(message)
    assert reply.text.startswith("Gespeichert")
    assert (
        app.library_commands.pending is not None and len(app.library_commands.pending.all()) == 1
    )  # until sent
    app.router.answered(message)  # what the adapters do once the replies went out
    assert app.library_commands.pending.all() == []
    sender = RecordingSender(ManualClock(datetime.now(UTC)))
    assert await resumer_after(app, sender, 10).resume() == 0 and sender.sent == []
