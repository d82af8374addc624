"""The router on a real SQLite library: commands, follow-ups, buttons, access, languages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import presentation, texts
from bot.app import build_router
from bot.commands import MAX_TEXT, Action, Command, Incoming, Press, Pressed, Request
from bot.config import Settings
from bot.conversation import Conversations
from bot.router import Router, parse_command
from summarizer import extract
from summarizer.db import Base, make_engine
from summarizer.errors import UserError
from summarizer.i18n import Phrase
from summarizer.library import Library
from summarizer.models import Digest, Document
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

FIXTURES = Path(__file__).parent / "fixtures" / "router"
HAFEN = FIXTURES / "hafen_de.txt"
RATHAUS = FIXTURES / "rathaus_de.txt"
BRIDGE = FIXTURES / "bridge_en.txt"
QA_FIXTURES = Path(__file__).parent / "fixtures" / "qa"

PRIVATE = ChatRef("telegram", "42")
GROUP = ChatRef("telegram", "-100")
CONSOLE = ChatRef("console", "console")


class StaticFetcher:
    """A DocumentFetcher serving fixed texts by URL (the real fetcher has its own tests)."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages

    def canonical(self, url: str) -> str:
        return url.split("?")[0]

    async def fetch_document(self, url: str) -> Document:
        return extract.from_text(self.pages[url], url=url)


def make_settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Group:
    """A command group of the given commands and button actions (`bot.commands.CommandGroup`)."""

    listed: list[Command] = field(default_factory=list)
    handled: list[Action] = field(default_factory=list)

    def commands(self) -> list[Command]:
        return self.listed

    def actions(self) -> list[Action]:
        return self.handled


@pytest.fixture
def briefing(tmp_path: Path) -> Briefing:
    """The library every router of a test shares: one SQLite file."""
    engine = make_engine(f"sqlite:///{(tmp_path / 'bot.db').as_posix()}")
    Base.metadata.create_all(engine)
    fetcher = StaticFetcher({"https://news.example/bridge": BRIDGE.read_text()})
    return Briefing(Library(engine), fetcher=fetcher)


@pytest.fixture
def build(briefing: Briefing) -> Callable[..., Router]:
    """A factory of routers with every command group on the shared library (like several
    processes would have); `groups` adds more, `settings` sets environment values."""

    def make(
        *, settings: dict[str, str] | None = None, groups: list[Group] | None = None
    ) -> Router:
        conversations = Conversations(briefing.library.engine)
        router, _ = build_router(
            briefing, conversations, make_settings(**(settings or {})), groups=groups or []
        )
        return router

    return make


@pytest.fixture
def router(build: Callable[..., Router], briefing: Briefing) -> Router:
    router = build()
    briefing.add(HAFEN)
    briefing.add(RATHAUS)
    briefing.add(BRIDGE)
    return router


async def say(router: Router, text: str, chat: ChatRef = PRIVATE, **kwargs: Any) -> list[Reply]:
    private = kwargs.pop("is_private", chat != GROUP)
    return await router.handle(Incoming(chat, kwargs.pop("user_id", "7"), text, private, **kwargs))


