"""The rows of `python -m bench`'s one table, built from each benchmark's JSON output.

One mapping from figures to metric | baseline | ours | ratio | target | met | command, so the
printed table, bench/results/summary.md and the README all say the same thing. A benchmark that
failed, or a figure missing from its output, becomes a row that says "n/a" and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

NA = "n/a"
NONE = "—"
HEADER = ("metric", "baseline", "ours", "ratio", "target", "met", "command")


@dataclass(frozen=True)
class Outcome:
    """What one benchmark run left: its parsed JSON output, or why there is none."""

    name: str
    command: str
    data: Any = None
    error: str = ""  # empty when `data` holds the output
    returncode: int | None = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Measured:
    """One measured line: metric | baseline | ours | ratio | target | met, as a benchmark that
    prints its own table (bench.speed) has it; `met` is None where no target applies."""

    metric: str
    baseline: str
    ours: str
    ratio: str
    target: str
    met: bool | None


@dataclass(frozen=True)
class Row(Measured):
    """One line of the table: what was measured and the command that measured it."""

    command: str
    missing: str = ""  # why the figure is n/a (empty when measured)


Figures = tuple[str, str, str, bool | None]
"""baseline, ours, ratio, met: what a row's builder reads from a benchmark's JSON."""


@dataclass(frozen=True)
class Spec:
    """A row to build: its metric and target, and how to read the figures from the JSON."""

    metric: str
    target: str
    read: Callable[[Any], Figures]


def build_rows(outcome: Outcome, specs: Sequence[Spec]) -> list[Row]:
    """Every spec's row from one outcome; n/a rows carry the benchmark's error or the figure
    that was missing."""
    rows = []
    for spec in specs:
        if outcome.error:
            rows.append(_missing(spec, outcome.command, outcome.error))
            continue
        try:
            baseline, ours, ratio, met = spec.read(outcome.data)
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError) as error:
            rows.append(_missing(spec, outcome.command, f"figure missing ({error!r})"))
            continue
        rows.append(Row(spec.metric, baseline, ours, ratio, spec.target, met, outcome.command))
    return rows


def _missing(spec: Spec, command: str, reason: str) -> Row:
    return Row(spec.metric, NONE, NA, NONE, spec.target, None, command, missing=reason)


def rows_for(outcome: Outcome) -> list[Row]:
    """The table rows of one benchmark (by its name), measured or n/a."""
    return build_rows(outcome, SPECS[outcome.name](outcome.data if not outcome.error else None))


# --- formatting helpers ---------------------------------------------------------------------


def times(ours: float, baseline: float, digits: int = 2) -> str:
    """Ours as a multiple of the baseline."""
    return f"{ours / baseline:.{digits}f}×"


def faster(baseline_ms: float, ours_ms: float) -> str:
    return f"{baseline_ms / ours_ms:,.0f}× faster"


_P95 = re.compile(r"p95 ([\d.,]+) ms")
_NUMBER = re.compile(r"([\d.,]+)")


def p95_ms(text: str) -> float:
    """The p95 in milliseconds from a speed-bench cell like 'p50 3.2 ms / p95 6.1 ms'."""
    found = _P95.search(text)
    if not found:
        raise ValueError(f"no p95 in {text!r}")
    return float(found.group(1).replace(",", ""))


def number_before(text: str, unit: str) -> float:
    """The number just before `unit` in a cell like '…; 57 articles/s (CPU: …)'."""
    found = re.search(r"([\d.,]+)\s*" + re.escape(unit), text)
    if not found:
        raise ValueError(f"no {unit!r} in {text!r}")
    return float(found.group(1).replace(",", ""))


# --- answers ----------------------------------------------------------------------------------


def answers_specs(_: Any) -> list[Spec]:
    def p_at_1(language: str, goal: float) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            figures = data[language]["all"]
            ours, base = float(figures["p_at_1"]), float(figures["baseline_p_at_1"])
            return f"{base:.3f} (BM25)", f"{ours:.3f}", times(ours, base), ours >= goal

        return read

    def mrr(language: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            figures = data[language]["all"]
            ours, base = float(figures["mrr"]), float(figures["baseline_mrr"])
            return f"{base:.3f} (BM25)", f"{ours:.3f}", times(ours, base), None

        return read

    def declined(
        language: str, key: str, check: Callable[[float], bool]
    ) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            share = float(data[language]["all"][key])
            return NONE, f"{share:.3f}", NONE, check(share)

        return read

    def in_reply(language: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            figures = data[language]["all"]
            first, shown = float(figures["p_at_1"]), float(figures["in_reply"])
            also = float(figures["also_shown"])
            ours = f"{shown:.3f} (runner-up quoted in {also:.0%} of replies)"
            return f"{first:.3f} (first sentence)", ours, times(shown, first), None

        return read

    specs = []
    for language, goal in (("de", 0.85), ("en", 0.88)):
        specs.append(Spec(f"answers P@1 ({language})", f"≥ {goal:.2f}", p_at_1(language, goal)))
    for language in ("de", "en"):
        specs.append(Spec(f"answers: gold sentence quoted in the reply ({language})", NONE,
                          in_reply(language)))  # fmt: skip
    for language in ("de", "en"):
        specs.append(Spec(f"answers MRR ({language})", NONE, mrr(language)))
    for language in ("de", "en"):
        specs.append(
            Spec(
                f"foreign questions declined, found=False ({language})",
                "≥ 0.80",
                declined(language, "foreign_not_found", lambda share: share >= 0.80),
            )
        )
    for language in ("de", "en"):
        specs.append(
            Spec(
                f"own questions declined, found=False ({language})",
                "≤ 0.10",
                declined(language, "own_not_found", lambda share: share <= 0.10),
            )
        )
    specs.extend(cross_lingual_specs())
    specs.extend(squad_specs())
    return specs


def cross_lingual_specs() -> list[Spec]:
    """XQuAD-R with the question in one language and the article in the other."""

    def p_at_1(way: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            figures = data["cross"][way]["all"]
            ours, base = float(figures["p_at_1"]), float(figures["baseline_p_at_1"])
            return f"{base:.3f} (BM25)", f"{ours:.3f}", times(ours, base), ours >= 0.50

        return read

    return [
        Spec(f"answers across languages P@1 ({way.replace('->', '→')})", "≥ 0.50", p_at_1(way))
        for way in ("en->de", "de->en")
    ]


SQUAD_P_AT_1_BEFORE = 0.684  # answerable P@1 before answerability (issue 13), measured the same way


def squad_specs() -> list[Spec]:
    """SQuAD 2.0: answer or decline, next to a BM25-score threshold set on the tuning half."""

    def share(key: str, check: Callable[[float], bool]) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            figures = data["squad"]["all"]
            ours, base = float(figures["ours"][key]), float(figures["bm25"][key])
            return f"{base:.3f} (BM25 threshold)", f"{ours:.3f}", NONE, check(ours)

        return read

    floor = SQUAD_P_AT_1_BEFORE - 0.02
    return [
        Spec(
            "SQuAD 2.0 unanswerable questions declined",
            "≥ 0.50",
            share("unanswerable_declined", lambda v: v >= 0.50),
        ),
        Spec(
            "SQuAD 2.0 answerable questions declined",
            "≤ 0.10",
            share("answerable_declined", lambda v: v <= 0.10),
        ),
        Spec(
            "SQuAD 2.0 answerable P@1 (declined or not)",
            f"≥ {floor:.3f}",
            share("p_at_1", lambda v: v >= floor),
        ),
    ]


# --- digests ----------------------------------------------------------------------------------


def digests_specs(_: Any) -> list[Spec]:
    def rouge(split: str, key: str, goal: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            table = data[split]["rows"]
            ours = next(float(r[key]) for r in table if r["method"] == data["ours"])
            best_row = max((r for r in table if r["method"] != data["ours"]), key=lambda r: r[key])
            best = float(best_row[key])
            met = (
                None if goal == "none" else ours > best if goal == "above" else ours >= 1.15 * best
            )
            return f"{best:.2f} ({best_row['method']})", f"{ours:.2f}", times(ours, best), met

        return read

    return [
        Spec("digests ROUGE-1 F1 (Klexikon)", "> every baseline", rouge("all", "rouge1", "above")),
        Spec("digests ROUGE-2 F1 (Klexikon)", "≥ 1.15 × best", rouge("all", "rouge2", "1.15")),
        Spec("digests ROUGE-L F1 (Klexikon)", NONE, rouge("all", "rougeL", "none")),
        Spec(
            "digests ROUGE-2 F1, held-out half",
            "≥ 1.15 × best",
            rouge("held-out", "rouge2", "1.15"),
        ),
    ]


# --- briefs -----------------------------------------------------------------------------------


def briefs_specs(_: Any) -> list[Spec]:
    baselines = ("lead", "topic-lead", "lexrank", "own-lead")

    def share(group: str, key: str, goal: float | None) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            systems = data["groups"][group]
            ours = float(systems["ours"][key])
            lead = float(systems["lead"][key])
            met = None if goal is None else ours >= goal
            return f"{lead:.3f} (lead)", f"{ours:.3f}", times(ours, lead) if lead else NONE, met

        return read

    def rouge2(data: Any) -> Figures:
        systems = data["groups"]["titles"]
        best = max((b for b in baselines if b in systems), key=lambda b: systems[b]["rouge2"])
        ours, base = float(systems["ours"]["rouge2"]), float(systems[best]["rouge2"])
        return f"{base:.2f} ({best})", f"{ours:.2f}", times(ours, base), ours >= base

    def clean(data: Any) -> Figures:
        systems = [data["groups"][g]["ours"] for g in ("news", "titles")]
        redundant = sum(int(s["redundant_pairs"]) for s in systems)
        empty = sum(int(s["empty_briefs"]) for s in systems)
        ok = redundant == 0 and empty == 0
        return NONE, f"{redundant} redundant pairs, {empty} empty briefs", NONE, ok

    return [
        Spec("briefs: points about the topic (news names)", "≥ 0.90", share("news", "about", 0.9)),
        Spec("briefs: points naming the topic (news names)", NONE, share("news", "naming", None)),
        Spec(
            "briefs: points about the topic (Klexikon titles)",
            "≥ 0.90",
            share("titles", "about", 0.9),
        ),
        Spec(
            "briefs: points from the topic's own article",
            "≥ 0.60",
            share("titles", "own", 0.6),
        ),
        Spec("briefs: ROUGE-2 F1 vs Klexikon summary", "≥ best baseline", rouge2),
        Spec("briefs: redundant pairs, empty briefs", "0, 0", clean),
    ]


# --- boilerplate ------------------------------------------------------------------------------


def boilerplate_specs(_: Any) -> list[Spec]:
    def read(data: Any) -> Figures:
        count = int(data["count"])
        points = sum(int(s["points"]) for s in data["sources"])
        answers = sum(int(s["answers"]) for s in data["sources"])
        return NONE, f"{count} (in {points} points, {answers} answers)", NONE, count == 0

    return [Spec("boilerplate in points and answers", "0", read)]


# --- splitting --------------------------------------------------------------------------------


def splitting_specs(_: Any) -> list[Spec]:
    def read_f1(language: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            scores = {r["splitter"]: float(r["f1"]) for r in data if r["language"] == language}
            ours, base = scores["ours"], scores["pysbd"]
            return f"{base:.3f} (pysbd)", f"{ours:.3f}", times(ours, base, 3), None

        return read

    return [
        Spec(f"sentence boundary F1 ({language}, XQuAD-R)", NONE, read_f1(language))
        for language in ("de", "en")
    ]


# --- speed ------------------------------------------------------------------------------------


def _speed_row(data: Any, prefix: str, nth: int = 0) -> dict[str, Any]:
    matching = [row for row in data if str(row["metric"]).startswith(prefix)]
    return dict(matching[nth])


def speed_specs(data: Any) -> list[Spec]:
    def ingest(rows: Any) -> Figures:
        row = _speed_row(rows, "ingest")
        rate = number_before(row["ours"], "articles/s")
        return NONE, f"{rate:.0f} articles/s (p95 {p95_ms(row['ours']):.1f} ms)", NONE, rate >= 50

    def brief(nth: int) -> Callable[[Any], Figures]:
        def read(rows: Any) -> Figures:
            row = _speed_row(rows, "/brief", nth)
            ours = p95_ms(row["ours"])
            baseline, ratio = "LexRank not run (quadratic)", NONE
            if "p95" in row["baseline"]:
                base = p95_ms(row["baseline"])
                baseline, ratio = f"p95 {base:,.1f} ms (LexRank)", faster(base, ours)
            return baseline, f"p95 {ours:.1f} ms", ratio, ours <= 50

        return read

    def p95_row(prefix: str, limit_ms: float) -> Callable[[Any], Figures]:
        def read(rows: Any) -> Figures:
            ours = p95_ms(_speed_row(rows, prefix)["ours"])
            shown = f"p95 {ours / 1000:.2f} s" if limit_ms >= 1000 else f"p95 {ours:.1f} ms"
            return NONE, shown, NONE, ours <= limit_ms

        return read

    def first_follow_up(rows: Any) -> Figures:
        cell = str(_speed_row(rows, "first follow-up")["ours"])
        values = [float(v) for v in _NUMBER.findall(cell.split("(")[0].replace(",", ""))]
        worst = max(values)
        return NONE, f"max {worst:.0f} ms (per topic: {cell.split(' (')[0]})", NONE, worst <= 20

    def peak_rss(rows: Any) -> Figures:
        mb = number_before(_speed_row(rows, "peak RSS")["ours"], "MB")
        return NONE, f"{mb:.0f} MB", NONE, mb <= 300

    # the /brief rows are named after the planted topics and their sizes in this run
    brief_names = ["/brief, small topic", "/brief, medium topic", "/brief, large topic"]
    library = "the library"
    if isinstance(data, list):
        metrics = [str(row.get("metric", "")) for row in data if isinstance(row, dict)]
        found = [metric for metric in metrics if metric.startswith("/brief")]
        for nth, metric in enumerate(found[:3]):
            topic = re.match(r"/brief (\S+) .*\((\d[\d,]*) articles\)", metric)
            if topic:
                size = int(topic.group(2).replace(",", ""))
                brief_names[nth] = f"/brief p95, {topic.group(1)} ({size:,} articles)"
        held = next((re.search(r"holding (\d+) articles", m) for m in metrics if "RSS" in m), None)
        if held:
            library = f"{int(held.group(1)):,} articles"
    return [
        Spec("ingest per article (speed bench, pasted text)", "≥ 50 articles/s", ingest),
        *(Spec(name, "p95 ≤ 50 ms", brief(nth)) for nth, name in enumerate(brief_names)),
        Spec("follow-up answer p95", "p95 ≤ 20 ms", p95_row("follow-up answer", 20)),
        Spec("first follow-up on a brief (index cold)", "≤ 20 ms", first_follow_up),
        Spec("cold start of `briefbot ask`", "≤ 1.5 s", p95_row("cold start", 1500)),
        Spec(f"peak RSS holding {library}, answering briefs", "≤ 300 MB", peak_rss),
    ]


# --- ingest -----------------------------------------------------------------------------------


def ingest_specs(_: Any) -> list[Spec]:
    def rate(data: Any) -> Figures:
        ours, base = data["bounded"], data["sequential"]
        shown = (
            f"{float(ours['rate']):.1f} pages/s, {ours['stored']}/{ours['pages']} stored "
            f"(x{data['concurrency']}; {float(ours['cpu_rate']):.1f} per CPU s)"
        )
        return (
            f"{float(base['rate']):.1f} pages/s (sequential)",
            shown,
            times(float(ours["rate"]), float(base["rate"]), 1),
            float(ours["rate"]) >= 40 and ours["stored"] == ours["pages"],
        )

    def rss(data: Any) -> Figures:
        mb = float(data["peak_rss_mb"])
        return NONE, f"{mb:.0f} MB", NONE, mb <= 300

    return [
        Spec("ingest by URL over loopback, one core", "≥ 40 pages/s", rate),
        Spec("ingest by URL, peak RSS", "≤ 300 MB", rss),
    ]


# --- chat -------------------------------------------------------------------------------------


def chat_specs(_: Any) -> list[Spec]:
    def read(platform: str) -> Callable[[Any], Figures]:
        def figures(data: Any) -> Figures:
            result = next(r for r in data if r["platform"] == platform)
            p95 = float(result["p95_ms"])
            shown = (
                f"p95 {p95:.1f} ms ({result['answered']}/{result['updates']} answered, "
                f"{float(result['per_second']):.1f}/s)"
            )
            return NONE, shown, NONE, p95 <= 100 and result["answered"] == result["updates"]

        return figures

    return [
        Spec(f"chat /brief, {name}: update → answer", "p95 ≤ 100 ms at 20/s", read(platform))
        for platform, name in (("telegram", "Telegram"), ("slack", "Slack"))
    ]


# --- fanout -----------------------------------------------------------------------------------

_KILL = {"kill": "SIGKILL", "term": "SIGTERM", "none": "no stop"}


def fanout_specs(data: Any) -> list[Spec]:
    modes = [str(r.get("kill")) for r in data] if isinstance(data, list) else ["kill", "term"]

    def counts(mode: str) -> Callable[[Any], Figures]:
        def read(results: Any) -> Figures:
            r = next(r for r in results if r["kill"] == mode)
            shown = (
                f"{r['delivered']}/{r['subscriptions']} delivered, {r['duplicates']} duplicates, "
                f"{r['lost']} lost ({r['unconfirmed']} unconfirmed)"
            )
            return NONE, shown, NONE, r["duplicates"] == 0 and r["lost"] == 0

        return read

    def time_vs_floor(mode: str) -> Callable[[Any], Figures]:
        def read(results: Any) -> Figures:
            r = next(r for r in results if r["kill"] == mode)
            ratio = float(r["ratio"])
            return (
                f"{float(r['floor_seconds']):.1f} s (floor: N / 30 msg/s)",
                f"{float(r['seconds']):.1f} s",
                f"{ratio:.3f}×",
                ratio <= 1.10,
            )

        return read

    specs = []
    for mode in modes:
        label = _KILL.get(mode, mode)
        specs.append(
            Spec(f"fan-out ({label} mid-run): exactly once", "0 dup., 0 lost", counts(mode))
        )
        specs.append(
            Spec(f"fan-out ({label} mid-run): time / floor", "≤ 1.10×", time_vs_floor(mode))
        )
    return specs


# --- daily ------------------------------------------------------------------------------------


def daily_specs(_data: Any) -> list[Spec]:
    """Each figure for today's digests, with the same replay under the previous rule beside it."""

    def row(
        show: Callable[[dict[str, Any]], str], ok: Callable[[dict[str, Any]], bool]
    ) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            ours, base = data["ours"], data.get("baseline")
            baseline = f"{show(base)} (previous rule)" if base else NONE
            return baseline, show(ours), NONE, ok(ours)

        return read

    def new(r: dict[str, Any]) -> str:
        return f"{float(r['new_share']):.3f} ({r['points']} points, {r['digests_with_points']} digests)"

    def once(r: dict[str, Any]) -> str:
        return (
            f"{r['delivered']}/{r['expected']} delivered, {r['duplicates']} dup., "
            f"{r['lost']} lost, {r['split_articles']} articles split"
        )

    return [
        Spec(
            "daily digests: points from articles new since the last one",
            "1.0",
            row(new, lambda r: float(r["new_share"]) == 1.0),
        ),
        Spec(
            "daily digests: points repeated in a chat, near-dup. too",
            "0",
            row(lambda r: str(r["repeated"]), lambda r: r["repeated"] == 0),
        ),
        Spec(
            "daily digests: quiet days answered 'nothing new'",
            "all",
            row(
                lambda r: f"{r['quiet_answered']}/{r['quiet']}",
                lambda r: r["quiet_answered"] == r["quiet"],
            ),
        ),
        Spec(
            "daily digests: points about the topic",
            "≥ 0.90",
            row(
                lambda r: f"{float(r['on_topic_share']):.3f}", lambda r: r["on_topic_share"] >= 0.9
            ),
        ),
        Spec(
            "daily digests: exactly once, aliases never split",
            "0 dup., 0 lost, 0 split",
            row(
                once,
                lambda r: r["duplicates"] == 0 and r["lost"] == 0 and r["split_articles"] == 0,
            ),
        ),
    ]


