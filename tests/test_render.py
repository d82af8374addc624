"""Rendering limits and escaping: every Telegram part parses and stays under 4,096 characters,
every Slack section under 3,000 and every message under 50 blocks, and no text is lost."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.hardening import POINTS, long_link
from bot.render import (
    SLACK_ACTION_PREFIX,
    mention_to_command,
    slack_escape,
    slack_messages,
    split_to_fit,
    telegram_messages,
    utf16_len,
)
from summarizer.models import Answer, ArticleRef, Digest, KeyPoint
from summarizer.reply import Button, Reply
from tests.fakes.slack_api import block_problems
from tests.fakes.telegram_api import parse_telegram_html

NASTY = 'Kim sagte: "<b>5 & 6</b>" sind > 4 — 🚀🇩🇪 שלום עולם, مرحبا <script>x</script> &amp; 50 %'
BUTTONS = (
    Button("… mehr", "more:ctx1"),
    Button("Quellen", "sources:ctx1"),
    Button("täglich abonnieren", "subscribe:nordkorea"),
)


def make_digest(points: list[str], *, articles: int = 2, title: str = "Nordkorea") -> Digest:
    refs = tuple(
        ArticleRef(f"a{i}", f"Artikel {i} <&> “Titel”", f"https://example.org/{i}?a=1&b=2")
        for i in range(articles)
    )
    return Digest(
        title=title,
        language="de",
        points=tuple(KeyPoint(text, f"a{i % articles}", i) for i, text in enumerate(points)),
        articles=refs,
        topic="nordkorea",
        has_more=True,
    )


def digest_reply(digest: Digest) -> Reply:
    text = digest.title + "\n" + "\n".join(f"• {p.text}" for p in digest.points)
    return Reply(text, kind="digest", digest=digest, buttons=BUTTONS, context_id="ctx1")


def shown_text(reply: Reply) -> str:
    return "\n".join(parse_telegram_html(m.html) for m in telegram_messages(reply))


def test_telegram_digest_has_bold_title_bullets_links_and_buttons() -> None:
    reply = digest_reply(make_digest(["Erster Punkt.", "Zweiter Punkt."]))
    [message] = telegram_messages(reply)
    assert message.html.startswith("<b>Nordkorea</b>")
    assert "• Erster Punkt. " in message.html
    assert '<a href="https://example.org/0?a=1&amp;b=2">[1]</a>' in message.html
    assert "Quellen" in message.html
    assert [b.action for row in message.keyboard for b in row] == [
        "more:ctx1",
        "sources:ctx1",
        "subscribe:nordkorea",
    ]


def test_telegram_escapes_every_piece_of_article_text() -> None:
    reply = digest_reply(make_digest([NASTY], title="Titel <i>nicht kursiv</i> & Co"))
    [message] = telegram_messages(reply)
    shown = parse_telegram_html(message.html)  # raises like "can't parse entities"
    assert NASTY in shown
    assert "Titel <i>nicht kursiv</i> & Co" in shown
    assert "<script>" not in message.html
    assert "🚀🇩🇪 שלום עולם" in message.html


def test_telegram_long_digest_splits_under_4096_between_points() -> None:
    points = [f"Punkt {i}: " + "Die Lage bleibt angespannt und unklar. " * 6 for i in range(60)]
    reply = digest_reply(make_digest(points))
    messages = telegram_messages(reply)
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message.html) <= 4096
        parse_telegram_html(message.html)
    shown = shown_text(reply)
    for point in points:
        assert point.strip() in shown  # no point cut: splits fall between points
    assert all(not m.keyboard for m in messages[:-1]) and messages[-1].keyboard


def test_telegram_single_huge_point_splits_at_sentences_never_inside_entities() -> None:
    sentence = "Gewinne & Verluste <wachsen> um 5 % — 🚀. "
    point = sentence * 400  # ~17,000 characters, escaped even longer
    messages = telegram_messages(digest_reply(make_digest([point], articles=1)))
    assert len(messages) >= 5
    for message in messages:
        assert utf16_len(message.html) <= 4096
        parse_telegram_html(message.html)
    shown = "".join(parse_telegram_html(m.html) for m in messages)
    assert shown.count("Gewinne & Verluste <wachsen>") == 400


def test_telegram_emoji_count_as_two_units() -> None:
    messages = telegram_messages(Reply("🚀" * 3000))
    assert len(messages) == 2
    assert all(utf16_len(m.html) <= 4096 for m in messages)
    assert "".join(m.html for m in messages).count("🚀") == 3000


def test_telegram_answer_quotes_and_cites() -> None:
    source = ArticleRef("a1", "Bericht", "https://example.org/a1")
    answer = Answer(
        "Wie viele?", True, "Rund 6.700 Container <laut> Quelle.", "a1", (3,), 0.9, source
    )
    reply = Reply("…", kind="answer", answer=answer)
    [message] = telegram_messages(reply)
    assert "<blockquote>Rund 6.700 Container &lt;laut&gt; Quelle.</blockquote>" in message.html
    assert '<a href="https://example.org/a1">Bericht</a>' in message.html


def close_call() -> Answer:
    """An answer with a runner-up from another article, as summarizer.qa gives it."""
    first = ArticleRef("a1", "Bericht", "https://example.org/a1")
    second = ArticleRef("a2", "Meldung <2>", "https://example.org/a2")
    also = Answer("Wann?", True, "Ein zweites Bad öffnet 2027.", "a2", (4,), 0.5, second)
    return Answer("Wann?", True, "Das Bad öffnete am Montag.", "a1", (0,), 0.6, first, also)


@pytest.mark.parametrize(
    ("language", "label"), [("de", "Vielleicht auch"), ("en", "Possibly also")]
)
def test_telegram_answer_quotes_a_runner_up_after_its_label(language: str, label: str) -> None:
    [message] = telegram_messages(Reply("…", kind="answer", answer=close_call(), language=language))
    html = message.html
    assert html.index("am Montag") < html.index(f"<i>{label}:</i>") < html.index("2027")
    assert html.count("<blockquote>") == 2
    assert '<a href="https://example.org/a2">Meldung &lt;2&gt;</a>' in html


def test_slack_answer_quotes_a_runner_up_after_its_label() -> None:
    [message] = slack_messages(Reply("…", kind="answer", answer=close_call(), language="en"))
    texts_in_order = [b["text"]["text"] if "text" in b else b["elements"][0]["text"]
                      for b in message.blocks]  # fmt: skip
    assert texts_in_order == [
        "> Das Bad öffnete am Montag.",
        "<https://example.org/a1|Bericht>",
        "_Possibly also:_",
        "> Ein zweites Bad öffnet 2027.",
        "<https://example.org/a2|Meldung &lt;2&gt;>",
    ]
    assert not block_problems(list(message.blocks))


def test_telegram_plain_and_structured_replies_escape() -> None:
    [plain] = telegram_messages(Reply("a < b & c"))
    assert plain.html == "a &lt; b &amp; c"
    [listing] = telegram_messages(Reply("x", title="Quellen <1>", lines=("1. A & B",)))
    assert listing.html == "<b>Quellen &lt;1&gt;</b>\n1. A &amp; B"


def test_telegram_drops_buttons_whose_action_exceeds_64_bytes() -> None:
    reply = Reply("x", buttons=(Button("ok", "more:1"), Button("too long", "x" * 65)))
    [message] = telegram_messages(reply)
    assert [b.label for row in message.keyboard for b in row] == ["ok"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=900), min_size=1, max_size=12))
def test_telegram_any_text_renders_valid_and_complete(points: list[str]) -> None:
    points = [p for p in points if p.strip()] or ["x"]
    reply = digest_reply(make_digest(points))
    messages = telegram_messages(reply)
    shown = ""
    for message in messages:
        assert utf16_len(message.html) <= 4096
        shown += parse_telegram_html(message.html)
    squashed = "".join(shown.split())
    for point in points:
        assert "".join(point.split()) in squashed


# ------------------------------------------------------------------ Slack


def test_slack_digest_blocks_header_sections_context_buttons() -> None:
    reply = digest_reply(make_digest(["Erster <Punkt> & mehr.", "Zweiter."]))
    [message] = slack_messages(reply)
    types = [b["type"] for b in message.blocks]
    assert types == ["header", "section", "section", "context", "actions"]
    assert message.blocks[0]["text"]["text"] == "Nordkorea"
    first = message.blocks[1]["text"]["text"]
    assert first.startswith("• Erster &lt;Punkt&gt; &amp; mehr.")
    assert first.endswith("<https://example.org/0?a=1&amp;b=2|[1]>")
    context = message.blocks[3]["elements"][0]["text"]
    assert "Artikel 0 &lt;&amp;&gt;" in context
    buttons = message.blocks[4]["elements"]
    assert [b["value"] for b in buttons] == [b.action for b in BUTTONS]
    assert all(b["action_id"].startswith(SLACK_ACTION_PREFIX) for b in buttons)
    assert len({b["action_id"] for b in buttons}) == 3
    assert message.text.startswith("Nordkorea")


def test_slack_long_point_splits_into_sections_under_3000() -> None:
    point = "Ein sehr langer Satz über Raketen & Sanktionen <mehr>. " * 200
    [message] = slack_messages(digest_reply(make_digest([point], articles=1)))
    sections = [b for b in message.blocks if b["type"] == "section"]
    assert len(sections) >= 4
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert not block_problems(list(message.blocks))
    joined = " ".join(s["text"]["text"] for s in sections)
    assert joined.count("Raketen &amp; Sanktionen &lt;mehr&gt;") == 200


def test_slack_more_than_50_blocks_continue_in_further_messages() -> None:
    points = [f"Punkt {i}." for i in range(120)]
    messages = slack_messages(digest_reply(make_digest(points)))
    assert len(messages) == 3
    for message in messages:
        assert len(message.blocks) <= 50
        assert not block_problems(list(message.blocks))
    assert messages[0].blocks[0]["type"] == "header"
    assert messages[-1].blocks[-1]["type"] == "actions"
    sections = [b for m in messages for b in m.blocks if b["type"] == "section"]
    assert len(sections) == 120
    assert messages[1].text == "(Fortsetzung)"


def test_slack_fallback_text_is_escaped_and_bounded() -> None:
    [message] = slack_messages(Reply("a<b>&" + "x" * 5000))
    assert message.text.startswith("a&lt;b&gt;&amp;")
    assert len(message.text) <= 3000 + 20


def test_slack_answer_is_quoted_with_source() -> None:
    source = ArticleRef("a1", "Bericht | Teil 2", "https://example.org/a1")
    answer = Answer("?", True, "Antwort <hier>.", "a1", (0,), 0.9, source)
    [message] = slack_messages(Reply("…", kind="answer", answer=answer))
    assert message.blocks[0]["text"]["text"] == "> Antwort &lt;hier&gt;."
    assert message.blocks[1]["elements"][0]["text"] == "<https://example.org/a1|Bericht ¦ Teil 2>"


def test_slack_escape_only_the_three_specials() -> None:
    assert slack_escape("<@U1> & *bold* >") == "&lt;@U1&gt; &amp; *bold* &gt;"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=4000), min_size=1, max_size=70))
def test_slack_any_digest_respects_limits(points: list[str]) -> None:
    points = [p for p in points if p.strip()] or ["x"]
    for message in slack_messages(digest_reply(make_digest(points))):
        assert not block_problems(list(message.blocks))


# ------------------------------------------------------------------ helpers


def test_split_to_fit_prefers_sentence_then_word_boundaries() -> None:
    text = "Eins zwei drei. Vier fünf sechs. Sieben."
    assert split_to_fit(text, 20, len) == ["Eins zwei drei.", "Vier fünf sechs.", "Sieben."]
    assert split_to_fit("abcdefghij", 4, len) == ["abcd", "efgh", "ij"]
    escaped = split_to_fit("&&&&&&", 10, lambda c: len(html.escape(c)))
    assert escaped == ["&&", "&&", "&&"]


def test_mention_to_command() -> None:
    commands = ["brief", "ask", "sources"]
    assert mention_to_command(" brief nordkorea ", commands) == "/brief nordkorea"
    assert mention_to_command("Sources", commands) == "/sources"
    assert mention_to_command("Wie viele Container?", commands) == "Wie viele Container?"
    assert mention_to_command("/ask wer?", commands) == "/ask wer?"


def test_a_4000_character_link_keeps_every_message_within_the_limits() -> None:
    """Issue 14 item 1: a 3,877-character URL with ~330 '&' made 5,230-character Telegram
    messages with one character per line, and a 7,623-character Slack section."""
    figures = long_link(4000)
    assert figures["url_chars"] == 4000 and figures["ampersands"] >= 300
    assert figures["telegram_longest"] <= 4096
    assert figures["slack_largest_section"] <= 3000
    assert figures["slack_largest_context"] <= 2000
    assert figures["points_whole"] == {"telegram": True, "slack": True}
    shown = "\n".join(parse_telegram_html(m) for m in figures["telegram_messages"])
    assert shown.count("Wasserstoffbusse im Kieler Winter") == 1  # the source is still named
    assert "https://news.example.org/b?x=1&amp;y=2" in "".join(figures["telegram_messages"])
    sources = "\n".join(figures["slack_contexts"])
    assert "Wasserstoffbusse im Kieler Winter" in sources
    assert sources.count("<") == sources.count(">") == 1  # no link cut in the middle
    assert all(line in shown for line in POINTS)
