"""Smoke test of the ingest benchmark on a tiny slice: it runs, stores every page, reports."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_ingest_bench_runs_on_a_tiny_slice() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--pages", "4", "--baseline-pages", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ingested 4/4" in done.stdout
    assert "pages/s" in done.stdout and "peak RSS" in done.stdout
    assert "ratio bounded/sequential" in done.stdout