# --- replicas ---------------------------------------------------------------------------------


def replicas_specs(data: Any) -> list[Spec]:
    counts = [1, 3]
    if isinstance(data, dict) and isinstance(data.get("throughput"), list):
        counts = [int(r["replicas"]) for r in data["throughput"]] or counts

    def deliveries(replicas: int) -> Callable[[Any], Figures]:
        def read(result: Any) -> Figures:
            runs = {int(r["replicas"]): r for r in result["throughput"]}
            r = runs[replicas]
            rate = float(r["deliveries_per_s"])
            clean = all(
                r[key] == 0
                for key in ("duplicates", "lost", "strays", "unconfirmed", "failed", "early")
            )
            shown = (
                f"{rate:.1f}/s ({r['delivered']} delivered, {r['duplicates']} dup., "
                f"{r['lost']} lost; {float(r['ratio']):.2f}× floor)"
            )
            baseline, ratio = NONE, NONE
            single = runs.get(1)
            if replicas != 1 and single is not None:
                base = float(single["deliveries_per_s"])
                baseline, ratio = f"{base:.1f}/s (1 replica)", times(rate, base)
            return baseline, shown, ratio, clean

        return read

    def failover(result: Any) -> Figures:
        f = result["failover"]
        mode = "SIGKILL" if f["mode"] == "kill" else "SIGSTOP"
        shown = (
            f"median {float(f['median_s']):.2f} s, max {float(f['max_s']):.2f} s "
            f"({mode}, {f['rounds']} round{'s' if f['rounds'] != 1 else ''})"
        )
        return NONE, shown, NONE, bool(f["within_budget"])

    budget = NONE
    if isinstance(data, dict) and isinstance(data.get("failover"), dict):
        budget = f"≤ {float(data['failover']['failover_budget_s']):g} s"
    return [
        *(
            Spec(
                f"replicas: deliveries/s with {n} replica{'s' if n != 1 else ''}",
                "exactly once",
                deliveries(n),
            )
            for n in counts
        ),
        Spec(
            "replicas: failover of the scheduling replica",
            budget if budget != NONE else "≤ 30 s",
            failover,
        ),
    ]


