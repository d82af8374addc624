"""Briefing end to end on real SQLite files: extraction, ranking at ingest, briefs, answers, URLs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.web_server import WebServer
from summarizer.brief import point_key
from summarizer.errors import FetchError, UserError
from summarizer.fetch import Fetcher
from summarizer.library import Library
from summarizer.models import Added, Document
from summarizer.service import Briefing
from tests.test_library import FIXTURE_NAMES, LIBRARY_FIXTURES

BOILERPLATE = ("Podigee", "Shutterstock", "Datenschutz", "einverstanden")


@pytest.fixture
def briefing(sqlite_url: str) -> Briefing:
    return Briefing(Library.open(sqlite_url))


def stock(briefing: Briefing) -> dict[str, str]:
    return {
        name: briefing.add(LIBRARY_FIXTURES / f"{name}.txt").article.id for name in FIXTURE_NAMES
    }


def test_add_file_text_and_bytes_store_once(briefing: Briefing) -> None:
    path = LIBRARY_FIXTURES / "putin_besuch.txt"
    first = briefing.add(path)
    assert first.created and first.article.ranking, "ranked at ingest"
    assert briefing.add(path).created is False
    assert briefing.add(path.read_text(encoding="utf-8")).created is False
    assert briefing.add(path.read_bytes()).created is False
    pasted = briefing.add((LIBRARY_FIXTURES / "fussball.txt").read_text(encoding="utf-8"))
    assert pasted.created
    assert [ref.id for ref in briefing.sources()] == [pasted.article.id, first.article.id]
    assert briefing.article(first.article.id) == first.article


def test_brief_cites_every_point_with_its_article(briefing: Briefing) -> None:
    ids = stock(briefing)
    digest = briefing.brief("nordkorea", points=5)
    assert digest.topic == "nordkorea" and digest.title == "nordkorea"
    assert 1 <= len(digest.points) <= 5
    cited = {ref.id for ref in digest.articles}
    assert cited <= {ids["putin_besuch"], ids["north_korea_missile"]}
    assert {p.article_id for p in digest.points} == cited
    for point in digest.points:
        article = briefing.article(point.article_id)
        assert article is not None
        assert {s.index: s.text for s in article.sentences}[point.sentence_index] == point.text
    assert len({point_key(p.text) for p in digest.points}) == len(digest.points)


def test_brief_language_is_the_majority_of_cited_articles(briefing: Briefing) -> None:
    stock(briefing)
    assert briefing.brief("China", language="de").language == "en"
    assert briefing.brief("Luftabwehr", language="en").language == "de"


def test_unknown_topic_gives_an_empty_digest(briefing: Briefing) -> None:
    stock(briefing)
    digest = briefing.brief("Quantencomputer", language="en")
    assert digest.points == () and digest.articles == ()
    assert digest.topic == "Quantencomputer" and digest.language == "en"
    assert briefing.brief("").points == ()


def test_brief_drops_the_same_fact_from_two_outlets(briefing: Briefing, tmp_path: Path) -> None:
    original = (LIBRARY_FIXTURES / "russland_ukraine.txt").read_text(encoding="utf-8")
    paragraphs = original.split("\n\n")
    # a second outlet: another headline and order, the same sentences otherwise
    copy = "\n\n".join(
        [
            "Neue Angriffe: Kiew fordert mehr Luftabwehr",
            "Die Lage im Osten spitzt sich zu.",
            *reversed(paragraphs[2:]),
            "Der Bericht wird laufend aktualisiert, sobald neue Angaben der Behörden vorliegen.",
        ]
    )
    first = briefing.add(original).article
    second = briefing.add(copy).article
    assert first.id != second.id
    digest = briefing.brief("Luftabwehr", points=10)
    texts = [p.text for p in digest.points]
    assert len(texts) == len(set(texts))
    for sentence in {s.text for s in first.sentences} & {s.text for s in second.sentences}:
        assert texts.count(sentence) <= 1


def test_more_skips_points_already_shown(briefing: Briefing) -> None:
    stock(briefing)
    shown = briefing.brief("nordkorea", points=2)
    assert shown.has_more
    more = briefing.brief("nordkorea", points=2, exclude=[point_key(p.text) for p in shown.points])
    assert more.points
    assert not {p.text for p in more.points} & {p.text for p in shown.points}


def test_answer_over_given_articles_and_over_the_library(briefing: Briefing) -> None:
    ids = stock(briefing)
    question = "Wie viele Raketen flogen über das Meer?"
    given = briefing.answer(
        "Wer kündigte an, die Gespräche zu verfolgen?", articles=[ids["putin_besuch"]]
    )
    assert given.article_id == ids["putin_besuch"] and "Südkorea" in given.text
    anywhere = briefing.answer("Who condemned the missile launch?")
    assert anywhere.article_id == ids["north_korea_missile"]
    assert briefing.answer(question, articles=[]).found is False
    nothing = briefing.answer("Quantencomputer Supraleiter?")
    assert nothing.found is False and nothing.article_id is None


def test_digest_by_id_and_unknown_id(briefing: Briefing) -> None:
    ids = stock(briefing)
    digest = briefing.digest(ids["trade_talks"], points=3)
    assert len(digest.points) == 3
    assert {p.article_id for p in digest.points} == {ids["trade_talks"]}
    with pytest.raises(UserError) as error:
        briefing.digest("0000000000000000")
    assert "/sources" in error.value.message("de") and "/sources" in error.value.message("en")


async def test_add_url_without_a_fetcher_says_so(briefing: Briefing) -> None:
    with pytest.raises(FetchError) as error:
        await briefing.add_url("https://news.example/a")
    assert error.value.message("de") != error.value.message("en")
    assert briefing.library.count() == 0


async def test_add_url_fetches_once_per_canonical_url(sqlite_url: str) -> None:
    text = (LIBRARY_FIXTURES / "trade_talks.txt").read_bytes()
    with WebServer("127.0.0.1") as web:
        url = web.page("/trade.txt", text, content_type="text/plain; charset=utf-8")
        briefing = Briefing(
            Library.open(sqlite_url), fetcher=Fetcher(allow=["127.0.0.1"], timeout=3.0)
        )
        first = await briefing.add_url(url)
        again = await briefing.add_url(url + "?utm_source=chat")
        fetched = len(web.requests)
    assert first.created and not again.created
    assert again.article.id == first.article.id
    assert fetched == 1
    assert first.article.url is not None and first.article.url.endswith("/trade.txt")


def test_seed_article_is_found_by_topic(briefing: Briefing, seed_article: Path) -> None:
    added = briefing.add(seed_article)
    stock(briefing)
    for topic in ("nordkorea", "Putin", "nordkoreanisch"):
        digest = briefing.brief(topic)
        assert added.article.id in {h.article_id for h in briefing.search(topic)}, topic
        assert digest.points
    assert added.article.id not in {h.article_id for h in briefing.search("fußball")}
    for topic in ("nordkorea", "Putin"):
        for point in briefing.brief(topic, points=10).points:
            assert not any(word in point.text for word in BOILERPLATE), point.text


def test_seed_follow_up_question(briefing: Briefing, seed_article: Path) -> None:
    seed = briefing.add(seed_article).article
    stock(briefing)
    answer = briefing.answer("Wann reiste Putin nach Nordkorea?")
    assert answer.found and answer.article_id == seed.id
    assert "17. Juni 2024" in answer.text
    assert not any(word in answer.text for word in BOILERPLATE)


class _ThreadRecordingLibrary(Library):
    """The real library, noting which thread stores each article."""

    threads: list[int]

    def add(self, document: Document, ranking: Sequence[tuple[int, float]]) -> Added:
        self.threads.append(threading.get_ident())
        return super().add(document, ranking)


async def test_add_url_ranks_and_stores_off_the_event_loop(sqlite_url: str) -> None:
    text = (LIBRARY_FIXTURES / "trade_talks.txt").read_bytes()
    library = _ThreadRecordingLibrary(Library.open(sqlite_url).engine)
    library.threads = []
    with WebServer("127.0.0.1") as web:
        urls = [
            web.page(f"/{n}.txt", text + f"\n\nZusatz {n}.".encode(), content_type="text/plain")
            for n in range(3)
        ]
        briefing = Briefing(library, fetcher=Fetcher(allow=["127.0.0.1"], timeout=3.0))
        added = await asyncio.gather(*(briefing.add_url(url) for url in urls))
    assert all(a.created for a in added) and library.count() == 3
    assert len(library.threads) == 3
    assert threading.get_ident() not in library.threads


UNTITLED = (
    "Die Bahn kündigte am Montag einen Notfahrplan an und rechnet mit vielen Ausfällen im "
    "Fernverkehr. Pendler sollen sich vor der Fahrt über ihre Verbindungen informieren. Die "
    "Gewerkschaft hatte den Streik der Lokführer am Wochenende angekündigt. Im Güterverkehr "
    "stauen sich bereits Hunderte Züge an den Grenzübergängen."
)


def test_untitled_article_is_cited_by_the_same_name_everywhere(briefing: Briefing) -> None:
    added = briefing.add(UNTITLED)
    assert added.created
    name = "Die Bahn kündigte am Montag einen Notfahrplan an…"
    assert added.article.short_name == name
    brief = briefing.brief("Notfahrplan")
    assert [ref.title for ref in brief.articles] == [name]
    answer = briefing.answer("Wann kündigte die Bahn den Notfahrplan an?")
    assert answer.source is not None and answer.source.title == name
    digest = briefing.digest(added.article.id)
    assert digest.title == name and [ref.title for ref in digest.articles] == [name]
    assert [ref.title for ref in briefing.sources()] == [name]
    assert [hit.title for hit in briefing.search("Notfahrplan")] == [name]
    fresh = Briefing(Library(briefing.library.engine))  # read back, not from the cache
    article = fresh.article(added.article.id)
    assert article is not None and article.short_name == name
