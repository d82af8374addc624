"""Topic search on SQLite (FTS5): inflections, compounds, phrases, umlaut spelling, aliases, ranking.

The cases are plain data so tests/test_search_postgres.py runs the very same ones on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from summarizer import search
from summarizer.library import Library
from summarizer.models import Document, Sentence
from summarizer.text import iter_sentences
from tests.test_library import fill

# topic -> the fixture articles it must find (exactly)
SEARCH_CASES: list[tuple[str, set[str]]] = [
    ("nordkorea", {"putin_besuch", "north_korea_missile"}),
    ("Nordkoreas", {"putin_besuch", "north_korea_missile"}),
    ("North Korea", {"putin_besuch", "north_korea_missile"}),
    ("nordkoreanisch", {"putin_besuch"}),
    ("Nordkorea-Besuch", {"putin_besuch"}),
    ("putin nordkorea", {"putin_besuch"}),
    ("Kim Jong-un", {"putin_besuch"}),
    ("KIM JONG UN", {"putin_besuch"}),
    ("Fußball", {"fussball"}),
    ("fussball", {"fussball"}),
    ("FUSSBALL-DERBY", {"fussball"}),
    ("Straße", {"strassenbau"}),
    ("strasse", {"strassenbau"}),
    ("Südkorea", {"putin_besuch", "north_korea_missile"}),
    ("suedkorea", {"putin_besuch", "north_korea_missile"}),
    ("Russland", {"putin_besuch", "russland_ukraine"}),
    ("Russia", {"putin_besuch", "russland_ukraine"}),
    ("Russlands", {"putin_besuch", "russland_ukraine"}),
    ("USA", {"north_korea_missile", "trade_talks"}),
    ("Vereinigte Staaten", {"north_korea_missile", "trade_talks"}),
    ("China", {"trade_talks"}),
    ("Peking", {"trade_talks"}),
    ("Ukraine", {"russland_ukraine"}),
    ("EU", {"russland_ukraine"}),
    ("Zelensky", {"russland_ukraine"}),
    ("Luftabwehr", {"russland_ukraine"}),
    ("Sanktionen Russland", {"russland_ukraine"}),
    ("der Krieg", set()),
    ("Nordkorea Fußball", set()),
    ("Quantencomputer", set()),
    ("eu-", {"russland_ukraine"}),
    ("", set()),
    ("!!! ???", set()),
    ('"nordkorea" OR *', {"putin_besuch", "north_korea_missile"}),
    ("'; DROP TABLE articles; --", set()),
]


def found(library: Library, ids: dict[str, str], topic: str) -> set[str]:
    names = {article_id: name for name, article_id in ids.items()}
    return {names[hit.article_id] for hit in library.search(topic, limit=50)}


def check_case(library: Library, ids: dict[str, str], topic: str, expected: set[str]) -> None:
    assert found(library, ids, topic) == expected, topic


def check_title_hits_rank_first(library: Library, ids: dict[str, str]) -> None:
    # same day for both: "Russland" is in the title of one and only in the body of the other
    hits = library.search("Russland")
    assert [h.article_id for h in hits][:2] == [ids["russland_ukraine"], ids["putin_besuch"]]
    assert hits[0].score > hits[1].score > 0


def check_since_and_limit(library: Library, ids: dict[str, str]) -> None:
    # `since` is about arrival: putin_besuch was added after north_korea_missile
    added = {h.article_id: h.added for h in library.search("nordkorea")}
    since = added[ids["putin_besuch"]]
    assert since is not None and since > (added[ids["north_korea_missile"]] or since)
    assert [h.article_id for h in library.search("nordkorea", since=since)] == [ids["putin_besuch"]]
    assert library.search("nordkorea", since=since + timedelta(days=1)) == []
    assert len(library.search("nordkorea", limit=1)) == 1
    assert library.search("nordkorea", limit=0) == []


def check_any_word(library: Library, ids: dict[str, str]) -> None:
    any_hits = library.search("Fußball Luftabwehr", match_all=False)
    assert {h.article_id for h in any_hits} == {ids["fussball"], ids["russland_ukraine"]}


def check_hit_fields(library: Library, ids: dict[str, str]) -> None:
    (hit,) = library.search("Luftabwehr")
    assert hit.article_id == ids["russland_ukraine"]
    assert hit.title.startswith("Russland verstärkt")
    assert hit.url == "https://news.example/russland_ukraine"
    assert hit.published is not None and hit.published.tzinfo is not None
    assert hit.matched_terms == ("luftabwehr",)


def check_short_words_take_the_genitive(library: Library) -> None:
    """A word of two or three letters also finds its genitive ("Kims", "Kim's"), but is no
    prefix: "eu" does not find "Euro", "kim" not "Kimchi"."""

    def add(text: str) -> str:
        sentences = tuple(Sentence(i, t, n) for i, (n, t) in enumerate(iter_sentences(text, "de")))
        document = Document("", "", "de", text, sentences)
        return library.add(document, [(0, 1.0)]).article.id

    genitive = add("Kims Schwester reiste nach Peking. Die Gespräche dauerten zwei Tage.")
    possessive = add("Beobachter lobten Kim's Rede vor dem Parteitag als ungewohnt offen.")
    plain = add("Kim empfing die Delegation am Flughafen der Hauptstadt.")
    kimchi = add("Kimchi ist ein Gericht aus fermentiertem Kohl und wird oft als Beilage serviert.")
    eu_genitive = add("Die Außengrenzen der EU werden stärker überwacht als im vergangenen Jahr.")
    euro = add("Der Euro legte am Devisenmarkt deutlich zu, der Kurs stieg auf ein Jahreshoch.")
    kim_found = {hit.article_id for hit in library.search("Kim", limit=50)}
    assert {genitive, possessive, plain} <= kim_found
    assert kimchi not in kim_found
    eu_found = {hit.article_id for hit in library.search("EU", limit=50)}
    assert eu_genitive in eu_found
    assert euro not in eu_found
    assert genitive in {hit.article_id for hit in library.search("Kims", limit=50)}


def test_short_words_take_the_genitive(sqlite_url: str) -> None:
    check_short_words_take_the_genitive(Library.open(sqlite_url))


START = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, dict[str, str]]:
    path: Path = tmp_path_factory.mktemp("search") / "briefbot.db"
    library = Library.open(f"sqlite:///{path.as_posix()}")
    return library, fill(library, start=START)


@pytest.mark.parametrize(
    ("topic", "expected"), SEARCH_CASES, ids=[c[0] or "empty" for c in SEARCH_CASES]
)
def test_search_case(
    stocked: tuple[Library, dict[str, str]], topic: str, expected: set[str]
) -> None:
    check_case(*stocked, topic, expected)


def test_title_hits_rank_first(stocked: tuple[Library, dict[str, str]]) -> None:
    check_title_hits_rank_first(*stocked)


def test_since_and_limit(stocked: tuple[Library, dict[str, str]]) -> None:
    check_since_and_limit(*stocked)


def test_any_word(stocked: tuple[Library, dict[str, str]]) -> None:
    check_any_word(*stocked)


def test_hit_fields(stocked: tuple[Library, dict[str, str]]) -> None:
    check_hit_fields(*stocked)


def test_newer_of_two_equal_matches_comes_first(sqlite_url: str) -> None:
    library = Library.open(sqlite_url)
    from tests.test_library import fixture_document, lead_ranking

    old = fixture_document("trade_talks", published=datetime(2024, 1, 1, tzinfo=UTC))
    library.add(old, lead_ranking(old))
    newer_text = fixture_document("trade_talks")
    newer = type(newer_text)(
        newer_text.title,
        newer_text.teaser,
        "en",
        newer_text.text + " Talks continue.",
        newer_text.sentences,
        published=datetime(2024, 3, 1, tzinfo=UTC),
    )
    added = library.add(newer, lead_ranking(newer))
    assert added.created
    assert library.search("China")[0].article_id == added.article.id


def test_query_building_is_the_same_for_both_backends() -> None:
    terms = search.parse("Putins Nordkorea-Besuch")
    assert [t.label for t in terms] == ["putins", "nordkorea besuch"]
    assert search.fts5_query(terms) == '("putin"*) AND ("nordkorea besuch"*)'
    assert search.tsquery(terms) == "('putin':*) & ('nordkorea' <-> 'besuch':*)"
    assert search.parse("und der die") != []  # only stop words: kept, not an empty query
    kim = search.parse("Kim")
    assert search.fts5_query(kim) == '("kim" OR "kims")'
    assert search.tsquery(kim) == "('kim' | 'kims')"
    assert search.parse("...") == []


def test_index_text_folds_and_splits() -> None:
    assert search.index_text("Fußball-Derby: Nordkoreas KÄSE, Korea's") == (
        "fussball derby nordkoreas kaese korea s"
    )