async def one(router: Router, text: str, chat: ChatRef = PRIVATE, **kwargs: Any) -> Reply:
    replies = await say(router, text, chat, **kwargs)
    assert len(replies) == 1, replies
    return replies[0]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/brief nordkorea", ("brief", "nordkorea")),
        ("/brief@BriefBot  Kim Jong-un ", ("brief", "Kim Jong-un")),
        ("/BRIEF@x", ("brief", "")),
        ("  /add line one\nline two", ("add", "line one\nline two")),
        ("/", ("", "")),
        ("/brief\u200b", ("brief", "")),
        ("/brief\x00\x01 hafen", ("brief", "hafen")),
        ("/\ufeff", ("", "")),
        ("hallo /brief", None),
        ("Wann?", None),
    ],
)
def test_parse_command(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(text) == parsed


# --- built-in commands ---------------------------------------------------------------------


async def test_start_and_help_list_every_command_with_an_example(
    build: Callable[..., Router],
) -> None:
    async def ping(request: Request) -> list[Reply]:
        return [Reply("pong", language=request.language)]

    extra = Command(
        "ping",
        ping,
        Phrase(de="/ping – z. B. /ping", en="/ping – e.g. /ping"),
        Phrase("Test", "Test"),
    )
    router = build(groups=[Group([extra])])
    start = await one(router, "/start")
    assert "/brief" in start.text and start.language == "de"
    help_text = (await one(router, "/help")).text
    for name in ("start", "help", "brief", "ask", "sources", "add", "lang", "ping"):
        assert f"/{name}" in help_text
    assert "/brief nordkorea" in help_text and "z. B. /ping" in help_text
    assert (await one(router, "/ping")).text == "pong"
    assert ("ping", "Test") in router.command_menu("en")
    assert [name for name, _ in router.command_menu("de")][:4] == ["start", "help", "lang", "brief"]


async def test_brief_cites_every_point_and_offers_buttons(router: Router) -> None:
    reply = await one(router, "/brief@BriefBot hafen")
    assert reply.kind == "digest" and reply.digest is not None and reply.context_id
    assert 1 <= len(reply.digest.points) <= 7
    cited = {p.article_id for p in reply.digest.points}
    assert cited <= {a.id for a in reply.digest.articles}
    assert reply.text.startswith("Kernpunkte: hafen")
    assert "Warnstreik legt den Hafen von Lindholm lahm" in reply.text
    for point in reply.digest.points:
        assert f"• {point.text} [" in reply.text
    for forbidden in ("Wellenfunk", "Datenschutz", "einverstanden", "Bild:"):
        assert forbidden not in reply.text
    actions = [b.action for b in reply.buttons]
    assert f"sources:{reply.context_id}" in actions
    assert not any(a.startswith("subscribe:") for a in actions)  # no handler: no dead button


async def test_brief_without_articles_or_topic(router: Router) -> None:
    nothing = await one(router, "/brief fußball")
    assert nothing.digest is None and "/sources" in nothing.text and "fußball" in nothing.text
    usage = await one(router, "/brief   ")
    assert usage.kind == "usage" and usage.text.startswith("Verwendung: /brief")


@pytest.mark.parametrize(
    "invisible",
    [
        "\x00\x01",
        "\u200b\u200b",
        "\ufeff",
        "\u200b \x7f \u2060",
        "\u00ad",
        "\u2800\u3164",
        "\x1b\x07\t",
    ],
)
async def test_brief_of_only_invisible_characters_gets_the_usage_line(
    router: Router, invisible: str
) -> None:
    for language in ("de", "en"):
        for text in (f"/brief {invisible}", f"/brief{invisible}"):
            reply = await one(router, text, user_language=language)
            usage = texts.USAGE.format(language, usage=texts.BRIEF_USAGE.get(language))
            assert (reply.kind, reply.text) == ("usage", usage), text


async def test_invisible_characters_around_a_topic_are_ignored(router: Router) -> None:
    reply = await one(router, "/brief \u200bhaf\u00aden\x00")
    assert reply.title == "Kernpunkte: hafen" and reply.digest is not None


async def test_a_close_runner_up_is_quoted_after_the_answer(
    router: Router, briefing: Briefing
) -> None:
    """Two sentences the scorer cannot tell apart: both are quoted and cited, the second
    introduced as 'possibly also'."""
    briefing.add(QA_FIXTURES / "hallenbad_de.txt")
    await one(router, "/brief hallenbad")
    reply = await one(router, "Wann wird das Hallenbad in Lindenau eröffnet?")
    assert reply.answer is not None and reply.answer.also is not None
    lines = reply.text.split("\n")
    assert lines[2] == texts.ANSWER_ALSO.get("de")
    assert lines[0].startswith("„") and lines[3].startswith("„")
    assert lines[1] == lines[4] and "Hallenbad" in lines[1]  # both cite the article
    assert {"am Montag" in reply.text, "2027" in reply.text} == {True}


async def test_follow_up_after_a_brief_in_a_private_chat(router: Router) -> None:
    await one(router, "/brief hafen")
    answer = await one(router, "Wie viele Beschäftigte legten die Arbeit nieder?")
    assert answer.kind == "answer" and answer.answer is not None and answer.answer.found
    assert "2.400" in answer.text
    assert "Warnstreik legt den Hafen von Lindholm lahm" in answer.text  # cited
    missing = await one(router, "Wer gewann das Pokalfinale im Eishockey?")
    assert missing.text == texts.NOT_IN_SOURCES.get("de")
    assert missing.answer is None


@pytest.mark.parametrize(
    "junk", ["//", "!!!", "???", "...", "👍", "🇩🇪", "-_-", "€ % §", "\u200b", "\x00\x01"]
)
async def test_punctuation_or_symbols_alone_are_no_question(router: Router, junk: str) -> None:
    await one(router, "/brief hafen")
    for language in ("de", "en"):
        reply = await one(router, junk, user_language=language)
        assert (reply.kind, reply.text) == ("usage", texts.EMPTY.get(language))
        assert reply.answer is None
        ask = await one(router, f"/ask {junk}", user_language=language)
        usage = texts.USAGE.format(language, usage=texts.ASK_USAGE.get(language))
        assert (ask.kind, ask.text) == ("usage", usage)
    # the brief is still there for a real question, also one of digits only
    answer = await one(router, "Wie viele Beschäftigte legten die Arbeit nieder?")
    assert answer.kind == "answer" and "2.400" in answer.text
    assert (await one(router, "2400?")).kind != "usage"


async def test_follow_up_without_context_gets_a_hint(router: Router) -> None:
    reply = await one(router, "Wie viele Beschäftigte streikten?")
    assert reply.text == texts.NO_CONTEXT.get("de")


async def test_group_follow_up_by_reply_or_mention(router: Router) -> None:
    other_group = ChatRef("telegram", "-200")
    lost = await one(router, "Wie viel kostet das Rathaus?", other_group, is_private=False)
    assert lost.text == texts.NO_CONTEXT.get("de")  # no brief in that group yet
    digest = await one(router, "/brief rathaus", GROUP)
    await one(router, "/brief bridge", other_group, is_private=False)
    # "@briefbot wie viel …" reaches the router without the mention and without a reply:
    # it is addressed to the bot, so it is about this group's last brief
    mention = await one(router, "Wie viel kostet das Rathaus?", GROUP)
    assert mention.answer is not None and "96 Millionen" in mention.text
    router.delivered(GROUP, digest, "555")
    reply = await one(router, "Wie viel kostet das Rathaus?", GROUP, reply_to_message_id="555")
    assert reply.answer is not None and "96 Millionen" in reply.text
    # the answer carries the context too, so a reply to the answer is a follow-up again
    assert reply.context_id == digest.context_id


async def test_reply_to_an_older_digest_uses_that_digests_articles(router: Router) -> None:
    bridge = await one(router, "/brief bridge")
    router.delivered(PRIVATE, bridge, "1")
    await one(router, "/brief rathaus")  # the chat's last context is now the Rathaus
    reply = await one(router, "How much did the repairs cost?", reply_to_message_id="1")
    assert reply.answer is not None and "64 million" in reply.text


async def test_a_scheduled_digest_without_context_can_be_followed_up(
    router: Router, briefing: Briefing
) -> None:
    digest = briefing.brief("rathaus")
    router.delivered(GROUP, Reply("digest", kind="digest", digest=digest), "900")
    reply = await one(router, "Wann ist die Eröffnung geplant?", GROUP, reply_to_message_id="900")
    assert reply.answer is not None and "2027" in reply.text


def scheduled(briefing: Briefing, digest: Digest, language: str, title: str) -> Reply:
    """A digest as a scheduled delivery composes it (`ScheduledDigests`), under `title`."""
    context = Conversations(briefing.library.engine).for_digest(
        ChatRef("", ""), digest, remember=False
    )
    return presentation.digest_reply(digest, language, title=title, context_id=context.id)


async def test_scheduled_digests_read_like_a_brief(router: Router, briefing: Briefing) -> None:
    digest = briefing.brief("hafen", points=3)
    reply = scheduled(briefing, digest, "de", "Täglich: hafen")
    assert reply.text.startswith("Täglich: hafen") and reply.context_id
    assert f"sources:{reply.context_id}" in [b.action for b in reply.buttons]
    assert (await one(router, "Wie viele Schiffe lagen vor der Einfahrt?")).kind == "usage"
    router.delivered(PRIVATE, reply, "77")  # sent: now it is this chat's last digest
    answer = await one(router, "Wie viele Schiffe lagen vor der Einfahrt?")
    assert answer.answer is not None and "31 Frachtschiffe" in answer.text
    [more] = await router.press(Press(PRIVATE, "7", f"more:{reply.context_id}"))
    assert more.digest is not None
    assert not {p.text for p in more.digest.points} & {p.text for p in digest.points}
    [elsewhere] = await router.press(Press(GROUP, "7", f"sources:{reply.context_id}"))
    assert elsewhere.text == texts.EXPIRED.get("de")  # bound to the chat it was delivered to


async def test_commands_and_actions_registered_later(build: Callable[..., Router]) -> None:
    async def later(request: Request) -> list[Reply]:
        return [Reply("später")]

    async def action(pressed: Pressed) -> list[Reply]:
        return [Reply(pressed.press.action)]

    router = build()
    later_command = Command("later", later, Phrase("/later", "/later"), Phrase("l", "l"))
    router.add(Group([later_command], [Action("subscribe", action)]))
    assert (await one(router, "/later")).text == "später"
    assert "/later" in (await one(router, "/help")).text
    [pressed] = await router.press(Press(PRIVATE, "7", "subscribe:x"))
    assert pressed.text == "subscribe:x"
    with pytest.raises(ValueError):
        router.add(Group([Command("brief", later, Phrase("/b", "/b"), Phrase("b", "b"))]))
    with pytest.raises(ValueError):
        router.add(Group(handled=[Action("sources", action)]))


async def test_ask_searches_the_whole_library(router: Router) -> None:
    reply = await one(router, "/ask Wie viel kostet der Neubau des Rathauses?")
    assert reply.answer is not None and "96 Millionen" in reply.text
    missing = await one(router, "/ask Wer gewann das Pokalfinale im Eishockey?")
    assert missing.text in {texts.NOT_IN_LIBRARY.get("de"), texts.NOT_IN_SOURCES.get("de")}
    assert (await one(router, "/ask")).kind == "usage"


async def test_ask_on_an_empty_library(build: Callable[..., Router]) -> None:
    reply = await one(build(), "/ask Wann?")
    assert reply.text == texts.LIBRARY_EMPTY.get("de")


async def test_sources_are_numbered_with_titles(router: Router) -> None:
    reply = await one(router, "/sources")
    assert "1. " in reply.text and "3. " in reply.text
    assert "Harbour bridge in Lindholm reopens after two years of repairs" in reply.text
    assert (await one(router, "/sources x")).kind == "usage"
    assert (await one(router, "/sources ¹")).kind == "usage"  # a digit int() cannot read
    assert "2" in (await one(router, "/sources 2")).text


async def test_add_pasted_text_then_again(build: Callable[..., Router]) -> None:
    router = build()
    text = HAFEN.read_text()
    added = await one(router, "/add " + text)
    assert added.text.startswith("Gespeichert: Warnstreik legt den Hafen von Lindholm lahm")
    assert added.text.count("• ") >= 2
    again = await one(router, "/add " + text)
    assert again.text == "Schon vorhanden: Warnstreik legt den Hafen von Lindholm lahm"
    # right after /add, a question is about that article
    answer = await one(router, "Wann ist die nächste Verhandlungsrunde?")
    assert answer.answer is not None and "10. März" in answer.text


async def test_add_file_path_only_in_the_console(build: Callable[..., Router]) -> None:
    router = build()
    refused = await one(router, f"/add {RATHAUS}")
    assert refused.text == texts.ADD_PATH_CONSOLE_ONLY.get("de")
    added = await one(router, f"/add {RATHAUS}", CONSOLE)
    assert added.text.startswith("Gespeichert: Neues Rathaus")
    missing = await one(router, "/add does-not-exist.txt", CONSOLE)
    assert missing.kind == "error" and "gibt es nicht" in missing.text


async def test_add_url_goes_through_the_fetcher(build: Callable[..., Router]) -> None:
    router = build()
    added = await one(router, "/add https://news.example/bridge")
    assert added.text.startswith("Gespeichert: Harbour bridge")
    again = await one(router, "/add https://news.example/bridge?utm_source=x")
    assert again.text.startswith("Schon vorhanden: Harbour bridge")
    assert (await one(router, "/add")).kind == "usage"


@pytest.mark.parametrize("address", ["ftp://news.example/bridge", "http://", "file:///etc/hosts"])
async def test_add_of_an_address_that_is_no_web_page(
    build: Callable[..., Router], address: str, briefing: Briefing
) -> None:
    """Not stored as text ("no article text in it" would mislead): says http(s) only."""
    router = build()
    reply = await one(router, f"/add {address}")
    assert reply.kind == "usage" and address in reply.text and "https://" in reply.text
    assert await asyncio.to_thread(briefing.sources) == []


async def test_extract_errors_are_one_translated_line(build: Callable[..., Router]) -> None:
    router = build()
    reply = await one(router, "/add    \n   ")
    assert reply.kind == "usage"
    await one(router, "/lang en")
    reply = await one(router, "/add ...")
    assert reply.kind == "error" and "\n" not in reply.text and reply.language == "en"


# --- buttons -------------------------------------------------------------------------------


async def test_more_never_repeats_a_point_and_ends_politely(router: Router) -> None:
    digest = await one(router, "/brief lindholm")
    assert digest.digest is not None and digest.context_id
    seen = {p.text for p in digest.digest.points}
    reply = digest
    for _ in range(10):
        if not any(b.action.startswith("more:") for b in reply.buttons):
            break
        [reply] = await router.press(Press(PRIVATE, "7", f"more:{digest.context_id}"))
        if reply.digest is None:
            break
        fresh = {p.text for p in reply.digest.points}
        assert not fresh & seen
        seen |= fresh
    assert len(seen) > 7
    # pressing "more" after the last point says so
    [last] = await router.press(Press(PRIVATE, "7", f"more:{digest.context_id}"))
    while last.digest is not None:
        [last] = await router.press(Press(PRIVATE, "7", f"more:{digest.context_id}"))
    assert last.text == texts.NO_MORE_POINTS.format("de", topic="lindholm")


async def test_more_works_from_another_router_on_the_same_database(
    router: Router, build: Callable[..., Router]
) -> None:
    digest = await one(router, "/brief hafen")
    assert digest.digest is not None
    other = build()  # as if another replica got the button press
    [more] = await other.press(Press(PRIVATE, "7", f"more:{digest.context_id}"))
    assert more.digest is not None
    assert not {p.text for p in more.digest.points} & {p.text for p in digest.digest.points}


async def test_sources_button_lists_the_briefs_articles(router: Router) -> None:
    digest = await one(router, "/brief rathaus")
    [sources] = await router.press(Press(PRIVATE, "7", f"sources:{digest.context_id}"))
    assert "Neues Rathaus in Lindholm wird teurer als geplant" in sources.text
    assert "Harbour bridge" not in sources.text


async def test_unknown_and_expired_buttons(router: Router) -> None:
    [unknown] = await router.press(Press(PRIVATE, "7", "explode:now"))
    assert unknown.text == texts.UNKNOWN_ACTION.get("de")
    [expired] = await router.press(Press(PRIVATE, "7", "more:doesnotexist"))
    assert expired.text == texts.EXPIRED.get("de")
    [empty] = await router.press(Press(PRIVATE, "7", ""))
    assert empty.text == texts.UNKNOWN_ACTION.get("de")


async def test_registered_actions_get_their_button_and_presses(
    build: Callable[..., Router], briefing: Briefing
) -> None:
    pressed: list[str] = []

    async def subscribe(press: Pressed) -> list[Reply]:
        pressed.append(press.press.action)
        return [Reply("abonniert")]

    router = build(groups=[Group(handled=[Action("subscribe", subscribe)])])
    briefing.add(HAFEN)
    digest = await one(router, "/brief hafen")
    assert "subscribe:hafen" in [b.action for b in digest.buttons]
    [reply] = await router.press(Press(PRIVATE, "7", "subscribe:hafen"))
    assert reply.text == "abonniert" and pressed == ["subscribe:hafen"]
    with pytest.raises(ValueError):
        build(groups=[Group(handled=[Action("more", subscribe)])])


# --- language ------------------------------------------------------------------------------


async def test_lang_is_stored_per_chat_in_the_database(
    router: Router, build: Callable[..., Router]
) -> None:
    assert (await one(router, "/lang en")).text == texts.LANG_SET.get("en")
    assert (await one(router, "/nope")).text.startswith("Unknown command /nope")
    assert build().language_for(PRIVATE) == "en"  # a second process sees it
    assert build().language_for(GROUP) == "de"
    assert (await one(router, "/lang klingonisch")).text.startswith("Usage: /lang")
    current = await say(router, "/lang")
    assert current[0].text == texts.LANG_CURRENT.get("en")
    await one(router, "/lang de")
    assert (await one(router, "/nope")).text.startswith("Unbekannter Befehl /nope")


async def test_default_language_and_first_contact_hint(build: Callable[..., Router]) -> None:
    english = build(settings={"BRIEFBOT_LANGUAGE": "en"})
    assert (await one(english, "/nope")).text.startswith("Unknown command")
    german = build()
    assert german.language_for(PRIVATE, "en-US") == "en"
    assert (await one(german, "/nope", user_language="en")).language == "en"
    assert german.language_for(PRIVATE, "fr") == "de"


# --- limits and errors ---------------------------------------------------------------------


async def test_empty_and_huge_messages(router: Router) -> None:
    assert (await one(router, "   ")).text == texts.EMPTY.get("de")
    huge = "Wort " * (MAX_TEXT // 4)
    assert "zu lang" in (await one(router, huge)).text
    assert "zu lang" in (await one(router, "/brief " + huge)).text
    assert "zu lang" in (await one(router, "/ask " + huge)).text


async def test_handler_failures_never_escape(
    build: Callable[..., Router], caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: Request) -> list[Reply]:
        raise RuntimeError("boom")

    async def refusing(request: Request) -> list[Reply]:
        raise UserError("nope", Phrase(de="Geht nicht.", en="Cannot do."))

    router = build(
        groups=[
            Group(
                [
                    Command("broken", broken, Phrase("/broken", "/broken"), Phrase("b", "b")),
                    Command(
                        "refusing", refusing, Phrase("/refusing", "/refusing"), Phrase("r", "r")
                    ),
                ]
            )
        ],
    )
    with caplog.at_level(logging.ERROR):
        reply = await one(router, "/broken")
    assert reply.text == texts.GENERIC_ERROR.get("de") and reply.kind == "error"
    assert "boom" in caplog.text
    assert (await one(router, "/refusing")).text == "Geht nicht."
    await one(router, "/lang en")
    assert (await one(router, "/refusing")).text == "Cannot do."


# --- access --------------------------------------------------------------------------------


async def test_only_allowed_chats_get_answers(
    build: Callable[..., Router], briefing: Briefing
) -> None:
    router = build(settings={"BRIEFBOT_ALLOWED_CHATS": "42, T0123"})
    briefing.add(HAFEN)
    refused = await say(router, "/brief hafen", GROUP)
    assert len(refused) == 1 and refused[0].kind == "refusal"
    assert refused[0].digest is None and "Lindholm" not in refused[0].text
    [press] = await router.press(Press(GROUP, "7", "sources:x"))
    assert press.kind == "refusal"
    assert (await one(router, "/brief hafen")).kind == "digest"  # chat 42
    slack = ChatRef("slack", "C999")
    assert (await one(router, "/brief hafen", slack, workspace_id="T0123")).kind == "digest"
    assert (await one(router, "/brief hafen", slack, workspace_id="T9")).kind == "refusal"
    assert (await one(router, "/brief hafen", CONSOLE)).kind == "digest"


async def test_only_admins_may_add(build: Callable[..., Router], briefing: Briefing) -> None:
    async def secret(request: Request) -> list[Reply]:
        return [Reply("ok")]

    router = build(
        settings={"BRIEFBOT_ADMINS": "1,slack:U1"},
        groups=[
            Group(
                [
                    Command(
                        "secret",
                        secret,
                        Phrase("/secret", "/secret"),
                        Phrase("s", "s"),
                        admin_only=True,
                    )
                ]
            )
        ],
    )
    text = "/add " + RATHAUS.read_text()
    refused = await one(router, text, user_id="2")
    assert refused.text == texts.ADMIN_ONLY.get("de")
    assert briefing.sources() == []
    assert (await one(router, "/secret", user_id="2")).kind == "refusal"
    assert (await one(router, "/secret", user_id="1")).text == "ok"
    assert (await one(router, "/secret", ChatRef("slack", "C1"), user_id="U1")).text == "ok"
    assert (await one(router, text, user_id="1")).text.startswith("Gespeichert")
    assert (await one(router, "/brief rathaus", user_id="2")).kind == "digest"


# --- property: nothing raises --------------------------------------------------------------

COMMAND_NAMES = ["start", "help", "brief", "ask", "sources", "add", "lang", "x", ""]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda name, at, args: f"/{name}{at} {args}",
            st.sampled_from(COMMAND_NAMES),
            st.sampled_from(["", "@Bot", "@"]),
            st.text(max_size=200),
        ),
    ),
    private=st.booleans(),
    reply_to=st.one_of(st.none(), st.text(max_size=10)),
)
def test_no_input_makes_the_router_raise(
    router: Router, text: str, private: bool, reply_to: str | None
) -> None:
    chat = PRIVATE if private else GROUP
    message = Incoming(chat, "7", text, private, reply_to_message_id=reply_to)
    replies = asyncio.run(router.handle(message))
    assert replies and all(isinstance(r, Reply) and r.text.strip() for r in replies)
    assert all(r.text != texts.GENERIC_ERROR.get(r.language) for r in replies), text


