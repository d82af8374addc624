"""The plain BM25 baseline for answer-sentence retrieval: lower-cased words, no stemming, no stop
words, k1 1.2, b 0.75, IDF over the sentences of the one article being asked.

Written out here (a dozen lines) rather than taken from a package so the baseline is exactly the
one issue 3 specifies and can be read at a glance next to our scorer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from summarizer.text import words

K1 = 1.2
B = 0.75


def tokens(text: str) -> list[str]:
    return [w.lower() for w in words(text)]


def bm25_rank(question: str, sentences: Sequence[str]) -> list[int]:
    """Positions of `sentences`, best first (ties keep document order)."""
    scores = bm25_scores(question, sentences)
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def bm25_scores(question: str, sentences: Sequence[str]) -> list[float]:
    """The BM25 score of each sentence (the same scoring as `bm25_rank`), in document order."""
    documents = [Counter(tokens(s)) for s in sentences]
    lengths = [sum(d.values()) for d in documents]
    count = len(documents)
    if count == 0:
        return []
    average = max(sum(lengths) / count, 1e-9)
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.keys())
    scores = [0.0] * count
    for term in set(tokens(question)):
        df = frequency.get(term, 0)
        if df == 0:
            continue
        idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
        for position, document in enumerate(documents):
            tf = document.get(term, 0)
            if tf:
                norm = K1 * (1 - B + B * lengths[position] / average)
                scores[position] += idf * tf * (K1 + 1) / (tf + norm)
    return scores
