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
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from summarizer import topic
from summarizer.digest import dangling
from summarizer.models import Article, KeyPoint, Mentions
from summarizer.text import fold, terms, words

DUPLICATE_SIMILARITY = 0.55
DUPLICATE_CONTAINMENT = 0.8
FACT_TERMS = 4
"""Content words a sentence needs to state a fact another can repeat: "Und die ÖVP?" (one) or
"(Heinz-Christian Strache)." (three) is found inside every sentence naming the party or the
man, and repeats none of them (exact repeats are caught by `point_key`)."""
RECENCY_HALF_LIFE_DAYS = 7.0
RECENCY_FLOOR = 0.4  # an old article keeps this much of its weight
DEPTH_DECAY = 0.5  # each further point of the same article counts this much less
PASSING_WEIGHT = 0.12  # a passing mention against a central article's centrality squared
PASSING_POINTS = 2  # at most this many points from an article naming the topic in passing
CENTRAL_POINTS = 3  # from an article centred on the topic, when there are others
TITLED_POINTS = 5  # from one whose title names the topic, when there are others
OTHER_LANGUAGE = 0.6  # the weight of an article in another language than the chat's
NAMING_BOOST = 2.0  # a central article's sentence that names the topic weighs this much more
UNRANKED_SCORE = 0.2  # a naming sentence outside the article's stored ranking
MIN_SCORE = 0.05
LEANING_ENDS = (":", "…", "...")  # a sentence introducing what follows it
TERM_SETS = 8_192  # sentences' term sets, cached: merging and citing outlets compare them often
TITLE_KEYS = 100_000  # titles compared with topics, cached (titles repeat across briefs)
MAX_CENTRAL = 12  # articles centred on the topic a brief draws on, best first
MAX_PASSING = 20  # articles naming it in passing
NAMING_PER_CENTRAL = 12  # naming sentences loaded per article
NAMING_PER_PASSING = 6


def point_key(text: str) -> str:
    """A fingerprint of a sentence that ignores case, umlaut spelling, punctuation and spacing."""
    normal = " ".join(fold(w) for w in words(text))
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=10).hexdigest()


@lru_cache(maxsize=TERM_SETS)
def _term_set(text: str, language: str) -> frozenset[str]:
    return frozenset(terms(text, language))


def _duplicate_sets(a: frozenset[str], b: frozenset[str]) -> bool:
    if min(len(a), len(b)) < FACT_TERMS:
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
    """What "newest" means for an article: published if known, else added."""
    return mentions.published or mentions.added


def sources_for(
    mentions: Sequence[Mentions], topic_text: str = "", language: str = ""
) -> list[tuple[Mentions, float, bool]]:
    """The articles a brief draws on, best first: (mentions, weight, central).

    Central articles first (weight: centrality squared, so the article a topic is the title
    of leads by far), then passing mentions (PASSING_WEIGHT); both halve with age relative to
    the newest naming article, but never below RECENCY_FLOOR, except an article titled just
    the topic or a person's name ending in it (the encyclopedia entry on it leads however
    old). An article in another language than the chat's weighs OTHER_LANGUAGE less, and is
    left out where an article of the same title in the chat's language is there (a
    translation). Below the floor (no naming sentence and no title), nothing.
    """
    usable = [m for m in mentions if m.naming or m.in_title]
    if language:
        own_titles = {_title_key(m.title) for m in usable if m.language == language}
        usable = [
            m for m in usable if m.language == language or _title_key(m.title) not in own_titles
        ]
    if not usable:
        return []
    newest = max(_when(m) for m in usable)
    wanted = _title_key(topic_text)
    ranked: list[tuple[Mentions, float, bool]] = []
    for m in usable:
        age_days = max(0.0, (newest - _when(m)).total_seconds() / 86400)
        recency = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
        if wanted and _titled_by(_title_key(m.title), wanted):
            recency = 1.0
        if language and m.language != language:
            recency *= OTHER_LANGUAGE
        score = topic.centrality(m)
        central = score >= topic.CENTRAL
        level = score**2 if central else PASSING_WEIGHT
        ranked.append((m, level * recency, central))
    ranked.sort(key=lambda r: (not r[2], -r[1], r[0].article_id))
    centred = [r for r in ranked if r[2]][:MAX_CENTRAL]
    passing = [r for r in ranked if not r[2]][:MAX_PASSING]
    return centred + passing


def _titled_by(title: str, topic_key: str) -> bool:
    """Is the article the entry on the topic: titled just the topic, or the topic is the
    last name of the person it is titled by ("Merkel" -> "Angela Merkel")?"""
    if title == topic_key:
        return True
    words_of_title = title.split()
    return (
        " " not in topic_key and 2 <= len(words_of_title) <= 3 and words_of_title[-1] == topic_key
    )


