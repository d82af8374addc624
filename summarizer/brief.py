"""Key points across many articles: merge their stored rankings, newest and most relevant first,
one point per fact (the same fact from two outlets is one point), never a point sent before.

No ranking runs here: every article was ranked once at ingest, so a brief over a thousand
articles only walks the heads of their stored rankings.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from summarizer.digest import dangling
from summarizer.models import Article, KeyPoint
from summarizer.text import fold, terms, words

DUPLICATE_SIMILARITY = 0.55
DUPLICATE_CONTAINMENT = 0.8
RECENCY_HALF_LIFE_DAYS = 7.0
DEPTH_DECAY = 0.35  # each further point of the same article counts this much less


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


def _when(article: Article) -> datetime:
    moment = article.published or article.added
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _article_weights(articles: Sequence[tuple[Article, float]]) -> list[float]:
    """Relevance (relative to the best match) times recency (halving every week)."""
    if not articles:
        return []
    best = max((max(0.0, r) for _, r in articles), default=0.0) or 1.0
    newest = max(_when(a) for a, _ in articles)
    weights = []
    for article, relevance in articles:
        age_days = max(0.0, (newest - _when(article)).total_seconds() / 86400)
        recency = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
        weights.append((0.4 + 0.6 * max(0.0, relevance) / best) * (0.4 + 0.6 * recency))
    return weights


def merge(
    articles: Sequence[tuple[Article, float]],
    *,
    points: int = 7,
    exclude: Collection[str] = (),
    shown: Collection[str] = (),
) -> tuple[list[KeyPoint], bool]:
    """Merge the stored rankings of (article, relevance) pairs into `points` cited key points.

    Each article offers its points in its own ranking order; the best offer (article weight x
    point score, less for each point already taken from that article) wins, so strong articles
    give several points and weak ones still get heard. Returns (points, has_more).

    `exclude` holds the point keys of points shown before ("more", scheduled digests). Those
    points are sentences of these same articles, so the sentences whose key is excluded seed
    the near-duplicate check: a point saying the same in other words is not shown again either.
    `shown` holds the texts of points a chat was shown before, from any article (a scheduled
    digest passes what the chat already had): no point may be a near-duplicate of one of them.

    A candidate that repeats a chosen point of another article (another outlet's report of the
    same fact) is not a point of its own: its article is added to that point's `also_in`.
    """
    weights = _article_weights(articles)
    excluded = set(exclude)
    shown_keys = {point_key(text) for text in shown}
    heap: list[tuple[float, int, int]] = []  # (-offer, article number, position in its ranking)
    for number, ((article, _), weight) in enumerate(zip(articles, weights, strict=True)):
        if article.ranking:
            heapq.heappush(heap, (-weight * _point_score(article, 0), number, 0))
    taken_per_article = [0] * len(articles)
    consumed: set[tuple[int, int]] = set()  # follow-ups already taken with their antecedent
    chosen: list[KeyPoint] = []
    chosen_sets: list[frozenset[str]] = []  # term sets of `chosen`, same order
    blocked = _shown_sets(articles, excluded)  # term sets of points shown before
    earlier = _earlier_sets(articles, shown)  # the same for `shown` texts, by language
    has_more = False

    def acceptable(
        number: int, position: int, *, follows: bool
    ) -> tuple[str, frozenset[str]] | None:
        article = articles[number][0]
        index = article.ranking[position]
        sentence = _sentence(article, index)
        if sentence is None or point_key(sentence) in excluded or point_key(sentence) in shown_keys:
            return None
        if not follows and dangling(sentence, article.language):
            return None
        own = _term_set(sentence, article.language)
        if any(_duplicate_sets(own, other) for other in blocked):
            return None
        if any(_duplicate_sets(own, other) for other in earlier.get(article.language, ())):
            return None
        for i, other in enumerate(chosen_sets):
            if _duplicate_sets(own, other):
                point = chosen[i]
                if article.id != point.article_id and article.id not in point.also_in:
                    chosen[i] = replace(point, also_in=(*point.also_in, article.id))
                return None
        return sentence, own

    while heap:
        negative_offer, number, position = heapq.heappop(heap)
        article = articles[number][0]
        if position + 1 < len(article.ranking):
            decay = 1.0 / (1.0 + DEPTH_DECAY * (taken_per_article[number] + 1))
            offer = weights[number] * _point_score(article, position + 1) * decay
            heapq.heappush(heap, (-offer, number, position + 1))
        if (number, position) in consumed:
            continue
        found = acceptable(number, position, follows=False)
        if found is None:
            continue
        if len(chosen) >= points:
            has_more = True
            break
        index = article.ranking[position]
        chosen.append(KeyPoint(found[0], article.id, index, round(-negative_offer, 4)))
        chosen_sets.append(found[1])
        taken_per_article[number] += 1
        # a point that leans on this one ("Er …", "Dies …") comes right after it, or never
        follower = position + 1
        if follower < len(article.ranking) and article.ranking[follower] == index + 1:
            follow = acceptable(number, follower, follows=True)
            if follow is not None and dangling(follow[0], article.language):
                consumed.add((number, follower))
                if len(chosen) >= points:
                    has_more = True
                    break
                chosen.append(KeyPoint(follow[0], article.id, index + 1, round(-negative_offer, 4)))
                chosen_sets.append(follow[1])
                taken_per_article[number] += 1
    _cite_other_outlets(chosen, chosen_sets, articles)
    return reading_order(chosen), has_more


CITE_HEADS = 3
"""How many of each article's best sentences are checked for a fact a point already states."""