# --- neural ceiling probe ---------------------------------------------------------------------


def neural_specs(_: Any) -> list[Spec]:
    """Rows of bench.neural: how far e5 re-ranking, or a perfect pick between ours and e5, gets."""

    def probe(language: str, key: str, goal: float) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            found = data[language]["all"]
            ours, probed = float(found["ours_p_at_1"]), float(found[key])
            return f"{ours:.3f} (ours)", f"{probed:.3f}", times(probed, ours), probed >= goal

        return read

    def cost(data: Any) -> Figures:
        spent = data["de"]["cost"]
        per_sentence, ours_ms = float(spent["e5_ms_per_sentence"]), float(spent["our_rank_ms_p50"])
        return (
            f"{ours_ms:.2f} ms (our whole answer, p50)",
            f"{per_sentence:.0f} ms per sentence, {float(spent['e5_ms_per_question']):.0f} ms "
            "per question",
            NONE,
            None,
        )

    labels = (("fused_p_at_1", "ours + e5 re-ranking"), ("oracle_p_at_1", "oracle ours-or-e5"))
    specs = [
        Spec(f"probe: P@1 {label} ({language})", f"≥ {goal:.2f}", probe(language, key, goal))
        for language, goal in (("de", 0.85), ("en", 0.88))
        for key, label in labels
    ]
    specs.append(Spec("probe: e5 cost (one thread, de)", NONE, cost))
    return specs


