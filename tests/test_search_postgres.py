"""The search cases of tests/test_search.py, run on PostgreSQL full-text search (same contract)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from summarizer.library import SEARCH_TABLE, Library
from tests.test_library import fill, fixture_document, lead_ranking
from tests.test_search import (
    SEARCH_CASES,
    START,
    check_any_word,
    check_case,
    check_hit_fields,
    check_short_words_take_the_genitive,
    check_since_and_limit,
    check_title_hits_rank_first,
    found,
)

pytestmark = pytest.mark.postgres


def test_same_search_cases_on_postgres(postgres_url: str) -> None:
    library = Library.open(postgres_url)
    try:
        assert SEARCH_TABLE in inspect(library.engine).get_table_names()
        ids = fill(library, start=START)
        failures = [
            (topic, sorted(found(library, ids, topic)), sorted(expected))
            for topic, expected in SEARCH_CASES
            if found(library, ids, topic) != expected
        ]
        assert failures == []
        for topic, expected in SEARCH_CASES[:3]:
            check_case(library, ids, topic, expected)
        check_title_hits_rank_first(library, ids)
        check_since_and_limit(library, ids)
        check_any_word(library, ids)
        check_hit_fields(library, ids)
    finally:
        library.engine.dispose()


def test_library_basics_on_postgres(postgres_url: str) -> None:
    library = Library.open(postgres_url)
    try:
        document = fixture_document("putin_besuch", url="https://a.example/p")
        first = library.add(document, [(2, 1.0), (0, 0.5)])
        again = library.add(document, [(2, 1.0), (0, 0.5)])
        assert first.created and not again.created
        article = library.get(first.article.id)
        assert article is not None and article.ranking == (2, 0)
        assert len(article.sentences) == len(document.sentences)
        (head,) = library.ranked([article.id], depth=1)
        assert [s.index for s in head.sentences] == [2]
        by_url = library.by_url("https://a.example/p")
        assert by_url is not None and by_url.id == article.id
        other = fixture_document("fussball")
        newer = library.add(other, lead_ranking(other)).article
        assert library.count() == 2
        assert [ref.id for ref in library.sources()] == [newer.id, article.id]
    finally:
        library.engine.dispose()


def test_short_words_take_the_genitive_on_postgres(postgres_url: str) -> None:
    library = Library.open(postgres_url)
    try:
        check_short_words_take_the_genitive(library)
    finally:
        library.engine.dispose()
