"""Key points of one article: sumy centrality plus what news needs, selected greedily.

Each sentence gets a score from a sumy summarizer (chosen by measurement on Klexikon, see
bench/digests.py), a lead/position prior, overlap with title and teaser, and a readable-length
factor. Points are then picked one at a time (so every prefix of the ranking is a digest),
skipping near-duplicates of points already taken and sentences that open with a dangling
reference ("Dies …", "Er …", "In diesen Verhandlungen …") unless their antecedent, the sentence
before them, was picked right before.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from summarizer.models import Article, ArticleRef, Digest, Document, KeyPoint, Sentence
from summarizer.text import SUMY_LANGUAGE, SumyTokenizer, fold, terms, words

MAX_POINTS = 30
MIN_WORDS = 6
MAX_WORDS = 60
DUPLICATE_SIMILARITY = 0.6

_DANGLING = {
    "de": frozenset(
        "dies diese dieser dieses diesem diesen er sie es ihr ihre ihm ihn ihnen damit dabei "
        "dadurch dafür dagegen daher darauf daraufhin darin darum davon dazu deshalb deswegen "
        "dennoch trotzdem außerdem zudem ebenso ebenfalls auch aber allerdings jedoch doch "
        "somit also folglich stattdessen solche solcher solches dort dorthin hier derselbe "
        "dieselbe dasselbe jener jene jenes letzterer letztere ersterer erstere".split()
    ),
    "en": frozenset(
        "this these those that he she it they them his her its their such there here thus "
        "therefore however also but moreover furthermore meanwhile hence consequently "
        "nevertheless instead likewise similarly besides yet then still otherwise".split()
    ),
}
# "In diesen Verhandlungen", "Bei dieser Gelegenheit", "In this case", "After that"
_DANGLING_PHRASE = re.compile(
    r"^(?:\w+\s+)?(?:diese[mnrs]?|dessen|deren|derselbe\w*|jene[mnrs]?|solche[mnrs]?|"
    r"this|these|those|that|such)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Weights:
    """How the sentence features combine; tuned on the first half of Klexikon (bench/digests)."""

    method: str = "lexrank"  # best R1/R2 of the six sumy methods inside this mix (tuning half)
    centrality: float = 1.0
    position: float = 2.0
    position_scale: float = 3.0
    paragraph_start: float = 0.0
    title: float = 0.5
    centroid: float = 1.0
    redundancy: float = 0.5
    length_target: int = 10


WEIGHTS = Weights()


def dangling(sentence: str, language: str) -> bool:
    """Does the sentence open with a reference to something said before it?"""
    first = words(sentence[:60])
    if not first:
        return False
    head = first[0].lower()
    if head in _DANGLING.get(language, frozenset()):
        return True
    return bool(_DANGLING_PHRASE.match(sentence.strip())) and first[0].lower() not in {
        "der",
        "die",
        "das",
    }


def sumy_document(sentences: Sequence[Sentence], language: str) -> Any:
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    tokenizer = SumyTokenizer(language)
    groups: dict[int, list[Any]] = {}
    for sentence in sentences:
        groups.setdefault(sentence.paragraph, []).append(SumySentence(sentence.text, tokenizer))
    return ObjectDocumentModel([Paragraph(group) for _, group in sorted(groups.items())])


def sumy_summarizer(method: str, language: str) -> Any:
    """A configured sumy summarizer (Snowball stemmer, sumy stop words) by short name."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.edmundson import EdmundsonSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    name = SUMY_LANGUAGE[language]
    classes: dict[str, Callable[..., Any]] = {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
        "sumbasic": SumBasicSummarizer,
        "edmundson": EdmundsonSummarizer,
    }
    summarizer = classes[method](Stemmer(name))
    summarizer.stop_words = get_stop_words(name)
    if method == "edmundson":
        summarizer.null_words = get_stop_words(name)
        summarizer.bonus_words = EDMUNDSON_BONUS[language]
        summarizer.stigma_words = EDMUNDSON_STIGMA[language]
    return summarizer


# Edmundson's cue words (our own short lists): words that mark a statement of substance,
# and words that mark hedging, asides and page furniture.
EDMUNDSON_BONUS = {
    "de": ("wichtig", "wichtigste", "größte", "erste", "bekannt", "gilt", "bedeutend", "haupt"),
    "en": ("important", "largest", "first", "known", "main", "major", "significant", "key"),
}
EDMUNDSON_STIGMA = {
    "de": ("vielleicht", "möglicherweise", "angeblich", "hingegen", "übrigens", "siehe"),
    "en": ("perhaps", "maybe", "allegedly", "however", "incidentally", "see"),
}


def sumy_scores(sentences: Sequence[Sentence], language: str, method: str) -> list[float]:
    """Each sentence's rating from a sumy summarizer, in document order.

    sumy returns only the chosen sentences; its `sentences_count` may be a callable that
    receives every (sentence, order, rating) record, which is how we read all ratings.
    """
    if not sentences:
        return []
    records: list[Any] = []

    def keep_all(infos: list[Any]) -> list[Any]:
        records.extend(infos)
        return infos

    document = sumy_document(sentences, language)
    try:
        with warnings.catch_warnings():  # LexRank divides 0/0 on texts without any shared word
            warnings.simplefilter("ignore", RuntimeWarning)
            sumy_summarizer(method, language)(document, keep_all)
    except (ValueError, ZeroDivisionError, ArithmeticError):  # degenerate (e.g. no words)
        return [0.0] * len(sentences)
    ratings = [0.0] * len(sentences)
    for record in records:
        if 0 <= record.order < len(ratings):
            rating = float(record.rating)
            ratings[record.order] = rating if math.isfinite(rating) else 0.0
    return ratings