# --- hardening --------------------------------------------------------------------------------


def hardening_specs(_: Any) -> list[Spec]:
    def platform(name: str, key: str, limit: int) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            link = data["long_link"]
            size = int(link[key])
            whole = bool(link["points_whole"][name])
            shown = f"{size:,} characters" + ("" if whole else ", a point split")
            return f"{limit:,} (limit)", shown, NONE, size <= limit and whole

        return read

    telegram = platform("telegram", "telegram_longest", 4096)
    slack = platform("slack", "slack_largest_section", 3000)

    def bomb(data: Any) -> Figures:
        b = data["bomb"]
        ours = float(b["bomb"]["peak_rss_mb"])
        refused = int(b["bomb"]["exit_code"]) != 0 and "Too large" in str(b["bomb"]["message"])
        shown = f"{ours:.0f} MB, " + ("refused as too large" if refused else "NOT refused")
        return (
            f"{float(b['baseline']['peak_rss_mb']):.0f} MB (an ordinary page)",
            shown,
            NONE,
            refused and ours <= 300,
        )

    def stall(phase: str) -> Callable[[Any], Figures]:
        def read(data: Any) -> Figures:
            f = data["feed_stall"]
            ours = float(f[f"{phase}_worst_stall_ms"])
            return (
                f"{float(f['idle_worst_stall_ms']):.1f} ms (idle loop)",
                f"{ours:.1f} ms ({float(f[f'{phase}_seconds']):.2f} s in all)",
                NONE,
                ours <= 100,
            )

        return read

    def outage(data: Any) -> Figures:
        o = data["outage"]
        if not o["delivered"]:
            return NONE, f"NOT delivered (down {o['down_seconds']} s)", NONE, False
        shown = (
            f"delivered {float(o['delivered_after_seconds']):.1f} s after the outage began "
            f"(down {float(o['down_seconds']):.0f} s)"
        )
        return "lost (before: 4 tries in 3.5 s)", shown, NONE, True

    return [
        Spec("4,000-char link: longest Telegram message", "≤ 4,096, points whole", telegram),
        Spec("4,000-char link: largest Slack section", "≤ 3,000, points whole", slack),
        Spec("brotli bomb (1.6 KB → 1 GiB): peak RSS of briefbot add", "≤ 300 MB", bomb),
        Spec("event-loop stall: /feed of a 50,000-item feed", "≤ 100 ms", stall("follow")),
        Spec("event-loop stall: polling it (30 articles added)", "≤ 100 ms", stall("poll")),
        Spec("reply while the Bot API is down 20 s", "delivered", outage),
    ]


SPECS: dict[str, Callable[[Any], list[Spec]]] = {
    "answers": answers_specs,
    "neural": neural_specs,
    "digests": digests_specs,
    "briefs": briefs_specs,
    "boilerplate": boilerplate_specs,
    "splitting": splitting_specs,
    "speed": speed_specs,
    "ingest": ingest_specs,
    "chat": chat_specs,
    "fanout": fanout_specs,
    "daily": daily_specs,
    "replicas": replicas_specs,
    "hardening": hardening_specs,
}


# --- the table --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cells(row: Row) -> tuple[str, ...]:
    if row.missing:
        ours, met = f"{NA}: {row.missing}", NA
    else:
        ours, met = row.ours, NONE if row.met is None else ("yes" if row.met else "**no**")
    return (row.metric, row.baseline, ours, row.ratio, row.target, met, f"`{row.command}`")


def markdown(rows: Sequence[Row]) -> str:
    """The table as Markdown, columns padded so it also reads in a terminal."""
    return padded([HEADER, *(tuple(_cell(c) for c in cells(row)) for row in rows)])


def padded(table: Sequence[Sequence[str]]) -> str:
    """A Markdown table of `table`'s lines of cells (the first one the header), each column as
    wide as its widest cell."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
