"""Key points of one article: clean, readable, no duplicates, no dangling openings."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import digest, extract
from summarizer.models import Article, Document, Sentence
from summarizer.text import words

TEXTS = Path(__file__).resolve().parent / "fixtures" / "texts"
BANNED = ("Podigee", "Shutterstock", "Datenschutz", "einverstanden")


def as_article(document: Document) -> Article:
    ranking = digest.rank(document)
    article_id = hashlib.sha1(document.text.encode()).hexdigest()[:12]
    return Article.from_document(
        document, ranking, id=article_id, added=datetime(2024, 6, 20, tzinfo=UTC)
    )


def test_seed_digest_is_clean_and_cited(seed_article: Path) -> None:
    document = extract.from_path(seed_article)
    article = as_article(document)
    result = digest.digest(article, points=7)
    assert len(result.points) == 7
    assert result.title == seed_article.read_text(encoding="utf-8").strip().splitlines()[0]
    for point in result.points:
        assert point.article_id == article.id
        assert document.sentences[point.sentence_index].text == point.text
        for word in BANNED:
            assert word not in point.text
    assert [p.sentence_index for p in result.points] == sorted(
        p.sentence_index for p in result.points
    )
    assert result.has_more


def test_rank_contract(seed_article: Path) -> None:
    document = extract.from_path(seed_article)
    ranking = digest.rank(document)
    indexes = [i for i, _ in ranking]
    scores = [s for _, s in ranking]
    assert 0 < len(ranking) <= digest.MAX_POINTS
    assert len(set(indexes)) == len(indexes)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert indexes[:5].count(0) == 1 or 0 in indexes[:8]  # the lead sentence is a key point


def test_no_dangling_point_without_its_antecedent_right_before(seed_article: Path) -> None:
    for document in (
        extract.from_path(seed_article),
        extract.from_path(TEXTS / "de_hafen.txt"),
        extract.from_path(TEXTS / "en_river.md"),
    ):
        ranking = [i for i, _ in digest.rank(document)]
        for position, index in enumerate(ranking):
            if digest.dangling(document.sentences[index].text, document.language):
                assert position > 0 and ranking[position - 1] == index - 1


def test_dangling_openings() -> None:
    assert digest.dangling("Dies wies der Senator zurück.", "de")
    assert digest.dangling("In diesen Verhandlungen drängte Russland auf mehr.", "de")
    assert digest.dangling("Er versprach, die Sanktionen einzuhalten.", "de")
    assert digest.dangling("They had suffered flooding twice.", "en")
    assert not digest.dangling("Der Senat beschloss den Bau.", "de")
    assert not digest.dangling("Die Kosten steigen.", "de")
    assert not digest.dangling("The council voted on Thursday.", "en")
    # a pronoun subject pointing back, and a turn that needs what came before
    assert digest.dangling("Das ist das Ergebnis einer Umfrage unter Pendlern.", "de")
    assert digest.dangling("His comments come as talks on the budget stall.", "en")
    assert digest.dangling("Doch der Plan scheiterte am Widerstand der Länder.", "de")
    assert digest.dangling("It is the first strike in ten years.", "en")
    assert not digest.dangling("Das Parlament stimmte dem Gesetz zu.", "de")


def test_no_near_duplicates_and_readable_lengths() -> None:
    base = [
        "Der Stadtrat hat am Montag einen neuen Haushalt mit höheren Ausgaben für Schulen beschlossen.",
        "Am Montag hat der Stadtrat einen neuen Haushalt mit höheren Ausgaben für Schulen beschlossen.",
        "Die Opposition kritisierte die geplante Neuverschuldung von zwölf Millionen Euro scharf.",
        "Ja.",
        "Der Kämmerer rechnet für das kommende Jahr mit sinkenden Einnahmen aus der Gewerbesteuer.",
        "Mehrere Schulen sollen bis 2026 saniert und mit neuen Computern ausgestattet werden.",
    ]
    sentences = tuple(Sentence(i, t, 0) for i, t in enumerate(base))
    document = Document("Haushalt beschlossen", "", "de", " ".join(base), sentences)
    ranking = [i for i, _ in digest.rank(document)]
    assert not {0, 1} <= set(ranking)
    assert 3 not in ranking[:4]
    assert all(len(words(base[i])) >= 1 for i in ranking)


def test_every_sumy_method_rates_every_sentence(seed_article: Path) -> None:
    document = extract.from_path(seed_article)
    for method in ("lexrank", "textrank", "lsa", "luhn", "sumbasic", "edmundson"):
        scores = digest.sumy_scores(document.sentences, "de", method)
        assert len(scores) == len(document.sentences)
        assert len(set(scores)) > 1, method


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(min_size=0, max_size=80), min_size=0, max_size=12),
    st.sampled_from(["de", "en"]),
)
def test_rank_never_raises(texts: list[str], language: str) -> None:
    sentences = tuple(Sentence(i, t, i // 3) for i, t in enumerate(texts))
    document = Document("", "", language, " ".join(texts), sentences)
    ranking = digest.rank(document)
    assert all(0 <= i < len(texts) for i, _ in ranking)


def test_numpy_lexrank_equals_sumy(seed_article: Path) -> None:
    for document in (
        extract.from_path(seed_article),
        extract.from_path(TEXTS / "de_hafen.txt"),
        extract.from_path(TEXTS / "en_river.md"),
    ):
        ours = digest.lexrank_scores(document.sentences, document.language)
        theirs = digest.sumy_scores(document.sentences, document.language, "lexrank")
        assert len(ours) == len(theirs) == len(document.sentences)
        assert all(abs(a - b) < 1e-9 for a, b in zip(ours, theirs, strict=True))
        order = sorted(range(len(ours)), key=lambda i: (-round(ours[i], 9), i))
        assert order == sorted(range(len(theirs)), key=lambda i: (-round(theirs[i], 9), i))


def test_features_have_one_row_per_sentence(seed_article: Path) -> None:
    document = extract.from_path(seed_article)
    table = digest.features(document)
    assert table.shape == (len(document.sentences), len(digest.FEATURES))
    assert len(digest.WEIGHTS.coefficients) == len(digest.FEATURES)
