"""Reply -> what each platform shows: Telegram HTML parts, Slack Block Kit messages, plain text.

All escaping and all platform limits live here, so the adapters only convert and send. Long
content is split between whole points or sentences (words, then characters, only as a last
resort) and always before escaping, so a split can never fall inside a tag or an entity.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot import texts
from summarizer.models import Answer, Digest
from summarizer.reply import Button, Reply

log = logging.getLogger(__name__)

TELEGRAM_MESSAGE_LIMIT = 4096
"""Characters per Telegram message. Measured here on the HTML source in UTF-16 code units (as
Telegram counts), which is never less than the parsed text Telegram checks: safe by design."""
TELEGRAM_CALLBACK_DATA_LIMIT = 64
"""Bytes of callback_data per inline button."""
SLACK_SECTION_LIMIT = 3000
SLACK_BLOCK_LIMIT = 50
SLACK_HEADER_LIMIT = 150
SLACK_BUTTON_LABEL_LIMIT = 75
SLACK_BUTTONS_PER_ACTIONS = 25
SLACK_CONTEXT_ELEMENTS = 10
SLACK_CONTEXT_TEXT_LIMIT = 2000
SLACK_FALLBACK_LIMIT = 3000
LINK_URL_LIMIT = 1000
"""Characters of an escaped link target. A longer URL (an attack, or a tracking monster) is not
linked, only its source named: escaped, it could exceed a whole Telegram message or Slack
section and would shred the point it is attached to or get the message refused (issue 14)."""
SLACK_ACTION_PREFIX = "briefbot:"
"""Every button's action_id starts with this; the Slack adapter listens for it."""

T = TypeVar("T")

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")
_SPACE = re.compile(r"\s+")


def utf16_len(text: str) -> int:
    """Length as Telegram and Slack count it: UTF-16 code units (an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(reply: Reply) -> str:
    """The console and any text-only channel show the reply's complete plain rendering."""
    return reply.text


# --------------------------------------------------------------------------- splitting


