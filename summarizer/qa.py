"""Answer a question from given articles: pick the sentence that holds the answer, or say honestly
that nothing in them supports one.

Sentences are scored with BM25 over stemmed, folded terms (IDF from the given articles' sentences),
German compounds matched by prefix/suffix, a bonus when a sentence holds the kind of thing the
question asks for (wann -> a date, wie viele -> a number, ...), and a little of the neighbouring
sentences' score. `found` is decided by how much of the question's weight the best sentence and
its context cover, a threshold calibrated on a held-out split of XQuAD-R (see bench/answers.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.models import Answer, Article, ArticleRef
from summarizer.qa_index import ArticleIndex, index_article
from summarizer.qa_questions import QUESTION_WORDS, AnswerType, question_type
from summarizer.text import fold, terms, words

K1 = 1.2
B = 0.75
COMPOUND_WEIGHT = 0.7  # a question term found only inside a compound counts this much
TYPE_BONUS = 0.3  # a sentence naming what the question asks for (a date for "wann")
NEIGHBOUR_SHARE = 0.1  # share of the neighbours' score a sentence inherits (context)
FOUND_COVERAGE = 0.22  # share of the question's weight the answer must cover to count as found
SHORT_SENTENCE_WORDS = 7

_DANGLING = re.compile(
    r"^(er|sie|es|dies|diese|dieser|dieses|das|dabei|damit|dort|daher|deshalb|dadurch|danach"
    r"|darauf|außerdem|zudem|auch|jedoch|aber|trotzdem|ihr|ihre|sein|seine|he|she|it|they|this"
    r"|these|that|those|its|his|her|their|there|however|also|but|then|such)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer a question, with its score (higher is better)."""

    article_id: str
    sentence_index: int
    score: float


@dataclass(frozen=True)
class _Scored:
    """Scores of every sentence of one article for one question."""

    index: ArticleIndex
    scores: list[float]
    matched: list[frozenset[str]]  # question terms each sentence matches


_Weights = dict[str, dict[str, float]]  # language -> question term -> IDF


@dataclass(frozen=True)
class _Ranking:
    candidates: list[Candidate]
    coverage: dict[tuple[str, int], float]


def question_terms(question: str, language: str) -> list[str]:
    """The question's stemmed content terms (question words dropped), each once, in order."""
    content = " ".join(w for w in words(question) if fold(w) not in QUESTION_WORDS)
    return list(dict.fromkeys(terms(content, language)))


def _language(article: Article) -> str:
    return article.language if article.language in ("de", "en") else "de"


def _score(question: str, indexes: Sequence[ArticleIndex]) -> tuple[list[_Scored], _Weights]:
    """BM25 scores of every sentence, and the IDF of each question term per language."""
    kind = question_type(question)
    total_sentences = sum(ix.size for ix in indexes) or 1
    average_length = sum(len(t) for ix in indexes for t in ix.sentence_terms) / total_sentences
    average_length = max(average_length, 1.0)
    by_language = {
        lang: question_terms(question, lang) for lang in {_language(ix.article) for ix in indexes}
    }
    # For each question term: per index, the matching sentence terms with their weight.
    matches: dict[tuple[str, str], list[dict[str, float]]] = {}
    document_frequency: dict[tuple[str, str], int] = {}
    for lang, q_terms in by_language.items():
        for term in q_terms:
            per_index: list[dict[str, float]] = []
            frequency = 0
            for ix in indexes:
                found: dict[str, float] = {}
                if _language(ix.article) == lang:
                    if term in ix.postings:
                        found[term] = 1.0
                    for other in ix.compounds(term) + ix.parts(term):
                        found.setdefault(other, COMPOUND_WEIGHT)
                    positions: set[int] = set()
                    for other in found:
                        positions.update(ix.postings[other])
                    frequency += len(positions)
                per_index.append(found)
            matches[(lang, term)] = per_index
            document_frequency[(lang, term)] = frequency

    def idf(key: tuple[str, str]) -> float:
        df = document_frequency[key]
        return math.log(1.0 + (total_sentences - df + 0.5) / (df + 0.5))

    weights = {key: idf(key) for key in matches}
    scored: list[_Scored] = []
    for number, ix in enumerate(indexes):
        lang = _language(ix.article)
        scores = [0.0] * ix.size
        matched: list[set[str]] = [set() for _ in range(ix.size)]
        for term in by_language[lang]:
            found = matches[(lang, term)][number]
            if not found:
                continue
            weight = weights[(lang, term)]
            best: dict[int, float] = {}
            for other, share in found.items():
                for position in ix.postings[other]:
                    tf = ix.counts[position][other]
                    length = len(ix.sentence_terms[position])
                    saturated = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average_length))
                    value = weight * share * saturated
                    if value > best.get(position, 0.0):
                        best[position] = value
            for position, value in best.items():
                scores[position] += value
                matched[position].add(term)
        if kind is not None:
            scores = [
                s * (1 + TYPE_BONUS) if kind in ix.types[i] else s for i, s in enumerate(scores)
            ]
        scored.append(_Scored(ix, scores, [frozenset(m) for m in matched]))
    term_weights: _Weights = {lang: {} for lang in by_language}
    for (lang, term), value in weights.items():
        term_weights[lang][term] = value
    return scored, term_weights


