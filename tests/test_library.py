"""The library on real SQLite files: idempotent add, read back with the ranking, by_url, sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, text

from summarizer.library import SEARCH_TABLE, Library, content_id
from summarizer.models import Document, Sentence
from summarizer.text import detect_language, iter_sentences, paragraphs

LIBRARY_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "library"
FIXTURE_NAMES = sorted(p.stem for p in LIBRARY_FIXTURES.glob("*.txt"))


def fixture_document(
    name: str, *, url: str | None = None, published: datetime | None = None
) -> Document:
    """A fixture file as a Document: first paragraph title, second teaser, the rest body."""
    parts = paragraphs((LIBRARY_FIXTURES / f"{name}.txt").read_text(encoding="utf-8"))
    language = detect_language(" ".join(parts))
    body = "\n\n".join(parts[2:])
    sentences = tuple(
        Sentence(i, text, number) for i, (number, text) in enumerate(iter_sentences(body, language))
    )
    return Document(parts[0], parts[1], language, body, sentences, url=url, published=published)


def lead_ranking(document: Document, depth: int = 5) -> list[tuple[int, float]]:
    """A simple stand-in ranking (the lead first) for tests about storage, not ranking."""
    count = min(depth, len(document.sentences))
    return [(i, round(1.0 - i / (count + 1), 4)) for i in range(count)]


def fill(library: Library, *, start: datetime | None = None) -> dict[str, str]:
    """Store every fixture, one day apart in file-name order; returns name -> article id."""
    start = start or datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    ids = {}
    for day, name in enumerate(FIXTURE_NAMES):
        document = fixture_document(
            name, url=f"https://news.example/{name}", published=start + timedelta(days=day)
        )
        ids[name] = library.add(document, lead_ranking(document)).article.id
    return ids


def test_add_is_idempotent_by_content(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    document = fixture_document("putin_besuch", url="https://a.example/1")
    first = library.add(document, lead_ranking(document))
    again = library.add(document, lead_ranking(document))
    elsewhere = fixture_document("putin_besuch", url="https://b.example/copy")
    copied = library.add(elsewhere, lead_ranking(elsewhere))
    assert first.created is True
    assert again.created is False and copied.created is False
    assert first.article.id == again.article.id == copied.article.id == content_id(document)
    assert library.count() == 1


def test_same_text_with_other_spacing_or_umlaut_spelling_is_the_same_article() -> None:
    document = fixture_document("fussball")
    respaced = Document(
        document.title, "", "de", "  " + document.text.replace(" ", "\n"), document.sentences
    )
    assert content_id(respaced) == content_id(document)
    changed = Document(document.title, "", "de", document.text + " Neu.", document.sentences)
    assert content_id(changed) != content_id(document)


def test_article_reads_back_with_sentences_and_ranking(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    published = datetime(2024, 6, 18, 9, 30, tzinfo=UTC)
    document = fixture_document("putin_besuch", url="https://a.example/p", published=published)
    ranking = [(3, 1.0), (0, 0.7), (5, 0.4)]
    added = library.add(document, ranking)

    reopened = Library.open(sqlite_url)  # a fresh process sees the same article
    article = reopened.get(added.article.id)
    assert article is not None
    assert article.title == document.title and article.teaser == document.teaser
    assert article.language == "de"
    assert [s.text for s in article.sentences] == [s.text for s in document.sentences]
    assert [s.paragraph for s in article.sentences] == [s.paragraph for s in document.sentences]
    assert article.ranking == (3, 0, 5)
    assert article.ranking_scores == (1.0, 0.7, 0.4)
    assert article.published == published
    assert article.added.tzinfo is not None
    assert article.url == "https://a.example/p"


def test_ranked_loads_only_the_best_sentences(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    document = fixture_document("russland_ukraine")
    added = library.add(document, [(4, 1.0), (1, 0.8), (0, 0.5), (2, 0.2)])
    (article,) = library.ranked([added.article.id], depth=2)
    assert article.ranking == (4, 1)
    assert sorted(s.index for s in article.sentences) == [1, 4]
    assert {s.index: s.text for s in article.sentences}[4] == document.sentences[4].text


def test_get_many_keeps_the_given_order_and_skips_unknown_ids(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    ids = fill(library)
    wanted = [ids["trade_talks"], "0000000000000000", ids["fussball"], ids["putin_besuch"]]
    assert [a.id for a in library.get_many(wanted)] == [
        ids["trade_talks"],
        ids["fussball"],
        ids["putin_besuch"],
    ]
    assert library.get("ffffffffffffffff") is None


def test_by_url_finds_the_canonical_url(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    ids = fill(library)
    found = library.by_url("https://news.example/strassenbau")
    assert found is not None and found.id == ids["strassenbau"]
    assert library.by_url("https://news.example/unknown") is None


def test_known_text_from_a_url_gains_the_url(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    pasted = fixture_document("trade_talks")
    library.add(pasted, lead_ranking(pasted))
    fetched = fixture_document("trade_talks", url="https://news.example/trade")
    again = library.add(fetched, lead_ranking(fetched))
    assert again.created is False
    assert again.article.url == "https://news.example/trade"
    by_url = library.by_url("https://news.example/trade")
    assert by_url is not None and by_url.id == again.article.id


def test_sources_newest_first_with_paging(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    ids = fill(library)
    newest_first = [ids[name] for name in reversed(FIXTURE_NAMES)]
    assert [ref.id for ref in library.sources()] == newest_first
    assert [ref.id for ref in library.sources(limit=2, offset=1)] == newest_first[1:3]
    assert library.sources(limit=0) == []
    assert library.count() == len(FIXTURE_NAMES)


def test_schema_is_created_at_open_with_the_search_index(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    tables = set(inspect(library.engine).get_table_names())
    assert {"articles", "sentences", SEARCH_TABLE} <= tables
    Library.open(sqlite_url)  # opening again leaves everything in place
    assert library.count() == 0


def test_added_article_equals_what_is_read_back(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    document = fixture_document("strassenbau", published=datetime(2024, 5, 2, 7, 0, tzinfo=UTC))
    added = library.add(document, [(2, 0.9), (99, 0.8), (2, 0.5), (0, 0.3)])
    assert added.article.ranking == (2, 0)  # unknown and repeated indexes dropped
    assert Library.open(sqlite_url).get(added.article.id) == added.article


def test_create_search_index_restores_a_missing_index(sqlite_url: str) -> None:
    from sqlalchemy import text

    from summarizer.library import create_search_index

    library = Library.open(sqlite_url)
    with library.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {SEARCH_TABLE}"))
        create_search_index(conn)
        create_search_index(conn)  # idempotent, as a migration may run twice
    document = fixture_document("fussball")
    library.add(document, lead_ranking(document))
    assert [h.title for h in library.search("Fußball")] == [document.title]


def test_untitled_article_is_stored_under_its_first_words(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    texts = [f"Satz Nummer {n} über den Hafen und seine neuen Kräne." for n in range(12)]
    sentences = tuple(Sentence(i, t, 0) for i, t in enumerate(texts))
    document = Document("", "", "de", " ".join(texts), sentences)
    added = library.add(document, [(5, 1.0), (9, 0.5)])
    name = "Satz Nummer 0 über den Hafen und seine…"
    assert added.article.title == name
    # a row stored untitled by an earlier release is named the same way when read
    with library.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET title = ''"))
    reopened = Library(library.engine)
    article = reopened.get(added.article.id)
    assert article is not None and article.title == name
    (head,) = reopened.ranked([added.article.id], depth=1)
    assert head.title == name and [s.index for s in head.sentences] == [5]
    assert [ref.title for ref in reopened.sources()] == [name]
    assert [hit.title for hit in reopened.search("Kräne")] == [name]


def test_answer_terms_are_stored_and_read_with_the_whole_article(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    document = fixture_document("putin_besuch")
    added = library.add(document, lead_ranking(document)).article
    assert added.answer_terms is not None and len(added.answer_terms) == len(document.sentences)
    article = Library(library.engine).get(added.id)
    assert article is not None and article.answer_terms == added.answer_terms
    (head,) = Library(library.engine).ranked([added.id], depth=2)
    assert head.answer_terms is None  # a brief reads no answer terms