def split_to_fit(text: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    """Split `text` into chunks with `measure(chunk) <= budget`: at sentence ends, then between
    words, then (only for a single over-long word) between characters."""
    text = text.strip()
    if measure(text) <= budget:
        return [text] if text else []
    chunks: list[str] = []
    for unit in _pack(_SENTENCE_END.split(text), " ", budget, measure):
        if measure(unit) <= budget:
            chunks.append(unit)
            continue
        for words in _pack(_SPACE.split(unit), " ", budget, measure):
            if measure(words) <= budget:
                chunks.append(words)
            else:
                chunks.extend(_hard_split(words, budget, measure))
    return [c for c in chunks if c]


def _pack(
    parts: Iterable[str], joiner: str, budget: int, measure: Callable[[str], int]
) -> list[str]:
    """Join consecutive parts greedily while they fit; a part that alone is too long stays alone."""
    packed: list[str] = []
    current = ""
    for part in parts:
        if not part:
            continue
        candidate = f"{current}{joiner}{part}" if current else part
        if measure(candidate) <= budget:
            current = candidate
        else:
            if current:
                packed.append(current)
            current = part
    if current:
        packed.append(current)
    return packed


def _hard_split(word: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and measure(current + char) > budget:
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def _pack_units(units: Sequence[str], limit: int, measure: Callable[[str], int]) -> list[str]:
    """Join rendered units with newlines into as few messages as fit; units never break."""
    messages: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}\n{unit}" if current else unit
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = unit
    if current:
        messages.append(current)
    return messages


def _laid_out(
    reply: Reply,
    digest: Callable[[Reply, Digest], list[T]],
    answer: Callable[[Reply, Answer], list[T]],
    lines: Callable[[Reply], list[T]],
) -> list[T]:
    """A reply laid out by what it carries: a digest with points, a found answer, or else its
    title and lines (a platform passes its three layouts)."""
    if reply.kind == "digest" and reply.digest is not None and reply.digest.points:
        return digest(reply, reply.digest)
    if reply.kind == "answer" and reply.answer is not None and reply.answer.found:
        return answer(reply, reply.answer)
    return lines(reply)


# --------------------------------------------------------------------------- Telegram


@dataclass(frozen=True)
class TelegramMessage:
    """One Telegram message: HTML text (parse_mode=HTML) and the inline keyboard rows."""

    html: str
    keyboard: tuple[tuple[Button, ...], ...] = ()


def telegram_escape(text: str) -> str:
    """Escape text for Telegram HTML: &, <, > and quotes; everything else (emoji, RTL) stays."""
    return html.escape(text, quote=True)


def _tg_link(url: str | None, label_html: str) -> str:
    if not url or not url.lower().startswith(("http://", "https://")):
        return label_html
    href = telegram_escape(url)
    if utf16_len(href) > LINK_URL_LIMIT:
        return label_html
    return f'<a href="{href}">{label_html}</a>'


def _tg_fragments(
    plain: str, *, prefix: str = "", suffix: str = "", wrap: tuple[str, str] = ("", "")
) -> list[str]:
    """Render one piece of text as one or more complete HTML units within the message limit.
    `prefix`/`suffix` (HTML) go on the first/last unit, `wrap` tags around every unit."""
    overhead = utf16_len(prefix + suffix + wrap[0] + wrap[1])
    budget = TELEGRAM_MESSAGE_LIMIT - overhead
    chunks = split_to_fit(plain, budget, lambda c: utf16_len(telegram_escape(c))) or [""]
    units = []
    for i, chunk in enumerate(chunks):
        head = prefix if i == 0 else ""
        tail = suffix if i == len(chunks) - 1 else ""
        units.append(f"{head}{wrap[0]}{telegram_escape(chunk)}{wrap[1]}{tail}")
    return units


def _tg_digest_units(reply: Reply, digest: Digest) -> list[str]:
    units = _tg_fragments(reply.title or digest.title, wrap=("<b>", "</b>"))
    units.append("")
    for point in digest.points:
        suffix = "".join(
            " " + _tg_link(digest.articles[n - 1].url, f"[{n}]") for n in digest.citations(point)
        )
        units.extend(_tg_fragments(point.text, prefix="• ", suffix=suffix))
    if digest.articles:
        units.append("")
        units.append(f"<i>{texts.SOURCES_LABEL.get(reply.language)}:</i>")
        for number, ref in enumerate(digest.articles, start=1):
            label = telegram_escape(_short(ref.title or ref.url or ref.id))
            units.append(f"{number}. {_tg_link(ref.url, label)}")
    return units


def _tg_answer_units(reply: Reply, answer: Answer) -> list[str]:
    units = _tg_fragments(reply.title, wrap=("<b>", "</b>")) if reply.title else []
    units.extend(_tg_quote_units(answer))
    if answer.also is not None:
        units.append(f"<i>{texts.ALSO_LABEL.get(reply.language)}:</i>")
        units.extend(_tg_quote_units(answer.also))
    return units


def _tg_quote_units(answer: Answer) -> list[str]:
    """The answer's text as a block quote, then a link to its source."""
    units = _tg_fragments(answer.text, wrap=("<blockquote>", "</blockquote>"))
    if answer.source is not None:
        ref = answer.source
        units.append("— " + _tg_link(ref.url, telegram_escape(_short(ref.title or ref.url or ""))))
    return units


def _tg_generic_units(reply: Reply) -> list[str]:
    if not reply.title and not reply.lines:
        return [u for para in reply.text.split("\n") for u in _tg_fragments(para)]
    units = _tg_fragments(reply.title, wrap=("<b>", "</b>")) if reply.title else []
    for line in reply.lines:
        units.extend(_tg_fragments(line))
    return units


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def telegram_keyboard(buttons: Sequence[Button]) -> tuple[tuple[Button, ...], ...]:
    """Buttons in rows of two; a button whose action exceeds Telegram's 64-byte callback data
    would make the whole message fail, so it is left out (and logged)."""
    usable = []
    for button in buttons:
        if len(button.action.encode()) > TELEGRAM_CALLBACK_DATA_LIMIT:
            log.warning("button %r dropped: action longer than 64 bytes", button.label)
            continue
        usable.append(button)
    return tuple(tuple(usable[i : i + 2]) for i in range(0, len(usable), 2))


def telegram_messages(reply: Reply) -> list[TelegramMessage]:
    """Render a reply as Telegram HTML messages, each under 4,096 characters; the buttons go
    under the last part."""
    units = _laid_out(reply, _tg_digest_units, _tg_answer_units, _tg_generic_units)
    parts = _pack_units(units, TELEGRAM_MESSAGE_LIMIT, utf16_len)
    parts = [t.strip("\n") for t in parts if t.strip()] or [telegram_escape(reply.text or "…")]
    keyboard = telegram_keyboard(reply.buttons)
    return [
        TelegramMessage(part, keyboard if i == len(parts) - 1 else ())
        for i, part in enumerate(parts)
    ]


# --------------------------------------------------------------------------- Slack

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: Block Kit blocks and the plain-text fallback for notifications.
    The first message of a reply is posted where asked, the rest in its thread."""

    text: str
    blocks: tuple[Block, ...]


def slack_escape(text: str) -> str:
    """Escape Slack mrkdwn control characters: &, <, > (nothing else is special to Slack)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str | None, label: str) -> str:
    """`<url|label>` with the label escaped; `|` and `>` cannot appear inside a link."""
    safe_label = slack_escape(label).replace("|", "¦")
    if not url or not url.lower().startswith(("http://", "https://")):
        return safe_label
    safe_url = slack_escape(url).replace("|", "%7C")
    if len(safe_url) > LINK_URL_LIMIT:
        return safe_label
    return f"<{safe_url}|{safe_label}>"


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _sections(
    plain: str, *, prefix: str = "", suffix: str = "", quote: bool = False
) -> list[Block]:
    """One section per chunk of `plain`, each under 3,000 characters after escaping."""
    budget = SLACK_SECTION_LIMIT - len(prefix) - len(suffix) - (2 if quote else 0) - 8
    chunks = split_to_fit(plain, budget, lambda c: len(slack_escape(c))) or [""]
    blocks = []
    for i, chunk in enumerate(chunks):
        body = slack_escape(chunk)
        if quote:
            body = "> " + body.replace("\n", "\n> ")
        head = prefix if i == 0 else ""
        tail = suffix if i == len(chunks) - 1 else ""
        blocks.append(_section(f"{head}{body}{tail}".strip() or " "))
    return blocks


