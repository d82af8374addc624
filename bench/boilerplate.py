"""Boilerplate in what users see: digest points and answers that carry page furniture.

`python -m bench.boilerplate`. On the seed article (../shared/data/articles) and our own German
and English text/Markdown/HTML fixtures (tests/fixtures/texts), every ranked key point, a
cross-article brief, and the answers (summarizer.qa.answer) to questions aimed at the furniture
are searched for credit, caption, consent, cookie, newsletter, read-more and comment text. The
markers are listed here on their own, not taken from clean.py, so the check is not circular.
Answers count whether or not they are `found`: the best guess is shown in some views too.
Target: 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from summarizer import brief, digest, extract, qa
from summarizer.models import Article, Document, Mentions

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "data" / "articles" / "000_9643a6726ce6d8a4.txt"
FIXTURES = REPO / "tests" / "fixtures" / "texts"

MARKERS = (
    # credits and captions
    "Shutterstock", "Getty", "Bilder:", "Foto:", "Image:", "dpa", "Kräne am Hamburger Hafen",
    "Workers inspect", "Wahlplakate", "Stalls on the square", "Wladimir Putin, Kim Jong-un.",
    # consent and cookies
    "Podigee", "Beispielfunk", "Beispielpod", "Datenschutz", "einverstanden", "Zustimm",
    "Empfohlener redaktioneller", "Recommended editorial", "consent", "privacy", "Cookie", "cookie",
    # newsletters, read more, related links
    "Newsletter", "newsletter", "Lesen Sie auch", "Mehr zum Thema", "Read more", "Related stories",
    "Elbvertiefung: Schiffe", "Storm surge leaves", "Council delays", "So haben die Nachbargemeinden",
    "Station restoration",
    # comments
    "Kommentar", "Comments", "Hafenfreund", "Anwohnerin:", "riverwatcher", "annoyed_taxpayer",
    "Bürger42", "Leserin:", "localfoodie",
)  # fmt: skip

QUESTIONS = {
    "de": (
        "Wer hat das Foto gemacht?",
        "Wird ein externer Podcast geladen?",
        "Was steht in der Datenschutzerklärung?",
        "Verwendet die Seite Cookies?",
        "Wie kann ich den Newsletter abonnieren?",
        "Was schreiben die Leser in den Kommentaren?",
        "Was gibt es mehr zum Thema?",
    ),
    "en": (
        "Who took the photo?",
        "Is external podcast content loaded with my consent?",
        "What does the privacy policy say?",
        "Does the site use cookies?",
        "How do I sign up for the newsletter?",
        "What do readers say in the comments?",
        "What should I read more about?",
    ),
}


@dataclass(frozen=True)
class SourceResult:
    """How many points and answers of one source were checked, and which carried furniture."""

    source: str
    points: int
    answers: int
    hits: list[str]


def as_article(document: Document, article_id: str, day: int) -> Article:
    ranking = digest.rank(document)
    return Article.from_document(
        document, ranking, id=article_id, added=datetime(2024, 6, day, tzinfo=UTC)
    )


def furniture(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


def check(path: Path, day: int) -> tuple[Article, SourceResult]:
    article = as_article(extract.from_path(path), path.name, day)
    shown = [p.text for p in digest.digest(article, points=len(article.ranking)).points]
    answers = [qa.answer(q, [article]).text for q in QUESTIONS[article.language]]
    hits = [f"point: {t}" for t in shown if furniture(t)]
    hits += [f"answer: {t}" for t in answers if furniture(t)]
    return article, SourceResult(path.name, len(shown), len(answers), hits)


def sources(limit: int = 0) -> list[Path]:
    paths = [SEED] if SEED.is_file() else []
    paths += sorted(FIXTURES.glob("*.*"))
    return paths[:limit] if limit else paths


def run(paths: Sequence[Path]) -> tuple[list[SourceResult], int]:
    results: list[SourceResult] = []
    articles: list[tuple[Article, float]] = []
    for day, path in enumerate(paths, start=1):
        article, result = check(path, day)
        results.append(result)
        articles.append((article, 1.0))
    # every article as if centred on one topic: the brief may draw on any of its sentences
    sources = [
        brief.Source(
            article,
            Mentions(
                article.id,
                article.title,
                article.language,
                len(article.sentences),
                tuple(s.index for s in article.sentences),
                True,
                article.added,
                article.added,
            ),
            weight,
            True,
        )
        for article, weight in articles
    ]
    merged, _ = brief.merge(sources, points=30)
    results.append(
        SourceResult(
            "brief across all",
            len(merged),
            0,
            [f"point: {p.text}" for p in merged if furniture(p.text)],
        )
    )
    return results, sum(len(r.hits) for r in results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.boilerplate", description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="only the first N sources")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    paths = sources(args.limit)
    if not paths:
        print("no sources found", file=sys.stderr)
        return 2
    results, count = run(paths)
    if args.json:
        print(json.dumps({"count": count, "sources": [asdict(r) for r in results]}, indent=2))
    else:
        print(f"{'source':<28} {'points':>6} {'answers':>7} {'boilerplate':>11}")
        for r in results:
            print(f"{r.source:<28} {r.points:>6} {r.answers:>7} {len(r.hits):>11}")
            for hit in r.hits:
                print(f"    {hit}")
        print(f"boilerplate in points and answers: {count} (target 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
