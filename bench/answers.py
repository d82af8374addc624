"""Answer quality on XQuAD-R: does `briefbot ask` pick the sentence that holds the gold answer, and
does it decline questions that belong to other articles? Our scorer next to plain BM25, same run.

Each XQuAD-R article (its paragraphs in order, blank lines between) becomes one document through
the same path as `briefbot ask` (extract.from_text -> Article -> qa.answer). A question is answered
right when the first returned sentence covers the gold answer's start offset. Articles with an even
number are the tuning split, odd ones are held out; figures are printed for all three.

    python -m bench.answers [--lang de|en] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bm25 import bm25_rank, bm25_scores
from summarizer import qa
from summarizer.extract import from_text
from summarizer.models import Article, Sentence
from summarizer.qa_index import clear_cache

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xquad-r"
SQUAD = "squad2/dev-even.json"  # beside the XQuAD-R folder
CURVE = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)  # our score thresholds
ANSWERABLE_DECLINED_GOAL = 0.10  # the BM25 threshold is set for this on the tuning split
SEED = 20240617
SPLITS = ("all", "tune", "held-out")
"""Every question, and the two halves: even-numbered articles (tune) and odd ones (held-out)."""


@dataclass(frozen=True)
class Question:
    text: str
    offset: int  # gold answer start in the joined document text


@dataclass(frozen=True)
class Case:
    """One XQuAD-R article as the bot sees it: the stored Article and where its sentences are."""

    number: int
    article: Article
    spans: tuple[tuple[int, int], ...]  # character span of each sentence in the raw text
    questions: tuple[Question, ...]


@dataclass
class Tally:
    asked: int = 0
    right: int = 0
    reciprocal: float = 0.0
    baseline_right: int = 0
    in_reply: int = 0  # the gold sentence is the first one or the runner-up shown with it
    also_shown: int = 0
    baseline_reciprocal: float = 0.0
    own_declined: int = 0
    foreign_asked: int = 0
    foreign_declined: int = 0
    unreachable: int = 0  # gold offset in no sentence of ours (e.g. dropped by cleaning)
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        n = max(self.asked, 1)
        times = sorted(self.seconds) or [0.0]
        return {
            "questions": self.asked,
            "p_at_1": round(self.right / n, 3),
            "mrr": round(self.reciprocal / n, 3),
            "baseline_p_at_1": round(self.baseline_right / n, 3),
            "in_reply": round(self.in_reply / n, 3),
            "also_shown": round(self.also_shown / n, 3),
            "baseline_mrr": round(self.baseline_reciprocal / n, 3),
            "own_not_found": round(self.own_declined / n, 3),
            "foreign_not_found": round(self.foreign_declined / max(self.foreign_asked, 1), 3),
            "unreachable": self.unreachable,
            "answer_ms_p50": round(1000 * statistics.median(times), 3),
            "answer_ms_p95": round(1000 * times[int(0.95 * (len(times) - 1))], 3),
        }


def build_article(raw: str, language: str, name: str) -> Article:
    """The Article `briefbot ask` answers from: extract.from_text, then an Article."""
    document = from_text(raw, language=language)
    return Article(
        id=name,
        title=document.title,
        teaser="",
        language=language,
        sentences=document.sentences,
        ranking=(),
        added=datetime.now(UTC),
    )


def locate(raw: str, sentences: Sequence[Sentence]) -> tuple[tuple[int, int], ...]:
    """Character span of each sentence in the raw text (searching forward; -1 when not found)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sentences:
        text = sentence.text
        start = raw.find(text, cursor)
        if start < 0:  # whitespace or cleaning changed it: anchor on its first words
            start = raw.find(text[:24], cursor)
        if start < 0:
            spans.append((-1, -1))
            continue
        end = start + len(text)
        spans.append((start, end))
        cursor = end
    return tuple(spans)


def joined(item: dict[str, Any]) -> tuple[str, list[tuple[str, list[int]]]]:
    """A SQuAD-format article's paragraphs as one text (a blank line between them), and each
    question with where its gold answers start in that text (none: unanswerable)."""
    raw = ""
    questions: list[tuple[str, list[int]]] = []
    for paragraph in item["paragraphs"]:
        if raw:
            raw += "\n\n"
        base = len(raw)
        raw += paragraph["context"]
        for qa_item in paragraph["qas"]:
            starts = [base + answer["answer_start"] for answer in qa_item["answers"]]
            questions.append((qa_item["question"], starts))
    return raw, questions


