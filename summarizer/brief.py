"""Key points across many articles about one topic: merge, de-duplicate, order, cite.

A brief is query-focused (see `summarizer.topic`): an article centred on the topic offers
its stored key points (a sentence naming the topic first), an article that names the topic
in passing offers only the sentences that name it, and every point is about the topic. No
ranking runs here: every article was ranked once at ingest, and which sentences name the
topic comes from the sentence index, so a brief over a thousand articles reads only the
sentences it may show.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from summarizer import topic
from summarizer.digest import dangling
from summarizer.models import Article, KeyPoint, Mentions
from summarizer.text import fold, terms, words

DUPLICATE_SIMILARITY = 0.55
DUPLICATE_CONTAINMENT = 0.8
RECENCY_HALF_LIFE_DAYS = 7.0
RECENCY_FLOOR = 0.4  # an old article keeps this much of its weight
DEPTH_DECAY = 0.35  # each further point of the same article counts this much less
PASSING_WEIGHT = 0.12  # a passing mention against a central article's centrality squared
PASSING_POINTS = 3  # at most this many points from an article naming the topic in passing
NAMING_BOOST = 2.0  # a central article's sentence that names the topic weighs this much more
UNRANKED_SCORE = 0.2  # a naming sentence outside the article's stored ranking
MIN_SCORE = 0.05
MAX_CENTRAL = 12  # articles centred on the topic a brief draws on, best first
MAX_PASSING = 20  # articles naming it in passing
NAMING_PER_CENTRAL = 12  # naming sentences loaded per article (and the sentence after each)
NAMING_PER_PASSING = 6


def point_key(text: str) -> str:
    """A fingerprint of a sentence that ignores case, umlaut spelling, punctuation and spacing."""
    normal = " ".join(fold(w) for w in words(text))
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=10).hexdigest()


def _term_set(text: str, language: str) -> frozenset[str]:
    return frozenset(terms(text, language))


def _duplicate_sets(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return (
        shared / math.sqrt(len(a) * len(b)) >= DUPLICATE_SIMILARITY
        or shared / min(len(a), len(b)) >= DUPLICATE_CONTAINMENT
    )


def near_duplicate(a: str, b: str, language: str) -> bool:
    """Do two sentences state the same thing (same stemmed content words, mostly)?"""
    if point_key(a) == point_key(b):
        return True
    return _duplicate_sets(_term_set(a, language), _term_set(b, language))


@dataclass(frozen=True)
class Source:
    """One article a brief may draw on: the sentences loaded for it, where it names the
    topic, and its weight (centrality and recency)."""

    article: Article
    mentions: Mentions
    weight: float
    central: bool


def _when(mentions: Mentions) -> datetime:
    moment = mentions.published or mentions.added
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sources_for(mentions: Sequence[Mentions]) -> list[tuple[Mentions, float, bool]]:
    """The articles a brief draws on, best first: (mentions, weight, central).

    Central articles first (weight: centrality squared, so the article a topic is the title
    of leads by far), then passing mentions (PASSING_WEIGHT); both halve with age relative to
    the newest naming article, but never below RECENCY_FLOOR. Below the floor (no naming
    sentence and no title), nothing.
    """
    usable = [m for m in mentions if m.naming or m.in_title]
    if not usable:
        return []
    newest = max(_when(m) for m in usable)
    ranked: list[tuple[Mentions, float, bool]] = []
    for m in usable:
        age_days = max(0.0, (newest - _when(m)).total_seconds() / 86400)
        recency = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
        central = topic.is_central(m)
        level = topic.centrality(m) ** 2 if central else PASSING_WEIGHT
        ranked.append((m, level * recency, central))
    ranked.sort(key=lambda r: (not r[2], -r[1], r[0].article_id))
    centred = [r for r in ranked if r[2]][:MAX_CENTRAL]
    passing = [r for r in ranked if not r[2]][:MAX_PASSING]
    return centred + passing


def wanted_sentences(mentions: Mentions, central: bool) -> set[int]:
    """Sentences to load beyond an article's stored key points: those naming the topic and the
    one after each (it may continue it); for a passing mention nothing else is ever used."""
    limit = NAMING_PER_CENTRAL if central else NAMING_PER_PASSING
    chosen = mentions.naming[:limit]
    return {i for n in chosen for i in (n, n + 1) if i < max(mentions.sentence_count, n + 1)}


def _candidates(source: Source) -> list[tuple[float, int]]:
    """(score, sentence index) a source offers, best first.

    A central article offers its stored key points, a sentence naming the topic weighing
    NAMING_BOOST times more; a passing mention offers only the sentences that name the topic.
    """
    article, mentions = source.article, source.mentions
    scores = dict(zip(article.ranking, article.ranking_scores, strict=False))
    naming = set(mentions.naming)
    loaded = {s.index for s in article.sentences}
    offers: dict[int, float] = {}
    if source.central:
        for index in article.ranking:
            offers[index] = _score(scores.get(index))
    for index in naming & loaded:
        offers[index] = _score(scores.get(index))
    out = [
        (score * (NAMING_BOOST if index in naming else 1.0), index)
        for index, score in offers.items()
    ]
    return sorted(out, key=lambda o: (-o[0], o[1]))


def _score(stored: float | None) -> float:
    return max(MIN_SCORE, stored) if stored is not None else UNRANKED_SCORE


def merge(
    sources: Sequence[Source],
    *,
    points: int = 7,
    exclude: Collection[str] = (),
    shown: Collection[str] = (),
) -> tuple[list[KeyPoint], bool]:
    """Pick `points` cited key points about the topic from the sources; (points, has_more).

    Each source offers its candidates best first; the best offer (source weight x score, less
    for each point already taken from that source) wins, so a central article gives several
    points and a passing mention at most PASSING_POINTS. A sentence that leans on one before
    it never opens a point; it may follow its antecedent when that was just taken and it is
    about the topic. `exclude` holds point keys and `shown` texts of points shown before:
    neither they nor a near-duplicate of them (the same fact from another outlet) come again.
    """
    excluded = set(exclude)
    chosen: list[KeyPoint] = []
    chosen_sets = _shown_sets(sources, excluded, shown)
    offers = [_candidates(source) for source in sources]
    heap: list[tuple[float, int, int]] = []  # (-offer, source number, place in its offers)
    for number, source in enumerate(sources):
        if offers[number]:
            heapq.heappush(heap, (-source.weight * offers[number][0][0], number, 0))
    taken = [0] * len(sources)
    used: set[tuple[int, int]] = set()  # (source number, sentence index) already a point
    has_more = False

    def acceptable(number: int, index: int, *, follows: bool) -> tuple[str, frozenset[str]] | None:
        source = sources[number]
        article = source.article
        sentence = _sentence(article, index)
        if sentence is None or (number, index) in used or point_key(sentence) in excluded:
            return None
        if not follows and dangling(sentence, article.language):
            return None
        if not topic.is_about(index, sentence, article.language, source.mentions):
            return None
        own = _term_set(sentence, article.language)
        if any(_duplicate_sets(own, other) for other in chosen_sets):
            return None
        return sentence, own

    def cap(number: int) -> int:
        return points if sources[number].central else PASSING_POINTS

    while heap:
        negative_offer, number, place = heapq.heappop(heap)
        source = sources[number]
        if place + 1 < len(offers[number]) and taken[number] < cap(number):
            decay = 1.0 / (1.0 + DEPTH_DECAY * (taken[number] + 1))
            offer = source.weight * offers[number][place + 1][0] * decay
            heapq.heappush(heap, (-offer, number, place + 1))
        if taken[number] >= cap(number):
            continue
        index = offers[number][place][1]
        found = acceptable(number, index, follows=False)
        if found is None:
            continue
        if len(chosen) >= points:
            has_more = True
            break
        score = round(-negative_offer, 4)
        chosen.append(KeyPoint(found[0], source.article.id, index, score))
        chosen_sets.append(found[1])
        used.add((number, index))
        taken[number] += 1
        # a point that leans on this one ("Er …", "Dies …") comes right after it, or never
        follow = acceptable(number, index + 1, follows=True)
        if follow is not None and dangling(follow[0], source.article.language):
            if len(chosen) >= points:
                has_more = True
                break
            chosen.append(KeyPoint(follow[0], source.article.id, index + 1, score))
            chosen_sets.append(follow[1])
            used.add((number, index + 1))
            taken[number] += 1
    return by_article(chosen), has_more


def by_article(points: Sequence[KeyPoint]) -> list[KeyPoint]:
    """The points grouped by article, articles in the order of their best point, each
    article's points in reading order: a brief reads article by article, the one that matters
    most first, and a sentence often only makes sense after the one before it in its text."""
    order: dict[str, int] = {}
    for point in points:
        order.setdefault(point.article_id, len(order))
    return sorted(points, key=lambda p: (order[p.article_id], p.sentence_index))


def _shown_sets(
    sources: Sequence[Source], excluded: Collection[str], shown: Collection[str]
) -> list[frozenset[str]]:
    """Term sets no new point may repeat: texts shown before, and the loaded sentences whose
    point key is excluded (shown before, by key only)."""
    out: list[frozenset[str]] = []
    language = sources[0].article.language if sources else "de"
    seen: set[str] = set()
    for text in shown:
        key = point_key(text)
        if key not in seen:
            seen.add(key)
            out.append(_term_set(text, language))
    if excluded:
        for source in sources:
            for sentence in source.article.sentences:
                key = point_key(sentence.text)
                if key in excluded and key not in seen:
                    seen.add(key)
                    out.append(_term_set(sentence.text, source.article.language))
    return out


def _sentence(article: Article, index: int) -> str | None:
    if 0 <= index < len(article.sentences) and article.sentences[index].index == index:
        return article.sentences[index].text
    return next((s.text for s in article.sentences if s.index == index), None)
