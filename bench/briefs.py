"""Topic briefs on a mixed library: are the points about the topic? Ours against four baselines.

`python -m bench.briefs [--news N] [--wiki N] [--library PATH] [--json]`

The library is `bench.mixed`'s: the 1,028 German news articles of 10kGNAD, the 274 Klexikon
Wikipedia articles, the XQuAD-R articles in German and English and the first article, all
through the real ingest path (`--library PATH` keeps the SQLite file and reuses it).

Topics, by rules written down here, not by hand:
(a) names in 3–15 of the news articles, counted as whole words, case-sensitive, in the raw
    texts; three kinds, the 15 most frequent of each (ties by name):
    - persons: two capitalised words, not opening a sentence, no stop word, no common-noun
      ending, the first no adjective or job-title ending ("Nahen Osten", "Ministerin Maria"),
      the last also standing alone in one of those articles ("Werner Faymann" … "Faymann"),
      the first standing alone in at most one news article (unlike "Milliarde Euro");
    - acronyms of 3–5 capitals, no stop word, no Roman numeral (parties, companies, media);
    - countries: Babel's German CLDR names of the ISO territories.
(b) Klexikon titles that at least two other articles of the library also name; the Klexikon
    children's version of that title is the reference summary.

Systems, 7 points each, over the same matching articles (the articles that name the topic,
`Briefing.mentions`), in relevance order (bm25 of the library search, then the rest):
- ours: `Briefing.brief`, the `/brief` path;
- lead: the first sentence of each matching article;
- topic-lead: the first sentence naming the topic in each;
- lexrank: sumy's LexRank over all sentences of the 10 most relevant matching articles (its
  ratings as `summarizer.digest.lexrank_scores` computes them, equal to sumy's, since sumy's
  own loops take 15 s on the 2,000 sentences of ten encyclopedia articles);
- own-lead (b only): the first 7 sentences of the topic's own Klexikon article.

Figures, per system: points about the topic (`summarizer.topic.is_about`, the one definition),
points naming it, points from the topic's own article (b), ROUGE-1/2 F1 against the Klexikon
summary (b), redundant point pairs (`summarizer.brief.near_duplicate`), topics with an empty
brief although articles name them, and the time per brief (p95). Topics are split by their
place in the sorted list: even places were looked at while tuning, odd ones are held out.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import mixed
from bench.rouge import score as rouge
from summarizer import digest, topic
from summarizer.brief import near_duplicate
from summarizer.library import Library
from summarizer.models import Article, Mentions, Sentence
from summarizer.service import Briefing
from summarizer.text import stop_words

POINTS = 7
PER_KIND = 15
MIN_ARTICLES, MAX_ARTICLES = 3, 15
LEXRANK_ARTICLES = 10
SYSTEMS = ("ours", "lead", "topic-lead", "lexrank", "own-lead")
NOUN_ENDINGS = (
    "ung",
    "heit",
    "keit",
    "schaft",
    "tion",
    "ität",
    "ismus",
    "nis",
    "tum",
    "chen",
    "ment",
    "ik",
)
_CAPITALISED = re.compile(r"(?<![\w-])([A-ZÄÖÜ][a-zäöüß]{2,})\s([A-ZÄÖÜ][a-zäöüß]{3,})(?![\w-])")
# adjectives and feminine job titles ("Nahen Osten", "Oberste Gerichtshof", "Ministerin X")
NOT_GIVEN_ENDINGS = ("en", "er", "es", "em", "ste", "erin", "istin")
_ROMAN = re.compile(r"[IVXLC]+")
_ACRONYM = re.compile(r"(?<![\w-])([A-ZÄÖÜ]{3,5})(?![\w-])")


@dataclass(frozen=True)
class TopicCase:
    """A topic to brief on: its kind, and for Klexikon titles the own article and summary."""

    topic: str
    kind: str  # person, acronym, country, title
    own: str | None = None
    reference: str = ""


@dataclass
class Tally:
    """Running figures of one system over a set of topics."""

    points: int = 0
    about: int = 0
    naming: int = 0
    own: int = 0
    redundant: int = 0
    empty: int = 0
    topics: int = 0
    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    milliseconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        share = (lambda n: round(n / self.points, 3)) if self.points else (lambda n: 0.0)
        out: dict[str, Any] = {
            "topics": self.topics,
            "points": self.points,
            "about": share(self.about),
            "naming": share(self.naming),
            "own": share(self.own),
            "redundant_pairs": self.redundant,
            "empty_briefs": self.empty,
        }
        if self.rouge1:
            out["rouge1"] = round(100 * statistics.fmean(self.rouge1), 2)
            out["rouge2"] = round(100 * statistics.fmean(self.rouge2), 2)
        if self.milliseconds:
            ordered = sorted(self.milliseconds)
            out["p50_ms"] = round(ordered[len(ordered) // 2], 2)
            out["p95_ms"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
        return out


Point = tuple[str, int]  # (article id, sentence index)


# --- topics -----------------------------------------------------------------------------------


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for match in re.finditer(r"[.!?:]['\"“”»«]?\s+", text):
        starts.add(match.end())
    return starts


def news_topics(data: Path, limit: int | None) -> list[TopicCase]:
    """Topics of kind (a) from the raw news texts (rule in the module docstring)."""
    items = mixed.news_items(data, limit)
    german = stop_words("de")
    persons: dict[str, set[int]] = {}
    acronyms: dict[str, set[int]] = {}
    alone: dict[str, set[int]] = {}
    for item in items:
        starts = _sentence_starts(item.text)
        for match in _CAPITALISED.finditer(item.text):
            first, last = match.group(1), match.group(2)
            if match.start() in starts or first.lower() in german or last.lower() in german:
                continue
            if first.lower().endswith(NOUN_ENDINGS) or last.lower().endswith(NOUN_ENDINGS):
                continue
            if first.lower().endswith(NOT_GIVEN_ENDINGS):
                continue
            persons.setdefault(f"{first} {last}", set()).add(item.line)
        for match in _ACRONYM.finditer(item.text):
            acronyms.setdefault(match.group(1), set()).add(item.line)
        for word in set(re.findall(r"(?<![\w-])[A-ZÄÖÜ][a-zäöüß]{3,}(?![\w-])", item.text)):
            alone.setdefault(word, set()).add(item.line)
    texts = {item.line: item.text for item in items}

    def surname_alone(name: str, lines: set[int]) -> bool:
        first, last = name.split()
        pattern = re.compile(rf"(?<!{first} )(?<![\w-]){last}(?![\w-])")
        return any(pattern.search(texts[line]) for line in lines)

    def in_range(found: dict[str, set[int]]) -> list[tuple[str, set[int]]]:
        kept = [(n, ls) for n, ls in found.items() if MIN_ARTICLES <= len(ls) <= MAX_ARTICLES]
        return sorted(kept, key=lambda x: (-len(x[1]), x[0]))

    cases: list[TopicCase] = []

    def given_name_alone(name: str) -> bool:
        """Is the first word used without the second elsewhere (a noun: "Milliarde Euro")?"""
        first, last = name.split()
        pattern = re.compile(rf"(?<![\w-]){first}(?![\w-])(?! {last})")
        return sum(bool(pattern.search(t)) for t in texts.values()) > 1

    people = [n for n, ls in in_range(persons) if surname_alone(n, ls) and not given_name_alone(n)]
    cases += [TopicCase(n, "person") for n in people[:PER_KIND]]
    acronyms = {
        n: ls
        for n, ls in acronyms.items()
        if n.lower() not in german and n.lower() not in stop_words("en") and not _ROMAN.fullmatch(n)
    }
    cases += [TopicCase(n, "acronym") for n, _ in in_range(acronyms)[:PER_KIND]]
    countries: dict[str, set[int]] = {}
    for name in _country_names():
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}s?(?![\w-])")
        lines = {item.line for item in items if pattern.search(item.text)}
        if lines:
            countries[name] = lines
    cases += [TopicCase(n, "country") for n, _ in in_range(countries)[:PER_KIND]]
    return cases


def _country_names() -> list[str]:
    from babel import Locale

    territories = Locale("de").territories
    return sorted({name for code, name in territories.items() if len(code) == 2 and code.isalpha()})


def title_topics(briefing: Briefing, data: Path, labels: dict[str, str]) -> list[TopicCase]:
    """Topics of kind (b): Klexikon titles at least two other articles name."""
    cases: list[TopicCase] = []
    for label, article_id in sorted(labels.items()):
        if not label.startswith("wiki:"):
            continue
        title = label.removeprefix("wiki:")
        others = [
            m
            for m in briefing.mentions(title)
            if m.article_id != article_id and (m.naming or m.in_title)
        ]
        if len(others) >= 2:
            cases.append(TopicCase(title, "title", article_id, mixed.summary_of(title, data)))
    return cases


# --- systems ------------------------------------------------------------------------------------


def relevance_order(briefing: Briefing, case: TopicCase, mentions: Sequence[Mentions]) -> list[str]:
    """The matching articles, most relevant first (library search), then the rest."""
    matching = {m.article_id for m in mentions if m.naming or m.in_title}
    hits = [h.article_id for h in briefing.search(case.topic, limit=10_000)]
    ordered = [i for i in hits if i in matching]
    rest = sorted(matching - set(ordered))
    return ordered + rest


def baselines(
    briefing: Briefing, case: TopicCase, mentions: dict[str, Mentions]
) -> dict[str, list[Point]]:
    order = relevance_order(briefing, case, list(mentions.values()))
    lead = [(i, 0) for i in order[:POINTS]]
    topic_lead = [(i, mentions[i].naming[0]) for i in order if mentions[i].naming][:POINTS]
    out = {"lead": lead, "topic-lead": topic_lead, "lexrank": lexrank(briefing, order)}
    if case.own is not None:
        own = briefing.article(case.own)
        count = len(own.sentences) if own is not None else 0
        out["own-lead"] = [(case.own, i) for i in range(min(POINTS, count))]
    return out


def lexrank(briefing: Briefing, order: Sequence[str]) -> list[Point]:
    """sumy LexRank over every sentence of the most relevant matching articles."""
    articles = [a for a in (briefing.article(i) for i in order[:LEXRANK_ARTICLES]) if a]
    if not articles:
        return []
    pooled: list[Sentence] = []
    where: list[Point] = []
    for article in articles:
        for sentence in article.sentences:
            pooled.append(Sentence(len(pooled), sentence.text))
            where.append((article.id, sentence.index))
    language = Counter(a.language for a in articles).most_common(1)[0][0]
    scores = digest.lexrank_scores(pooled, language)
    best = sorted(range(len(pooled)), key=lambda i: (-scores[i], i))[:POINTS]
    return [where[i] for i in best]


# --- scoring ------------------------------------------------------------------------------------


def tally(
    into: Tally,
    points: Sequence[Point],
    case: TopicCase,
    mentions: dict[str, Mentions],
    articles: Callable[[str], Article | None],
) -> None:
    into.topics += 1
    if not points and any(m.naming or m.in_title for m in mentions.values()):
        into.empty += 1
    texts: list[tuple[str, str]] = []
    for article_id, index in points:
        article = articles(article_id)
        sentence = _text(article, index)
        if article is None or sentence is None:
            continue
        into.points += 1
        found = mentions.get(article_id)
        into.about += topic.is_about(index, sentence, article.language, found)
        into.naming += found is not None and index in found.naming
        into.own += case.own is not None and article_id == case.own
        texts.append((sentence, article.language))
    into.redundant += sum(
        near_duplicate(a, b, la) for i, (a, la) in enumerate(texts) for b, _ in texts[i + 1 :]
    )
    if case.reference:
        scores = rouge(" ".join(t for t, _ in texts), case.reference)
        into.rouge1.append(scores.rouge1)
        into.rouge2.append(scores.rouge2)


def _text(article: Article | None, index: int) -> str | None:
    if article is None:
        return None
    return next((s.text for s in article.sentences if s.index == index), None)


def evaluate(briefing: Briefing, cases: Sequence[TopicCase]) -> dict[str, dict[str, Tally]]:
    """group -> system -> tally; groups: news, titles, each also split tune / held-out."""
    groups: dict[str, dict[str, Tally]] = {}
    cache: dict[str, Article | None] = {}

    def article(article_id: str) -> Article | None:
        if article_id not in cache:
            cache[article_id] = briefing.article(article_id)
        return cache[article_id]

    briefing.brief(cases[0].topic) if cases else None  # warm caches before timing
    for place, case in enumerate(cases):
        mentions = {m.article_id: m for m in briefing.mentions(case.topic)}
        started = time.perf_counter()
        brief = briefing.brief(case.topic, points=POINTS)
        elapsed = (time.perf_counter() - started) * 1000
        systems = {"ours": [(p.article_id, p.sentence_index) for p in brief.points]}
        systems.update(baselines(briefing, case, mentions))
        group = "titles" if case.kind == "title" else "news"
        half = "tune" if place % 2 == 0 else "held-out"
        for name in (group, f"{group} {half}"):
            bucket = groups.setdefault(name, {})
            for system, points in systems.items():
                into = bucket.setdefault(system, Tally())
                tally(into, points, case, mentions, article)
                if system == "ours":
                    into.milliseconds.append(elapsed)
    return groups


def worst(briefing: Briefing, cases: Sequence[TopicCase], count: int = 5) -> list[dict[str, Any]]:
    """The briefs with the most points not about their topic, quoted (for reading)."""
    found: list[tuple[int, dict[str, Any]]] = []
    for case in cases:
        mentions = {m.article_id: m for m in briefing.mentions(case.topic)}
        brief = briefing.brief(case.topic, points=POINTS)
        off: list[str] = []
        for point in brief.points:
            article = briefing.article(point.article_id)
            language = article.language if article else "de"
            found_mentions = mentions.get(point.article_id)
            if not topic.is_about(point.sentence_index, point.text, language, found_mentions):
                off.append(point.text[:160])
        if off:
            found.append((len(off), {"topic": case.topic, "off_topic": off}))
    found.sort(key=lambda f: -f[0])
    return [f[1] for f in found[:count]]


def run(data: Path, *, news: int | None, wiki: int | None, library: Path | None) -> dict[str, Any]:
    temporary = None
    if library is None:
        temporary = tempfile.TemporaryDirectory()
        library = Path(temporary.name) / "mixed.db"
    fresh = not library.exists()
    briefing = Briefing(Library.open(f"sqlite:///{library.as_posix()}"))
    started = time.perf_counter()
    labels_file = library.with_suffix(".labels.json")
    if fresh or not labels_file.exists():
        labels = mixed.build(briefing, data, news=news, wiki=wiki)
        labels_file.write_text(json.dumps(labels), "utf-8")
    else:
        labels = json.loads(labels_file.read_text("utf-8"))
    built = time.perf_counter() - started
    cases = news_topics(data, news) + title_topics(briefing, data, labels)
    groups = evaluate(briefing, cases)
    result: dict[str, Any] = {
        "articles": len(labels),
        "build_seconds": round(built, 1),
        "topics": {kind: n for kind, n in Counter(c.kind for c in cases).items()},
        "topic_list": [c.topic for c in cases],
        "groups": {
            g: {s: t.summary() for s, t in systems.items()} for g, systems in groups.items()
        },
        "worst": worst(briefing, cases),
    }
    if temporary is not None:
        briefing.library.engine.dispose()
        temporary.cleanup()
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Topic briefs on a mixed library of {result['articles']} articles "
        f"(built in {result['build_seconds']} s); topics: {result['topics']}",
    ]
    for group, systems in result["groups"].items():
        lines += ["", f"## {group}", ""]
        lines.append(
            "| system | topics | points | about | naming | own | R1 | R2 | redundant | empty | p95 ms |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for system in SYSTEMS:
            if system not in systems:
                continue
            f = systems[system]
            lines.append(
                f"| {system} | {f['topics']} | {f['points']} | {f['about']:.3f} | "
                f"{f['naming']:.3f} | {f['own']:.3f} | {f.get('rouge1', '—')} | "
                f"{f.get('rouge2', '—')} | {f['redundant_pairs']} | {f['empty_briefs']} | "
                f"{f.get('p95_ms', '—')} |"
            )
    if result["worst"]:
        lines += ["", "Briefs with points not about their topic (ours):"]
        for entry in result["worst"]:
            lines.append(f"- {entry['topic']}: " + " | ".join(entry["off_topic"]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.briefs", description=__doc__)
    parser.add_argument("--data", type=Path, default=mixed.SHARED_DATA)
    parser.add_argument("--news", type=int, default=None, help="only the first N news articles")
    parser.add_argument("--wiki", type=int, default=None, help="only the first N Klexikon titles")
    parser.add_argument("--library", type=Path, default=None, help="keep/reuse this SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.data, news=args.news, wiki=args.wiki, library=args.library)
    print(json.dumps(result, ensure_ascii=False) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