async def test_an_over_long_topic_is_called_a_topic(router: Router) -> None:
    reply = await one(router, "/brief " + "nordkorea " * 30)
    assert reply.kind == "usage"
    assert reply.text.startswith("Das Thema ist zu lang (299 Zeichen, höchstens 200)")
    await one(router, "/lang en")
    assert (await one(router, "/brief " + "x" * 201)).text.startswith("The topic is too long")


async def test_the_follow_up_hint_fits_the_kind_of_chat(router: Router, briefing: Briefing) -> None:
    private = await one(router, "/brief rathaus")
    assert "Einfach schreiben" in private.text
    group = await one(router, "/brief rathaus", GROUP)
    assert "Einfach schreiben" not in group.text
    assert group.text.endswith("Fragen dazu? Auf diese Nachricht antworten.")
    scheduled_digest = scheduled(briefing, briefing.brief("rathaus"), "en", "Daily: rathaus")
    assert scheduled_digest.text.endswith("Reply to this message to ask a follow-up.")
    # "more points" keeps the hint of the chat it is pressed in
    lindholm = await one(router, "/brief lindholm")
    more = Press(PRIVATE, "7", f"more:{lindholm.context_id}", is_private=True)
    [private_more] = await router.press(more)
    assert private_more.kind == "digest" and "Einfach schreiben" in private_more.text
    in_group = await one(router, "/brief lindholm", GROUP)
    [group_more] = await router.press(Press(GROUP, "7", f"more:{in_group.context_id}"))
    assert group_more.text.endswith("Fragen dazu? Auf diese Nachricht antworten.")