def _cite_other_outlets(
    chosen: list[KeyPoint],
    chosen_sets: Sequence[frozenset[str]],
    articles: Sequence[tuple[Article, float]],
) -> None:
    """Add to each point's `also_in` the articles whose best sentences state its fact too
    (merging stops at `points`, before it has read every other outlet's version)."""
    for article, _ in articles:
        for index in article.ranking[:CITE_HEADS]:
            sentence = _sentence(article, index)
            if sentence is None:
                continue
            own = _term_set(sentence, article.language)
            for i, other in enumerate(chosen_sets):
                point = chosen[i]
                if (
                    article.id != point.article_id
                    and article.id not in point.also_in
                    and _duplicate_sets(own, other)
                ):
                    chosen[i] = replace(point, also_in=(*point.also_in, article.id))


def reading_order(points: Sequence[KeyPoint]) -> list[KeyPoint]:
    """The points with each run of consecutive points from one article in reading order.

    A brief from one article then reads like that article's digest (one run: reading order),
    since a sentence picked for its score often only makes sense after the one before it in
    the text. Across articles the merged order stays: it says which article matters most (more
    relevant, newer), and interleaving outlets by position in their texts would mean nothing.
    Only neighbours are reordered, so a run never moves ahead of a better article's points,
    and a dangling point stays right after its antecedent (index + 1 follows index).
    """
    ordered: list[KeyPoint] = []
    start = 0
    for end in range(1, len(points) + 1):
        if end == len(points) or points[end].article_id != points[start].article_id:
            ordered.extend(sorted(points[start:end], key=lambda p: p.sentence_index))
            start = end
    return ordered


def _shown_sets(
    articles: Sequence[tuple[Article, float]], excluded: Collection[str]
) -> list[frozenset[str]]:
    """Term sets of the given articles' sentences whose point key is excluded (shown before)."""
    if not excluded:
        return []
    shown: list[frozenset[str]] = []
    seen: set[str] = set()
    for article, _ in articles:
        for sentence in article.sentences:
            key = point_key(sentence.text)
            if key in excluded and key not in seen:
                seen.add(key)
                shown.append(_term_set(sentence.text, article.language))
    return shown


def _earlier_sets(
    articles: Sequence[tuple[Article, float]], shown: Collection[str]
) -> dict[str, list[frozenset[str]]]:
    """Term sets of the `shown` texts, stemmed in each language the articles are written in."""
    if not shown:
        return {}
    languages = {article.language for article, _ in articles}
    return {lang: [_term_set(text, lang) for text in shown] for lang in languages}


def _point_score(article: Article, position: int) -> float:
    if position < len(article.ranking_scores):
        return max(0.05, float(article.ranking_scores[position]))
    return 1.0 / (1.0 + 0.3 * position)


def _sentence(article: Article, index: int) -> str | None:
    if 0 <= index < len(article.sentences) and article.sentences[index].index == index:
        return article.sentences[index].text
    return next((s.text for s in article.sentences if s.index == index), None)
