"""The values the core hands around: frozen dataclasses with no behaviour of their own.

Everything a chat adapter or a scheduled job shows a user is built from these, so that every
point and every answer can be cited (article id + sentence index) and followed up on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article body; `index` is its 0-based position in the body."""

    index: int
    text: str
    paragraph: int = 0


@dataclass(frozen=True)
class Document:
    """An extracted and cleaned text, ready to be ranked and stored (not yet in the library)."""

    title: str
    teaser: str
    language: str
    text: str
    sentences: tuple[Sentence, ...]
    url: str | None = None
    author: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class AnswerTerms:
    """What the answer index needs of one sentence, computed once at ingest and stored, so the
    first question on an article stems nothing (summarizer.qa_index makes and reads these)."""

    terms: str  # stemmed content terms in order, space-separated
    words: str  # folded content words (letter n-grams are cut from them), space-separated
    types: str  # the kinds of answer the sentence can give (AnswerType values), comma-separated


@dataclass(frozen=True)
class Article:
    """A stored article. `id` is derived from a hash of its cleaned text, so it is stored once.

    `ranking` holds sentence indexes in key-point order, computed once at ingest, and
    `ranking_scores` their scores (same order, 0..1 within the article), so a brief across
    articles merges stored rankings instead of ranking again.
    """

    id: str
    title: str
    teaser: str
    language: str
    sentences: tuple[Sentence, ...]
    ranking: tuple[int, ...]
    added: datetime
    ranking_scores: tuple[float, ...] = ()
    url: str | None = None
    author: str | None = None
    published: datetime | None = None
    # one per sentence (same order) when stored with the article; None: computed when needed
    answer_terms: tuple[AnswerTerms, ...] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_document(
        cls,
        document: Document,
        ranking: Sequence[tuple[int, float]],
        *,
        id: str,
        added: datetime,
    ) -> Article:
        """An article that is not (yet) in the library: one-file commands, benchmarks, tests."""
        return cls(
            id=id,
            title=document.title,
            teaser=document.teaser,
            language=document.language,
            sentences=document.sentences,
            ranking=tuple(index for index, _ in ranking),
            ranking_scores=tuple(score for _, score in ranking),
            added=added,
            url=document.url,
            author=document.author,
            published=document.published,
        )

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def short_name(self) -> str:
        """How a point cites its article: the title, else the first words of the text."""
        return self.title or name_from_text(self.text)


NAME_WORDS = 8


def name_from_text(text: str) -> str:
    """The name an untitled article is cited by: its first words, "…" when there are more.

    The library stores it as the title of an untitled article, so briefs, answers, digests and
    /sources all cite it by the same name."""
    words = text.split()
    return " ".join(words[:NAME_WORDS]) + ("…" if len(words) > NAME_WORDS else "")


@dataclass(frozen=True)
class ArticleRef:
    """Enough of an article to cite it: id, title, address."""

    id: str
    title: str
    url: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class KeyPoint:
    """One point of a digest: a whole sentence of an article, with where it came from.

    `also_in` holds the ids of further articles (other outlets, updates) that state the same
    fact in their own words, so a digest shows the fact once and cites every outlet."""

    text: str
    article_id: str
    sentence_index: int
    score: float = 0.0
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    """Key points of one article or across the articles on a topic, each point citable.

    `articles` are the sources the points cite, in the order they are first cited."""

    title: str
    language: str
    points: tuple[KeyPoint, ...]
    articles: tuple[ArticleRef, ...] = ()
    topic: str | None = None
    has_more: bool = False
    # for a topic no article names: close spellings from the library ("Rheinmetall")
    suggestions: tuple[str, ...] = ()

    def citations(self, point: KeyPoint) -> tuple[int, ...]:
        """The numbers a point cites: its article's, then every other outlet's with the same
        fact; a source's number is its place in `articles` (1-based). The one numbering rule
        of every rendering: plain text, Telegram, Slack, the CLI."""
        number = {ref.id: n for n, ref in enumerate(self.articles, 1)}
        return tuple(number[i] for i in (point.article_id, *point.also_in) if i in number)

    def article_ids(self) -> list[str]:
        """Every article the digest draws on, sources first, without repeats."""
        ids = [ref.id for ref in self.articles]
        ids += [i for p in self.points for i in (p.article_id, *p.also_in)]
        return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class Answer:
    """The sentence(s) that answer a question, or `found=False` with the best guess kept.

    `sentence_indexes` are positions in the article `article_id`; the first one is the
    sentence that holds the answer, any further ones are context neighbours. `also` is a close
    runner-up found elsewhere, shown after the answer when the scorer cannot tell the two apart.
    """

    question: str
    found: bool
    text: str
    article_id: str | None
    sentence_indexes: tuple[int, ...]
    score: float
    source: ArticleRef | None = None
    also: Answer | None = None


@dataclass(frozen=True)
class Hit:
    """An article that matches a topic search, best first."""

    article_id: str
    title: str
    score: float
    published: datetime | None = None
    added: datetime | None = None
    url: str | None = None
    matched_terms: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Added:
    """The outcome of adding a source: the stored article, and whether it is new."""

    article: Article
    created: bool


@dataclass(frozen=True)
class Mentions:
    """Where one article names a topic: the body sentences that do, and whether its title does.
    What a brief judges an article's centrality by (`summarizer.topic`), read from the
    sentence index without loading the article."""

    article_id: str
    title: str
    language: str
    sentence_count: int
    naming: tuple[int, ...]
    in_title: bool
    dated: datetime
    added: datetime
    published: datetime | None = None
