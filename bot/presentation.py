"""Every result a user sees, turned into a `Reply`: digests, answers, lists, one-line notes.

The one place that decides how briefbot reads, for the chat commands, the console, the CLI's text
output and scheduled digests alike; every word comes from `bot.texts` in the reader's language.
`bot.render` then only formats a Reply for a platform (HTML, Block Kit, plain text).
Citation numbers follow `Digest.citations` everywhere: a source's place in `Digest.articles`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import texts
from schedules.timespec import local_time
from summarizer.i18n import Phrase
from summarizer.models import Answer, ArticleRef, Digest, KeyPoint
from summarizer.qa import CLOSEST_SCORE
from summarizer.reply import Button, Reply, ReplyKind

if TYPE_CHECKING:
    from bot.commands import Command
    from schedules.feeds import Feed
    from schedules.subscriptions import Subscription

MAX_ACTION_BYTES = 64
"""Telegram's limit for a button's callback data; a button with a longer action is not offered."""


def say(phrase: Phrase, language: str, *, kind: ReplyKind = "text", **values: object) -> Reply:
    """One line: `phrase` in `language` with its placeholders filled."""
    return Reply(phrase.format(language, **values), kind=kind, language=language)


def usage(usage_line: Phrase, language: str) -> Reply:
    """ "Usage: /brief TOPIC – e.g. …" for a command called without what it needs."""
    return say(texts.USAGE, language, kind="usage", usage=usage_line.get(language))


def quote(text: str, language: str) -> str:
    """`text` in the language's quotation marks: „…“ in German, “…” in English."""
    return texts.QUOTED.format(language, text=text)


def cite(ref: ArticleRef, language: str) -> str:
    """A source as a line names it: "Title – https://…", or the title alone."""
    title = ref.title or texts.UNTITLED.get(language)
    return f"{title} – {ref.url}" if ref.url else title


def listing(
    title: str,
    lines: Sequence[str],
    language: str,
    *,
    footer: Sequence[str] = (),
    context_id: str | None = None,
) -> Reply:
    """A heading over lines (sources, feeds, subscriptions, help), a footer after a blank line."""
    body = [title, *lines, *(["", *footer] if footer else [])]
    return Reply(
        "\n".join(body),
        language=language,
        title=title,
        lines=(*lines, *footer),
        context_id=context_id,
    )


def _citation(digest: Digest, point: KeyPoint) -> str:
    return " ".join(f"[{number}]" for number in digest.citations(point))


def digest_reply(
    digest: Digest,
    language: str,
    *,
    title: str | None = None,
    context_id: str | None = None,
    private: bool = False,
) -> Reply:
    """A digest: heading, one line per point with its citations, the numbered sources, and
    with a `context_id` (the chat can follow it up) the hint and the buttons "more" (when
    there is more), "sources" and "subscribe daily" (for a topic). The hint says "just write"
    only when `private`; "reply to this message" works in groups too."""
    heading = title or digest.title
    lines = [f"• {p.text} {_citation(digest, p)}" for p in digest.points]
    sources = [f"[{n}] {cite(ref, language)}" for n, ref in enumerate(digest.articles, 1)]
    body = [heading, *lines, "", texts.BRIEF_SOURCES_HEADING.get(language), *sources]
    buttons: list[Button] = []
    if context_id is not None:
        hint = texts.BRIEF_FOLLOWUP_HINT if private else texts.BRIEF_FOLLOWUP_HINT_GROUP
        body += ["", hint.get(language)]
        if digest.has_more:
            buttons.append(Button(texts.BUTTON_MORE.get(language), f"more:{context_id}"))
        buttons.append(Button(texts.BUTTON_SOURCES.get(language), f"sources:{context_id}"))
        if digest.topic:
            buttons.append(
                Button(texts.BUTTON_SUBSCRIBE.get(language), f"subscribe:{digest.topic}")
            )
    return Reply(
        "\n".join(body),
        kind="digest",
        language=language,
        title=heading,
        lines=tuple(lines),
        digest=digest,
        buttons=tuple(b for b in buttons if len(b.action.encode()) <= MAX_ACTION_BYTES),
        context_id=context_id,
    )


def nothing_on(topic: str, suggestions: Sequence[str], language: str) -> Reply:
    """ "No article on X", with the close spellings the library has as buttons that brief on
    them ("Did you mean „Mitterlehner“?")."""
    offered = [s for s in suggestions if len(f"brief:{s}".encode()) <= MAX_ACTION_BYTES]
    if not offered:
        return say(texts.BRIEF_NOTHING, language, topic=topic)
    spelled = ", ".join(texts.SUGGESTED.format(language, name=s) for s in offered)
    return Reply(
        texts.BRIEF_NOTHING_BUT.format(language, topic=topic, suggestions=spelled),
        language=language,
        buttons=tuple(Button(s, f"brief:{s}") for s in offered),
    )


def _quoted(answer: Answer, language: str) -> list[str]:
    """The answer's text in quotation marks, and the line citing its source."""
    lines = [quote(answer.text.strip(), language)]
    if answer.source is not None:
        source = cite(answer.source, language)
        lines.append(texts.ANSWER_SOURCE.format(language, source=source))
    return lines


