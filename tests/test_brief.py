"""Key points across articles: merged, newest and most relevant first, no repeats, no resends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from summarizer import brief, digest, extract
from summarizer.models import Article, Document, Sentence

TEXTS = Path(__file__).resolve().parent / "fixtures" / "texts"


def make_article(
    article_id: str, texts: list[str], *, day: int, language: str = "de", title: str = ""
) -> Article:
    sentences = tuple(Sentence(i, t, 0) for i, t in enumerate(texts))
    document = Document(title, "", language, " ".join(texts), sentences)
    ranking = digest.rank(document)
    return Article(
        id=article_id,
        title=title or article_id,
        teaser="",
        language=language,
        sentences=sentences,
        ranking=tuple(i for i, _ in ranking),
        ranking_scores=tuple(s for _, s in ranking),
        added=datetime(2024, 6, day, tzinfo=UTC),
    )


OUTLET_A = [
    "Russlands Präsident Wladimir Putin ist am Dienstag zu einem Besuch in Nordkorea eingetroffen.",
    "Beide Länder unterzeichneten ein Abkommen über gegenseitigen militärischen Beistand.",
    "Südkorea und Japan äußerten sich besorgt über die engere Zusammenarbeit.",
]
OUTLET_B = [
    "Wladimir Putin ist am Dienstag zu einem Besuch in Nordkorea eingetroffen, meldeten Staatsmedien.",
    "Kim Jong-un empfing den Gast mit einer großen Militärparade in Pjöngjang.",
    "Die USA kündigten neue Sanktionen gegen nordkoreanische Rüstungsfirmen an.",
]


def test_same_fact_from_two_outlets_is_one_point() -> None:
    a = make_article("a", OUTLET_A, day=18)
    b = make_article("b", OUTLET_B, day=19)
    points, has_more = brief.merge([(a, 1.0), (b, 1.0)], points=10)
    arrivals = [p for p in points if "eingetroffen" in p.text]
    assert len(arrivals) == 1
    assert {p.article_id for p in points} == {"a", "b"}
    assert len(points) == 5
    assert not has_more


def test_the_one_point_of_a_shared_fact_cites_every_outlet() -> None:
    a = make_article("a", OUTLET_A, day=18)
    b = make_article("b", OUTLET_B, day=19)
    points, _ = brief.merge([(a, 1.0), (b, 1.0)], points=10)
    [arrival] = [p for p in points if "eingetroffen" in p.text]
    assert {arrival.article_id, *arrival.also_in} == {"a", "b"}
    assert all(p.also_in == () for p in points if p is not arrival)


def test_shown_texts_keep_their_near_duplicates_out() -> None:
    a = make_article("a", OUTLET_A, day=18)
    b = make_article("b", OUTLET_B, day=19)
    points, _ = brief.merge([(a, 1.0), (b, 1.0)], points=10, shown=[OUTLET_A[0]])
    assert not [p for p in points if "eingetroffen" in p.text]
    assert len(points) == 4


def test_newer_article_first_and_has_more() -> None:
    a = make_article("old", OUTLET_A, day=1)
    b = make_article("new", OUTLET_B, day=19)
    points, has_more = brief.merge([(a, 1.0), (b, 1.0)], points=2)
    assert points[0].article_id == "new"
    assert len(points) == 2
    assert has_more


def test_more_relevant_article_first() -> None:
    a = make_article("weak", OUTLET_A, day=19)
    b = make_article("strong", OUTLET_B, day=19)
    points, _ = brief.merge([(a, 0.1), (b, 5.0)], points=1)
    assert points[0].article_id == "strong"


def test_exclude_skips_points_already_sent() -> None:
    a = make_article("a", OUTLET_A, day=18)
    first, _ = brief.merge([(a, 1.0)], points=1)
    again, _ = brief.merge([(a, 1.0)], points=3, exclude={brief.point_key(first[0].text)})
    assert first[0].text not in {p.text for p in again}
    assert len(again) == 2


def test_point_key_ignores_case_spacing_and_umlaut_spelling() -> None:
    assert brief.point_key("Der Fußball-Verein gewinnt!") == brief.point_key(
        "der  FUSSBALL-verein gewinnt"
    )
    assert brief.point_key("Der Verein gewinnt.") != brief.point_key("Der Verein verliert.")


def test_near_duplicate() -> None:
    assert brief.near_duplicate(OUTLET_A[0], OUTLET_B[0], "de")
    assert not brief.near_duplicate(OUTLET_A[1], OUTLET_B[2], "de")


def test_dangling_points_come_right_after_their_antecedent() -> None:
    texts = [
        "Die Regierung hat ein neues Gesetz zum Schutz der Wälder vorgelegt.",
        "Es sieht strengere Strafen für illegale Rodungen vor und soll 2025 in Kraft treten.",
        "Umweltverbände begrüßten den Entwurf, forderten aber mehr Kontrollen in den Regionen.",
    ]
    article = make_article("w", texts, day=10)
    points, _ = brief.merge([(article, 1.0)], points=3)
    order = [p.sentence_index for p in points]
    if 1 in order:
        assert order[order.index(1) - 1] == 0


def test_merge_fixtures_are_clean() -> None:
    articles = []
    for number, name in enumerate(("de_hafen.txt", "de_wahl.html")):
        document = extract.from_path(TEXTS / name)
        ranking = digest.rank(document)
        articles.append(
            (
                Article.from_document(
                    document, ranking, id=name, added=datetime(2024, 6, 1 + number, tzinfo=UTC)
                ),
                1.0,
            )
        )
    points, _ = brief.merge(articles, points=7)
    assert len(points) == 7
    for point in points:
        assert "Cookie" not in point.text and "Newsletter" not in point.text


def test_empty_input() -> None:
    assert brief.merge([], points=5) == ([], False)


BAHN_A = [
    "Die Bahn kündigte einen Notfahrplan an und rechnet mit vielen Ausfällen.",
    "Pendler sollen sich vor der Fahrt über ihre Verbindungen informieren.",
    "Die Gewerkschaft hatte den Streik am Wochenende angekündigt.",
]
BAHN_B = [
    "Die Bahn kündigte einen Notfahrplan an.",
    "Im Güterverkehr stauen sich bereits Hunderte Züge an den Grenzübergängen.",
    "Der Fahrgastverband forderte Entschädigungen für Zeitkarteninhaber.",
]


def test_more_drops_near_duplicates_of_points_already_shown() -> None:
    a = make_article("a", BAHN_A, day=18)
    b = make_article("b", BAHN_B, day=18)
    shown, has_more = brief.merge([(a, 1.0), (b, 1.0)], points=2)
    assert has_more
    assert any("Notfahrplan" in p.text for p in shown)
    more, _ = brief.merge(
        [(a, 1.0), (b, 1.0)], points=10, exclude={brief.point_key(p.text) for p in shown}
    )
    assert more
    for point in more:
        assert not any(brief.near_duplicate(point.text, old.text, "de") for old in shown), point


def test_points_of_one_article_come_in_reading_order() -> None:
    document = extract.from_path(TEXTS / "de_hafen.txt")
    ranking = digest.rank(document)
    assert [i for i, _ in ranking[:5]] != sorted(i for i, _ in ranking[:5])  # a real reorder
    article = Article(
        id="hafen",
        title=document.title,
        teaser="",
        language=document.language,
        sentences=document.sentences,
        ranking=tuple(i for i, _ in ranking),
        ranking_scores=tuple(s for _, s in ranking),
        added=datetime(2024, 6, 1, tzinfo=UTC),
    )
    points, _ = brief.merge([(article, 1.0)], points=5)
    order = [p.sentence_index for p in points]
    assert len(order) == 5
    assert order == sorted(order)


def test_runs_from_one_article_read_in_order_and_articles_keep_their_merged_order() -> None:
    a = make_article("a", OUTLET_A, day=18)
    b = make_article("b", OUTLET_B, day=19)
    points, _ = brief.merge([(a, 1.0), (b, 1.0)], points=10)
    runs: list[list[int]] = []
    previous = None
    for point in points:
        if point.article_id != previous:
            runs.append([])
            previous = point.article_id
        runs[-1].append(point.sentence_index)
    assert all(run == sorted(run) for run in runs)
    assert points[0].article_id == "b"  # the newer article still leads
