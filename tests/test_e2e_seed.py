"""The real seed article through the router, as a console user meets it (issue 2's checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_app
from bot.commands import Incoming, Press
from bot.config import Settings
from bot.router import Router
from summarizer.reply import ChatRef, Reply

CHAT = ChatRef("console", "console")
FORBIDDEN = ("Podigee", "Shutterstock", "Datenschutz", "einverstanden")


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=f"sqlite:///{(tmp_path / 'seed.db').as_posix()}"
    )
    app = build_app(settings)
    yield app.router
    app.close()


async def say(router: Router, text: str) -> list[Reply]:
    replies = await router.handle(Incoming(CHAT, "console", text))
    for reply in replies:
        for word in FORBIDDEN:
            assert word not in reply.text, (text, word)
    return replies


async def test_seed_article_end_to_end(router: Router, seed_article: Path) -> None:
    headline = seed_article.read_text(encoding="utf-8").strip().splitlines()[0]
    [added] = await say(router, f"/add {seed_article}")
    assert added.text.startswith(f"Gespeichert: {headline}")
    [again] = await say(router, f"/add {seed_article}")
    assert again.text.startswith(f"Schon vorhanden: {headline}")

    # the article is about these: its key points
    for topic in ("nordkorea", "Putin", "nordkoreanisch", "putin nordkorea"):
        [reply] = await say(router, f"/brief {topic}")
        assert reply.kind == "digest" and reply.digest is not None, topic
        assert 5 <= len(reply.digest.points) <= 7, topic
        assert "Ziemlich beste Freunde" in reply.text
        texts = [p.text for p in reply.digest.points]
        assert len(set(texts)) == len(texts)
    # it names Kim Jong-un in passing: only the sentences that name him
    [kim] = await say(router, "/brief Kim Jong-un")
    assert kim.digest is not None and kim.digest.points
    shown = {p.sentence_index for p in kim.digest.points}
    for point in kim.digest.points:  # names him, or continues a sentence right before that does
        assert "Kim Jong-un" in point.text or point.sentence_index - 1 in shown

    [none] = await say(router, "/brief fußball")
    assert none.digest is None and "/sources" in none.text

    [digest] = await say(router, "/brief nordkorea")
    assert digest.digest is not None
    [answer] = await say(router, "Wann reiste Putin nach Nordkorea?")
    assert answer.kind == "answer" and answer.answer is not None and answer.answer.found
    assert "17. Juni 2024" in answer.text
    assert "Quelle: Ziemlich beste Freunde" in answer.text

    [containers] = await say(router, "Wie viele Container hat Nordkorea verschifft?")
    assert "Container" in containers.text

    [more] = await router.press(Press(CHAT, "console", f"more:{digest.context_id}"))
    assert more.digest is not None
    assert not {p.text for p in more.digest.points} & {p.text for p in digest.digest.points}
    for word in FORBIDDEN:
        assert word not in more.text

    [asked] = await say(router, "/ask Wann reiste Putin nach Nordkorea?")
    assert "17. Juni 2024" in asked.text