def load(language: str, data: Path, limit: int | None) -> list[Case]:
    articles = json.loads((data / f"{language}.json").read_text(encoding="utf-8"))["data"]
    cases: list[Case] = []
    for number, item in enumerate(articles[:limit] if limit else articles):
        raw, asked = joined(item)
        questions = tuple(Question(text, starts[0]) for text, starts in asked)
        article = build_article(raw, language, f"{language}-{number}")
        spans = locate(raw, article.sentences)
        cases.append(Case(number, article, spans, questions))
    return cases


def position_of(spans: Sequence[tuple[int, int]], offset: int) -> int | None:
    for position, (start, end) in enumerate(spans):
        if start <= offset < end:
            return position
    return None


def evaluate(cases: Sequence[Case]) -> dict[str, Tally]:
    """Ask every question of every case (and as many foreign ones); tallies per split."""
    tallies = {split: Tally() for split in SPLITS}
    pool = [(case.number, q) for case in cases for q in case.questions]
    for case in cases:
        split = "tune" if case.number % 2 == 0 else "held-out"
        targets = (tallies["all"], tallies[split])
        article = case.article
        positions = {s.index: i for i, s in enumerate(article.sentences)}
        texts = [s.text for s in article.sentences]
        for question in case.questions:
            gold = position_of(case.spans, question.offset)
            started = time.perf_counter()
            reply = qa.answer(question.text, [article])
            elapsed = time.perf_counter() - started
            ranked = [positions[c.sentence_index] for c in qa.rank(question.text, [article])]
            baseline = bm25_rank(question.text, texts)
            first = positions[reply.sentence_indexes[0]] if reply.sentence_indexes else None
            also = reply.also
            runner_up = positions[also.sentence_indexes[0]] if also is not None else None
            for tally in targets:
                tally.asked += 1
                tally.seconds.append(elapsed)
                tally.own_declined += not reply.found
                tally.also_shown += runner_up is not None
                if gold is None:
                    tally.unreachable += 1
                    continue
                tally.right += first == gold
                tally.in_reply += gold in (first, runner_up)
                tally.baseline_right += bool(baseline) and baseline[0] == gold
                if gold in ranked:
                    tally.reciprocal += 1 / (ranked.index(gold) + 1)
                tally.baseline_reciprocal += 1 / (baseline.index(gold) + 1)
        others = [q for number, q in pool if number != case.number]
        ask_foreign(article, case, others, targets)
    return tallies


def ask_foreign(
    article: Article, case: Case, others: Sequence[Question], targets: Iterable[Tally]
) -> None:
    """Ask `article` as many of the `others` (other articles' questions) as `case` has of its
    own, a sample seeded by the case's number, and count how many it declined, as it should."""
    rng = random.Random(SEED + case.number)
    for question in rng.sample(others, min(len(case.questions), len(others))):
        reply = qa.answer(question.text, [article])
        for tally in targets:
            tally.foreign_asked += 1
            tally.foreign_declined += not reply.found


def cross_lingual(de: Sequence[Case], en: Sequence[Case]) -> dict[str, Any]:
    """English questions against the German articles and German ones against the English: the
    files are parallel (same articles, paragraphs, questions), so the gold sentence is the one
    holding the same question's answer in the article's own language."""
    results: dict[str, Any] = {}
    for name, asked, answered in (("en->de", en, de), ("de->en", de, en)):
        tallies = {split: Tally() for split in SPLITS}
        for source, target in zip(asked, answered, strict=True):
            split = "tune" if target.number % 2 == 0 else "held-out"
            targets = (tallies["all"], tallies[split])
            article = target.article
            positions = {s.index: i for i, s in enumerate(article.sentences)}
            texts = [s.text for s in article.sentences]
            for question, gold_question in zip(source.questions, target.questions, strict=True):
                gold = position_of(target.spans, gold_question.offset)
                started = time.perf_counter()
                reply = qa.answer(question.text, [article])
                elapsed = time.perf_counter() - started
                baseline = bm25_rank(question.text, texts)
                first = positions[reply.sentence_indexes[0]] if reply.sentence_indexes else None
                for tally in targets:
                    tally.asked += 1
                    tally.seconds.append(elapsed)
                    tally.own_declined += not reply.found
                    if gold is None:
                        tally.unreachable += 1
                        continue
                    tally.right += first == gold
                    tally.baseline_right += bool(baseline) and baseline[0] == gold
            # as many questions of other articles, in the asking language: to be declined
            others = [q for case in asked if case.number != source.number for q in case.questions]
            ask_foreign(article, source, others, targets)
        results[name] = {split: tally.summary() for split, tally in tallies.items()}
    return results


