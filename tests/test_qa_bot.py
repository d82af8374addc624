"""Issue 13 as a chat user meets it: after a /brief, a follow-up the articles cannot answer gets
"not in the sources" in the chat's language, and a follow-up in English on German articles gets
the German sentence quoted. The real router on a real SQLite library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.app import build_router
from bot.commands import Incoming
from bot.config import Settings
from bot.conversation import Conversations
from bot.router import Router
from summarizer.db import Base, make_engine
from summarizer.library import Library
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing
from tests.conftest import UseDictionary
from tests.test_qa_answerability import DICTIONARY

FIXTURES = Path(__file__).parent / "fixtures" / "qa"
CHAT = ChatRef("telegram", "4711")


@pytest.fixture
def router(tmp_path: Path, use_dictionary: UseDictionary) -> Router:
    use_dictionary(DICTIONARY)
    engine = make_engine(f"sqlite:///{(tmp_path / 'bot.db').as_posix()}")
    Base.metadata.create_all(engine)
    briefing = Briefing(Library(engine))
    for name in ("nordkorea_de.txt", "hafen_de.txt", "sowjetunion_en.txt"):
        briefing.add(FIXTURES / name)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    router, _ = build_router(briefing, Conversations(engine), settings)
    return router


async def one(router: Router, text: str, language: str, **kwargs: Any) -> Reply:
    replies = await router.handle(Incoming(CHAT, "7", text, True, user_language=language, **kwargs))
    assert len(replies) == 1, replies
    return replies[0]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "How many seats did Labour win in 2005?"),
        ("de", "Wie hoch ist die Arbeitslosenquote in Großbritannien?"),
        ("en", "When did the Soviet Union win the World Cup?"),
    ],
)
async def test_an_unanswerable_follow_up_gets_not_in_the_sources(
    router: Router, language: str, question: str
) -> None:
    brief = await one(router, "/brief Nordkorea", language)
    assert brief.context_id is not None  # a brief the follow-up refers to
    reply = await one(router, question, language)
    assert reply.text == texts.NOT_IN_SOURCES.get(language)
    assert reply.answer is None


async def test_an_english_follow_up_on_german_articles_quotes_the_german_sentence(
    router: Router,
) -> None:
    await one(router, "/brief Nordkorea", "en")
    reply = await one(
        router, "When did North Korea carry out its first nuclear weapons test?", "en"
    )
    assert reply.kind == "answer" and reply.answer is not None and reply.answer.found
    assert "Seinen ersten Atomwaffentest hatte das Land am 9. Oktober 2006" in reply.text
    assert texts.ANSWER_SOURCE.format("en", source="").strip() in reply.text  # English frame


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "When did the Soviet Union win the World Cup?"),
        ("de", "When did the Soviet Union win the World Cup?"),  # German frame, English quote
    ],
)
async def test_a_near_miss_is_shown_as_the_closest_mention_not_as_an_answer(
    router: Router, language: str, question: str
) -> None:
    await one(router, "/brief Soviet Union", language)
    reply = await one(router, question, language)
    lines = reply.text.split("\n")
    assert lines[0] == texts.NOT_IN_SOURCES.get(language)
    assert lines[1] == texts.CLOSEST_MENTION.get(language)
    assert "The Soviet Union was formally dissolved" in lines[2]  # in the article's language
    assert reply.answer is None and reply.meta["found"] == "false"
