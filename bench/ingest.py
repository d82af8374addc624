"""Ingest benchmark: N generated news pages served on loopback, fetched and stored through the real
Fetcher (guard, limits, extraction) and Briefing (ranking, library), with bounded concurrency,
against a sequential baseline in the same run.

    python -m bench.ingest [--pages 500] [--concurrency 8] [--baseline-pages 100] [--json]

A third run times the fetch layer alone (no ranking, no storing), to show which part costs what.

The page server runs in its own process (pinned to another core when there is one), so the
figures are those of the ingesting process alone; that process is pinned to one core.
Targets: >= 40 pages/s on one core, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from bench.web_server import WebServer, fixture, sentence_pool, varied_page
from summarizer.errors import UserError
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.service import Briefing

HOST = "127.0.0.2"
TEMPLATES = ("de_article.html", "en_article.html")


def _serve(pages: int, conn: Connection) -> None:
    """The page server process: serves /p/<n>.html until told to stop."""
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    pools = {name: sentence_pool(name) for name in TEMPLATES}
    templates = {name: fixture(name) for name in TEMPLATES}
    with WebServer(HOST) as web:
        for n in range(pages):
            name = TEMPLATES[n % len(TEMPLATES)]
            web.page(f"/p/{n}.html", varied_page(templates[name], n, pools[name]))
        conn.send(web.base)
        conn.recv()


@dataclass(frozen=True)
class Run:
    """One timed run; `cpu_seconds` is this process's CPU time (all threads) during it."""

    label: str
    pages: int
    stored: int
    failed: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Pages per CPU second: the wall rate on a core of our own (the figure that does not
        move when other programs share the machine)."""
        return self.pages / self.cpu_seconds if self.cpu_seconds else 0.0


async def timed(
    urls: Sequence[str], concurrency: int, call: Callable[[str], Awaitable[object]]
) -> tuple[float, float, int]:
    """Run `call` on every URL, `concurrency` at a time: (wall seconds, CPU seconds, failures)."""
    bound = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(url: str) -> None:
        nonlocal failed
        async with bound:
            try:
                await call(url)
            except UserError:
                failed += 1

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(url) for url in urls))
    return time.perf_counter() - started, time.process_time() - cpu_started, failed


async def ingest(label: str, urls: Sequence[str], concurrency: int, database: Path) -> Run:
    """Fetch and store every URL through Fetcher + Briefing, `concurrency` at a time."""
    library = Library.open(f"sqlite:///{database.as_posix()}")
    briefing = Briefing(library, fetcher=Fetcher(allow=[HOST]))
    seconds, cpu, failed = await timed(urls, concurrency, briefing.add_url)
    stored = library.count()
    library.engine.dispose()
    return Run(label, len(urls), stored, failed, seconds, cpu)


async def fetch_only(label: str, urls: Sequence[str], concurrency: int) -> Run:
    """The fetch layer alone (guard, HTTP, limits, decoding, extraction), nothing stored."""
    fetcher = Fetcher(allow=[HOST])
    seconds, cpu, failed = await timed(urls, concurrency, fetcher.fetch_document)
    return Run(label, len(urls), len(urls) - failed, failed, seconds, cpu)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--baseline-pages", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(args.pages, theirs), daemon=True)
    server.start()
    try:
        base = ours.recv()
        urls = [f"{base}/p/{n}.html" for n in range(args.pages)]
        baseline_urls = urls[: max(1, min(args.baseline_pages, args.pages))]
        with tempfile.TemporaryDirectory() as folder:
            # warm up imports and the SSL context outside the timed runs
            asyncio.run(ingest("warm-up", urls[:1], 1, Path(folder) / "warm.db"))
            bounded = asyncio.run(
                ingest(
                    f"bounded x{args.concurrency}",
                    urls,
                    args.concurrency,
                    Path(folder) / "bounded.db",
                )
            )
            sequential = asyncio.run(
                ingest("sequential", baseline_urls, 1, Path(folder) / "sequential.db")
            )
            fetched = asyncio.run(
                fetch_only(f"fetch only x{args.concurrency}", urls, args.concurrency)
            )
    finally:
        ours.send("stop")
        server.join(timeout=10)
    ok = bounded.stored == bounded.pages and bounded.failed == 0
    if args.json:
        runs = {"bounded": bounded, "sequential": sequential, "fetch_only": fetched}
        print(json.dumps({
            name: {**asdict(run), "rate": run.rate, "cpu_rate": run.cpu_rate}
            for name, run in runs.items()
        } | {"concurrency": args.concurrency, "peak_rss_mb": round(peak_rss_mb(), 1),
             "load_average": os.getloadavg()[0], "cores": os.cpu_count()}, indent=2))  # fmt: skip
        return 0 if ok else 1
    for run in (bounded, sequential, fetched):
        print(
            f"{run.label:<16} {run.pages:>5} pages  {run.stored:>5} stored  {run.failed:>3} failed"
            f"  {run.seconds:7.2f} s  {run.rate:7.1f} pages/s"
            f"  ({run.cpu_seconds:6.2f} CPU s: {run.cpu_rate:6.1f} pages per CPU second)"
        )
    ratio = bounded.rate / sequential.rate if sequential.rate else 0.0
    print(f"ratio bounded/sequential: {ratio:.2f}x")
    print(
        f"fetch share of ingest time: {fetched.seconds / bounded.seconds:.0%} (rest: rank + store)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (targets: >= 40 pages/s on one core, <= 300 MB)")
    print(f"ingested {bounded.stored}/{bounded.pages}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