@dataclass(frozen=True)
class SquadRecord:
    """One SQuAD 2.0 question as `briefbot ask` answered it, and as plain BM25 would."""

    article: int
    answerable: bool
    found: bool
    score: float  # Answer.score: found is score >= the threshold in summarizer.qa
    right: bool  # the first returned sentence holds a gold answer
    bm25_score: float  # the best sentence's plain BM25 score
    bm25_right: bool


def load_squad(
    path: Path, limit: int | None
) -> list[tuple[Article, list[tuple[str, list[int]]], tuple[tuple[int, int], ...]]]:
    """Each SQuAD article as one English document, with its questions and gold answer starts
    (none for an unanswerable question)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    loaded = []
    for number, item in enumerate(data[:limit] if limit else data):
        raw, questions = joined(item)
        article = build_article(raw, "en", f"squad-{number}")
        loaded.append((article, questions, locate(raw, article.sentences)))
    return loaded


def squad_records(path: Path, limit: int | None) -> list[SquadRecord]:
    records: list[SquadRecord] = []
    for number, (article, questions, spans) in enumerate(load_squad(path, limit)):
        positions = {s.index: i for i, s in enumerate(article.sentences)}
        texts = [s.text for s in article.sentences]
        for text, starts in questions:
            gold = {position_of(spans, start) for start in starts} - {None}
            reply = qa.answer(text, [article])
            first = positions[reply.sentence_indexes[0]] if reply.sentence_indexes else None
            scores = bm25_scores(text, texts)
            top = max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else None
            records.append(
                SquadRecord(
                    article=number,
                    answerable=bool(starts),
                    found=reply.found,
                    score=reply.score,
                    right=first in gold,
                    bm25_score=scores[top] if top is not None else 0.0,
                    bm25_right=top in gold,
                )
            )
    return records


def _operating_point(
    records: Sequence[SquadRecord],
    kept: Callable[[SquadRecord], bool],
    right: Callable[[SquadRecord], bool],
) -> dict[str, float | int]:
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "p_at_1": round(sum(right(r) for r in answerable) / max(len(answerable), 1), 3),
        "p_at_1_found": round(
            sum(right(r) and kept(r) for r in answerable)
            / max(sum(kept(r) for r in answerable), 1),
            3,
        ),
        "answerable_declined": round(
            sum(not kept(r) for r in answerable) / max(len(answerable), 1), 3
        ),
        "unanswerable_declined": round(
            sum(not kept(r) for r in unanswerable) / max(len(unanswerable), 1), 3
        ),
    }


def bm25_threshold(records: Sequence[SquadRecord]) -> float:
    """The highest BM25 score threshold that declines at most ANSWERABLE_DECLINED_GOAL of the
    answerable questions of `records` (the baseline's best honest operating point)."""
    scores = sorted(r.bm25_score for r in records if r.answerable)
    if not scores:
        return 0.0
    return scores[int(ANSWERABLE_DECLINED_GOAL * len(scores))]


def _score_at_least(threshold: float) -> Callable[[SquadRecord], bool]:
    return lambda record: record.score >= threshold


def _bm25_at_least(threshold: float) -> Callable[[SquadRecord], bool]:
    return lambda record: record.bm25_score >= threshold


def squad(path: Path, limit: int | None) -> dict[str, Any]:
    """SQuAD 2.0: P@1 and declining, ours next to a BM25-score threshold tuned on the even
    articles (the tuning split; odd ones are held out), and both trade-off curves."""
    records = squad_records(path, limit)
    splits = {
        "all": records,
        "tune": [r for r in records if r.article % 2 == 0],
        "held-out": [r for r in records if r.article % 2 == 1],
    }
    threshold = bm25_threshold(splits["tune"])
    results: dict[str, Any] = {"bm25_threshold": round(threshold, 3)}
    for name, chosen in splits.items():
        results[name] = {
            "ours": _operating_point(chosen, lambda r: r.found, lambda r: r.right),
            "bm25": _operating_point(
                chosen, lambda r: r.bm25_score >= threshold, lambda r: r.bm25_right
            ),
        }
    results["curve"] = [
        {"threshold": t, **_operating_point(records, _score_at_least(t), lambda r: r.right)}
        for t in CURVE
    ]
    answerable = sorted(r.bm25_score for r in records if r.answerable)
    bm25_curve = []
    for share in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):
        cut = answerable[int(share * (len(answerable) - 1))] if answerable and share else 0.0
        bm25_curve.append(
            {
                "threshold": round(cut, 3),
                **_operating_point(records, _bm25_at_least(cut), lambda r: r.bm25_right),
            }
        )
    results["bm25_curve"] = bm25_curve
    return results


