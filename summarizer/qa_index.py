"""A per-article term index for answering questions: stemmed terms of each sentence, postings,
and lookup of related terms (inflections, German compounds: "Container" in "Containerschiffe").

Built once per article and kept in a small cache, so a follow-up question over the articles of a
brief only looks terms up instead of re-stemming every sentence. What each sentence contributes
(its terms, its folded content words, the kinds of answer it can give) is computed at ingest by
`answer_terms` and stored with the sentence, so even the first question on an article stems
nothing; articles stored without it get it computed here. Our own rather than a search library:
an article holds a few dozen sentences, and the lookups BM25 needs fit in a dict.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from summarizer.models import AnswerTerms, Article
from summarizer.qa_questions import AnswerType, sentence_types
from summarizer.text import WORD_CACHE_SIZE, fold, stop_words, word_terms, words

# A term this long may match as the start or the end of a longer term (a compound part).
MIN_PART = 4
# Two terms that share a start this long (and most of the shorter one) are taken as inflections.
MIN_SHARED = 5
SHARED_SHARE = 0.75
PRONOUN = re.compile(r"^(er|sie|es|he|she|it|they|dies|this)\b", re.IGNORECASE)
GRAM = 4  # letters per character n-gram (catches what stemming misses: "Ausbau" ~ "ausgebaut")


class Relation(Enum):
    """How a sentence term relates to a question term (the weights live in qa.py)."""

    SAME = "same"
    INFLECTION = "inflection"  # one is the other plus a short ending, or they share most letters
    COMPOUND = "compound"  # one is the start or the end of a longer word


@dataclass(frozen=True)
class ArticleIndex:
    """Terms of one article's sentences, in sentence order (position i = article.sentences[i])."""

    article: Article
    sentence_terms: tuple[tuple[str, ...], ...]
    counts: tuple[Counter[str], ...]
    pairs: tuple[frozenset[tuple[str, str]], ...]  # neighbouring terms in each sentence
    postings: dict[str, tuple[int, ...]]
    prefixes: tuple[str, ...]  # the vocabulary, sorted
    suffixes: tuple[str, ...]  # the vocabulary reversed word by word, sorted
    types: tuple[frozenset[AnswerType], ...]
    grams: Mapping[str, tuple[int, ...]]  # character n-gram -> sentence positions
    pronoun_start: tuple[bool, ...]  # the sentence starts with "Er", "It", "Dies", ...

    @property
    def size(self) -> int:
        return len(self.sentence_terms)

    def heads(self, term: str) -> dict[str, Relation]:
        """Vocabulary terms that start with `term` (however short): compounds it heads."""
        found: dict[str, Relation] = {}
        start = bisect_left(self.prefixes, term)
        for word in self.prefixes[start:]:
            if not word.startswith(term):
                break
            found[word] = Relation.SAME if word == term else Relation.COMPOUND
        return found

    def related(self, term: str) -> dict[str, Relation]:
        """Vocabulary terms related to `term`, each with its Relation."""
        found: dict[str, Relation] = {}
        if term in self.postings:
            found[term] = Relation.SAME
        if len(term) < MIN_PART:
            return found
        # Terms sharing the first letters: inflections, or `term` as the head of a compound.
        head = term[:MIN_PART]
        start = bisect_left(self.prefixes, head)
        for word in self.prefixes[start:]:
            if not word.startswith(head):
                break
            if word == term:
                continue
            shared = _shared_start(word, term)
            shorter = min(len(word), len(term))
            if shared == shorter:
                if abs(len(word) - len(term)) <= 3:
                    found[word] = Relation.INFLECTION
                else:
                    found[word] = Relation.COMPOUND
            elif shared >= MIN_SHARED and shared >= SHARED_SHARE * shorter:
                found[word] = Relation.INFLECTION
        # `term` as the tail of a longer word ("schiff" in "containerschiff").
        reversed_term = term[::-1]
        start = bisect_left(self.suffixes, reversed_term)
        for word in self.suffixes[start:]:
            if not word.startswith(reversed_term):
                break
            if word != reversed_term:
                found.setdefault(word[::-1], Relation.COMPOUND)
        # Parts of a longer question term ("container" in "containerschiff").
        for cut in range(MIN_PART, len(term) - MIN_PART + 1):
            for part in (term[:cut], term[cut:]):
                if part in self.postings:
                    found.setdefault(part, Relation.COMPOUND)
        return found


