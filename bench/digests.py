"""Digest quality on Klexikon: our key points against Lead-k and six sumy summarizers, ROUGE F1.

`python -m bench.digests [--limit N] [--jobs 2] [--timing] [--fit] [--json]`. For each Wikipedia article (`wiki/`) and its human-written
children's version (`klexikon/`), k = min(15, sentences of the short version). Ours goes through
the same path as `briefbot digest` (extract.from_path -> digest.rank -> digest.digest, k points);
every baseline ranks the very same extracted sentences, so splitting is identical for all.
The files are sorted by name; the first half was used for tuning the digest weights, the second
half is held out, and the table is printed for all, for the tuning half and the held-out half.
Reference text: the short version's lines, without its "== heading" lines.
Articles are spread over a process pool (`--jobs`, default 2); every baseline the issue names
finishes (LSA is the slowest, about a minute of CPU on all 274 pairs).
`--timing` prints digest.rank's milliseconds per article by sentence count; `--fit` refits the
digest feature weights (digest.Weights.coefficients) by least squares on the tuning half only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np

from bench.rouge import Scores, score, tokens
from summarizer import digest, extract
from summarizer.models import Article, Document

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "klexikon-validation"
MAX_POINTS = 15
BASELINES = ("lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "edmundson")
OURS = "briefbot"


@dataclass(frozen=True)
class Row:
    """Mean ROUGE F1 (x100) of one method over a set of articles."""

    method: str
    rouge1: float
    rouge2: float
    rougeL: float
    seconds: float


def reference_lines(text: str) -> list[str]:
    """The short version's sentences (one a line), headings left out."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("=")]


def ours(document: Document, k: int) -> list[str]:
    """Our k points exactly as `briefbot digest` makes them (rank at ingest, digest from it)."""
    ranking = digest.rank(document)
    article = Article.from_document(document, ranking, id="bench", added=datetime.now(UTC))
    return [p.text for p in digest.digest(article, points=k).points]


def baseline(method: str, document: Document, k: int) -> list[str]:
    """Lead-k, or a sumy summarizer run on our extracted sentences (its own top-k selection)."""
    if method == "lead":
        return [s.text for s in document.sentences[:k]]
    model = digest.sumy_document(document.sentences, document.language)
    summarizer = digest.sumy_summarizer(method, document.language)
    return [str(sentence) for sentence in summarizer(model, k)]


def methods() -> dict[str, Callable[[Document, int], list[str]]]:
    table: dict[str, Callable[[Document, int], list[str]]] = {OURS: ours}
    for name in BASELINES:
        table[name] = lambda document, k, name=name: baseline(name, document, k)  # type: ignore[misc]
    return table


def pair_names(data: Path) -> list[str]:
    return sorted(
        p.name for p in (data / "wiki").glob("*.txt") if (data / "klexikon" / p.name).is_file()
    )


def _one_pair(data: Path, name: str) -> tuple[dict[str, Scores], dict[str, float]]:
    """Every method's ROUGE on one pair, and its seconds."""
    document = extract.from_path(data / "wiki" / name, language="de")
    reference = reference_lines((data / "klexikon" / name).read_text(encoding="utf-8"))
    k = min(MAX_POINTS, len(reference))
    scores: dict[str, Scores] = {}
    seconds: dict[str, float] = {}
    for method, run in methods().items():
        started = time.perf_counter()
        points = run(document, k)
        seconds[method] = time.perf_counter() - started
        scores[method] = score(" ".join(points), " ".join(reference))
    return scores, seconds


def evaluate(
    data: Path, names: Sequence[str], jobs: int = 2
) -> tuple[dict[str, list[Scores]], dict[str, float]]:
    """Per-method ROUGE scores, one per article in `names` order, and CPU seconds per method."""
    results: dict[str, list[Scores]] = {name: [] for name in methods()}
    seconds = dict.fromkeys(results, 0.0)
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for scores, spent in pool.map(_one_pair, [data] * len(names), names, chunksize=2):
            for method, value in scores.items():
                results[method].append(value)
                seconds[method] += spent[method]
    return results, seconds


def timing(data: Path, names: Sequence[str]) -> str:
    """digest.rank's milliseconds per article (median, worst) by sentence count, one process."""
    buckets: dict[int, list[float]] = {}
    for name in names:
        document = extract.from_path(data / "wiki" / name, language="de")
        for size in (20, 40, 70, 150, 300):
            if len(document.sentences) < size:
                continue
            part = Document(
                document.title, "", "de", "", document.sentences[:size], url=document.url
            )
            digest.rank(part)  # warm the stemmer caches as a running ingest would be
            started = time.perf_counter()
            digest.rank(part)
            buckets.setdefault(size, []).append(1000 * (time.perf_counter() - started))
    lines = [
        "digest.rank time per article",
        f"{'sentences':>9} {'articles':>8} {'p50 ms':>7} {'max ms':>7}",
    ]
    for size, spent in sorted(buckets.items()):
        spent.sort()
        lines.append(f"{size:>9} {len(spent):>8} {spent[len(spent) // 2]:7.2f} {spent[-1]:7.2f}")
    return "\n".join(lines)


