"""A mixed library from ../shared/data, as a team's would be: news, encyclopedia, Q&A texts.

`build(url)` stores, through the real ingest path (extraction, ranking, index):
- the 1,028 German news articles of 10kGNAD (`news-de/10kgnad-test.csv`, `section;'text'`,
  teaser and body, no headline, no date), published one to `NEWS_DAYS` days before `NEWEST`
  by line number (line n: n mod NEWS_DAYS days back), so recency plays as it would;
- the 274 Klexikon Wikipedia articles (`klexikon-validation/wiki/`), titled by their file name;
- the 48 XQuAD-R articles in German and in English, one per article, titled;
- the first article.
`--news N --wiki N` take slices (for the smoke test). Klexikon and XQuAD-R are older than all
news (a month), as reference texts are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer import extract
from summarizer.errors import ExtractError
from summarizer.models import Document
from summarizer.service import Briefing

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEWS = Path("news-de") / "10kgnad-test.csv"
WIKI = Path("klexikon-validation") / "wiki"
SUMMARIES = Path("klexikon-validation") / "klexikon"
SEED = Path("articles") / "000_9643a6726ce6d8a4.txt"
NEWEST = datetime(2016, 5, 31, 8, 0, tzinfo=UTC)
NEWS_DAYS = 14
REFERENCE_AGE = timedelta(days=45)


@dataclass(frozen=True)
class NewsItem:
    """One 10kGNAD line: its section label and its text (teaser then body)."""

    line: int
    section: str
    text: str


def news_items(data: Path = SHARED_DATA, limit: int | None = None) -> list[NewsItem]:
    """The 10kGNAD test articles in file order (`section;'text'`, quoted with ')."""
    items: list[NewsItem] = []
    with (data / NEWS).open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.reader(handle, delimiter=";", quotechar="'")):
            if len(row) >= 2 and row[1].strip():
                items.append(NewsItem(line, row[0], row[1]))
            if limit is not None and len(items) >= limit:
                break
    return items


def news_date(item: NewsItem) -> datetime:
    return NEWEST - timedelta(days=item.line % NEWS_DAYS, minutes=item.line)


def wiki_titles(data: Path = SHARED_DATA, limit: int | None = None) -> list[str]:
    """Klexikon titles (file names without .txt, '_' as space), sorted."""
    names = sorted(p.stem for p in (data / WIKI).glob("*.txt"))
    return [n.replace("_", " ") for n in names[:limit]]


def summary_of(title: str, data: Path = SHARED_DATA) -> str:
    """The Klexikon children's version of a title, without its '== heading' lines."""
    path = data / SUMMARIES / (title.replace(" ", "_") + ".txt")
    lines = path.read_text("utf-8").splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.startswith("="))


def documents(
    data: Path = SHARED_DATA, *, news: int | None = None, wiki: int | None = None
) -> Iterator[tuple[str, Document]]:
    """(label, document) for every text of the mixed library; labels say where it came from:
    `news:LINE`, `wiki:TITLE`, `xquad-de:TITLE`, `xquad-en:TITLE`, `seed`."""
    for item in news_items(data, news):
        try:
            document = extract.from_text(item.text, language="de")
        except ExtractError:  # no article text left (a teaser without a body)
            continue
        yield f"news:{item.line}", replace(document, published=news_date(item))
    reference = NEWEST - REFERENCE_AGE
    for title in wiki_titles(data, wiki):
        raw = (data / WIKI / (title.replace(" ", "_") + ".txt")).read_text("utf-8")
        document = extract.from_text(f"{title}\n\n{raw}", language="de")
        yield f"wiki:{title}", replace(document, title=title, published=reference)
    if wiki is None or wiki > 0:
        for language in ("de", "en"):
            sets = json.loads((data / "xquad-r" / f"{language}.json").read_text("utf-8"))
            for entry in sets["data"]:
                title = entry["title"].replace("_", " ")
                body = "\n\n".join(" ".join(p["sentences"]) for p in entry["paragraphs"])
                document = extract.from_text(f"{title}\n\n{body}", language=language)
                yield (
                    f"xquad-{language}:{title}",
                    replace(document, title=title, published=reference),
                )
        if (data / SEED).is_file():
            yield "seed", extract.from_path(data / SEED)


def build(
    briefing: Briefing,
    data: Path = SHARED_DATA,
    *,
    news: int | None = None,
    wiki: int | None = None,
) -> dict[str, str]:
    """Store the mixed library through `briefing`; returns label -> article id."""
    labels: dict[str, str] = {}
    for label, document in documents(data, news=news, wiki=wiki):
        labels[label] = briefing.add_document(document).article.id
    return labels
