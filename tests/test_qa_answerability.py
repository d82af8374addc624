"""Follow-up answers decline what the sources do not say (issue 13) and work across German and
English: our own short articles, the real lexicon (CLDR names; a Ding-format dictionary we write
ourselves, or none)."""

from __future__ import annotations

import pytest

from summarizer import qa
from summarizer.models import Article
from tests.conftest import UseDictionary
from tests.test_qa import FIXTURES, article_from

# Our own entries in Ding's format (German :: English, " | " sub-entries, "; " synonyms).
DICTIONARY = """\
Atomwaffentest {m} | Atomwaffentests {pl} :: nuclear weapons test; nuclear test | nuclear tests
Republik {f} | Republiken {pl} :: republic | republics
Unabhängigkeit {f} :: independence
erklären {vt} | erklärend | erklärt :: to declare | declaring | declared
zuerst {adv} :: first
"""


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    files = {
        "hafen": ("hafen_de.txt", "de"),
        "bridge": ("bridge_en.txt", "en"),
        "korea": ("nordkorea_de.txt", "de"),
        "soviet": ("sowjetunion_en.txt", "en"),
        "bad": ("hallenbad_tannried_de.txt", "de"),
        "budget": ("budget_en.txt", "en"),
    }
    return {
        name: article_from((FIXTURES / file).read_text(encoding="utf-8"), name, language)
        for name, (file, language) in files.items()
    }


@pytest.fixture
def sample_dictionary(use_dictionary: UseDictionary) -> None:
    use_dictionary(DICTIONARY)


@pytest.mark.parametrize(
    "question",
    [
        "How many seats did Labour win in 2005?",  # names and numbers nowhere in the sources
        "Wie hoch ist die Arbeitslosenquote in Großbritannien?",
        "When did the Soviet Union win the World Cup?",  # the name is there, the event is not
    ],
)
def test_follow_ups_the_sources_do_not_answer_are_declined(
    articles: dict[str, Article], no_dictionary: None, question: str
) -> None:
    chosen = [articles[name] for name in ("hafen", "bridge", "korea", "soviet")]
    reply = qa.answer(question, chosen)
    assert not reply.found
    assert reply.text  # the closest mention is kept (not shown as an answer)


def test_a_sentence_without_the_asked_kind_is_no_answer(articles: dict[str, Article]) -> None:
    """Every term of the question is in the sentence, but no time: 'wann' is not answered."""
    bad = [articles["bad"]]
    when = qa.answer("Wann eröffnete die Bürgermeisterin das Hallenbad?", bad)
    assert not when.found and "Carla Wendt" in when.text
    who = qa.answer("Wer eröffnete das Hallenbad?", bad)
    assert who.found and "Carla Wendt" in who.text
    many = qa.answer("How many councillors voted in favour?", [articles["budget"]])
    assert many.found and "Seven" in many.text


def test_a_negated_question_is_not_answered_by_the_plain_statement(
    articles: dict[str, Article],
) -> None:
    budget = [articles["budget"]]
    assert qa.answer("What did the council approve?", budget).found
    assert not qa.answer("What did the council not approve?", budget).found


def test_names_carry_a_question_across_languages_without_a_dictionary(
    articles: dict[str, Article], no_dictionary: None
) -> None:
    reply = qa.answer("Wann wurde die Sowjetunion aufgelöst?", [articles["soviet"]])
    assert reply.found
    assert "26 December 1991" in reply.text  # the quote stays in the article's language


def test_an_english_question_finds_the_german_sentence(
    articles: dict[str, Article], sample_dictionary: None
) -> None:
    question = "When did North Korea carry out its first nuclear weapons test?"
    everything = list(articles.values())
    reply = qa.answer(question, everything)
    assert reply.found and reply.article_id == "korea"
    assert "9. Oktober 2006" in reply.text


def test_a_german_question_finds_the_english_sentence(
    articles: dict[str, Article], sample_dictionary: None
) -> None:
    reply = qa.answer("Welche Republik erklärte zuerst ihre Unabhängigkeit?", [articles["soviet"]])
    assert reply.found
    assert "declared their independence first" in reply.text


def test_without_the_dictionary_that_german_question_is_declined(
    articles: dict[str, Article], no_dictionary: None
) -> None:
    """The dictionary is what carries the ordinary words: without it only names do."""
    reply = qa.answer("Welche Republik erklärte zuerst ihre Unabhängigkeit?", [articles["soviet"]])
    assert not reply.found


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wann wurde die Brücke eröffnet?", "de"),
        ("Worauf basiert die Verfassung?", "de"),
        ("When did the bridge open?", "en"),
        ("What's Thomas Piketty's job?", "en"),
        ("Großbritannien?", "de"),
    ],
)
def test_question_language(question: str, language: str) -> None:
    other = "en" if language == "de" else "de"
    assert qa.question_language(question, default=other) == language