def follow_up_speed(
    cases: Sequence[Case], briefed: int = 7, per_article: int = 3
) -> dict[str, Any]:
    """A follow-up over the articles of a brief: `briefed` articles of about 60 sentences (each
    `per_article` XQuAD-R articles joined), every question of theirs asked over all of them;
    cold = the first question, when the per-article indexes are built."""
    articles: list[Article] = []
    questions: list[str] = []
    for start in range(0, min(len(cases), briefed * per_article), per_article):
        group = cases[start : start + per_article]
        texts = [s.text for case in group for s in case.article.sentences]
        articles.append(
            replace(
                group[0].article,
                id=f"brief-{start}",
                sentences=tuple(Sentence(i, text) for i, text in enumerate(texts)),
            )
        )
        questions.extend(q.text for case in group for q in case.questions)
    if not questions:
        return {}
    clear_cache()
    started = time.perf_counter()
    qa.answer(questions[0], articles)
    cold = time.perf_counter() - started
    times: list[float] = []
    for question in questions:
        started = time.perf_counter()
        qa.answer(question, articles)
        times.append(time.perf_counter() - started)
    times.sort()
    return {
        "articles": len(articles),
        "sentences": sum(len(a.sentences) for a in articles),
        "questions": len(times),
        "cold_ms": round(1000 * cold, 2),
        "ms_p50": round(1000 * statistics.median(times), 3),
        "ms_p95": round(1000 * times[int(0.95 * (len(times) - 1))], 3),
        "ms_max": round(1000 * times[-1], 3),
    }


