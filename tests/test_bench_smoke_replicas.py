"""The failover bench runs end to end on the real PostgreSQL (one quick round per mode)."""

from __future__ import annotations

import pytest

from bench.replicas import render, run


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["kill", "stop"])
async def test_failover_bench_runs(postgres_url: str, mode: str) -> None:
    result = await run(replicas=2, rounds=1, failover=2.0, mode=mode)
    assert result["rounds"] == 1 and len(result["failover_s"]) == 1
    assert result["failover_s"][0] > 0
    assert ("SIGKILL" if mode == "kill" else "SIGSTOP") in render(result)