async def test_a_buttons_context_works_only_in_the_chat_that_created_it(router: Router) -> None:
    """Issue 14 item 7: a private brief's "more" or "sources" id replayed in a group (or on
    another platform with the same chat id) must not reveal that brief's topic or articles."""
    private = await one(router, "/brief lindholm")
    assert private.context_id is not None
    other_platform = ChatRef("slack", PRIVATE.chat_id)
    for chat in (GROUP, other_platform):
        for action in ("more", "sources"):
            [replayed] = await router.press(Press(chat, "8", f"{action}:{private.context_id}"))
            assert "lindholm" not in replayed.text.lower()
            assert replayed.text == texts.EXPIRED.get("de")
    [own] = await router.press(Press(PRIVATE, "7", f"sources:{private.context_id}"))
    assert "lindholm" in own.text.lower()


async def test_add_of_an_existing_file_of_another_type_in_the_console(
    build: Callable[..., Router], tmp_path: Path, briefing: Briefing
) -> None:
    router = build()
    plain = tmp_path / "hostname"
    plain.write_text("lindholm-server\n", encoding="utf-8")
    reply = await one(router, f"/add {plain}", CONSOLE)
    assert reply.kind == "error" and "Dateityp" in reply.text and ".html" in reply.text
    folder = await one(router, f"/add {tmp_path}", CONSOLE)
    assert folder.kind == "error" and folder.text == "Das ist ein Ordner, keine Datei."
    assert briefing.sources() == []  # nothing stored


