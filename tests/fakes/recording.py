"""What both fake platform servers share: a log of every call, a way to wait for one, and
serving their aiohttp app on a free loopback port; and serving a bot's own routes the same way."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    """One recorded API call (`result`: what the fake answered, where a test needs it)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    result: dict[str, Any] | None = None


class CallLog:
    """Records calls; `wait_for` lets a test await calls made by a background task."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _serve(self, app: web.Application) -> None:
        """Serve `app` on 127.0.0.1 at a port the OS picks (then in `port`)."""
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, method: str, params: dict[str, Any]) -> Call:
        call = Call(method, params)
        self.calls.append(call)
        self._new_call.set()
        return call

    async def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """Wait until `count` calls of `method` were made; fail after `timeout` seconds (a
        hang guard for a busy machine: the wait ends as soon as the calls were made)."""
        await self.wait_until(
            lambda: sum(1 for c in self.calls if c.method == method) >= count,
            timeout,
            lambda: (
                f"{method} called {sum(1 for c in self.calls if c.method == method)} times, "
                f"expected {count}"
            ),
        )
        return [c for c in self.calls if c.method == method]

    async def wait_until(
        self, done: Callable[[], bool], timeout: float, failure: Callable[[], str]
    ) -> None:
        """Wait until `done()` holds, looking again at every new call; after `timeout` seconds
        fail with `failure()`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not done():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(failure())
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)


async def serve_routes(routes: Iterable[web.RouteDef], path: str) -> tuple[web.AppRunner, str]:
    """Serve `routes` (a bot's webhook or events endpoint) on 127.0.0.1 at a port the OS picks:
    the runner, to clean up, and the URL of `path` there."""
    server = web.Application()
    server.add_routes(routes)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
