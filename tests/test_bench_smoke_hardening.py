"""Smoke test of the hardening benchmark on a tiny slice: every attack runs and is reported."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def test_hardening_bench_runs_on_a_tiny_slice() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hardening",
            "--url-chars",
            "4000",
            "--feed-items",
            "600",
            "--outage-seconds",
            "1",
            "--bomb-mib",
            "16",
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["long_link"]["telegram_longest"] <= 4096
    assert figures["feed_stall"]["poll_added"] == 30
    assert figures["outage"]["delivered"] is True
    assert "Too large" in figures["bomb"]["bomb"]["message"]
