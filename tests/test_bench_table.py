"""`python -m bench`'s summary table: rows built from small recorded outputs written here (every
benchmark's JSON shape), n/a rows for a failed benchmark or a missing figure, and one real run of
two benchmarks on their quick slices through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import BENCHES, NAMES, Bench, parse_output, run_one
from bench.summary import HEADER, NA, SPECS, Outcome, Row, markdown, rows_for

REPO = Path(__file__).resolve().parents[1]

ANSWERS = {
    language: {
        "all": {
            "p_at_1": p, "baseline_p_at_1": 0.7, "mrr": 0.9, "baseline_mrr": 0.8,
            "own_not_found": 0.05, "foreign_not_found": 0.85, "in_reply": p + 0.05,
            "also_shown": 0.2,
        }
    }
    for language, p in (("de", 0.86), ("en", 0.80))
}  # fmt: skip
ANSWERS["cross"] = {
    way: {"all": {"p_at_1": p, "baseline_p_at_1": 0.26}} for way, p in (("en->de", 0.68), ("de->en", 0.45))
}  # fmt: skip
ANSWERS["squad"] = {
    "all": {
        who: {"p_at_1": p, "answerable_declined": a, "unanswerable_declined": u}
        for who, p, a, u in (("ours", 0.68, 0.08, 0.24), ("bm25", 0.61, 0.12, 0.13))
    }
}
ROUGE_ROWS = [
    {"method": "briefbot", "rouge1": 35.0, "rouge2": 12.0, "rougeL": 20.0, "seconds": 1.0},
    {"method": "lead", "rouge1": 30.0, "rouge2": 10.0, "rougeL": 18.0, "seconds": 0.1},
    {"method": "lexrank", "rouge1": 33.0, "rouge2": 9.0, "rougeL": 19.0, "seconds": 2.0},
]
DIGESTS = {
    "ours": "briefbot",
    "all": {"articles": 4, "rows": ROUGE_ROWS},
    "held-out": {"articles": 2, "rows": ROUGE_ROWS},
}
BOILERPLATE = {"count": 0, "sources": [{"source": "a", "points": 9, "answers": 7, "hits": []}]}
SPLITTING = [
    {"splitter": s, "language": lang, "f1": f1}
    for lang in ("de", "en")
    for s, f1 in (("ours", 0.99), ("pysbd", 0.97), ("naive regex", 0.9))
]
SPEED = [
    {"metric": "ingest per article (7 KB)", "ours": "p50 15.9 ms / p95 31.8 ms; 57 articles/s"},
    {"metric": "/brief Sahel via router (10 articles)", "baseline": "p50 1.0 ms / p95 1200.0 ms",
     "ours": "p50 3.0 ms / p95 6.0 ms"},
    {"metric": "/brief Taiwan via router (100 articles)", "baseline": "p50 9 ms / p95 9000.0 ms",
     "ours": "p50 4.0 ms / p95 5.0 ms"},
    {"metric": "/brief Inflation via router (1000 articles)", "baseline": "not run",
     "ours": "p50 8.9 ms / p95 60.5 ms"},
    {"metric": "follow-up answer via router", "ours": "p50 1.1 ms / p95 1.5 ms"},
    {"metric": "first follow-up on a brief", "ours": "45 / 30 / 104 ms (CPU 1 / 2 / 3 ms)"},
    {"metric": "cold start of `briefbot ask`", "ours": "p50 425.6 ms / p95 582.7 ms"},
    {"metric": "peak RSS holding 10000 articles and answering briefs", "ours": "116 MB"},
]  # fmt: skip
INGEST = {
    "bounded": {"pages": 500, "stored": 500, "rate": 45.0, "cpu_rate": 50.0},
    "sequential": {"pages": 100, "stored": 100, "rate": 30.0, "cpu_rate": 35.0},
    "concurrency": 8,
    "peak_rss_mb": 120.0,
}
CHAT = [
    {"platform": p, "updates": 1000, "answered": 1000, "per_second": 20.0, "p95_ms": ms}
    for p, ms in (("telegram", 40.0), ("slack", 140.0))
]
FANOUT = [
    {"kill": k, "subscriptions": 2000, "delivered": 2000 - lost, "duplicates": 0, "lost": lost,
     "unconfirmed": lost, "seconds": 70.0, "floor_seconds": 66.67, "ratio": 1.05}
    for k, lost in (("kill", 1), ("term", 0))
]  # fmt: skip
REPLICAS = {
    "throughput": [
        {"replicas": n, "deliveries_per_s": rate, "delivered": 620, "duplicates": 0, "lost": 0,
         "strays": 0, "unconfirmed": 0, "failed": 0, "early": 0, "ratio": 1.05}
        for n, rate in ((1, 29.0), (3, 28.5))
    ],
    "failover": {"mode": "kill", "rounds": 5, "median_s": 3.1, "max_s": 4.0,
                 "within_budget": True, "failover_budget_s": 30.0},
}  # fmt: skip
NEURAL = {
    lang: {
        "articles": 48, "weight": 8.0,
        "all": {"questions": 1190, "ours_p_at_1": ours, "e5_p_at_1": 0.75,
                "fused_p_at_1": fused, "oracle_p_at_1": oracle},
        "cost": {"e5_ms_per_sentence": 62.0, "e5_ms_per_question": 19.0, "our_rank_ms_p50": 0.6},
    }
    for lang, ours, fused, oracle in (("de", 0.77, 0.80, 0.86), ("en", 0.79, 0.82, 0.87))
}  # fmt: skip
HARDENING = {
    "long_link": {"telegram_longest": 870, "slack_largest_section": 130,
                  "points_whole": {"telegram": True, "slack": True}},
    "feed_stall": {"follow_worst_stall_ms": 15.0, "follow_seconds": 0.2, "poll_seconds": 1.0,
                   "poll_worst_stall_ms": 140.0, "idle_worst_stall_ms": 5.0},
    "outage": {"down_seconds": 20.0, "delivered": True, "delivered_after_seconds": 23.5},
    "bomb": {"baseline": {"exit_code": 0, "message": "", "peak_rss_mb": 132.0},
             "bomb": {"exit_code": 1, "message": "x: Too large: more than 5 MB.",
                      "peak_rss_mb": 134.0}},
}  # fmt: skip
BRIEFS = {
    "groups": {
        group: {
            "ours": {"about": 0.95, "naming": 0.8, "own": 0.7, "rouge2": 6.0,
                     "redundant_pairs": 0, "empty_briefs": 0},
            "lead": {"about": 0.5, "naming": 0.4, "own": 0.3, "rouge2": 5.0,
                     "redundant_pairs": 0, "empty_briefs": 0},
        }
        for group in ("news", "titles")
    }
}  # fmt: skip
RECORDED: dict[str, Any] = {
    "answers": ANSWERS, "neural": NEURAL, "digests": DIGESTS, "boilerplate": BOILERPLATE, "splitting": SPLITTING,
    "speed": SPEED, "ingest": INGEST, "chat": CHAT, "fanout": FANOUT, "replicas": REPLICAS,
    "hardening": HARDENING, "briefs": BRIEFS,
}  # fmt: skip


def table(name: str, data: Any) -> dict[str, Row]:
    rows = rows_for(Outcome(name, f"python -m bench.{name}", data=data))
    return {row.metric: row for row in rows}


def test_every_benchmark_has_rows_and_every_recorded_figure_is_read() -> None:
    assert set(SPECS) == set(NAMES) == set(RECORDED)
    for name, data in RECORDED.items():
        rows = table(name, data)
        assert rows, name
        for row in rows.values():
            assert not row.missing, (name, row)
            assert row.ours and row.ours != NA
            assert row.command == f"python -m bench.{name}"


def test_quality_rows_compare_with_the_baseline_and_judge_the_target() -> None:
    answers = table("answers", ANSWERS)
    assert answers["answers P@1 (de)"].baseline == "0.700 (BM25)"
    assert answers["answers P@1 (de)"].ratio == "1.23×"
    assert answers["answers P@1 (de)"].met is True  # 0.86 >= 0.85
    assert answers["answers P@1 (en)"].met is False  # 0.80 < 0.88
    assert answers["answers MRR (en)"].met is None  # no target
    shown = answers["answers: gold sentence quoted in the reply (de)"]
    assert shown.baseline == "0.860 (first sentence)" and shown.ratio == "1.06×"
    assert shown.ours == "0.910 (runner-up quoted in 20% of replies)" and shown.met is None
    assert answers["foreign questions declined, found=False (de)"].met is True
    assert answers["own questions declined, found=False (en)"].met is True
    assert answers["answers across languages P@1 (en→de)"].met is True  # 0.68 >= 0.50
    assert answers["answers across languages P@1 (de→en)"].met is False
    unanswerable = answers["SQuAD 2.0 unanswerable questions declined"]
    assert unanswerable.baseline == "0.130 (BM25 threshold)" and unanswerable.met is False
    assert answers["SQuAD 2.0 answerable questions declined"].met is True
    assert answers["SQuAD 2.0 answerable P@1 (declined or not)"].met is True  # 0.68 >= 0.664
    digests = table("digests", DIGESTS)
    r1 = digests["digests ROUGE-1 F1 (Klexikon)"]
    assert r1.baseline == "33.00 (lexrank)" and r1.met is True
    r2 = digests["digests ROUGE-2 F1 (Klexikon)"]
    assert r2.baseline == "10.00 (lead)" and r2.ratio == "1.20×" and r2.met is True
    assert "digests ROUGE-2 F1, held-out half" in digests


def test_neural_probe_rows_compare_with_ours() -> None:
    neural = table("neural", NEURAL)
    fused = neural["probe: P@1 ours + e5 re-ranking (de)"]
    assert fused.baseline == "0.770 (ours)" and fused.ours == "0.800" and fused.ratio == "1.04×"
    assert fused.met is False
    assert neural["probe: P@1 oracle ours-or-e5 (de)"].met is True  # 0.86 >= 0.85
    assert neural["probe: P@1 oracle ours-or-e5 (en)"].met is False  # 0.87 < 0.88
    assert neural["probe: e5 cost (one thread, de)"].ours.startswith("62 ms per sentence")


def test_speed_and_operations_rows() -> None:
    speed = table("speed", SPEED)
    assert speed["/brief p95, Sahel (10 articles)"].ratio == "200× faster"
    assert speed["/brief p95, Inflation (1,000 articles)"].met is False  # 60.5 ms > 50
    assert speed["/brief p95, Inflation (1,000 articles)"].ratio == "—"
    assert speed["first follow-up on a brief (index cold)"].met is False  # 104 ms
    assert speed["ingest per article (speed bench, pasted text)"].ours.startswith("57 articles/s")
    assert speed["peak RSS holding 10,000 articles, answering briefs"].met is True
    chat = table("chat", CHAT)
    assert chat["chat /brief, Slack: update → answer"].met is False  # 140 ms > 100
    fanout = table("fanout", FANOUT)
    assert fanout["fan-out (SIGKILL mid-run): exactly once"].met is False  # one lost
    assert fanout["fan-out (SIGTERM mid-run): exactly once"].met is True
    assert fanout["fan-out (SIGTERM mid-run): time / floor"].ratio == "1.050×"
    replicas = table("replicas", REPLICAS)
    three = replicas["replicas: deliveries/s with 3 replicas"]
    assert three.baseline == "29.0/s (1 replica)" and three.met is True
    assert replicas["replicas: failover of the scheduling replica"].target == "≤ 30 s"


def test_hardening_rows_judge_each_attack() -> None:
    rows = table("hardening", HARDENING)
    assert rows["4,000-char link: longest Telegram message"].ours == "870 characters"
    assert rows["brotli bomb (1.6 KB → 1 GiB): peak RSS of briefbot add"].met is True
    assert rows["event-loop stall: /feed of a 50,000-item feed"].met is True
    assert rows["event-loop stall: polling it (30 articles added)"].met is False
    assert rows["reply while the Bot API is down 20 s"].ours.startswith("delivered 23.5 s")


def test_a_failed_benchmark_and_a_missing_figure_show_na_with_the_reason() -> None:
    failed = rows_for(Outcome("ingest", "python -m bench.ingest", error="exit 1: refused"))
    assert len(failed) == 2
    assert all(row.missing == "exit 1: refused" and row.met is None for row in failed)
    text = markdown(failed)
    assert "n/a: exit 1: refused" in text and "| n/a |" in text.replace("  ", "")
    partial = table("answers", {"de": ANSWERS["de"]})  # no English figures
    assert not partial["answers P@1 (de)"].missing
    assert "figure missing" in partial["answers P@1 (en)"].missing


def test_markdown_has_one_header_and_a_line_per_row() -> None:
    rows = [row for name, data in RECORDED.items() for row in rows_for(Outcome(name, name, data))]
    lines = markdown(rows).splitlines()
    assert [cell.strip() for cell in lines[0].strip("|").split("|")] == list(HEADER)
    assert set(lines[1]) <= {"|", "-"}
    assert len(lines) == len(rows) + 2
    assert all(line.count(" | ") == len(HEADER) - 1 for line in lines[2:])


def test_parse_output_takes_all_of_stdout_or_its_last_line() -> None:
    assert parse_output('{"a": 1}\n') == {"a": 1}
    assert parse_output("a text table\nmore | of it\n[1, 2]\n") == [1, 2]
    with pytest.raises(ValueError):
        parse_output("no json at all\n")


def test_a_benchmark_that_cannot_start_is_reported_not_raised(tmp_path: Path) -> None:
    outcome = run_one(Bench("no_such_bench"), quick=True, results=tmp_path)
    assert outcome.error.startswith("exit 1") and "no_such_bench" in outcome.error
    assert (tmp_path / "run-no_such_bench.err").read_text()
    assert [bench.name for bench in BENCHES] == list(NAMES)


def test_quick_run_of_two_benchmarks_prints_and_writes_the_table(
    shared_data: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "answers,boilerplate",
         "--results", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary in done.stdout
    header = next(line for line in summary.splitlines() if line.startswith("| metric"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == list(HEADER)
    for metric in ("answers P@1 (de)", "answers MRR (en)", "boilerplate in points and answers"):
        assert f"| {metric} " in summary
    assert "n/a" not in summary
    assert "`python -m bench.answers --limit 3`" in summary
    recorded = json.loads((tmp_path / "run-answers.json").read_text(encoding="utf-8"))
    assert set(recorded) == {"de", "en", "cross", "squad"}
    rows = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert len(rows) == 16 and {row["command"] for row in rows} == {
        "python -m bench.answers --limit 3",
        "python -m bench.boilerplate --limit 3",
    }
