"""Hardening benchmark: replays the attacks and faults of issue 14 against the real components and
measures the figures the README's reliability section reports.

    python -m bench.hardening [--bomb-mib 1024] [--json]

- brotli bomb: an ~1.6 KB `Content-Encoding: br` body that inflates to `--bomb-mib` MiB, fetched
  by the real Fetcher (BRIEFBOT_FETCH_MAX_BYTES 5 MB) in a child process; its peak RSS against
  a child fetching an ordinary page in the same run (target: refused, peak RSS <= 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import brotli

from bench.web_server import Route, WebServer, fixture
from summarizer.errors import UserError
from summarizer.fetch import Fetcher

HOST = "127.0.0.2"
MAX_BYTES = 5_000_000


def brotli_bomb(mebibytes: int) -> bytes:
    """A brotli body that inflates to `mebibytes` MiB of zeros (built chunk by chunk)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(1 << 20)
    parts = [compressor.process(zeros) for _ in range(mebibytes)]
    parts.append(compressor.finish())
    return b"".join(parts)


@dataclass(frozen=True)
class FetchProbe:
    """What one child process saw: the error code (or "" when stored) and its peak RSS."""

    outcome: str
    peak_rss_mb: float


def _child(body_file: str, encoding: str, max_bytes: int) -> None:
    """The measured process: serve the body on loopback, fetch it through the real Fetcher."""
    body = Path(body_file).read_bytes()
    headers = {"Content-Encoding": encoding} if encoding else {}
    with WebServer(HOST) as web:
        url = web.route("/a.html", Route(body, headers=headers))
        fetcher = Fetcher(allow=[HOST], max_bytes=max_bytes, timeout=60.0)
        try:
            asyncio.run(fetcher.fetch_document(url))
            outcome = "stored"
        except UserError as error:
            outcome = error.code
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(asdict(FetchProbe(outcome, round(peak, 1)))))


def probe_fetch(body: bytes, encoding: str, max_bytes: int = MAX_BYTES) -> FetchProbe:
    """Fetch `body` served with `encoding` in a fresh child process and report what it saw."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as file:
        file.write(body)
        file.flush()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.hardening",
                "--child",
                file.name,
                encoding,
                str(max_bytes),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    return FetchProbe(**json.loads(done.stdout.strip().splitlines()[-1]))


def bomb(mebibytes: int) -> dict[str, Any]:
    """The brotli bomb against an ordinary page, each in its own child process."""
    body = brotli_bomb(mebibytes)
    ordinary = probe_fetch(brotli.compress(fixture("de_article.html")), "br")
    attacked = probe_fetch(body, "br")
    return {
        "bomb_compressed_bytes": len(body),
        "bomb_inflated_mib": mebibytes,
        "max_bytes": MAX_BYTES,
        "baseline": asdict(ordinary),
        "bomb": asdict(attacked),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-mib", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("FILE", "ENCODING", "MAX_BYTES"))
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return
    b = bomb(args.bomb_mib)
    if args.json:
        print(json.dumps({"bomb": b}, indent=2))
        return
    print(
        f"brotli bomb {b['bomb_compressed_bytes']} B -> {b['bomb_inflated_mib']} MiB: "
        f"{b['bomb']['outcome']}, peak RSS {b['bomb']['peak_rss_mb']} MB "
        f"(ordinary page: {b['baseline']['outcome']}, {b['baseline']['peak_rss_mb']} MB)"
    )


if __name__ == "__main__":
    main()
