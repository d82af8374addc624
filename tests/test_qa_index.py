"""The answer index: its lazily looked-up n-gram postings equal the eager ones."""

from __future__ import annotations

from datetime import UTC, datetime

from summarizer import extract
from summarizer.models import Article
from summarizer.qa_index import build_index, letter_grams

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