@lru_cache(maxsize=TITLE_KEYS)
def _title_key(title: str) -> str:
    """A title as compared with a topic: its words folded, without a bracketed addition."""
    return " ".join(fold(w) for w in words(re.sub(r"\([^)]*\)", " ", title)))


def wanted_sentences(mentions: Mentions, central: bool) -> set[int]:
    """Sentences to load beyond an article's stored key points: those naming the topic (a
    point never leans on a neighbour, so no neighbour is needed)."""
    return set(mentions.naming[: NAMING_PER_CENTRAL if central else NAMING_PER_PASSING])


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
    points and a passing mention at most PASSING_POINTS. Every point stands on its own in a
    list of bullets: a sentence that leans on one before it ("Er …", "Doch …", "Sieben
    davon …") or on one after it (ending in ":") is never a point. Every candidate is about
    the topic (`summarizer.topic.is_about`) by how `_candidates` picks them. `exclude` holds
    point keys and `shown` texts of points shown before: neither they nor a near-duplicate of
    them (the same fact from another outlet) come again.
    """
    excluded = set(exclude) | {point_key(text) for text in shown}
    chosen: list[KeyPoint] = []
    chosen_sets: list[frozenset[str]] = []  # term sets of `chosen`, same order
    blocked = _shown_sets(sources, excluded, shown)  # language -> term sets shown before
    offers = [_candidates(source) for source in sources]
    heap: list[tuple[float, int, int]] = []  # (-offer, source number, place in its offers)
    for number, source in enumerate(sources):
        if offers[number]:
            heapq.heappush(heap, (-source.weight * offers[number][0][0], number, 0))
    taken = [0] * len(sources)
    has_more = False

    def acceptable(number: int, index: int) -> tuple[str, frozenset[str]] | None:
        source = sources[number]
        article = source.article
        sentence = _sentence(article, index)
        if sentence is None or point_key(sentence) in excluded:
            return None
        if dangling(sentence, article.language) or sentence.rstrip().endswith(LEANING_ENDS):
            return None
        own = _term_set(sentence, article.language)
        if any(_duplicate_sets(own, other) for other in blocked.get(article.language, ())):
            return None
        for place, other in enumerate(chosen_sets):
            if _duplicate_sets(own, other):  # another outlet's report of a chosen fact
                _also_in(chosen, place, article.id)
                return None
        return sentence, own

    def cap(number: int) -> int:
        """Points one article may give: all of them when it is the only one, else a few, so
        a brief is not one article's digest (more for the article the topic is the title of)."""
        source = sources[number]
        if len(sources) == 1:
            return points
        if not source.central:
            return PASSING_POINTS
        return TITLED_POINTS if source.mentions.in_title else CENTRAL_POINTS

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
        found = acceptable(number, index)
        if found is None:
            continue
        if len(chosen) >= points:
            has_more = True
            break
        chosen.append(KeyPoint(found[0], source.article.id, index, round(-negative_offer, 4)))
        chosen_sets.append(found[1])
        taken[number] += 1
    _cite_other_outlets(chosen, chosen_sets, sources)
    return by_article(chosen), has_more


def _also_in(chosen: list[KeyPoint], place: int, article_id: str) -> None:
    """Cite `article_id` too for the chosen point at `place` (it states the same fact)."""
    point = chosen[place]
    if article_id != point.article_id and article_id not in point.also_in:
        chosen[place] = replace(point, also_in=(*point.also_in, article_id))


def _cite_other_outlets(
    chosen: list[KeyPoint], chosen_sets: Sequence[frozenset[str]], sources: Sequence[Source]
) -> None:
    """Add to each point's `also_in` the articles whose loaded sentences state its fact too:
    merging stops at `points`, before it has read every other outlet's version."""
    for source in sources:
        article = source.article
        for sentence in article.sentences:
            own = _term_set(sentence.text, article.language)
            for place, other in enumerate(chosen_sets):
                if _duplicate_sets(own, other):
                    _also_in(chosen, place, article.id)


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
) -> dict[str, list[frozenset[str]]]:
    """Term sets no new point may repeat, per language of the sources (stems differ): the
    texts shown before, and the loaded sentences whose point key is excluded."""
    texts = list(dict.fromkeys(shown))
    if excluded:
        texts += [
            s.text
            for source in sources
            for s in source.article.sentences
            if point_key(s.text) in excluded and s.text not in texts
        ]
    languages = {source.article.language for source in sources}
    return {language: [_term_set(t, language) for t in texts] for language in languages}


def _sentence(article: Article, index: int) -> str | None:
    if 0 <= index < len(article.sentences) and article.sentences[index].index == index:
        return article.sentences[index].text
    return next((s.text for s in article.sentences if s.index == index), None)