@pytest.mark.parametrize("quoted", ['"rathaus"', "„rathaus“", "'rathaus'", "«rathaus»"])
async def test_quotes_around_a_topic_are_dropped(router: Router, quoted: str) -> None:
    reply = await one(router, f"/brief {quoted}")
    assert reply.title == "Kernpunkte: rathaus" and reply.digest is not None
    assert reply.digest.topic == "rathaus"


async def test_a_misspelt_topic_offers_the_library_spelling_as_a_button(router: Router) -> None:
    nothing = await one(router, "/brief Lindhom")
    assert nothing.digest is None
    assert "Lindhom" in nothing.text and "„Lindholm“" in nothing.text
    assert [b.action for b in nothing.buttons] == ["brief:Lindholm"]
    [brief] = await router.press(Press(PRIVATE, "7", "brief:Lindholm", is_private=True))
    assert brief.digest is not None and brief.digest.points
    assert brief.title == "Kernpunkte: Lindholm"
    english = await one(router, "/brief Lindhom", user_language="en")
    assert 'Did you mean "Lindholm"?' in english.text


async def test_brief_on_a_phrase_finds_only_the_words_together(router: Router) -> None:
    together = await one(router, "/brief Hafen von Lindholm")
    assert together.digest is not None
    cited = {a.title for a in together.digest.articles}
    assert cited == {"Warnstreik legt den Hafen von Lindholm lahm"}


async def test_a_database_outage_is_one_log_line_per_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14 item 5: while the database was down every message wrote tracebacks (about 1,300
    lines in 20 s); an unreachable database is one line a message, a bug still a traceback."""
    folder = tmp_path / "db"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{(folder / 'bot.db').as_posix()}")
    Base.metadata.create_all(engine)
    router, _ = build_router(Briefing(Library(engine)), Conversations(engine), make_settings())
    assert (await one(router, "/brief hafen")).kind != "error"
    folder.rename(tmp_path / "gone")  # the database goes away under the running router
    engine.dispose()
    with caplog.at_level(logging.INFO):
        reply = await one(router, "/brief hafen")
        [pressed] = await router.press(Press(PRIVATE, "7", "sources:abc"))
    assert reply.text == texts.GENERIC_ERROR.get("de") == pressed.text
    lines = [r for r in caplog.records if r.name == "bot.router"]
    assert [r.levelno for r in lines] == [logging.ERROR, logging.ERROR]
    assert all(r.exc_info is None and "database unavailable" in r.getMessage() for r in lines)
