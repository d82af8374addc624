"""Answers to follow-up questions: the right sentence for each question type, honest declines,
context neighbours, odd input; on our own fixtures and on the seed article."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import qa
from summarizer.extract import from_text
from summarizer.models import Article
from summarizer.text import detect_language

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qa"


def article_from(raw: str, name: str, language: str | None = None) -> Article:
    """Build an Article the way `briefbot ask` does: extract.from_text, then an Article."""
    document = from_text(raw, language=language or detect_language(raw))
    return Article.from_document(document, (), id=name, added=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def hafen() -> Article:
    return article_from((FIXTURES / "hafen_de.txt").read_text(encoding="utf-8"), "hafen", "de")


@pytest.fixture(scope="module")
def bridge() -> Article:
    return article_from((FIXTURES / "bridge_en.txt").read_text(encoding="utf-8"), "bridge", "en")


def first_sentence(article: Article, question: str) -> str:
    reply = qa.answer(question, [article])
    assert reply.sentence_indexes, question
    by_index = {s.index: s.text for s in article.sentences}
    return by_index[reply.sentence_indexes[0]]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wann hat der Stadtrat den Ausbau beschlossen?", "12. März 2025"),
        ("Wie viel kostet das Vorhaben?", "48 Millionen Euro"),
        ("Wie viele Containerschiffe sollen künftig anlegen können?", "400"),
        ("Wie viele Schiffe sollen künftig jedes Jahr anlegen?", "400"),  # part of a compound
        ("Wer verteidigte den Beschluss des Stadtrats?", "Henrike Albers"),
        ("Wo entstehen die neuen Kaianlagen?", "im Norden der Stadt"),
        ("Warum müssen Stahlpfähle gesetzt werden?", "sumpfig"),
    ],
)
def test_german_questions_get_the_answering_sentence(
    hafen: Article, question: str, expected: str
) -> None:
    assert expected in first_sentence(hafen, question)
    assert qa.answer(question, [hafen]).found


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the new bridge open?", "4 September 2024"),
        ("How much did the bridge cost?", "31 million pounds"),
        ("How many cars are expected to cross every day?", "12,000"),
        ("Who designed the bridge?", "Margaret Okafor"),
        ("Where was the bridge built?", "next to the old railway station|in Riverton"),
        ("Why were steel arches chosen?", "because"),
    ],
)
def test_english_questions_get_the_answering_sentence(
    bridge: Article, question: str, expected: str
) -> None:
    sentence = first_sentence(bridge, question)
    assert any(option in sentence for option in expected.split("|"))
    assert qa.answer(question, [bridge]).found


@pytest.mark.parametrize(
    "question",
    [
        "Wer hat das Pokalfinale im Fußball gewonnen?",
        "Wie hoch ist die Inflation in Japan?",
        "What is the capital of Australia?",
        "Who won the football championship last season?",
    ],
)
def test_unrelated_questions_are_declined(hafen: Article, bridge: Article, question: str) -> None:
    reply = qa.answer(question, [hafen, bridge])
    assert not reply.found


def test_answer_picks_the_right_article_and_cites_it(hafen: Article, bridge: Article) -> None:
    reply = qa.answer("Who designed the bridge over the Tamsey?", [hafen, bridge])
    assert reply.found
    assert reply.article_id == "bridge"
    assert reply.source is not None and reply.source.id == "bridge"
    assert "Okafor" in reply.text


def test_dangling_answer_brings_its_antecedent(hafen: Article) -> None:
    reply = qa.answer("Was sagte die Bürgermeisterin über die Region?", [hafen])
    by_index = {s.index: s.text for s in hafen.sentences}
    assert by_index[reply.sentence_indexes[0]].startswith("Sie sagte")
    assert len(reply.sentence_indexes) == 2
    assert "Henrike Albers" in by_index[reply.sentence_indexes[1]]
    assert "Henrike Albers" in reply.text and "unverzichtbar" in reply.text


def test_self_contained_answer_has_no_neighbour(bridge: Article) -> None:
    reply = qa.answer("How much did the bridge cost?", [bridge])
    assert len(reply.sentence_indexes) == 1


def test_rank_is_best_first_and_points_at_real_sentences(hafen: Article) -> None:
    candidates = qa.rank("Wie viel kostet der Ausbau des Hafens?", [hafen])
    assert candidates
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    indexes = {s.index for s in hafen.sentences}
    assert all(c.article_id == "hafen" and c.sentence_index in indexes for c in candidates)


def test_no_articles_or_empty_articles(hafen: Article) -> None:
    empty = Article("empty", "", "", "de", (), (), datetime(2025, 1, 1, tzinfo=UTC))
    for articles in ([], [empty]):
        reply = qa.answer("Wann beginnt der Bau?", articles)
        assert not reply.found
        assert reply.sentence_indexes == ()
        assert qa.rank("Wann beginnt der Bau?", articles) == []
    assert qa.answer("Wann beginnen die Bauarbeiten?", [empty, hafen]).article_id == "hafen"


def test_question_without_content_words_is_declined(hafen: Article) -> None:
    for question in ("", "?", "Wann?", "Wer ist das?"):
        assert not qa.answer(question, [hafen]).found


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_no_question_makes_rank_or_answer_raise(question: str) -> None:
    article = article_from((FIXTURES / "hafen_de.txt").read_text(encoding="utf-8"), "hafen", "de")
    candidates = qa.rank(question, [article])
    reply = qa.answer(question, [article])
    assert reply.question == question
    assert 0.0 <= reply.score <= 1.0
    assert bool(candidates) == bool(reply.sentence_indexes)


@pytest.fixture(scope="module")
def seed(seed_article: Path) -> Article:
    return article_from(seed_article.read_text(encoding="utf-8"), "seed")


def test_seed_when_did_putin_travel(seed: Article) -> None:
    reply = qa.answer("Wann reiste Putin nach Nordkorea?", [seed])
    assert reply.found
    assert "17. Juni 2024" in first_sentence(seed, "Wann reiste Putin nach Nordkorea?")


def test_seed_how_many_containers(seed: Article) -> None:
    reply = qa.answer("Wie viele Container hat Nordkorea verschifft?", [seed])
    assert reply.found
    assert "Container" in first_sentence(seed, "Wie viele Container hat Nordkorea verschifft?")


def test_seed_football_question_is_declined(seed: Article) -> None:
    assert not qa.answer(
        "Wie ist das Fußballspiel Bayern gegen Dortmund ausgegangen?", [seed]
    ).found


@pytest.mark.parametrize(
    "question",
    [
        "Wer betreibt den externen Podcast?",
        "Was steht in der Datenschutzerklärung?",
        "Von wem stammen die Bilder?",
        "Wann reiste Putin nach Nordkorea?",
    ],
)
def test_seed_answers_never_quote_boilerplate(seed: Article, question: str) -> None:
    text = qa.answer(question, [seed]).text
    for marker in ("Podigee", "Shutterstock", "Datenschutz", "einverstanden"):
        assert marker not in text


BATH = (FIXTURES / "hallenbad_de.txt").read_text(encoding="utf-8")


def test_a_close_runner_up_goes_along_and_a_clear_winner_comes_alone() -> None:
    article = article_from(BATH, "bath", "de")
    by_index = {s.index: s.text for s in article.sentences}
    close = qa.answer("Wann wird das Hallenbad in Lindenau eröffnet?", [article])
    assert close.found and close.also is not None and close.also.found
    quoted = {by_index[close.sentence_indexes[0]], by_index[close.also.sentence_indexes[0]]}
    assert any("am Montag" in text for text in quoted)
    assert any("2027" in text for text in quoted)
    assert not set(close.sentence_indexes) & set(close.also.sentence_indexes)
    assert close.also.source is not None and close.also.source.id == "bath"
    clear = qa.answer("Wie viel kostete das Hallenbad?", [article])
    assert "zwölf Millionen" in clear.text and clear.also is None


def test_no_runner_up_without_an_answer() -> None:
    article = article_from(BATH, "bath", "de")
    reply = qa.answer("Wer gewann die Fußballweltmeisterschaft?", [article])
    assert not reply.found and reply.also is None


def test_the_runner_up_is_never_part_of_the_quoted_answer(seed_article: Path) -> None:
    """Questions made of each sentence's first words: where a runner-up goes along, it comes
    with a found answer, is found itself, and never repeats a sentence the answer quotes."""
    article = article_from(seed_article.read_text(encoding="utf-8"), "seed", "de")
    runners_up = 0
    for sentence in article.sentences:
        for length in (4, 6):
            question = " ".join(sentence.text.split()[:length]) + "?"
            reply = qa.answer(question, [article])
            if reply.also is None:
                continue
            runners_up += 1
            assert reply.found and reply.also.found
            assert not set(reply.sentence_indexes) & set(reply.also.sentence_indexes)
            assert reply.also.text not in reply.text
    assert runners_up > 0
