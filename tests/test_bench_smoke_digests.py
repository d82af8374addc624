"""The digest and boilerplate benchmarks run on a tiny slice and print what they promise."""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench import boilerplate, digests, rouge


def lcs_table(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


def test_bit_parallel_lcs_matches_the_table() -> None:
    rng = random.Random(7)
    for _ in range(200):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        assert rouge.lcs_length(a, b) == lcs_table(a, b)


def test_rouge_is_unicode_aware() -> None:
    assert rouge.tokens("Die Größe der Straße") == ["die", "größe", "der", "straße"]
    same = rouge.score("Die Straße ist groß.", "die straße ist groß")
    assert same.rouge1 == same.rouge2 == same.rougeL == 1.0
    assert rouge.score("Größe", "Grosse").rouge1 == 0.0
    partial = rouge.score("der Hund bellt laut", "der Hund schläft")
    assert 0 < partial.rouge2 < partial.rouge1 < 1


def test_digest_bench_on_three_pairs(shared_data: Path, capsys) -> None:
    assert digests.main(["--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "Klexikon, all (3 articles)" in out
    assert "held-out half (second)" in out
    for method in (digests.OURS, *digests.BASELINES):
        assert f"\n{method} " in out
    first_row = out.splitlines()[2].split()
    assert first_row[0] == digests.OURS
    assert all(0.0 < float(v) < 100.0 for v in first_row[1:4])


def test_boilerplate_bench_counts_zero(capsys) -> None:
    assert boilerplate.main(["--json", "--limit", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["count"] == 0, result
    assert all(s["points"] > 0 for s in result["sources"])
    assert sum(s["answers"] for s in result["sources"]) > 0
