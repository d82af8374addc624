"""Speed and memory of the core on one synthetic library: `python -m bench.speed [--articles N]`.

Measures, on a library of N articles (default 10,000; bench/corpus.py) and printed as one table:
ingest per article through the real path (extract + clean + split + rank + store), `/brief TOPIC`
through the router for topics matching ~0.1 %, 1 % and 10 % of the articles next to a baseline
that runs sumy LexRank over all matching articles' sentences per request, a follow-up answer over
a brief's articles, the cold start of `briefbot ask FILE QUESTION`, and the peak RSS of a process
holding the library and answering briefs. The built corpus is cached under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from bench.corpus import CORPUS_VERSION, SEED_ARTICLE, TOPICS, build, synthetic_articles
from bench.summary import Measured, padded
from bot.app import build_router, create_tables
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.router import Router
from summarizer import digest, extract
from summarizer.db import make_engine
from summarizer.library import Library
from summarizer.reply import ChatRef
from summarizer.service import Briefing

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
INGEST_SAMPLE = 150
BASELINE_MAX_ARTICLES = 100
FOLLOW_UPS = {
    "de": (
        "Was wurde am Dienstag zu {w} vorgestellt?",
        "Wer beobachtet die Entwicklung rund um {w}?",
        "Was erwarten Fachleute in den kommenden Monaten?",
    ),
    "en": (
        "What was presented about {w} on Monday?",
        "Who watched developments in {w} closely?",
        "What do experts expect in the coming months?",
    ),
}


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def p50_p95(values_ms: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values_ms), percentile(values_ms, 0.95)


def timed(action: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


# --- the corpus ----------------------------------------------------------------------------------


def corpus_url(results: Path, articles: int) -> str:
    return f"sqlite:///{(results / f'corpus-{articles}-v{CORPUS_VERSION}.db').as_posix()}"


def ensure_corpus(results: Path, articles: int, *, rebuild: bool = False) -> tuple[str, float]:
    """The cached corpus database for `articles` (built if missing); (url, build seconds)."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"corpus-{articles}-v{CORPUS_VERSION}.db"
    if path.exists() and not rebuild:
        try:
            library = Library.open(corpus_url(results, articles))
            newest = library.sources(limit=1)
            # reading an article fails on a file of an older schema (a column missing)
            if library.count() == articles and newest and library.get(newest[0].id):
                library.engine.dispose()
                return corpus_url(results, articles), 0.0
            library.engine.dispose()
        except Exception as exc:  # a half-built or older file: build it again
            print(f"rebuilding {path.name}: {exc.__class__.__name__}", file=sys.stderr)
    partial = path.with_suffix(".partial")
    for stale in results.glob(f"{partial.name}*"):
        stale.unlink()
    start = time.perf_counter()
    build(f"sqlite:///{partial.as_posix()}", articles).engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(path) + suffix)
        if target.exists():
            target.unlink()
    shutil.move(partial, path)
    for leftover in results.glob(f"{partial.name}-*"):
        leftover.unlink()
    return corpus_url(results, articles), time.perf_counter() - start


# --- measurements --------------------------------------------------------------------------------


