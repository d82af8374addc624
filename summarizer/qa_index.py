"""A per-article term index for answering questions: stemmed terms of each sentence, postings,
and prefix/suffix lookup for German compounds ("Container" in "Containerschiffe").

Built once per article and kept in a small cache, so a follow-up question over the articles of a
brief only looks terms up instead of re-stemming every sentence. Our own rather than a search
library: an article holds a few dozen sentences, and the lookups BM25 needs fit in a dict.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from summarizer.models import Article
from summarizer.qa_questions import AnswerType, sentence_types
from summarizer.text import terms

# A question term this long may match as the start or the end of a longer sentence term.
MIN_PART = 4


@dataclass(frozen=True)
class ArticleIndex:
    """Terms of one article's sentences, in sentence order (position i = article.sentences[i])."""

    article: Article
    sentence_terms: tuple[tuple[str, ...], ...]
    counts: tuple[Counter[str], ...]
    postings: dict[str, tuple[int, ...]]
    prefixes: tuple[str, ...]  # the vocabulary, sorted
    suffixes: tuple[str, ...]  # the vocabulary reversed word by word, sorted
    types: tuple[frozenset[AnswerType], ...]

    @property
    def size(self) -> int:
        return len(self.sentence_terms)

    def compounds(self, term: str) -> list[str]:
        """Vocabulary terms that start or end with `term` (but are longer), for compounds."""
        if len(term) < MIN_PART:
            return []
        found: list[str] = []
        start = bisect_left(self.prefixes, term)
        for word in self.prefixes[start:]:
            if not word.startswith(term):
                break
            if word != term:
                found.append(word)
        reversed_term = term[::-1]
        start = bisect_left(self.suffixes, reversed_term)
        for word in self.suffixes[start:]:
            if not word.startswith(reversed_term):
                break
            if word != reversed_term:
                found.append(word[::-1])
        return found

    def parts(self, term: str) -> list[str]:
        """Vocabulary terms that are the start or the end of a longer question term."""
        found: list[str] = []
        for cut in range(MIN_PART, len(term) - MIN_PART + 1):
            head, tail = term[:cut], term[cut:]
            if head in self.postings:
                found.append(head)
            if tail in self.postings:
                found.append(tail)
        return found


@lru_cache(maxsize=512)
def index_article(article: Article) -> ArticleIndex:
    """The index of one article (cached: stored articles are immutable values)."""
    language = article.language if article.language in ("de", "en") else "de"
    sentence_terms = tuple(tuple(terms(s.text, language)) for s in article.sentences)
    counts = tuple(Counter(t) for t in sentence_terms)
    postings: dict[str, list[int]] = {}
    for position, count in enumerate(counts):
        for term in count:
            postings.setdefault(term, []).append(position)
    vocabulary = sorted(postings)
    return ArticleIndex(
        article=article,
        sentence_terms=sentence_terms,
        counts=counts,
        postings={term: tuple(p) for term, p in postings.items()},
        prefixes=tuple(vocabulary),
        suffixes=tuple(sorted(word[::-1] for word in vocabulary)),
        types=tuple(sentence_types(s.text) for s in article.sentences),
    )
