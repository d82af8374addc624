"""The speed benchmark on a tiny slice, so it cannot rot: it runs and prints its table (no timings checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import speed
from bench.corpus import CORPUS_VERSION

COLUMNS = ["metric", "baseline", "ours", "ratio", "target", "met"]


def test_speed_bench_prints_one_table(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = speed.main(
        [
            "--articles", "40", "--repeat", "2", "--ingest-sample", "3", "--cold-runs", "1",
            "--results", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == COLUMNS
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    metrics = [row[0] for row in rows]
    assert metrics[0].startswith("ingest per article")
    assert [m.split(" via router")[0] for m in metrics[1:4]] == [
        "/brief Sahel",
        "/brief Taiwan",
        "/brief Inflation",
    ]
    assert any(m.startswith("follow-up answer") for m in metrics)
    assert any(m.startswith("cold start of `") for m in metrics)
    assert metrics[-1].startswith("peak RSS")
    assert all(len(row) == len(COLUMNS) and row[5] in {"yes", "NO", "—"} for row in rows)
    assert all("ms" in row[2] for row in rows[:4])
    assert "articles/s" in rows[0][2] and rows[-1][2].endswith("MB")
    assert all("faster" in row[3] for row in rows[1:4])  # baseline run at these sizes
    saved = json.loads((tmp_path / "speed-40.json").read_text(encoding="utf-8"))
    assert [row["metric"] for row in saved] == metrics
    assert (tmp_path / f"corpus-40-v{CORPUS_VERSION}.db").exists()  # cached for the next run
