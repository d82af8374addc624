"""`python -m bench` (and `make bench`): every benchmark in turn, then one summary table.

Each benchmark runs as its own process (`python -m bench.NAME … --json`), so one crash or one
bloated heap cannot skew the next; its full output is kept under bench/results/ (run-NAME.out,
run-NAME.err, run-NAME.json) and the table (metric | baseline | ours | ratio | target | met |
command) is printed and written to bench/results/summary.md. A benchmark that fails shows "n/a"
with the reason; the exit status is non-zero when a benchmark crashed (gave no figures), not
when a target is missed.

    python -m bench [--quick] [--only NAME[,NAME]] [--results DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.summary import Outcome, Row, markdown, rows_for

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


@dataclass(frozen=True)
class Bench:
    """One benchmark: its module, its arguments at full size and on a small slice."""

    name: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    timeout: float = 3600.0
    writes: tuple[str, str] = ("", "")
    """(full, quick): the file in the results folder a benchmark writes its JSON to, instead
    of printing it with --json (bench.speed)."""

    def arguments(self, quick: bool, results: Path) -> list[str]:
        chosen = list(self.quick if quick else self.full)
        if self.output_file(quick):
            return [*chosen, "--results", str(results)]
        return [*chosen, "--json"]

    def output_file(self, quick: bool) -> str:
        return self.writes[1 if quick else 0]

    def shown_command(self, quick: bool) -> str:
        """The command a reader runs to reproduce the figures (without --json and paths)."""
        return shlex.join(
            ["python", "-m", f"bench.{self.name}", *(self.quick if quick else self.full)]
        )


BENCHES = (
    Bench("answers", quick=("--limit", "3")),
    Bench("neural", quick=("--limit", "1")),
    Bench("digests", quick=("--limit", "6")),
    Bench("briefs", quick=("--news", "150", "--wiki", "30")),
    Bench("boilerplate", quick=("--limit", "3")),
    Bench("splitting", quick=("--limit", "60")),
    Bench(
        "speed",
        quick=("--articles", "100", "--repeat", "5", "--ingest-sample", "20", "--cold-runs", "2"),
        timeout=5400.0,
        writes=("speed-10000.json", "speed-100.json"),
    ),
    Bench("ingest", quick=("--pages", "40", "--baseline-pages", "10")),
    Bench("chat", quick=("--updates", "60", "--articles", "0")),
    Bench("fanout", full=("--kill", "both"), quick=("--subs", "60", "--kill", "both")),
    Bench(
        "replicas",
        quick=("--subs", "30", "--slack", "2", "--rounds", "1", "--failover", "5"),
    ),
    Bench(
        "hardening",
        quick=("--feed-items", "2000", "--outage-seconds", "2", "--bomb-mib", "64"),
    ),
)
NAMES = tuple(bench.name for bench in BENCHES)


def parse_output(stdout: str) -> Any:
    """The JSON a benchmark printed: all of stdout, or its last line after a text table."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        lines = text.splitlines()
        if not lines:
            raise
        return json.loads(lines[-1])


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " / ".join(kept[-lines:])[-300:]


def run_one(bench: Bench, *, quick: bool, results: Path) -> Outcome:
    """Run one benchmark as a subprocess, keep its output, read its figures."""
    command = [sys.executable, "-m", f"bench.{bench.name}", *bench.arguments(quick, results)]
    shown = bench.shown_command(quick)
    started, started_at = time.perf_counter(), time.time()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=bench.timeout / (6 if quick else 1),
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        seconds = time.perf_counter() - started
        for suffix, captured in (("out", expired.stdout), ("err", expired.stderr)):
            text = captured.decode(errors="replace") if isinstance(captured, bytes) else captured
            (results / f"run-{bench.name}.{suffix}").write_text(text or "", encoding="utf-8")
        return Outcome(bench.name, shown, error=f"timed out after {seconds:.0f} s",
                       returncode=None, seconds=seconds)  # fmt: skip
    seconds = time.perf_counter() - started
    (results / f"run-{bench.name}.out").write_text(done.stdout, encoding="utf-8")
    (results / f"run-{bench.name}.err").write_text(done.stderr, encoding="utf-8")
    try:
        data = read_figures(bench, done.stdout, results, quick, started_at)
    except (OSError, ValueError) as error:
        reason = f"exit {done.returncode}: {_tail(done.stderr) or _tail(done.stdout) or error}"
        return Outcome(bench.name, shown, error=reason, returncode=done.returncode,
                       seconds=seconds)  # fmt: skip
    (results / f"run-{bench.name}.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return Outcome(bench.name, shown, data=data, returncode=done.returncode, seconds=seconds)


def read_figures(bench: Bench, stdout: str, results: Path, quick: bool, started_at: float) -> Any:
    """The figures from stdout, or from the file the benchmark wrote during this run."""
    name = bench.output_file(quick)
    if not name:
        return parse_output(stdout)
    path = results / name
    if path.stat().st_mtime < started_at:
        raise ValueError(f"{path.name} was not rewritten by this run")
    return json.loads(path.read_text(encoding="utf-8"))


def report(rows: Sequence[Row], outcomes: Sequence[Outcome], *, quick: bool, seconds: float) -> str:
    """The Markdown summary: the table, then one line per benchmark (time, exit, failure)."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Benchmarks ({'quick slices' if quick else 'full size'}), {when}, "
        f"{seconds / 60:.1f} min, python {sys.version.split()[0]}, {os.cpu_count()} cores",
        "",
        markdown(rows),
        "",
    ]
    for outcome in outcomes:
        status = "ok" if outcome.returncode == 0 else f"exit {outcome.returncode}"
        if outcome.error:
            status = f"FAILED: {outcome.error}"
        elif outcome.returncode == 1:
            status += " (ran; a target or check missed)"
        lines.append(f"- {outcome.name}: {outcome.seconds:.0f} s, {status}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="each benchmark on a small slice")
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(NAMES)}")
    parser.add_argument("--results", type=Path, default=RESULTS, help="output folder")
    args = parser.parse_args(argv)
    chosen = list(NAMES)
    if args.only:
        chosen = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(chosen) - set(NAMES))
        if unknown or not chosen:
            parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    results: Path = args.results.resolve()
    results.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    benches = [bench for bench in BENCHES if bench.name in chosen]
    for number, bench in enumerate(benches, start=1):
        print(
            f"[{number}/{len(benches)}] {bench.shown_command(args.quick)} …",
            file=sys.stderr,
            flush=True,
        )
        outcome = run_one(bench, quick=args.quick, results=results)
        state = f"FAILED: {outcome.error}" if outcome.error else f"exit {outcome.returncode}"
        print(f"    {outcome.seconds:.0f} s, {state}", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    rows = [row for outcome in outcomes for row in rows_for(outcome)]
    summary = report(rows, outcomes, quick=args.quick, seconds=time.perf_counter() - started)
    (results / "summary.md").write_text(summary, encoding="utf-8")
    (results / "summary.json").write_text(
        json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(summary)
    return 1 if any(outcome.error for outcome in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
