"""The fan-out bench on a tiny slice: the fake platform, a worker process killed with SIGKILL
mid-run and restarted, and the figures it reports (speed is the bench's business, not this
test's)."""

from __future__ import annotations

from bench.fanout import report, run


async def test_fanout_survives_a_kill_without_duplicates() -> None:
    result = await run(subs=40, kill_at=0.4, seed=3)
    assert result["duplicates"] == 0
    assert result["early"] == 0
    assert result["delivered"] + result["lost"] == 40
    # a loss can only be a send cut off in flight by the kill, which the ledger reports
    assert result["lost"] <= result["unconfirmed"]
    assert float(result["restart_seconds"]) > 0
    assert "duplicates 0 (target 0)" in report(result)
