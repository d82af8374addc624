"""The replicas bench end to end on the real PostgreSQL, on tiny slices: a fan-out through two
`briefbot run` replicas (exactly once, sent by the one scheduling replica) and one failover
round per mode. Speed is the bench's business, not this test's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.replicas import exactly_once, failover, render, render_failover, throughput

pytestmark = pytest.mark.postgres


async def test_fan_out_through_two_replicas_is_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    result = await throughput(2, 12, 2, tmp_path, lead=8.0)
    assert (result["telegram_chats"], result["slack_channels"]) == (12, 2)
    assert result["delivered"] == 14
    assert result["duplicates"] == 0 and result["lost"] == 0 and result["strays"] == 0
    assert result["unconfirmed"] == 0 and result["failed"] == 0 and result["early"] == 0
    assert exactly_once(result)
    # only the leader schedules: one replica sent every digest, the other none
    assert sorted(result["delivered_by_replica"]) == [0, 14]
    assert result["scheduling_replicas"] == 1
    table = render({"throughput": [result]})
    assert "2 replica(s)" in table and "duplicates (target 0)" in table


@pytest.mark.parametrize("mode", ["kill", "stop"])
async def test_failover_bench_runs(postgres_url: str, mode: str) -> None:
    result = await failover(replicas=2, rounds=1, budget=2.0, mode=mode)
    assert result["rounds"] == 1 and len(result["failover_s"]) == 1
    assert result["failover_s"][0] > 0
    assert ("SIGKILL" if mode == "kill" else "SIGSTOP") in render_failover(result)
