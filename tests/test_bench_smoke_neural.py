"""The neural ceiling probe runs on one XQuAD-R article and prints every figure it promises."""

from __future__ import annotations

import json
from pathlib import Path

from bench import neural


def test_neural_probe_on_one_article(shared_data: Path, capsys) -> None:
    assert neural.main(["--lang", "de", "--limit", "1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["de"]
    assert figures["articles"] == 1
    assert figures["weight"] in neural.WEIGHTS
    split = figures["all"]
    assert split["questions"] > 0
    for key in ("ours_p_at_1", "e5_p_at_1", "fused_p_at_1"):
        assert 0.0 <= split[key] <= split["oracle_p_at_1"] or key == "fused_p_at_1", key
    assert split["oracle_p_at_1"] >= max(split["ours_p_at_1"], split["e5_p_at_1"])
    assert split["oracle_p_at_1"] <= 1.0
    assert figures["cost"]["e5_ms_per_sentence"] > 0 and figures["cost"]["e5_ms_per_question"] > 0


def test_fused_order_prefers_the_closer_sentence_only_with_weight() -> None:
    item = neural.Asked(
        case=0, gold=1, ours=((0, 2.0), (1, 1.8)), cosine=(0.80, 0.90), our_seconds=0.001
    )
    assert neural.fused_first(item, 0.5) == 0  # 1.0 + 0.40 > 0.9 + 0.45
    assert neural.fused_first(item, 8.0) == 1  # 1.0 + 6.4 < 0.9 + 7.2
    assert neural.ours_right(item) is False and neural.e5_right(item) is True
