"""The topic-brief benchmark on a small mixed library: topics picked by its rules, ours on the
topic more often than the plain lead baseline, every figure the summary table reads."""

from __future__ import annotations

import json
from pathlib import Path

from bench import briefs, summary


def test_brief_bench_on_a_small_mixed_library(shared_data: Path, capsys) -> None:
    assert briefs.main(["--news", "150", "--wiki", "30", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] > 150
    assert result["topics"].get("title", 0) >= 3 and result["topics"].get("country", 0) >= 3
    for group in ("news", "titles"):
        ours, lead = result["groups"][group]["ours"], result["groups"][group]["lead"]
        assert ours["points"] > 0
        assert ours["about"] >= 0.9 and ours["about"] > lead["about"]
        assert ours["redundant_pairs"] == 0 and ours["empty_briefs"] == 0
    rows = summary.rows_for(summary.Outcome("briefs", "python -m bench.briefs", data=result))
    assert rows and not [r.missing for r in rows if r.missing]