def _normalise(values: Sequence[float]) -> list[float]:
    """Ranks scaled to 0..1 (robust to each algorithm's own scale and outliers)."""
    n = len(values)
    if n <= 1:
        return [1.0] * n
    order = sorted(range(n), key=lambda i: values[i])
    out = [0.0] * n
    for rank, i in enumerate(order):
        out[i] = rank / (n - 1)
    return out


def _term_set(text: str, language: str) -> frozenset[str]:
    return frozenset(terms(text, language))


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _length_factor(count: int, target: int) -> float:
    if count < MIN_WORDS:
        return 0.25
    if count > MAX_WORDS:
        return 0.4
    if count < target:
        return 0.6 + 0.4 * count / target
    return 1.0


def sentence_scores(document: Document, weights: Weights = WEIGHTS) -> list[float]:
    """The stand-alone importance of each sentence (before redundancy control)."""
    sentences = document.sentences
    language = document.language
    central = _normalise(sumy_scores(sentences, language, weights.method))
    term_sets = [_term_set(s.text, language) for s in sentences]
    # what the article is about: title and teaser, else its lead sentence
    heading = _term_set(f"{document.title} {document.teaser}", language) or (
        term_sets[0] if term_sets else frozenset()
    )
    frequency: dict[str, int] = {}
    for own in term_sets:
        for term in own:
            frequency[term] = frequency.get(term, 0) + 1
    common = max(frequency.values(), default=1)
    scores: list[float] = []
    previous_paragraph = -1
    for sentence, centrality, own in zip(sentences, central, term_sets, strict=True):
        position = 1.0 / (1.0 + sentence.index / weights.position_scale)
        starts = sentence.paragraph != previous_paragraph
        previous_paragraph = sentence.paragraph
        overlap = len(own & heading) / math.sqrt(len(own) + 1) if heading and own else 0.0
        centroid = (
            sum(frequency[t] for t in own) / (common * math.sqrt(len(own) + 1)) if own else 0.0
        )
        score = (
            weights.centrality * centrality
            + weights.position * position
            + weights.paragraph_start * starts
            + weights.title * min(1.0, overlap)
            + weights.centroid * min(1.0, centroid)
        )
        scores.append(score * _length_factor(len(words(sentence.text)), weights.length_target))
    return scores


def rank(document: Document, weights: Weights = WEIGHTS) -> list[tuple[int, float]]:
    """Sentence indexes in key-point order with scores in 0..1 (at most MAX_POINTS)."""
    sentences = document.sentences
    if not sentences:
        return []
    language = document.language
    base = sentence_scores(document, weights)
    term_sets = [_term_set(s.text, language) for s in sentences]
    keys = [" ".join(fold(w) for w in words(s.text)) for s in sentences]
    opens_dangling = [dangling(s.text, language) for s in sentences]
    chosen: list[int] = []
    chosen_keys: set[str] = set()
    gains: list[float] = []
    overlap = [0.0] * len(sentences)  # similarity to the most similar point chosen so far
    candidates = set(range(len(sentences)))
    while candidates and len(chosen) < MAX_POINTS:
        best, best_gain = -1, -math.inf
        last = chosen[-1] if chosen else -2
        for i in sorted(candidates):
            if opens_dangling[i] and last != i - 1:
                continue
            gain = base[i] - weights.redundancy * overlap[i]
            if gain > best_gain:
                best, best_gain = i, gain
        if best < 0:
            break
        chosen.append(best)
        chosen_keys.add(keys[best])
        gains.append(best_gain)
        candidates.discard(best)
        for i in list(candidates):
            overlap[i] = max(overlap[i], _similarity(term_sets[i], term_sets[best]))
            if overlap[i] >= DUPLICATE_SIMILARITY or keys[i] in chosen_keys:
                candidates.discard(i)
    top = max(gains[0], 1e-9) if gains else 1.0
    out: list[tuple[int, float]] = []
    ceiling = 1.0
    for index, gain in zip(chosen, gains, strict=True):
        ceiling = min(ceiling, max(0.0, gain / top))
        out.append((index, round(ceiling, 4)))
    return out


def digest(article: Article, *, points: int = 5) -> Digest:
    """The article's first `points` stored key points, shown in reading order and cited."""
    by_index = {s.index: s for s in article.sentences}
    scores = dict(zip(article.ranking, article.ranking_scores, strict=False))
    chosen = [i for i in article.ranking if i in by_index][: max(0, points)]
    ordered = sorted(chosen)
    key_points = tuple(
        KeyPoint(by_index[i].text, article.id, i, scores.get(i, 0.0)) for i in ordered
    )
    ref = ArticleRef(article.id, article.title, article.url, article.published)
    return Digest(
        title=article.short_name,
        language=article.language,
        points=key_points,
        articles=(ref,),
        has_more=len([i for i in article.ranking if i in by_index]) > len(chosen),
    )
