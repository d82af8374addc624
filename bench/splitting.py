"""Sentence splitting against gold sentence breaks: `python -m bench.splitting [--lang de|en] [--json]`.

XQuAD-R (`../shared/data/xquad-r/{de,en}.json`) gives every paragraph's sentences as character
spans. Each splitter runs on every paragraph; a boundary is the start of a sentence after the
first, counted in non-space characters (so whitespace normalisation cannot shift it). Printed per
language and splitter: boundary precision, recall and F1, the share of gold sentences returned
exactly, and milliseconds per 10 KB of text. Splitters: ours (`summarizer.text.split_sentences`),
pysbd (the previous choice), and a naive regex (split after .!? before an upper-case letter).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from summarizer.text import split_sentences

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xquad-r"
LANGUAGES = ("de", "en")
PYSBD_LANGUAGE = {"de": "de", "en": "en"}
_NAIVE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9\"„“])")

Splitter = Callable[[str, str], list[str]]


@lru_cache(maxsize=4)
def _pysbd(language: str) -> object:
    import pysbd

    return pysbd.Segmenter(language=PYSBD_LANGUAGE[language], clean=False, char_span=False)


def pysbd_split(paragraph: str, language: str) -> list[str]:
    segmenter = _pysbd(language)
    parts = segmenter.segment(" ".join(paragraph.split()))  # type: ignore[attr-defined]
    return [s.strip() for s in parts if s.strip()]


def naive_split(paragraph: str, language: str) -> list[str]:
    return [s for s in _NAIVE.split(" ".join(paragraph.split())) if s.strip()]


SPLITTERS: dict[str, Splitter] = {
    "ours": split_sentences,
    "pysbd": pysbd_split,
    "naive regex": naive_split,
}


@dataclass(frozen=True)
class Paragraph:
    text: str
    gold: tuple[int, ...]  # sentence starts after the first, in non-space characters


@dataclass(frozen=True)
class Score:
    splitter: str
    language: str
    precision: float
    recall: float
    exact: float  # share of gold sentences returned as one sentence, exactly
    ms_per_10kb: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _dense(text: str) -> int:
    return sum(not c.isspace() for c in text)


def load(language: str, data: Path = DATA) -> list[Paragraph]:
    """Every paragraph of the language's file with its gold sentence starts."""
    raw = json.loads((data / f"{language}.json").read_text(encoding="utf-8"))
    paragraphs: list[Paragraph] = []
    for article in raw["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            starts = tuple(_dense(context[:start]) for start, _ in paragraph["sentence_breaks"][1:])
            paragraphs.append(Paragraph(context, starts))
    return paragraphs


def _starts(sentences: Sequence[str]) -> tuple[int, ...]:
    starts: list[int] = []
    position = 0
    for sentence in sentences[:-1]:
        position += _dense(sentence)
        starts.append(position)
    return tuple(starts)


def _spans(starts: Sequence[int], length: int) -> set[tuple[int, int]]:
    edges = [0, *starts, length]
    return set(itertools.pairwise(edges))


def score(name: str, splitter: Splitter, language: str, paragraphs: Sequence[Paragraph]) -> Score:
    """Boundary precision/recall, exact sentences and speed of one splitter on one language."""
    for paragraph in paragraphs[:3]:
        splitter(paragraph.text, language)  # warm-up: set-up cost is not per-text cost
    found = right = gold_total = exact = 0
    seconds = 0.0
    size = 0
    for paragraph in paragraphs:
        start = time.perf_counter()
        sentences = splitter(paragraph.text, language)
        seconds += time.perf_counter() - start
        size += len(paragraph.text.encode("utf-8"))
        predicted = _starts(sentences)
        found += len(predicted)
        gold_total += len(paragraph.gold)
        right += len(set(predicted) & set(paragraph.gold))
        length = _dense(paragraph.text)
        gold_spans = _spans(paragraph.gold, length)
        exact += len(gold_spans & _spans(predicted, length))
    sentences_total = gold_total + len(paragraphs)
    return Score(
        splitter=name,
        language=language,
        precision=right / found if found else 1.0,
        recall=right / gold_total if gold_total else 1.0,
        exact=exact / sentences_total if sentences_total else 1.0,
        ms_per_10kb=seconds * 1000 / (size / 10240) if size else 0.0,
    )


def errors(
    splitter: Splitter, language: str, paragraphs: Sequence[Paragraph], context: int = 30
) -> list[str]:
    """Where a splitter disagrees with the gold: missed (-) and extra (+) boundaries."""
    found: list[str] = []
    for paragraph in paragraphs:
        predicted = set(_starts(splitter(paragraph.text, language)))
        gold = set(paragraph.gold)
        dense = "".join(c if not c.isspace() else "" for c in paragraph.text)
        for mark, positions in (("-", gold - predicted), ("+", predicted - gold)):
            for position in sorted(positions):
                found.append(
                    f"{mark} {dense[max(0, position - context) : position]}"
                    f" | {dense[position : position + context]}"
                )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.splitting", description=__doc__)
    parser.add_argument("--lang", choices=LANGUAGES, action="append", help="default: both")
    parser.add_argument("--limit", type=int, default=0, help="paragraphs per language (0: all)")
    parser.add_argument("--errors", metavar="SPLITTER", help="list this splitter's mistakes")
    parser.add_argument("--data", type=Path, default=DATA, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    rows: list[Score] = []
    for language in args.lang or LANGUAGES:
        paragraphs = load(language, args.data)
        if args.limit:
            paragraphs = paragraphs[: args.limit]
        if args.errors:
            for line in errors(SPLITTERS[args.errors], language, paragraphs):
                print(f"{language} {line}")
        rows.extend(score(name, fn, language, paragraphs) for name, fn in SPLITTERS.items())
    if args.json:
        print(json.dumps([{**asdict(row), "f1": row.f1} for row in rows], indent=2))
        return 0
    print("| language | splitter | precision | recall | F1 | exact sentences | ms per 10 KB |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.language} | {row.splitter} | {row.precision:.3f} | {row.recall:.3f} "
            f"| {row.f1:.3f} | {row.exact:.3f} | {row.ms_per_10kb:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