def _header(title: str) -> Block:
    text = title.strip() or "briefbot"
    if len(text) > SLACK_HEADER_LIMIT:
        text = text[: SLACK_HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context_blocks(items: Sequence[str]) -> list[Block]:
    blocks = []
    for start in range(0, len(items), SLACK_CONTEXT_ELEMENTS):
        elements = [
            {"type": "mrkdwn", "text": item[:SLACK_CONTEXT_TEXT_LIMIT]}
            for item in items[start : start + SLACK_CONTEXT_ELEMENTS]
        ]
        blocks.append({"type": "context", "elements": elements})
    return blocks


def slack_action_blocks(buttons: Sequence[Button]) -> list[Block]:
    """Buttons as actions blocks; `value` carries the router's action string."""
    blocks = []
    for start in range(0, len(buttons), SLACK_BUTTONS_PER_ACTIONS):
        elements = []
        for offset, button in enumerate(buttons[start : start + SLACK_BUTTONS_PER_ACTIONS]):
            label = button.label
            if len(label) > SLACK_BUTTON_LABEL_LIMIT:
                label = label[: SLACK_BUTTON_LABEL_LIMIT - 1] + "…"
            elements.append(
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": label, "emoji": True},
                    "action_id": f"{SLACK_ACTION_PREFIX}{start + offset}",
                    "value": button.action,
                }
            )
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def _slack_digest_blocks(reply: Reply, digest: Digest) -> list[Block]:
    blocks = [_header(reply.title or digest.title)]
    for point in digest.points:
        suffix = "".join(
            " " + _slack_link(digest.articles[n - 1].url, f"[{n}]") for n in digest.citations(point)
        )
        blocks.extend(_sections(point.text, prefix="• ", suffix=suffix))
    sources = [
        f"{number}. {_slack_link(ref.url, _short(ref.title or ref.url or ref.id))}"
        for number, ref in enumerate(digest.articles, start=1)
    ]
    if sources:
        sources[0] = f"*{texts.SOURCES_LABEL.get(reply.language)}:* {sources[0]}"
    blocks.extend(_context_blocks(sources))
    return blocks


def _slack_answer_blocks(reply: Reply, answer: Answer) -> list[Block]:
    blocks = [_header(reply.title)] if reply.title else []
    blocks.extend(_slack_quote_blocks(answer))
    if answer.also is not None:
        blocks.append(_section(f"_{texts.ALSO_LABEL.get(reply.language)}:_"))
        blocks.extend(_slack_quote_blocks(answer.also))
    return blocks


def _slack_quote_blocks(answer: Answer) -> list[Block]:
    """The answer's text as quoted sections, then a context line linking its source."""
    blocks = _sections(answer.text, quote=True)
    if answer.source is not None:
        ref = answer.source
        blocks.extend(_context_blocks([_slack_link(ref.url, _short(ref.title or ref.url or ""))]))
    return blocks


def _slack_generic_blocks(reply: Reply) -> list[Block]:
    if not reply.title and not reply.lines:
        return _sections(reply.text)
    blocks = [_section(f"*{slack_escape(_short(reply.title, 2000))}*")] if reply.title else []
    for line in reply.lines:
        blocks.extend(_sections(line))
    return blocks


def _fallback(text: str) -> str:
    text = text.strip() or "…"
    if len(text) > SLACK_FALLBACK_LIMIT:
        text = text[: SLACK_FALLBACK_LIMIT - 1].rstrip() + "…"
    return slack_escape(text)


def slack_messages(reply: Reply) -> list[SlackMessage]:
    """Render a reply as Slack messages of at most 50 blocks each; overflow continues in
    further messages (the adapter posts them in the first one's thread); buttons come last."""
    body = _laid_out(reply, _slack_digest_blocks, _slack_answer_blocks, _slack_generic_blocks)
    body.extend(slack_action_blocks(reply.buttons))
    pages = [
        tuple(body[i : i + SLACK_BLOCK_LIMIT]) for i in range(0, len(body), SLACK_BLOCK_LIMIT)
    ] or [()]
    continued = f"({texts.CONTINUED_LABEL.get(reply.language)})"
    return [
        SlackMessage(_fallback(reply.text) if i == 0 else continued, page)
        for i, page in enumerate(pages)
    ]


# --------------------------------------------------------------------------- incoming text


def mention_to_command(text: str, commands: Iterable[str]) -> str:
    """Text after a mention ("brief nordkorea") -> "/brief nordkorea" when its first word is a
    command; anything else stays as it is (a question for the router)."""
    stripped = text.strip()
    first, _, rest = stripped.partition(" ")
    if first.startswith("/"):
        return stripped
    if first.lower() in {c.lower() for c in commands}:
        return f"/{first.lower()} {rest.strip()}".rstrip()
    return stripped