def measure_ingest(
    results: Path, sample: int
) -> tuple[list[float], list[float], dict[str, float], float]:
    """Per article through the path of Briefing.add(pasted text): total wall ms and CPU ms per
    article, mean wall ms per stage (extract = clean + split, rank, store), and the mean
    article size in KB. CPU time is what a core of our own would take: it does not grow when
    other programs share the machine, wall time does."""
    path = results / "ingest.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    library = Library.open(f"sqlite:///{path.as_posix()}")
    texts = [a.as_text() for a in synthetic_articles(sample + 1, seed=99)]
    Briefing(library).add(texts[0])  # warm-up: segmenter and stemmer set-up is start-up cost
    totals: list[float] = []
    cpu: list[float] = []
    stages = {"extract": 0.0, "rank": 0.0, "store": 0.0}
    for text in texts[1:]:  # the calls Briefing.add makes, timed one by one
        cpu_start = time.process_time()
        start = time.perf_counter()
        document = extract.from_text(text)
        extracted = time.perf_counter()
        ranking = digest.rank(document)
        ranked = time.perf_counter()
        library.add(document, ranking)
        stored = time.perf_counter()
        stages["extract"] += (extracted - start) * 1000
        stages["rank"] += (ranked - extracted) * 1000
        stages["store"] += (stored - ranked) * 1000
        totals.append((stored - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    library.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    means = {stage: total / len(totals) for stage, total in stages.items()}
    return totals, cpu, means, statistics.mean(len(t.encode("utf-8")) for t in texts) / 1024


def make_router(url: str) -> tuple[Router, Library]:
    """The chat router on a library at `url`, and that library."""
    engine = make_engine(url)
    create_tables(engine)
    settings = Settings()  # type: ignore[call-arg]  # defaults; the environment may override
    library = Library(engine)
    router, _ = build_router(Briefing(library), Conversations(engine), settings)
    return router, library


async def measure_briefs(
    router: Router, library: Library, repeat: int
) -> dict[str, tuple[int, list[float], list[float], str, list[float]]]:
    """Per topic: (matching articles, /brief ms, follow-up ms, language of the brief,
    follow-up CPU ms)."""
    out: dict[str, tuple[int, list[float], list[float], str, list[float]]] = {}
    for number, topic in enumerate(TOPICS):
        matching = len(library.search(topic.word, limit=1_000_000))
        chat = ChatRef("console", f"bench-{number}")
        brief = Incoming(chat, "bench", f"/brief {topic.word}", is_private=True)
        await router.handle(brief)  # warm-up
        brief_ms: list[float] = []
        follow_ms: list[float] = []
        follow_cpu: list[float] = []
        language = "de"
        for round_number in range(repeat):
            start = time.perf_counter()
            replies = await router.handle(brief)
            brief_ms.append((time.perf_counter() - start) * 1000)
            digest = replies[0].digest if replies else None
            if digest is None or not digest.points:
                raise RuntimeError(f"/brief {topic.word} gave no digest: {replies}")
            language = digest.language
            questions = FOLLOW_UPS.get(language, FOLLOW_UPS["en"])
            question = questions[round_number % len(questions)].format(w=topic.word)
            start, cpu_start = time.perf_counter(), time.process_time()
            await router.handle(Incoming(chat, "bench", question, is_private=True))
            follow_ms.append((time.perf_counter() - start) * 1000)
            follow_cpu.append((time.process_time() - cpu_start) * 1000)
        out[topic.word] = (matching, brief_ms, follow_ms, language, follow_cpu)
    return out


def lexrank_brief(library: Library, topic: str, points: int = 7) -> list[str]:
    """The baseline: search, load every matching article, LexRank over all their sentences."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from summarizer.text import SUMY_LANGUAGE, SumyTokenizer

    hits = library.search(topic, limit=1_000_000)
    articles = library.get_many([h.article_id for h in hits])
    language = max(("de", "en"), key=lambda code: sum(a.language == code for a in articles))
    tokenizer = SumyTokenizer(language)
    document = ObjectDocumentModel(
        [Paragraph([SumySentence(s.text, tokenizer) for s in a.sentences]) for a in articles]
    )
    summarizer = LexRankSummarizer(Stemmer(SUMY_LANGUAGE[language]))
    summarizer.stop_words = get_stop_words(SUMY_LANGUAGE[language])
    return [str(s) for s in summarizer(document, points)]


def measure_baseline(library: Library, topic: str, matching: int) -> list[float]:
    repeat = 3 if matching <= 20 else 1
    return [timed(lambda: lexrank_brief(library, topic)) for _ in range(repeat)]


def ask_command() -> list[str]:
    script = Path(sys.executable).with_name("briefbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def measure_cold_start(results: Path, runs: int = 5) -> tuple[list[float], str]:
    """Wall-clock ms of `briefbot ask FILE QUESTION` as a fresh process, and what was run."""
    if SEED_ARTICLE.is_file():
        source, question = SEED_ARTICLE, "Wann reiste Putin nach Nordkorea?"
    else:
        source = results / "cold-start-article.txt"
        source.write_text(next(synthetic_articles(1, seed=5)).as_text(), encoding="utf-8")
        question = "Was erwarten Fachleute in den kommenden Monaten?"
    command = [*ask_command(), "ask", str(source), question]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return times, "briefbot ask"


def measure_peak_rss(url: str, repeat: int) -> float:
    """Peak RSS in MB of a fresh process that opens the library and answers briefs."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.speed", "--probe-rss", url, "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"RSS probe failed: {done.stderr.strip()[-500:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def probe_rss(url: str, repeat: int) -> None:
    """The RSS probe's body: brief and follow up on every topic, then report ru_maxrss."""
    router, library = make_router(url)
    asyncio.run(measure_briefs(router, library, repeat))
    print(json.dumps({"peak_rss_mb": round(peak_rss_kb() / 1024, 1)}))


def peak_rss_kb() -> int:
    """This process's peak RSS in KB.

    Linux carries ru_maxrss over exec from the process that forked us (here: the bench, which
    grew large running the LexRank baseline), so the probe reads its own address space's
    high-water mark (VmHWM) where /proc has it, and getrusage elsewhere.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS


# --- the table -----------------------------------------------------------------------------------


def ms(p50: float, p95: float) -> str:
    return f"p50 {p50:.1f} ms / p95 {p95:.1f} ms"


def run(
    articles: int,
    *,
    results: Path,
    repeat: int,
    ingest_sample: int = INGEST_SAMPLE,
    cold_runs: int = 5,
    rebuild: bool = False,
) -> list[Measured]:
    """Every measurement on a library of `articles` synthetic articles; the table's rows."""
    rows: list[Measured] = []
    url, built = ensure_corpus(results, articles, rebuild=rebuild)
    if built:
        print(f"built the {articles}-article corpus in {built:.0f} s", file=sys.stderr)

    ingest_ms, ingest_cpu, stages, size_kb = measure_ingest(results, ingest_sample)
    rate = 1000 / statistics.mean(ingest_ms)
    cpu_rate = 1000 / statistics.mean(ingest_cpu)
    p50, p95 = p50_p95(ingest_ms)
    split = ", ".join(f"{stage} {value:.0f}" for stage, value in stages.items())
    rows.append(
        Measured(
            f"ingest per article ({size_kb:.1f} KB avg, n={len(ingest_ms)}; mean ms: {split})",
            "—",
            f"{ms(p50, p95)}; {rate:.0f} articles/s (CPU: {cpu_rate:.0f} articles/s)",
            "—",
            "≥ 50 articles/s",
            rate >= 50,
        )
    )

    router, library = make_router(url)
    # as `briefbot run` does once started (bot/app.py): what start-up loaded lives as long as
    # the process, so keep it out of the collector's generations; otherwise one full
    # collection lands in some request as a pause of 100+ ms
    gc.collect()
    gc.freeze()
    briefs = asyncio.run(measure_briefs(router, library, repeat))
    warm: list[float] = []
    cold: list[float] = []
    cold_cpu: list[float] = []
    for topic in TOPICS:
        matching, brief_ms, follow_ms, _, follow_cpu = briefs[topic.word]
        cold.append(follow_ms[0])  # the first question on a brief's articles
        cold_cpu.append(follow_cpu[0])
        warm.extend(follow_ms[1:])
        p50, p95 = p50_p95(brief_ms)
        baseline, ratio = "not run (grows with the square of the sentences)", "—"
        if matching <= BASELINE_MAX_ARTICLES:
            base = measure_baseline(library, topic.word, matching)
            b50, b95 = p50_p95(base)
            baseline = ms(b50, b95) + ("" if len(base) > 1 else " (1 run)")
            ratio = f"{b50 / p50:.0f}× faster"
        rows.append(
            Measured(
                f"/brief {topic.word} via router ({matching} articles)",
                baseline,
                ms(p50, p95),
                ratio,
                "p95 ≤ 50 ms",
                p95 <= 50,
            )
        )
    if warm:
        p50, p95 = p50_p95(warm)
        rows.append(
            Measured(
                "follow-up answer via router over a brief's articles",
                "—",
                ms(p50, p95),
                "—",
                "p95 ≤ 20 ms",
                p95 <= 20,
            )
        )
    rows.append(
        Measured(
            "first follow-up on a brief (answer index cold)",
            "—",
            " / ".join(f"{value:.0f}" for value in cold)
            + " ms (CPU "
            + " / ".join(f"{value:.0f}" for value in cold_cpu)
            + " ms)",
            "—",
            "p95 ≤ 20 ms",
            max(cold) <= 20,
        )
    )
    library.engine.dispose()

    starts, what = measure_cold_start(results, cold_runs)
    p50, p95 = p50_p95(starts)
    rows.append(Measured(f"cold start of `{what}`", "—", ms(p50, p95), "—", "≤ 1.5 s", p95 <= 1500))

    peak = measure_peak_rss(url, max(3, repeat // 3))
    rows.append(
        Measured(
            f"peak RSS holding {articles} articles and answering briefs",
            "—",
            f"{peak:.0f} MB",
            "—",
            "≤ 300 MB",
            peak <= 300,
        )
    )
    return rows


def format_table(rows: Sequence[Measured]) -> str:
    header = ("metric", "baseline", "ours", "ratio", "target", "met")
    return padded([header, *(cells(row) for row in rows)])


def cells(row: Measured) -> tuple[str, ...]:
    met = "—" if row.met is None else ("yes" if row.met else "NO")
    return (row.metric, row.baseline, row.ours, row.ratio, row.target, met)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000, help="library size (default 10000)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per topic (default 30)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="cache and output folder")
    parser.add_argument(
        "--ingest-sample", type=int, default=INGEST_SAMPLE, help="articles ingested"
    )
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts measured")
    parser.add_argument("--rebuild", action="store_true", help="build the corpus again")
    parser.add_argument("--probe-rss", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_rss:
        probe_rss(args.probe_rss, args.repeat)
        return 0
    if args.articles < 10:
        parser.error("--articles must be at least 10")
    started = time.perf_counter()
    rows = run(
        args.articles,
        results=args.results,
        repeat=args.repeat,
        ingest_sample=args.ingest_sample,
        cold_runs=args.cold_runs,
        rebuild=args.rebuild,
    )
    table = format_table(rows)
    print(table)
    print(
        f"({args.articles} articles, {time.perf_counter() - started:.0f} s, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores)"
    )
    out = args.results / f"speed-{args.articles}.json"
    out.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
