"""The chat benchmark runs end to end on a tiny slice: every /brief is answered on both platforms."""

from __future__ import annotations

from pathlib import Path

from bench.chat import run, table


async def test_bench_chat_smoke(tmp_path: Path) -> None:
    results = await run(updates=12, rate=200, articles=0, data_dir=tmp_path)
    assert [r.platform for r in results] == ["telegram", "slack"]
    for result in results:
        assert result.updates == result.answered == 12
        assert result.p95_ms >= result.p50_ms > 0
    assert "| telegram | 12 | 12 |" in table(results, 200)
