"""The one HTTP server of a briefbot process: health, readiness, metrics, and mounted webhooks.

Telegram's webhook (/telegram) and Slack's HTTP events (/slack/events) are mounted on it with
`add_routes`, so a replica listens on a single port (BRIEFBOT_HTTP_PORT) behind a load balancer.
`stop` drains: it stops accepting connections and lets requests in flight finish.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from aiohttp import web

from bot.observability import Metrics, Readiness

log = logging.getLogger(__name__)


class HttpServer:
    """An aiohttp server as a `Component`; serves /healthz, /readyz and /metrics always."""

    name = "http"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        metrics: Metrics,
        readiness: Readiness,
        drain_seconds: float = 10.0,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.metrics = metrics
        self.readiness = readiness
        self.drain_seconds = drain_seconds
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None
        self._draining = False
        self._port: int | None = None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Mount more handlers (e.g. `[web.post("/telegram", handler)]`); only before `start`."""
        if self._runner is not None:
            raise RuntimeError("add_routes must be called before the HTTP server starts")
        self.app.router.add_routes(routes)

    @property
    def port(self) -> int:
        """The bound port (the OS's choice when the configured port is 0)."""
        if self._port is None:
            raise RuntimeError("the HTTP server is not running")
        return self._port

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in {"0.0.0.0", "", "::"} else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            self.app, shutdown_timeout=self.drain_seconds, access_log=None, handle_signals=False
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._draining = False
        self._port = int(runner.addresses[0][1])
        log.info("HTTP server listening", extra={"host": self.host, "port": self._port})

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish (up to `drain_seconds`), close."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._draining = True
        await runner.cleanup()
        self._port = None
        log.info("HTTP server stopped")

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        results = await self.readiness.run()
        ready = all(result.ok for result in results.values()) and not self._draining
        body = {
            "ready": ready,
            "draining": self._draining,
            "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
        }
        return web.Response(
            text=json.dumps(body),
            status=200 if ready else 503,
            content_type="application/json",
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.render())
        response.headers["Content-Type"] = self.metrics.content_type
        return response