def run(languages: Sequence[str], data: Path, limit: int | None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    loaded: dict[str, list[Case]] = {}
    for language in languages:
        cases = load(language, data, limit)
        loaded[language] = cases
        tallies = evaluate(cases)
        results[language] = {
            "articles": len(cases),
            "sentences": sum(len(c.article.sentences) for c in cases),
            **{split: tally.summary() for split, tally in tallies.items()},
            "follow_up": follow_up_speed(cases),
        }
    if "de" in loaded and "en" in loaded:
        results["cross"] = cross_lingual(loaded["de"], loaded["en"])
    squad_path = data.parent / SQUAD
    if squad_path.is_file():
        results["squad"] = squad(squad_path, limit)
    return results


Column = tuple[str, str, int, str]
"""One column of a split table: title, the figure's key, width, format (e.g. ".3f")."""
P_AT_1: list[Column] = [("P@1", "p_at_1", 8, ".3f"), ("P@1 bm25", "baseline_p_at_1", 10, ".3f")]
"""The columns a split table of answers opens with: precision at 1, ours and the baseline's."""


def split_table(
    group: tuple[str, int], figures: dict[str, Any], columns: Sequence[Column]
) -> list[str]:
    """A header and a line per group (language, way) and split: the group's name in the first
    column (`group`: its title and width), the split, its number of questions, then `columns`
    of that split's figures."""
    title, width = group
    lines = [
        f"{title:<{width}}{'split':<10}{'n':>6}"
        + "".join(f"{heading:>{size}}" for heading, _, size, _ in columns)
    ]
    for name, by_split in figures.items():
        for split in SPLITS:
            s = by_split[split]
            lines.append(
                f"{name:<{width}}{split:<10}{s['questions']:>6}"
                + "".join(f"{s[key]:>{size}{form}}" for _, key, size, form in columns)
            )
    return lines


def render(results: dict[str, Any]) -> str:
    languages: dict[str, Any] = {lang: results[lang] for lang in ("de", "en") if lang in results}
    lines = split_table(
        ("lang", 5),
        languages,
        [
            *P_AT_1,
            ("in reply", "in_reply", 10, ".3f"),
            ("MRR", "mrr", 8, ".3f"),
            ("MRR bm25", "baseline_mrr", 10, ".3f"),
            ("own declined", "own_not_found", 14, ".3f"),
            ("foreign declined", "foreign_not_found", 18, ".3f"),
            ("ms p50", "answer_ms_p50", 9, ".2f"),
            ("ms p95", "answer_ms_p95", 9, ".2f"),
            ("no span", "unreachable", 9, ""),
        ],
    )
    for language, figures in languages.items():
        speed = figures["follow_up"]
        if speed:
            lines.append(
                f"{language}: follow-up over {speed['articles']} articles "
                f"({speed['sentences']} sentences), {speed['questions']} questions: "
                f"p50 {speed['ms_p50']:.2f} ms, p95 {speed['ms_p95']:.2f} ms "
                f"(first question, indexes built: {speed['cold_ms']:.1f} ms)"
            )
    lines.append(
        "targets: P@1 >= 0.85 (de), >= 0.88 (en); foreign declined >= 0.80; own declined <= 0.10"
    )
    lines.append(
        "in reply: the gold sentence is the first one or the close runner-up quoted after it "
        "(summarizer.qa.ALSO_SHARE)"
    )
    lines.extend(render_cross(results.get("cross")))
    lines.extend(render_squad(results.get("squad")))
    return "\n".join(lines)


def render_cross(cross: dict[str, Any] | None) -> list[str]:
    if not cross:
        return []
    lines = ["", "cross-lingual XQuAD-R (questions in one language, articles in the other)"]
    lines += split_table(
        ("way", 8),
        cross,
        [
            *P_AT_1,
            ("declined", "own_not_found", 10, ".3f"),
            ("foreign declined", "foreign_not_found", 18, ".3f"),
        ],
    )
    lines.append("target: P@1 >= 0.50 both ways")
    return lines


def render_squad(squad_figures: dict[str, Any] | None) -> list[str]:
    if not squad_figures:
        return []
    lines = [
        "",
        "SQuAD 2.0 (dev, even articles; tune = even positions, held-out = odd), ours next to "
        f"a BM25 score threshold ({squad_figures['bm25_threshold']}, set on the tuning split "
        f"to decline <= {ANSWERABLE_DECLINED_GOAL:.2f} of answerable questions)",
        f"{'split':<10}{'who':<6}{'ans.':>6}{'unans.':>7}{'P@1':>7}{'P@1 found':>11}"
        f"{'ans. declined':>15}{'unans. declined':>17}",
    ]
    for split in SPLITS:
        for who in ("ours", "bm25"):
            s = squad_figures[split][who]
            lines.append(
                f"{split:<10}{who:<6}{s['answerable']:>6}{s['unanswerable']:>7}"
                f"{s['p_at_1']:>7.3f}{s['p_at_1_found']:>11.3f}"
                f"{s['answerable_declined']:>15.3f}{s['unanswerable_declined']:>17.3f}"
            )
    for name, key in (
        ("ours (Answer.score >= t)", "curve"),
        ("bm25 (top score >= t)", "bm25_curve"),
    ):
        points = ", ".join(
            f"{p['threshold']:g}: {p['answerable_declined']:.2f}/{p['unanswerable_declined']:.2f}"
            for p in squad_figures[key]
        )
        lines.append(f"curve {name}, t: answerable/unanswerable declined: {points}")
    lines.append(
        "targets: unanswerable declined >= 0.50, answerable declined <= 0.10, "
        "P@1 (found or not) at most 0.02 below today's"
    )
    return lines


def xquad_main(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    run: Callable[[Sequence[str], Path, int | None], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
) -> int:
    """The command line every XQuAD-R benchmark shares: --lang, --limit, --data, --json."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--lang", choices=("de", "en"), help="one language (default: both)")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding de.json, en.json")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.data / "de.json").is_file():
        print(f"XQuAD-R not found under {args.data}", file=sys.stderr)
        return 2
    results = run([args.lang] if args.lang else ["de", "en"], args.data, args.limit)
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return xquad_main(
        argv, prog="python -m bench.answers", description=__doc__, run=run, render=render
    )


if __name__ == "__main__":
    raise SystemExit(main())