def answer_reply(
    answer: Answer, language: str, *, not_found: Phrase, context_id: str | None = None
) -> Reply:
    """The quoted sentence that answers, with its source (and a close runner-up); or
    `not_found`, followed by the closest mention when there was one worth showing."""
    if not answer.found or not answer.text.strip():
        lines = [not_found.get(language)]
        if answer.text.strip() and answer.score >= CLOSEST_SCORE:
            lines += [texts.CLOSEST_MENTION.get(language), *_quoted(answer, language)]
        return Reply(
            "\n".join(lines),
            language=language,
            context_id=context_id,
            meta={"found": "false"},
        )
    lines = _quoted(answer, language)
    if answer.also is not None:
        lines += [texts.ANSWER_ALSO.get(language), *_quoted(answer.also, language)]
    return Reply(
        "\n".join(lines),
        kind="answer",
        language=language,
        answer=answer,
        context_id=context_id,
        meta={"found": "true"},
    )


def added_reply(
    title: str, digest: Digest | None, language: str, *, context_id: str | None = None
) -> Reply:
    """ "Added: <title>" with the first points of the new article; "Already there: <title>"
    when `digest` is None (the article was stored before)."""
    title = title or texts.UNTITLED.get(language)
    if digest is None:
        line = texts.ALREADY_THERE.format(language, title=title)
        return Reply(line, language=language, title=line)
    heading = texts.ADDED.format(language, title=title)
    return listing(heading, [f"• {p.text}" for p in digest.points], language, context_id=context_id)


def sources_reply(
    refs: Sequence[ArticleRef],
    language: str,
    *,
    title: str,
    first: int = 1,
    footer: Sequence[str] = (),
    context_id: str | None = None,
) -> Reply:
    """Numbered sources from `first` on (a page of /sources, or the sources of one brief)."""
    lines = [f"{n}. {cite(ref, language)}" for n, ref in enumerate(refs, first)]
    return listing(title, lines, language, footer=footer, context_id=context_id)


def help_reply(commands: Sequence[Command], language: str, *, console: bool) -> Reply:
    """Every command with its usage and summary, and how to ask follow-ups."""
    lines = [f"• {c.usage.get(language)}\n  {c.summary.get(language)}" for c in commands]
    footer = texts.HELP_FOLLOWUP.get(language)
    if console:
        footer += "\n" + texts.HELP_CONSOLE_PASTE.get(language)
    return listing(texts.HELP_TITLE.get(language), lines, language, footer=[footer])


def utc_time(moment: datetime | None, language: str) -> str:
    """A stored time as an admin list shows it ("2026-12-03 07:30 UTC"), or "never"."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else texts.FEED_NEVER.get(language)


def feed_name(feed: Feed) -> str:
    """«Title» of a feed, or its address while it has none."""
    return f"«{feed.title}»" if feed.title else feed.url


def feeds_reply(feeds: Sequence[Feed], language: str) -> Reply:
    """The followed feeds with their interval, articles, last success, last error."""
    if not feeds:
        return say(texts.NO_FEEDS, language)
    lines: list[str] = []
    for feed in feeds:
        success = utc_time(feed.last_success_at, language)
        lines.append(
            texts.FEED_LINE.format(
                language,
                id=feed.id,
                title=feed_name(feed),
                minutes=feed.interval_minutes,
                added=feed.articles_added,
                success=success,
            )
        )
        if feed.last_error and (feed.last_success_at is None or feed.failures):
            when = utc_time(feed.last_error_at, language)
            error = feed.last_error.get(language)
            lines.append(texts.FEED_ERROR_LINE.format(language, when=when, error=error))
        if feed.failing:
            lines.append(texts.FEED_FAILING.get(language))
    return listing(texts.FEEDS_TITLE.get(language), lines, language)


def subscription_values(subscription: Subscription, language: str) -> dict[str, str]:
    """What the subscription lines name: topic, days and time, zone."""
    return {
        "topic": subscription.topic,
        "when": subscription.spec.describe(language),
        "zone": subscription.timezone,
    }


def subscriptions_reply(entries: Sequence[tuple[Subscription, str]], language: str) -> Reply:
    """The chat's subscriptions, numbered as /unsubscribe N takes them, each with its next
    delivery (`entries`: subscription and that time, already in the reader's words)."""
    if not entries:
        return say(texts.NO_SUBSCRIPTIONS, language)
    lines = [
        texts.SUBSCRIPTION_LINE.format(
            language, number=number, next=next_run, **subscription_values(subscription, language)
        )
        for number, (subscription, next_run) in enumerate(entries, 1)
    ]
    return listing(texts.SUBSCRIPTIONS_TITLE.get(language), lines, language)


class ScheduledDigests:
    """How a scheduled delivery reads (`schedules.delivery.DigestPresenter`): the digest
    titled "Briefing zu nordkorea (täglich 07:30)" with the buttons and follow-ups of a /brief
    reply, or "Nichts Neues zu nordkorea seit Di 07:30".

    `remember` stores a context for a digest and returns its id, so the buttons work (the
    delivery binds it to the chat once sent); without it the digest has no buttons."""

    def __init__(self, remember: Callable[[Digest], str] | None = None) -> None:
        self.remember = remember

    def digest(self, subscription: Subscription, digest: Digest, language: str) -> Reply:
        title = texts.SCHEDULED_TITLE.format(
            language, topic=subscription.topic, when=subscription.spec.describe(language)
        )
        context_id = self.remember(digest) if self.remember is not None else None
        return digest_reply(digest, language, title=title, context_id=context_id)

    def nothing_new(
        self, subscription: Subscription, since: datetime, language: str, *, now: datetime
    ) -> Reply:
        """The weekday is enough within the last six days of `now`; further back the date is
        said too."""
        recent = now - since < timedelta(days=6)
        when = local_time(since, subscription.timezone, language, date=not recent)
        return say(texts.NOTHING_NEW, language, topic=subscription.topic, since=when)
