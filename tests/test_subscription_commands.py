"""The subscription commands through the real Router, on a real SQLite app: what users type,
what they read back (German and English), and that bad input changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.commands import Incoming, Press
from bot.commands.subscriptions import SubscriptionCommands
from bot.config import Settings
from bot.conversation import Conversations
from bot.presentation import ScheduledDigests
from bot.router import Router
from schedules.clock import ManualClock
from schedules.delivery import Deliveries
from schedules.scheduler import DigestScheduler, job_id
from schedules.subscriptions import Subscriptions
from summarizer.reply import ChatRef
from summarizer.service import Briefing
from tests.conftest import FIXTURES
from tests.fakes.recording_sender import RecordingSender

NOW = datetime(2025, 6, 2, 10, tzinfo=UTC)  # a Monday, 12:00 in Berlin
CHAT = ChatRef("telegram", "-1005")


@dataclass
class Bot:
    router: Router
    subscriptions: Subscriptions
    scheduler: DigestScheduler
    briefing: Briefing
    conversations: Conversations

    def shown_points(self, chat: ChatRef) -> list[str]:
        return self.conversations.shown_points(chat, article=self.briefing.article)

    async def say(self, text: str, *, language: str = "de", chat: ChatRef = CHAT) -> str:
        message = Incoming(chat, "u1", text, is_private=False, user_language=language)
        replies = await self.router.handle(message)
        return "\n".join(reply.text for reply in replies)

    def jobs(self) -> set[str]:
        return self.scheduler.scheduled_ids()


def make_bot(tmp_path: Path, **settings: Any) -> Bot:
    config = Settings(_env_file=None, data_dir=tmp_path, **settings)  # type: ignore[call-arg]
    app = build_app(config)
    clock = ManualClock(NOW)
    subscriptions = Subscriptions(app.engine)
    sender = RecordingSender(clock)
    deliveries = Deliveries(
        app.engine, subscriptions, app.briefing, sender, ScheduledDigests(), clock=clock
    )
    scheduler = DigestScheduler(app.engine, subscriptions, deliveries, clock=clock)
    app.router.add(
        SubscriptionCommands(subscriptions, scheduler, config, briefing=app.briefing, clock=clock)
    )
    app.briefing.add(FIXTURES / "schedules" / "hafen_1.txt")
    return Bot(app.router, subscriptions, scheduler, app.briefing, app.conversations)


async def test_subscribe_confirms_time_zone_and_first_delivery(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    answer = await bot.say("/subscribe nordkorea 07:30")
    assert answer == (
        "Abonniert: nordkorea, täglich 07:30 (Europe/Berlin). Erster Versand: Di 03.06. 07:30, "
        "mit allem Neuen der 24 Stunden davor; danach jeweils, was seit dem letzten Versand "
        "neu ist."
    )
    [subscription] = bot.subscriptions.for_chat(CHAT)
    assert job_id(subscription.id) in bot.jobs()


async def test_english_confirmation_has_24_hour_time_and_an_unambiguous_date(
    tmp_path: Path,
) -> None:
    bot = make_bot(tmp_path)
    answer = await bot.say("/subscribe nordkorea 6:30 pm", language="en")
    assert "First delivery: Mon 2 Jun 18:30, with what is new in the 24 hours before it" in answer
    listing = await bot.say("/subscriptions", language="en")
    assert "next Mon 2 Jun 18:30" in listing and "06/02" not in listing


async def test_time_first_subscribes_the_topic_after_it(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    answer = await bot.say("/subscribe 7:30 nordkorea")
    assert answer.startswith("Abonniert: nordkorea, täglich 07:30 (Europe/Berlin).")
    answer = await bot.say("/subscribe mo,do 18:00 north korea UTC")
    assert answer.startswith("Abonniert: north korea, Mo, Do 18:00 (UTC).")
    assert [s.topic for s in bot.subscriptions.for_chat(CHAT)] == ["nordkorea", "north korea"]


async def test_unsubscribe_by_number_means_the_number_the_list_showed(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    for topic in ("a", "b", "c"):
        await bot.say(f"/subscribe {topic} 07:00")
    assert "2. b" in await bot.say("/subscriptions")
    assert "Abo beendet: b." in await bot.say("/unsubscribe 2")
    again = await bot.say("/unsubscribe 2")  # the list showed b as 2: not c now
    assert again.startswith("Nr. 2 der zuletzt gezeigten Liste gibt es nicht mehr")
    assert "Abo beendet: c." in await bot.say("/unsubscribe 3")  # still what the list showed
    await bot.say("/subscribe d 08:00")
    assert "the list has changed" in await bot.say("/unsubscribe 2", language="en")
    assert [s.topic for s in bot.subscriptions.for_chat(CHAT)] == ["a", "d"]
    assert "1. a" in (listing := await bot.say("/subscriptions")) and "2. d" in listing
    assert "Abo beendet: d." in await bot.say("/unsubscribe 2")


async def test_subscribe_help_says_what_happens_when_the_clocks_change(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert "(02:30 im März), kommt eine Stunde später (03:30)" in await bot.say("/subscribe")
    assert "occurs twice (02:30 in October) once, at the first" in await bot.say(
        "/subscribe", language="en"
    )


async def test_variants_of_the_time_and_days(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert "Mo, Do 18:00 (UTC)" in await bot.say("/subscribe hafen mon,thu 18:00 UTC")
    assert "werktags 08:00" in await bot.say("/subscribe sanktionen werktags 8.00")
    english = await bot.say("/subscribe storm weekdays 08:00 America/New_York", language="en")
    assert english.startswith("Subscribed: storm, weekdays 08:00 (America/New_York).")
    assert len(bot.subscriptions.for_chat(CHAT)) == 3


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("/subscribe fussball 9 Uhr", "de", "Abonniert: fussball, täglich 09:00 (Europe/Berlin)."),
        ("/subscribe fussball 9am", "en", "Subscribed: fussball, daily 09:00 (Europe/Berlin)."),
        ("/subscribe news 7.30 Uhr", "de", "Abonniert: news, täglich 07:30 (Europe/Berlin)."),
        ("/subscribe news 18 h", "en", "Subscribed: news, daily 18:00 (Europe/Berlin)."),
        (
            "/subscribe fussball wochenende 9 Uhr",
            "de",
            "Abonniert: fussball, am Wochenende 09:00 (Europe/Berlin).",
        ),
        (
            "/subscribe x 9:30 pm Europe/London",
            "en",
            "Subscribed: x, daily 21:30 (Europe/London).",
        ),
    ],
)
async def test_times_as_people_write_them_are_confirmed_as_hh_mm(
    tmp_path: Path, text: str, language: str, expected: str
) -> None:
    bot = make_bot(tmp_path)
    assert (await bot.say(text, language=language)).startswith(expected)
    [subscription] = bot.subscriptions.for_chat(CHAT)
    assert job_id(subscription.id) in bot.jobs()


@pytest.mark.parametrize(
    ("text", "de", "en"),
    [
        ("/subscribe fussball 13 pm", "13 pm gibt es nicht", "13 pm is not a time of day"),
        ("/subscribe fussball 25 Uhr", "25 Uhr gibt es nicht", "25 Uhr is not a time of day"),
        ("/subscribe fussball 7:60", "7:60 gibt es nicht", "7:60 is not a time of day"),
    ],
)
async def test_impossible_times_are_refused_in_both_languages(
    tmp_path: Path, text: str, de: str, en: str
) -> None:
    bot = make_bot(tmp_path)
    assert de in await bot.say(text)
    assert en in await bot.say(text, language="en")
    assert bot.subscriptions.for_chat(CHAT) == [] and not bot.jobs()


async def test_a_topic_without_articles_is_allowed_with_a_note(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    answer = await bot.say("/subscribe vulkanausbruch 07:30")
    assert "Abonniert" in answer and "noch keine Artikel" in answer
    assert "noch keine Artikel" not in await bot.say("/subscribe nordkorea 07:30")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/subscribe nordkorea 25:00", "0–23"),
        ("/subscribe nordkorea 7:61", "0–59"),
        ("/subscribe nordkorea 07:30 Mond/Krater", "Zeitzone „Mond/Krater“ kenne ich nicht"),
        ("/subscribe 07:30", "Welches Thema?"),
        ("/subscribe nordkorea", "Uhrzeit"),
        ("/subscribe", "/subscribe THEMA"),
        ("/timezone Mond/Krater", "Zeitzone „Mond/Krater“ kenne ich nicht"),
        ("/unsubscribe wetter", "Kein Abo zu „wetter“"),
        ("/unsubscribe 3", "Kein Abo zu „3“"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    tmp_path: Path, text: str, expected: str
) -> None:
    bot = make_bot(tmp_path)
    await bot.say("/subscribe nordkorea 06:00")
    before = (bot.subscriptions.for_chat(CHAT), bot.jobs(), bot.subscriptions.chat_zone(CHAT))
    assert expected in await bot.say(text)
    assert (
        bot.subscriptions.for_chat(CHAT),
        bot.jobs(),
        bot.subscriptions.chat_zone(CHAT),
    ) == before


async def test_bad_time_in_english(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert "hours 0–23" in await bot.say("/subscribe nordkorea 25:00", language="en")


async def test_at_most_the_configured_number_per_chat(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, max_subscriptions=2)
    await bot.say("/subscribe a 07:00")
    await bot.say("/subscribe b 07:00")
    refused = await bot.say("/subscribe c 07:00")
    assert "schon 2 Abos" in refused
    assert "Geändert: b jetzt täglich 09:00" in await bot.say("/subscribe b 09:00")
    assert [s.topic for s in bot.subscriptions.for_chat(CHAT)] == ["a", "b"]
    assert len(bot.jobs()) == 2


async def test_timezone_moves_the_subscriptions_that_follow_the_chat(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert "Europe/Berlin" in await bot.say("/timezone")
    await bot.say("/subscribe nordkorea 07:30")
    await bot.say("/subscribe hafen 07:30 Asia/Tokyo")
    assert "Zeitzone ist jetzt America/New_York. 1 Abo folgt ihr." in await bot.say(
        "/timezone america/new_york"
    )
    listing = await bot.say("/subscriptions")
    assert (
        "1. nordkorea – täglich 07:30 (America/New_York) – nächster Versand Mo 02.06. 07:30"
        in listing
    )
    assert "2. hafen – täglich 07:30 (Asia/Tokyo)" in listing
    assert bot.scheduler.next_due() == datetime(2025, 6, 2, 11, 30, tzinfo=UTC)  # 07:30 in New York
    assert "(America/New_York)" in await bot.say("/subscribe sanktionen 06:00")
    assert "2 subscriptions follow it." in await bot.say("/timezone UTC", language="en")
    other = ChatRef("telegram", "-1006")
    assert "Kein Abo folgt ihr" in await bot.say("/timezone UTC", chat=other)


async def test_timezone_alone_never_suggests_the_zone_the_chat_has(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert await bot.say("/timezone") == (
        "Zeitzone dieses Chats: Europe/Berlin. Ändern, z. B.: /timezone America/New_York"
    )
    assert await bot.say("/timezone", language="en") == (
        "This chat's time zone: Europe/Berlin. To change it, e.g.: /timezone America/New_York"
    )
    await bot.say("/timezone UTC")
    assert (await bot.say("/timezone")).endswith("/timezone Europe/Berlin")
    await bot.say("/timezone America/New_York")
    assert (await bot.say("/timezone", language="en")).endswith("e.g.: /timezone Europe/Berlin")


async def test_list_and_unsubscribe_by_number_topic_or_all(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert "Keine Abos" in await bot.say("/subscriptions")
    for topic in ("a", "b", "c", "d"):
        await bot.say(f"/subscribe {topic} 07:00")
    assert "Abo beendet: b" in await bot.say("/unsubscribe 2")
    assert "Abo beendet: D" not in await bot.say("/unsubscribe D")
    assert [s.topic for s in bot.subscriptions.for_chat(CHAT)] == ["a", "c"]
    assert "Unsubscribed: a, c" in await bot.say("/unsubscribe all", language="en")
    assert bot.subscriptions.for_chat(CHAT) == [] and bot.jobs() == set()


async def test_the_subscribe_button_under_a_digest(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    press = Press(CHAT, "u2", "subscribe:nordkorea", message_id="9", user_language="de")
    [reply] = await bot.router.press(press)
    assert reply.text.startswith("Abonniert: nordkorea, täglich 07:30 (Europe/Berlin).")
    assert "/subscribe nordkorea 18:00" in reply.text
    [again] = await bot.router.press(press)
    assert again.text.startswith("nordkorea ist schon abonniert: täglich 07:30")
    assert len(bot.subscriptions.for_chat(CHAT)) == 1


async def test_brief_offers_the_button(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    replies = await bot.router.handle(Incoming(CHAT, "u1", "/brief nordkorea", is_private=False))
    assert any(b.action == "subscribe:nordkorea" for r in replies for b in r.buttons)


def test_the_contract_function_lists_the_four_commands(tmp_path: Path) -> None:
    config = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    bot = make_bot(tmp_path)
    group = SubscriptionCommands(bot.subscriptions, bot.scheduler, config)
    names = [c.name for c in group.commands()]
    assert names == ["subscribe", "timezone", "subscriptions", "unsubscribe"]


async def test_the_same_subscription_again_says_it_exists(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    await bot.say("/subscribe nordkorea 07:30")
    [before] = bot.subscriptions.for_chat(CHAT)
    again = await bot.say("/subscribe nordkorea 07:30")
    assert again.startswith("nordkorea ist schon abonniert: täglich 07:30 (Europe/Berlin).")
    assert "Geändert" not in again
    assert bot.subscriptions.for_chat(CHAT) == [before]  # untouched, effective_from included
    assert (await bot.say("/subscribe nordkorea 08:00")).startswith("Geändert: nordkorea")


async def test_commands_without_arguments_get_the_usage_line(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    assert (await bot.say("/unsubscribe")).startswith("Verwendung: /unsubscribe THEMA")
    assert (await bot.say("/subscribe", language="en")).startswith("Usage: /subscribe TOPIC")


async def test_a_digest_leaves_out_what_a_brief_in_the_chat_showed(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    [reply] = await bot.router.handle(Incoming(CHAT, "u1", "/brief nordkorea"))
    assert bot.shown_points(CHAT) == []  # not sent yet
    bot.router.delivered(CHAT, reply, "m1")  # what the adapters report once it is sent
    answer = reply.text
    shown = bot.shown_points(CHAT)
    assert len(shown) >= 5 and all(text in answer for text in shown)
    assert bot.shown_points(ChatRef("telegram", "-2")) == []

    sender = RecordingSender(bot.scheduler.clock)  # type: ignore[arg-type]
    deliveries = Deliveries(
        bot.scheduler.deliveries.ledger.engine,
        bot.subscriptions,
        bot.briefing,
        sender,
        ScheduledDigests(),
        clock=bot.scheduler.clock,
        shown_elsewhere=bot.shown_points,
    )
    await bot.say("/subscribe nordkorea 12:30")
    [subscription] = bot.subscriptions.for_chat(CHAT)
    outcome = await deliveries.deliver(subscription.id, NOW + timedelta(minutes=30), owner="t")
    assert outcome.status == "sent"
    assert sender.sent[0].reply.text == "Nichts Neues zu nordkorea seit So 12:30"


def test_articles_arrive_on_the_shifted_clock_the_digests_read(tmp_path: Path) -> None:
    """With BRIEFBOT_CLOCK_OFFSET_SECONDS (tests, benches) an article added now is new for the
    shifted digests, as it would be at that moment."""
    config = Settings(_env_file=None, data_dir=tmp_path, clock_offset_seconds=86400 * 3)  # type: ignore[call-arg]
    app = build_app(config)
    added = app.briefing.add(FIXTURES / "schedules" / "hafen_1.txt").article.added
    assert timedelta(days=2.9) < added - datetime.now(UTC) < timedelta(days=3.1)
