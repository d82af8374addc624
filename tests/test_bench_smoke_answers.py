"""The answer benchmark runs on a tiny slice of XQuAD-R and prints every figure it promises."""

from __future__ import annotations

import json
from pathlib import Path

from bench import answers

SHARES = ("p_at_1", "mrr", "baseline_p_at_1", "baseline_mrr", "own_not_found", "foreign_not_found")
"""The figures of each split that are shares of its questions."""


def test_answer_bench_on_two_articles(shared_data: Path, capsys) -> None:
    assert answers.main(["--lang", "de", "--limit", "2", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    figures = results["de"]
    assert figures["articles"] == 2
    for split in ("all", "tune", "held-out"):
        split_figures = figures[split]
        for key in SHARES:
            assert 0.0 <= split_figures[key] <= 1.0, key
        assert split_figures["answer_ms_p95"] >= 0.0
    assert (
        figures["all"]["questions"]
        == figures["tune"]["questions"] + figures["held-out"]["questions"]
    )
    assert figures["all"]["questions"] > 0
    for split in ("all", "tune", "held-out"):
        split_figures = figures[split]
        assert split_figures["p_at_1"] <= split_figures["in_reply"] <= 1.0
        assert 0.0 <= split_figures["also_shown"] <= 1.0
    speed = figures["follow_up"]
    assert speed["articles"] == 1 and speed["questions"] == figures["all"]["questions"]
    assert 0.0 < speed["ms_p50"] <= speed["ms_p95"] <= speed["ms_max"]


def test_answer_bench_table(shared_data: Path, capsys) -> None:
    assert answers.main(["--lang", "en", "--limit", "1"]) == 0
    table = capsys.readouterr().out
    assert "P@1 bm25" in table and "foreign declined" in table
    assert any(line.startswith("en   all") for line in table.splitlines())


def test_answer_bench_cross_lingual_and_squad(shared_data: Path, capsys) -> None:
    assert answers.main(["--limit", "2", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    for way in ("en->de", "de->en"):
        figures = results["cross"][way]["all"]
        assert figures["questions"] == results["de"]["all"]["questions"]
        assert 0.0 < figures["p_at_1"] <= 1.0
        assert 0.0 <= figures["baseline_p_at_1"] <= 1.0
    squad = results["squad"]
    for split in ("all", "tune", "held-out"):
        for who in ("ours", "bm25"):
            point = squad[split][who]
            for key in ("p_at_1", "answerable_declined", "unanswerable_declined"):
                assert 0.0 <= point[key] <= 1.0, (split, who, key)
    assert squad["all"]["ours"]["answerable"] + squad["all"]["ours"]["unanswerable"] > 100
    declined = [point["unanswerable_declined"] for point in squad["curve"]]
    assert declined == sorted(declined)  # a higher threshold declines more
    assert squad["curve"][0]["answerable_declined"] == 0.0


def test_answer_bench_table_shows_the_new_parts(shared_data: Path, capsys) -> None:
    assert answers.main(["--limit", "1"]) == 0
    table = capsys.readouterr().out
    assert "cross-lingual XQuAD-R" in table and "en->de" in table
    assert "SQuAD 2.0" in table and "unans. declined" in table