def _bigrams(text: str) -> list[tuple[str, str]]:
    words = tokens(text)
    return list(pairwise(words))


def _fit_rows(data: Path, name: str, cost: float) -> tuple[np.ndarray, np.ndarray]:
    document = extract.from_path(data / "wiki" / name, language="de")
    reference = reference_lines((data / "klexikon" / name).read_text(encoding="utf-8"))
    wanted = set(_bigrams(" ".join(reference)))
    target = [
        sum(pair in wanted for pair in _bigrams(s.text)) - cost * len(tokens(s.text))
        for s in document.sentences
    ]
    return digest.features(document), np.asarray(target, dtype=float)


def fit(data: Path, names: Sequence[str], jobs: int = 2) -> str:
    """Least-squares feature weights: each sentence's reference word pairs minus a length cost."""
    cost = digest.WEIGHTS.length_cost
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        parts = list(pool.map(_fit_rows, [data] * len(names), names, [cost] * len(names)))
    table = np.vstack([p[0] for p in parts])
    target = np.concatenate([p[1] for p in parts])
    coefficients, *_ = np.linalg.lstsq(table, target, rcond=None)
    return "\n".join(
        f"{n:<20} {c:+.4f}" for n, c in zip(digest.FEATURES, coefficients, strict=True)
    )


def rows(results: dict[str, list[Scores]], seconds: dict[str, float], pick: range) -> list[Row]:
    out = []
    for method, scores in results.items():
        chosen = [scores[i] for i in pick if i < len(scores)]
        n = max(1, len(chosen))
        out.append(
            Row(
                method,
                100 * sum(s.rouge1 for s in chosen) / n,
                100 * sum(s.rouge2 for s in chosen) / n,
                100 * sum(s.rougeL for s in chosen) / n,
                seconds[method],
            )
        )
    return out


def format_table(title: str, table: Sequence[Row], count: int) -> str:
    best = {
        "r1": max((r.rouge1 for r in table if r.method != OURS), default=0.0),
        "r2": max((r.rouge2 for r in table if r.method != OURS), default=0.0),
        "rl": max((r.rougeL for r in table if r.method != OURS), default=0.0),
    }
    lines = [
        f"{title} ({count} articles)",
        f"{'method':<10} {'R1':>6} {'R2':>6} {'RL':>6}  {'R1/best':>7} {'R2/best':>7} {'RL/best':>7}  {'time s':>7}",
    ]
    for row in sorted(table, key=lambda r: (r.method != OURS, -r.rouge1)):
        lines.append(
            f"{row.method:<10} {row.rouge1:6.2f} {row.rouge2:6.2f} {row.rougeL:6.2f}  "
            f"{row.rouge1 / best['r1'] if best['r1'] else 0:7.3f} "
            f"{row.rouge2 / best['r2'] if best['r2'] else 0:7.3f} "
            f"{row.rougeL / best['rl'] if best['rl'] else 0:7.3f}  {row.seconds:7.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digests", description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pairs (0: all)")
    parser.add_argument("--data", type=Path, default=DATA, help="klexikon-validation folder")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timing", action="store_true", help="only time digest.rank")
    parser.add_argument("--fit", action="store_true", help="only refit weights on the tuning half")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.data / "wiki").is_dir():
        print(f"no Klexikon data at {args.data}", file=sys.stderr)
        return 2
    names = pair_names(args.data)
    if args.limit:
        names = names[: args.limit]
    half = len(names) // 2
    if args.timing:
        print(timing(args.data, names))
        return 0
    if args.fit:
        print(fit(args.data, names[:half], args.jobs))
        return 0
    results, seconds = evaluate(args.data, names, args.jobs)
    if args.json:
        splits = {
            "all": range(len(names)),
            "tune": range(half),
            "held-out": range(half, len(names)),
        }
        print(json.dumps({
            "ours": OURS,
            "baselines": list(BASELINES),
            **{split: {"articles": len(pick),
                       "rows": [asdict(row) for row in rows(results, seconds, pick)]}
               for split, pick in splits.items()},
        }, indent=2))  # fmt: skip
        return 0
    print(format_table("Klexikon, all", rows(results, seconds, range(len(names))), len(names)))
    print()
    print(format_table("tuning half (first)", rows(results, seconds, range(half)), half))
    print()
    held_out = range(half, len(names))
    print(format_table("held-out half (second)", rows(results, seconds, held_out), len(held_out)))
    print(
        "\nR1/best etc.: ratio to the best baseline on that metric; time: CPU seconds, all articles"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
