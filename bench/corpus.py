"""A synthetic library for the speed benchmark: articles recombined from sentences in ../shared/data.

Each article strings together 2-6 runs of consecutive sentences (XQuAD-R contexts in German or
English, Klexikon's German Wikipedia texts, the seed article), 20-80 sentences in all, dated over
one year. Three topics are planted with sentences written here (templates, not data) so that a
topic word matches a known share of the articles (by default ~0.1 %, 1 % and 10 %: 10, 100 and
1,000 of 10,000); sentences in the data that already contain a topic word are left out, so the
counts are exact.

The stored ranking of a corpus article is its lead order (a stand-in): real ranking costs about
as much as extraction and would make a 10,000-article build take many minutes, while a brief
reads stored rankings the same way whatever computed them. Ingest speed through the real path
is measured separately (bench/speed.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer import extract
from summarizer.library import Library
from summarizer.models import Document, Sentence
from summarizer.text import fold

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SEED_ARTICLE = SHARED_DATA / "articles" / "000_9643a6726ce6d8a4.txt"
CORPUS_VERSION = 2  # 2: sentence index and vocabulary (briefs stay on the topic)
NEWEST = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
GERMAN_SHARE = 0.6
RANKING_DEPTH = 30


@dataclass(frozen=True)
class Topic:
    """A planted topic: the word searched for, and the share of articles it is planted in."""

    word: str
    share: float

    def count(self, articles: int) -> int:
        return max(3, round(articles * self.share))


TOPICS = (Topic("Sahel", 0.001), Topic("Taiwan", 0.01), Topic("Inflation", 0.1))

# Written for this benchmark (not taken from any data set); {w} is the topic word.
TEMPLATES = {
    "de": (
        "Die Lage in {w} beschäftigt seit Wochen auch die Regierung in Berlin.",
        "Fachleute erwarten, dass sich die Debatte über {w} in den kommenden Monaten verschärft.",
        "Ein Sprecher sagte am Abend, man beobachte die Entwicklung rund um {w} sehr genau.",
        "Neue Zahlen zu {w} wurden am Dienstag in einem ausführlichen Bericht vorgestellt.",
        "Mehrere Verbände forderten wegen {w} rasche Gespräche mit allen Beteiligten.",
        "Nach Angaben der Behörden hat sich die Situation in {w} zuletzt kaum verändert.",
    ),
    "en": (
        "The situation in {w} has occupied officials in several capitals for weeks.",
        "Experts expect the debate over {w} to intensify in the coming months.",
        "A spokesperson said on Tuesday evening that developments in {w} were watched closely.",
        "New figures on {w} were presented in a detailed report on Monday.",
        "Several associations called for swift talks with everyone involved in {w}.",
        "According to officials, little has changed in {w} over the past days.",
    ),
}


@dataclass(frozen=True)
class Source:
    """A run of consecutive sentences from one text of the data, with a title for it."""

    title: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class SyntheticArticle:
    title: str
    teaser: str
    language: str
    paragraphs: tuple[tuple[str, ...], ...]
    published: datetime
    topics: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [s for paragraph in self.paragraphs for s in paragraph]

    def as_text(self) -> str:
        """The article as a pasted plain text: headline, teaser, paragraphs."""
        body = "\n\n".join(" ".join(p) for p in self.paragraphs)
        return f"{self.title}\n\n{self.teaser}\n\n{body}\n"

    def as_document(self) -> Document:
        sentences = tuple(
            Sentence(i, text, number)
            for i, (number, text) in enumerate(
                (number, text)
                for number, paragraph in enumerate(self.paragraphs)
                for text in paragraph
            )
        )
        return Document(
            title=self.title,
            teaser=self.teaser,
            language=self.language,
            text=" ".join(s.text for s in sentences),
            sentences=sentences,
            published=self.published,
        )


def _mentions_topic(sentence: str) -> bool:
    folded = fold(sentence)
    return any(fold(topic.word) in folded for topic in TOPICS)


def _clean(sentences: list[str]) -> tuple[str, ...]:
    return tuple(
        s.strip() for s in sentences if 30 <= len(s.strip()) <= 400 and not _mentions_topic(s)
    )


def load_sources(shared_data: Path = SHARED_DATA) -> dict[str, list[Source]]:
    """Runs of sentences per language from XQuAD-R, Klexikon's Wikipedia texts and the seed."""
    sources: dict[str, list[Source]] = {"de": [], "en": []}
    for language in ("de", "en"):
        data = json.loads((shared_data / "xquad-r" / f"{language}.json").read_text("utf-8"))
        for entry in data["data"]:
            title = entry["title"].replace("_", " ")
            for paragraph in entry["paragraphs"]:
                sentences = _clean(paragraph["sentences"])
                if len(sentences) >= 2:
                    sources[language].append(Source(title, sentences))
    for path in sorted((shared_data / "klexikon-validation" / "wiki").glob("*.txt")):
        lines = _clean(path.read_text("utf-8").splitlines())
        for start in range(0, len(lines), 12):
            chunk = lines[start : start + 12]
            if len(chunk) >= 3:
                sources["de"].append(Source(path.stem.replace("_", " "), chunk))
    seed = shared_data / "articles" / SEED_ARTICLE.name
    if seed.is_file():
        document = extract.from_path(seed)
        sentences = _clean([s.text for s in document.sentences])
        sources["de"].append(Source(document.title, sentences))
    return sources


