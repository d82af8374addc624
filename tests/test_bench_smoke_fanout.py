"""The fan-out bench on a tiny slice: the fake platform, a worker process stopped mid-run with
SIGKILL or SIGTERM and restarted, and the figures it reports (speed is the bench's business,
not this test's). The stop follows the 16th accepted message, however slowly the worker
started, so these hold on a busy machine."""

from __future__ import annotations

from bench.fanout import on_target, report, run

SUBS = 40
STOP_AFTER = 16  # kill_at=0.4 of 40 messages
CLIENT_TIMEOUT = 5.0
"""The worker's wait for an answer: the bench's 0.25 s is shorter than this process (which
hosts the fake platform) may stall on a busy machine, and a late answer would mean a resend."""


async def test_fanout_survives_a_kill_without_duplicates() -> None:
    result = await run(subs=SUBS, kill_at=0.4, seed=3, kill="kill", client_timeout=CLIENT_TIMEOUT)
    assert result["kill"] == "kill" and result["exit_code"] == -9
    assert result["duplicates"] == 0
    assert result["early"] == 0
    assert result["delivered"] + result["lost"] == SUBS
    # a loss can only be a send cut off in flight by the kill, which the ledger reports
    assert result["lost"] <= result["unconfirmed"]
    assert float(result["restart_seconds"]) > 0
    assert result["delivered_before_kill"] == STOP_AFTER, "the kill missed the fan-out"
    table = report([result])
    assert "SIGKILL" in table and "duplicates (target 0)" in table


async def test_fanout_after_sigterm_loses_and_repeats_nothing() -> None:
    result = await run(subs=SUBS, kill_at=0.4, seed=3, kill="term", client_timeout=CLIENT_TIMEOUT)
    assert result["exit_code"] == 0  # a clean exit, not a crash
    assert result["delivered_before_kill"] == STOP_AFTER, "the stop missed the fan-out"
    assert result["delivered"] == SUBS
    assert result["duplicates"] == 0 and result["lost"] == 0
    assert result["unconfirmed"] == 0 and result["failed"] == 0
    assert result["early"] == 0
    # the time above the floor is accounted for by its parts (each one non-negative)
    parts = ("first_after_due", "stop_gap_seconds", "other_idle_seconds")
    assert all(float(result[part]) >= 0 for part in parts)
    assert on_target({**result, "ratio": 1.0})  # exactly-once holds; speed is not judged here
    assert "SIGTERM" in report([result])
