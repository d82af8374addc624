"""The one HTTP server: health, readiness from real checks, metrics, mounted routes, draining stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import create_engine

from bot.http import HttpServer
from bot.observability import CheckResult, Metrics, Readiness, database_check, flag_check
from summarizer.db import make_engine


@pytest.fixture
async def client():
    async with aiohttp.ClientSession() as session:
        yield session


def server(readiness: Readiness | None = None, metrics: Metrics | None = None) -> HttpServer:
    return HttpServer(
        "127.0.0.1", 0, metrics=metrics or Metrics(), readiness=readiness or Readiness()
    )


async def test_healthz_and_metrics(client: aiohttp.ClientSession) -> None:
    metrics = Metrics()
    http = server(metrics=metrics)
    await http.start()
    try:
        assert http.port > 0
        async with client.get(f"{http.url}/healthz") as response:
            assert response.status == 200
            assert (await response.json()) == {"status": "ok"}
        metrics.briefs_served.labels(platform="telegram").inc(3)
        metrics.answer_latency.observe(0.2)
        metrics.digests_delivered.labels(platform="slack").inc()
        async with client.get(f"{http.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body = await response.text()
        assert 'briefbot_briefs_served_total{platform="telegram"} 3.0' in body
        assert "briefbot_answer_latency_seconds_count 1.0" in body
        assert 'briefbot_digests_delivered_total{platform="slack"} 1.0' in body
    finally:
        await http.stop()


async def test_readyz_reflects_real_checks(client: aiohttp.ClientSession, tmp_path: Path) -> None:
    connected = {"telegram": True}
    engine = make_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    readiness = Readiness(
        {
            "database": database_check(engine),
            "telegram": flag_check(lambda: connected["telegram"]),
        }
    )
    http = server(readiness)
    await http.start()
    try:
        async with client.get(f"{http.url}/readyz") as response:
            body = await response.json()
            assert response.status == 200, body
        assert body["ready"] is True
        assert body["checks"]["database"] == {"ok": True, "detail": "sqlite"}

        connected["telegram"] = False
        async with client.get(f"{http.url}/readyz") as response:
            body = await response.json()
            assert response.status == 503
        assert body["checks"]["telegram"] == {"ok": False, "detail": "down"}
        assert body["checks"]["database"]["ok"] is True
    finally:
        await http.stop()
        engine.dispose()


async def test_unreachable_database_and_broken_checks_are_not_ready(
    client: aiohttp.ClientSession, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.db"  # SQLite cannot create the folder
    engine = create_engine(f"sqlite:///{missing}")

    def broken() -> CheckResult:
        raise RuntimeError("boom")

    async def hanging() -> CheckResult:
        await asyncio.Event().wait()
        return CheckResult(True)

    readiness = Readiness(
        {"database": database_check(engine), "broken": broken, "hanging": hanging}, timeout=2.0
    )
    http = server(readiness)
    await http.start()
    try:
        async with client.get(f"{http.url}/readyz") as response:
            body = await response.json()
            assert response.status == 503
    finally:
        await http.stop()
        engine.dispose()
    checks = body["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["detail"].startswith("unreachable")
    assert checks["broken"] == {"ok": False, "detail": "error: RuntimeError"}
    assert checks["hanging"] == {"ok": False, "detail": "timed out"}


async def test_mounted_routes_are_served_and_mounting_late_is_refused(
    client: aiohttp.ClientSession,
) -> None:
    async def telegram(request: web.Request) -> web.Response:
        payload = await request.json()
        return web.json_response({"got": payload["update_id"]})

    http = server()
    http.add_routes([web.post("/telegram", telegram)])
    await http.start()
    try:
        async with client.post(f"{http.url}/telegram", json={"update_id": 7}) as response:
            assert response.status == 200
            assert await response.json() == {"got": 7}
        with pytest.raises(RuntimeError):
            http.add_routes([web.post("/slack/events", telegram)])
    finally:
        await http.stop()


async def test_stop_drains_requests_in_flight_then_refuses(client: aiohttp.ClientSession) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.Response(text="finished")

    http = server()
    http.add_routes([web.get("/slow", slow)])
    await http.start()
    url = http.url

    async def call() -> tuple[int, str]:
        async with client.get(f"{url}/slow") as response:
            return response.status, await response.text()

    request = asyncio.create_task(call())
    await entered.wait()
    stopping = asyncio.create_task(http.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waits for the request in flight
    release.set()
    assert await request == (200, "finished")
    await stopping
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as fresh, fresh.get(f"{url}/healthz"):
            pass


async def test_busy_port_fails_start_cleanly() -> None:
    first = server()
    await first.start()
    try:
        second = HttpServer("127.0.0.1", first.port, metrics=Metrics(), readiness=Readiness())
        with pytest.raises(OSError):
            await second.start()
        with pytest.raises(RuntimeError):
            _ = second.port
    finally:
        await first.stop()
