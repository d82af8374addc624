"""The answer index: its lazily looked-up n-gram postings equal the eager ones, and an index
built from stored answer terms equals one computed from the text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from summarizer import extract
from summarizer.models import AnswerTerms, Article
from summarizer.qa_index import GramPostings, answer_terms, build_index, letter_grams
from summarizer.qa_questions import AnswerType

TEXT = """Hafen wird ausgebaut

Der Hamburger Hafen wird bis 2030 für 1,2 Milliarden Euro ausgebaut. Die Containerschiffe
sollen schneller abgefertigt werden.

Der Ausbau beginnt im Frühjahr. Kritiker warnen vor steigenden Kosten für die Stadt.

Die Reedereien begrüßen die Pläne. Sie erwarten mehr Umschlag im Containerverkehr."""


def _article() -> Article:
    document = extract.from_text(TEXT)
    return Article(
        id="a1",
        title=document.title,
        teaser=document.teaser,
        language=document.language,
        sentences=document.sentences,
        ranking=(),
        added=datetime.now(UTC),
    )


def test_gram_postings_match_the_sentences_holding_each_gram() -> None:
    article = _article()
    index = build_index(article)
    eager: dict[str, list[int]] = {}
    for position, sentence in enumerate(article.sentences):
        for gram in letter_grams(sentence.text, article.language):
            eager.setdefault(gram, []).append(position)
    assert len(eager) > 50
    for gram, positions in eager.items():
        assert index.grams[gram] == tuple(positions)
        assert index.grams.get(gram, ()) == tuple(positions)
    assert index.grams.get("#zzz", ()) == ()
    assert "#zzz" not in index.grams
    assert set(index.grams) == set(eager) and len(index.grams) == len(eager)


def test_terms_and_postings_cover_every_sentence() -> None:
    index = build_index(_article())
    assert index.size == len(index.sentence_terms) == len(index.types)
    assert "container" in "".join(index.prefixes)
    for term, positions in index.postings.items():
        assert all(term in index.sentence_terms[p] for p in positions)


def test_index_from_stored_answer_terms_equals_the_computed_one() -> None:
    article = _article()
    computed = build_index(article)
    records = tuple(answer_terms(s.text, article.language) for s in article.sentences)
    stored = build_index(replace(article, answer_terms=records))
    assert stored.sentence_terms == computed.sentence_terms
    assert stored.types == computed.types and any(stored.types)
    assert stored.postings == computed.postings
    assert set(stored.grams) == set(computed.grams)
    assert stored.pronoun_start == computed.pronoun_start


def test_stored_answer_terms_are_read_not_recomputed() -> None:
    article = _article()
    planted = tuple(AnswerTerms("planted", "planted", "time") for _ in article.sentences)
    index = build_index(replace(article, answer_terms=planted))
    assert set(index.postings) == {"planted"}
    assert index.grams.get("#pla", ()) == tuple(range(len(article.sentences)))
    assert all(types == frozenset({AnswerType.TIME}) for types in index.types)
    # a stored tuple that does not fit the sentences is ignored
    short = build_index(replace(article, answer_terms=planted[:1]))
    assert short.postings == build_index(article).postings


def test_gram_search_and_gram_sets_agree() -> None:
    article = _article()
    grams = [*sorted(letter_grams(article.text, article.language)), "#zzz", "n#"]
    assert len(grams) > GramPostings.SET_AFTER
    searched, with_sets = build_index(article).grams, build_index(article).grams
    assert isinstance(searched, GramPostings) and isinstance(with_sets, GramPostings)
    searched.SET_AFTER = len(grams) + 1  # search the marked text for every n-gram
    with_sets.SET_AFTER = 0  # n-gram sets from the first lookup on
    for gram in grams:
        assert searched.get(gram, ()) == with_sets.get(gram, ()), gram