def synthetic_articles(
    count: int, *, seed: int = 7, shared_data: Path = SHARED_DATA
) -> Iterator[SyntheticArticle]:
    """`count` articles, deterministic for a given seed; topics planted per TOPICS."""
    rng = random.Random(seed)
    sources = load_sources(shared_data)
    planted: dict[int, list[str]] = {}
    for topic in TOPICS:
        for number in rng.sample(range(count), min(count, topic.count(count))):
            planted.setdefault(number, []).append(topic.word)
    for number in range(count):
        language = "de" if rng.random() < GERMAN_SHARE else "en"
        pool = sources[language]
        target = rng.randint(20, 80)
        paragraphs: list[tuple[str, ...]] = []
        titles: list[str] = []
        total = 0
        while total < target:
            source = rng.choice(pool)
            start = rng.randrange(len(source.sentences))
            run = source.sentences[start : start + rng.randint(3, 8)] or source.sentences[:3]
            run = run[: target - total]
            paragraphs.append(run)
            titles.append(source.title)
            total += len(run)
        topics = tuple(planted.get(number, ()))
        for word in topics:
            for _ in range(rng.randint(1, 3)):
                sentence = rng.choice(TEMPLATES[language]).format(w=word)
                where = rng.randrange(len(paragraphs))
                paragraph = list(paragraphs[where])
                paragraph.insert(rng.randrange(len(paragraph) + 1), sentence)
                paragraphs[where] = tuple(paragraph)
        title = " – ".join(dict.fromkeys(titles[:2]))
        if topics and rng.random() < 0.3:
            title = f"{topics[0]}: {title}"
        teaser = paragraphs[0][0] if paragraphs[0] else title
        published = NEWEST - timedelta(minutes=rng.randrange(365 * 24 * 60))
        yield SyntheticArticle(title, teaser, language, tuple(paragraphs), published, topics)


def lead_ranking(document: Document) -> list[tuple[int, float]]:
    """The stand-in stored ranking: the first sentences, scores falling with position."""
    count = min(RANKING_DEPTH, len(document.sentences))
    return [(i, round(1.0 / (1.0 + 0.2 * i), 4)) for i in range(count)]


def build(url: str, count: int, *, seed: int = 7, shared_data: Path = SHARED_DATA) -> Library:
    """A library at `url` holding `count` synthetic articles (lead rankings; see module doc)."""
    library = Library.open(url)
    for article in synthetic_articles(count, seed=seed, shared_data=shared_data):
        document = article.as_document()
        library.add(document, lead_ranking(document))
    return library
