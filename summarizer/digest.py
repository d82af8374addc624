"""Key points of one article: a fitted mix of sentence features, then greedy selection.

Each sentence is scored by a linear mix of features: LexRank centrality (sumy's algorithm,
computed with numpy, see `lexrank_scores`), a lead/position prior, overlap with title and
teaser (or the lead sentence), a term-frequency centroid, how common its word pairs are in
the article, readable length, definitional phrasing ("X ist ein …") and penalties for
digits, brackets and quotes. The weights were fitted by least squares on the first half of
Klexikon (`python -m bench.digests --fit`). Points are then picked one at a time (so every
prefix of the ranking is a digest), skipping near-duplicates of points already taken and
sentences that open with a dangling reference ("Dies …", "Er …", "In diesen Verhandlungen …")
unless their antecedent, the sentence before them, was picked right before.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from summarizer.models import Article, ArticleRef, Digest, Document, KeyPoint, Sentence
from summarizer.text import SUMY_LANGUAGE, SumyTokenizer, fold, stem, terms, words

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
        "dann und oder denn sondern zwar nun danach davor zuvor anschließend später ferner "
        "weiterhin hingegen immerhin wobei weshalb womit wodurch worauf "
        "dieselbe dasselbe jener jene jenes letzterer letztere ersterer erstere".split()
    ),
    "en": frozenset(
        "this these those that he she it they them his her its their such there here thus "
        "therefore however also but moreover furthermore meanwhile hence consequently "
        "nevertheless instead likewise similarly besides yet then still otherwise and or so "
        "nor plus afterwards later".split()
    ),
}
# "In diesen Verhandlungen", "Bei dieser Gelegenheit", "In this case", "After that"
_DANGLING_PHRASE = re.compile(
    r"^(?:\w+\s+)?(?:diese[mnrs]?|dessen|deren|derselbe\w*|jene[mnrs]?|solche[mnrs]?|"
    r"this|these|those|that|such)\b",
    re.IGNORECASE,
)


# "Das ist das Ergebnis …", "Das war …", "It is …": a pronoun subject pointing back, then a verb
_POINTING_SUBJECT = re.compile(
    r"^(?:das|it)\s+(?:ist|war|sei|wäre|waren|sind|hat|hatte|wird|würde|bedeutet|zeigt|"
    r"is|was|has|had|will|would|means|shows|comes|came)\b",
    re.IGNORECASE,
)


# "Sieben davon …", "Grundlage ist …", "Voraussetzung dafür …": a subject made of what came before
_LEANING_NOUN = re.compile(
    r"^(?:\w+ davon\b|(?:grundlage|voraussetzung|hintergrund|grund|anlass|ziel|folge|"
    r"ergebnis|ursache|auslöser|konsequenz|kern)\s+(?:ist|sind|war|waren|sei|dafür|dessen|"
    r"davon)\b)",
    re.IGNORECASE,
)


FEATURES = (
    "bias",
    "position_1",  # 1 / (1 + i): the very first sentences
    "position_3",  # 1 / (1 + i / 3)
    "position_10",  # 1 / (1 + i / 10)
    "log_position",  # log(1 + i)
    "relative_position",  # i / (n - 1)
    "lexrank",  # LexRank centrality, as ranks scaled to 0..1
    "centroid",  # term-frequency centroid
    "heading",  # overlap with title and teaser, else with the lead sentence
    "short",  # fewer than MIN_WORDS words
    "length",  # words / 30, capped at 60 words
    "long",  # more than 40 words
    "word_length",  # mean word length - 6
    "digit",
    "bracket",
    "quote",
    "definition",  # "… ist ein …", "… is a …"
    "paragraph_start",
    "paragraph_position",  # 1 / (1 + position within its paragraph)
    "subject",  # the article's most frequent term among the first three words
    "colon",
    "common_pairs",  # mean log count (in the article) of the sentence's word pairs
    "common_words",  # mean log count (in the article) of the sentence's words
)


@dataclass(frozen=True)
class Weights:
    """Feature coefficients (in FEATURES order) and selection settings.

    Fitted on the first half of Klexikon (bench/digests.py --fit): least squares of each
    sentence's reference word pairs minus `length_cost` per word, so that a sentence earns its
    place by the pairs it shares with a human summary, not by its length. Word pairs common in
    the article (`common_pairs`) carry most weight; LexRank adds little (measured: +0.02 ROUGE-2).
    """

    coefficients: tuple[float, ...] = (
        0.7261, 0.1965, 0.8928, -1.1172, -0.2775, 0.4417, -0.0802, 0.0732, 0.5015, 0.1209,
        0.1909, -0.0992, -0.0512, -0.0742, -0.0259, -0.0646, 0.2328, 0.0233, 0.0565, 0.0553,
        -0.0530, 1.6313, 0.0327,
    )  # fmt: skip
    length_cost: float = 0.025  # used by the fit only
    redundancy: float = 0.5  # a candidate's score shrinks by this times its overlap with a point
    short_factor: float = 0.25  # a sentence under MIN_WORDS words: rarely a readable point
    long_factor: float = 0.4  # over MAX_WORDS words


WEIGHTS = Weights()
_DEFINITION = re.compile(
    r"\b(?:ist|sind|war|waren|is|are|was|were) (?:ein|eine|einer|der|die|das|a|an|the)\b"
)
_DIGIT = re.compile(r"\d")
_QUOTE = re.compile(r"[„“\"»«]")


def dangling(sentence: str, language: str) -> bool:
    """Does the sentence open with a reference to something said before it?"""
    first = words(sentence[:60])
    if not first:
        return False
    head = first[0].lower()
    if head in _DANGLING.get(language, frozenset()):
        return True
    stripped = sentence.strip()
    if _POINTING_SUBJECT.match(stripped) or _LEANING_NOUN.match(stripped):
        return True
    if stripped[:1].islower() and not stripped[1:2].isupper():  # "bedienen vor allem …"
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


@lru_cache(maxsize=4)
def _sumy_stop_words(language: str) -> frozenset[str]:
    from sumy.utils import get_stop_words

    return frozenset(w.lower() for w in get_stop_words(SUMY_LANGUAGE[language]))


@lru_cache(maxsize=4)
def _sumy_stemmer(language: str) -> Callable[[str], str]:
    from sumy.nlp.stemmers import Stemmer

    stemmer: Callable[[str], str] = Stemmer(SUMY_LANGUAGE[language])
    return stemmer


@lru_cache(maxsize=200_000)
def _sumy_stem(word: str, language: str) -> str:
    return _sumy_stemmer(language)(word)


def sumy_terms(text: str | Sequence[str], language: str) -> list[str]:
    """The words sumy's LexRank compares: lower-cased, sumy stop words out, Snowball-stemmed.

    `text` may be given already split by `words` (as sumy's tokenizer splits it).
    """
    stops = _sumy_stop_words(language)
    lowered = (w.lower() for w in (words(text) if isinstance(text, str) else text))
    return [_sumy_stem(w, language) for w in lowered if w not in stops]


def lexrank_scores(
    sentences: Sequence[Sentence], language: str, split: Sequence[Sequence[str]] | None = None
) -> list[float]:
    """sumy's LexRankSummarizer ratings, computed with numpy instead of sumy's Python loops.

    Same terms, tf (by the sentence's top count), idf log(n / (1 + df)), idf-modified cosine,
    threshold 0.1 and power method with epsilon 0.1 as sumy 0.11 (tests/test_digest.py checks
    the ratings equal sumy's): sumy fills the n x n matrix one Python call per pair, 22 ms on a
    70-sentence article, this takes under 1 ms. Small products avoid BLAS, whose threads stall
    for tens of milliseconds on a busy machine.
    """
    n = len(sentences)
    if n == 0:
        return []
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, sentence in enumerate(sentences):
        counts = Counter(sumy_terms(split[row] if split else sentence.text, language))
        top = max(counts.values(), default=1)
        for term, count in counts.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(count / top)
    tf = np.zeros((n, max(1, len(vocabulary))))
    tf[rows, cols] = values
    df = (tf > 0).sum(axis=0)
    weighted = tf * np.log(n / (1.0 + df))
    norms = np.sqrt((weighted * weighted).sum(axis=1))
    shared = weighted[:, df > 1]  # a term of one sentence only adds nothing between two
    dots = np.einsum("ik,jk->ij", shared, shared) if n <= 300 else shared @ shared.T
    np.fill_diagonal(dots, norms * norms)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = dots / np.outer(norms, norms)
    cosine[~np.isfinite(cosine)] = 0.0
    adjacency = (cosine > 0.1).astype(float)
    degrees = adjacency.sum(axis=1)
    degrees[degrees == 0] = 1.0
    matrix = adjacency / degrees[:, None]
    vector = np.full(n, 1.0 / n)
    change = 1.0
    while change > 0.1:
        following = (matrix * vector[:, None]).sum(axis=0)
        length = float(np.sqrt((following * following).sum()))
        if length == 0.0:  # no sentence shares a word: sumy gets NaN here, we rate all alike
            return [1.0 / n] * n
        following /= length
        change = float(np.sqrt(((following - vector) ** 2).sum()))
        vector = following
    return [float(v) if math.isfinite(v) else 0.0 for v in vector]


Parsed = tuple[list[list[str]], list[frozenset[str]]]


def parse(document: Document) -> Parsed:
    """Each sentence's words (as written) and stemmed content terms, computed once per rank."""
    written = [words(s.text) for s in document.sentences]
    return written, [_term_set(s.text, document.language) for s in document.sentences]


def features(document: Document, parsed: Parsed | None = None) -> NDArray[np.float64]:
    """One row of FEATURES per sentence (see the names there)."""
    sentences = document.sentences
    n = len(sentences)
    language = document.language
    table = np.zeros((n, len(FEATURES)))
    if n == 0:
        return table
    written, term_sets = parsed or parse(document)
    central = _normalise(lexrank_scores(sentences, language, written))
    heading = _term_set(f"{document.title} {document.teaser}", language) or term_sets[0]
    frequency = Counter(t for own in term_sets for t in own)
    common = max(frequency.values(), default=1)
    subject = max(frequency, key=lambda t: (frequency[t], t)) if frequency else None
    folded = [[fold(w) for w in own] for own in written]
    pairs = [list(pairwise(own)) for own in folded]
    pair_count = Counter(p for own in pairs for p in set(own))
    word_count = Counter(w for own in folded for w in set(own))
    previous_paragraph = -1
    in_paragraph = 0
    for row, sentence in enumerate(sentences):
        own, tokens = term_sets[row], written[row]
        count = len(tokens)
        starts = sentence.paragraph != previous_paragraph
        in_paragraph = 0 if starts else in_paragraph + 1
        previous_paragraph = sentence.paragraph
        i = sentence.index
        root = math.sqrt(len(own) + 1)
        table[row] = (
            1.0,
            1.0 / (1.0 + i),
            1.0 / (1.0 + i / 3.0),
            1.0 / (1.0 + i / 10.0),
            math.log1p(i),
            i / max(1, n - 1),
            central[row],
            min(1.0, sum(frequency[t] for t in own) / (common * root)) if own else 0.0,
            min(1.0, len(own & heading) / root) if own else 0.0,
            count < MIN_WORDS,
            min(count, MAX_WORDS) / 30.0,
            count > 40,
            sum(map(len, tokens)) / count - 6.0 if count else 0.0,
            bool(_DIGIT.search(sentence.text)),
            "(" in sentence.text,
            bool(_QUOTE.search(sentence.text)),
            bool(_DEFINITION.search(sentence.text)),
            starts,
            1.0 / (1.0 + in_paragraph),
            subject in {stem(fold(w), language) for w in tokens[:3]},
            ":" in sentence.text,
            sum(math.log(pair_count[p]) for p in pairs[row]) / (len(pairs[row]) + 1),
            sum(math.log(word_count[w]) for w in folded[row]) / (count + 1),
        )
    return table


def sentence_scores(
    document: Document, weights: Weights = WEIGHTS, parsed: Parsed | None = None
) -> list[float]:
    """The stand-alone importance of each sentence (before redundancy control), all > 0."""
    if not document.sentences:
        return []
    parsed = parsed or parse(document)
    raw = features(document, parsed) @ np.asarray(weights.coefficients)
    floor = 0.1 * (float(raw.max() - raw.min()) or 1.0)  # the weakest sentence still counts
    shifted = raw - raw.min() + floor
    scores = []
    for own, score in zip(parsed[0], shifted.tolist(), strict=True):
        count = len(own)
        if count < MIN_WORDS:  # shorter still, further down: "Ja." is never a key point
            score *= weights.short_factor * count / MIN_WORDS
        elif count > MAX_WORDS:
            score *= weights.long_factor
        scores.append(score)
    return scores


def rank(document: Document, weights: Weights = WEIGHTS) -> list[tuple[int, float]]:
    """Sentence indexes in key-point order with scores in 0..1 (at most MAX_POINTS)."""
    sentences = document.sentences
    if not sentences:
        return []
    language = document.language
    parsed = parse(document)
    base = sentence_scores(document, weights, parsed)
    written, term_sets = parsed
    keys = [" ".join(fold(w) for w in own) for own in written]
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
            gain = base[i] * (1.0 - weights.redundancy * overlap[i])
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
    ref = ArticleRef(article.id, article.short_name, article.url, article.published)
    return Digest(
        title=article.short_name,
        language=article.language,
        points=key_points,
        articles=(ref,),
        has_more=len([i for i in article.ranking if i in by_index]) > len(chosen),
    )