def _rank(question: str, articles: Sequence[Article]) -> _Ranking:
    indexes = [index_article(a) for a in articles if a.sentences]
    if not indexes:
        return _Ranking([], {})
    scored, weights = _score(question, indexes)
    candidates: list[Candidate] = []
    coverage: dict[tuple[str, int], float] = {}
    for item in scored:
        term_weights = weights[_language(item.index.article)]
        question_weight = sum(term_weights.values())
        scores = item.scores
        last = len(scores) - 1
        for position, own in enumerate(scores):
            if own <= 0.0:
                continue
            around = (scores[position - 1] if position > 0 else 0.0) + (
                scores[position + 1] if position < last else 0.0
            )
            sentence = item.index.article.sentences[position]
            candidates.append(
                Candidate(item.index.article.id, sentence.index, own + NEIGHBOUR_SHARE * around)
            )
            context = set(item.matched[position])
            if position > 0:
                context |= item.matched[position - 1]
            covered = sum(term_weights.get(t, 0.0) for t in context)
            coverage[(item.index.article.id, sentence.index)] = (
                covered / question_weight if question_weight > 0 else 0.0
            )
    candidates.sort(key=lambda c: -c.score)
    return _Ranking(candidates, coverage)


def rank(question: str, articles: Sequence[Article]) -> list[Candidate]:
    """Sentences of the articles that share terms with the question, best first."""
    return _rank(question, articles).candidates


def _context(article: Article, position: int) -> tuple[int, ...]:
    """The answering sentence, plus one neighbour when it cannot stand alone."""
    sentence = article.sentences[position]
    short = len(sentence.text.split()) < SHORT_SENTENCE_WORDS
    if _DANGLING.match(sentence.text.strip()) or short:
        if position > 0:
            return (sentence.index, article.sentences[position - 1].index)
        if short and position + 1 < len(article.sentences):
            return (sentence.index, article.sentences[position + 1].index)
    return (sentence.index,)


def answer(question: str, articles: Sequence[Article]) -> Answer:
    """The sentence that answers the question, cited; found=False when nothing supports one."""
    ranking = _rank(question, articles)
    if not ranking.candidates:
        return Answer(question, False, "", None, (), 0.0, None)
    best = ranking.candidates[0]
    article = next(a for a in articles if a.id == best.article_id)
    position = next(i for i, s in enumerate(article.sentences) if s.index == best.sentence_index)
    indexes = _context(article, position)
    by_index = {s.index: s.text for s in article.sentences}
    text = " ".join(by_index[i] for i in sorted(indexes))
    confidence = ranking.coverage.get((best.article_id, best.sentence_index), 0.0)
    source = ArticleRef(article.id, article.title, article.url, article.published)
    return Answer(
        question=question,
        found=confidence >= FOUND_COVERAGE,
        text=text,
        article_id=article.id,
        sentence_indexes=indexes,
        score=round(confidence, 4),
        source=source,
    )


__all__ = ["AnswerType", "Candidate", "answer", "rank"]