class GramPostings(Mapping[str, tuple[int, ...]]):
    """Character n-gram -> positions of the sentences holding it, looked up on demand.

    A question needs the postings of its own few dozen n-grams, while an article holds
    thousands; building them all made the first question on an article slow. The first
    lookups search the sentences' content words kept as one marked text ("#word# #word#" per
    sentence; an n-gram of a word is exactly a substring there, as n-grams hold no spaces),
    which costs nothing to build. An article asked about more often gets each sentence's
    n-gram set after SET_AFTER distinct lookups, which answers a lookup faster than a search.
    """

    SET_AFTER = 96

    def __init__(self, sentence_words: Sequence[Sequence[str]]) -> None:
        self._words = tuple(sentence_words)
        marked = ["#" + "# #".join(ws) + "#" if ws else "" for ws in self._words]
        self._text = "\n".join(marked)
        self._starts: list[int] = []
        offset = 0
        for part in marked:
            self._starts.append(offset)
            offset += len(part) + 1
        self._sets: tuple[frozenset[str], ...] | None = None
        self._found: dict[str, tuple[int, ...]] = {}

    def __getitem__(self, gram: str) -> tuple[int, ...]:
        positions = self._found.get(gram)
        if positions is None:
            if self._sets is None and len(self._found) >= self.SET_AFTER:
                self._sets = self._gram_sets()
            if self._sets is not None:
                positions = tuple(i for i, held in enumerate(self._sets) if gram in held)
            else:
                positions = self._search(gram)
            self._found[gram] = positions
        if not positions:
            raise KeyError(gram)
        return positions

    def _search(self, gram: str) -> tuple[int, ...]:
        if len(gram) != GRAM or " " in gram or "\n" in gram:  # no n-gram of a word
            return ()
        held: list[int] = []
        at = self._text.find(gram)
        while at >= 0:
            position = bisect_right(self._starts, at) - 1
            if not held or held[-1] != position:
                held.append(position)
            at = self._text.find(gram, at + 1)
        return tuple(held)

    def _gram_sets(self) -> tuple[frozenset[str], ...]:
        return tuple(frozenset[str]().union(*map(_content_grams, ws)) for ws in self._words)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(frozenset[str]().union(*self._gram_sets())))

    def __len__(self) -> int:
        return len(frozenset[str]().union(*self._gram_sets()))


def letter_grams(text: str, language: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Character n-grams of a text's content words (folded, with word-boundary marks)."""
    found: set[str] = set()
    for word in words(text):
        folded = fold(word)
        if folded not in skip:
            found.update(_word_grams(folded, language))
    return found


def _content_word(folded: str, language: str) -> bool:
    """Does a folded word carry letter n-grams (two letters or more, not a stop word)?"""
    return len(folded) >= 2 and folded not in stop_words(language)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_grams(folded: str, language: str) -> frozenset[str]:
    if not _content_word(folded, language):
        return frozenset()
    return _content_grams(folded)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _content_grams(folded: str) -> frozenset[str]:
    """The n-grams of a content word (folded), with word-boundary marks."""
    marked = f"#{folded}#"
    return frozenset(marked[i : i + GRAM] for i in range(max(1, len(marked) - GRAM + 1)))


def _shared_start(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


class IndexCache:
    """The most recently used article indexes, keyed cheaply: an article's id is a hash of its
    text, so id, language, sentence count and the first and last sentence identify it without
    hashing every sentence on every question."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str, int, str, str], ArticleIndex] = OrderedDict()

    def get(self, article: Article) -> ArticleIndex:
        sentences = article.sentences
        key = (
            article.id,
            article.language,
            len(sentences),
            sentences[0].text if sentences else "",
            sentences[-1].text if sentences else "",
        )
        found = self._entries.get(key)
        if found is None:
            found = build_index(article)
            self._entries[key] = found
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return found

    def clear(self) -> None:
        self._entries.clear()


def index_language(language: str) -> str:
    return language if language in ("de", "en") else "de"


def answer_terms(text: str, language: str) -> AnswerTerms:
    """What the index needs of one sentence (stored with it at ingest; see AnswerTerms)."""
    language = index_language(language)
    written = words(text)
    terms = itertools.chain.from_iterable(word_terms(w, language) for w in written)
    folded = (fold(w) for w in written)
    return AnswerTerms(
        terms=" ".join(terms),
        words=" ".join(f for f in folded if _content_word(f, language)),
        types=",".join(sorted(kind.value for kind in sentence_types(text))),
    )


@lru_cache(maxsize=64)
def _types(stored: str) -> frozenset[AnswerType]:
    return frozenset(AnswerType(value) for value in stored.split(",") if value)


def _split(stored: str) -> tuple[str, ...]:
    return tuple(stored.split(" ")) if stored else ()


def build_index(article: Article) -> ArticleIndex:
    """The term index of one article's sentences, from their stored AnswerTerms (computed
    here for articles stored without them)."""
    records = article.answer_terms
    if records is None or len(records) != len(article.sentences):
        records = tuple(answer_terms(s.text, article.language) for s in article.sentences)
    sentence_terms = tuple(_split(r.terms) for r in records)
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
        pairs=tuple(frozenset(itertools.pairwise(t)) for t in sentence_terms),
        postings={term: tuple(p) for term, p in postings.items()},
        prefixes=tuple(vocabulary),
        suffixes=tuple(sorted(word[::-1] for word in vocabulary)),
        types=tuple(_types(r.types) for r in records),
        grams=GramPostings([_split(r.words) for r in records]),
        pronoun_start=tuple(bool(PRONOUN.match(s.text)) for s in article.sentences),
    )


_CACHE = IndexCache()


def index_article(article: Article) -> ArticleIndex:
    """The index of one article, built once and then reused across questions."""
    return _CACHE.get(article)


def clear_cache() -> None:
    _CACHE.clear()
