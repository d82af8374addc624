"""/subscribe, /timezone, /subscriptions, /unsubscribe and the "subscribe daily" button.

Platform-neutral: the router dispatches to these handlers for Telegram, Slack and the console
alike. Bad input (25:00, 7:61, an unknown zone, an empty topic, too many subscriptions) raises
UserError before anything is stored, so it changes nothing; the router shows its message.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot import texts
from bot.commands import ActionHandler, Command, Press, Request
from bot.config import Settings
from schedules.clock import Clock, SystemClock
from schedules.scheduler import DigestScheduler
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec, local_time, parse_subscription, parse_timezone
from summarizer.errors import UserError
from summarizer.i18n import Phrase
from summarizer.reply import ChatRef, Reply, ReplyKind
from summarizer.service import Briefing

if TYPE_CHECKING:
    from bot.router import Router

DEFAULT_SPEC = TimeSpec(7, 30)
"""What the "subscribe daily" button under a digest subscribes to (in the chat's zone)."""

SUBSCRIBE_USAGE = Phrase(
    de=(
        "/subscribe THEMA [TAGE] UHRZEIT [ZONE] – z. B. /subscribe nordkorea 07:30, "
        "/subscribe 7:30 nordkorea, /subscribe nordkorea werktags 8 Uhr, "
        "/subscribe nordkorea mo,do 18:00 Europe/Berlin. Bei der Zeitumstellung: eine Uhrzeit, "
        "die es an dem Tag nicht gibt (02:30 im März), kommt eine Stunde später (03:30), "
        "eine doppelte (02:30 im Oktober) einmal, zur ersten."
    ),
    en=(
        "/subscribe TOPIC [DAYS] TIME [ZONE] – e.g. /subscribe nordkorea 07:30, "
        "/subscribe 7:30 nordkorea, /subscribe nordkorea weekdays 8am, "
        "/subscribe nordkorea mon,thu 6:30 pm Europe/London. When the clocks change: a time "
        "that does not exist that day (02:30 in March) comes an hour later (03:30), one that "
        "occurs twice (02:30 in October) once, at the first."
    ),
)
SUBSCRIBE_SUMMARY = Phrase(
    de="Tägliches Briefing zu einem Thema abonnieren", en="Get a daily briefing on a topic"
)
TIMEZONE_USAGE = Phrase(
    de="/timezone [ZONE] – z. B. /timezone Europe/Berlin",
    en="/timezone [ZONE] – e.g. /timezone UTC",
)
TIMEZONE_SUMMARY = Phrase(
    de="Zeitzone des Chats zeigen oder setzen", en="Show or set the chat's time zone"
)
LIST_USAGE = Phrase(de="/subscriptions", en="/subscriptions")
LIST_SUMMARY = Phrase(de="Abos dieses Chats zeigen", en="List this chat's subscriptions")
UNSUBSCRIBE_USAGE = Phrase(
    de="/unsubscribe THEMA | NUMMER | alle – z. B. /unsubscribe nordkorea",
    en="/unsubscribe TOPIC | NUMBER | all – e.g. /unsubscribe nordkorea",
)
UNSUBSCRIBE_SUMMARY = Phrase(de="Ein Abo beenden", en="Stop a subscription")

SUBSCRIBED = Phrase(
    de=(
        "Abonniert: {topic}, {when} ({zone}). Erster Versand: {first}, mit allem Neuen der "
        "24 Stunden davor; danach jeweils, was seit dem letzten Versand neu ist."
    ),
    en=(
        "Subscribed: {topic}, {when} ({zone}). First delivery: {first}, with what is new in "
        "the 24 hours before it; after that, what is new since the delivery before."
    ),
)
MOVED = Phrase(
    de="Geändert: {topic} jetzt {when} ({zone}). Nächster Versand: {first}.",
    en="Changed: {topic} is now {when} ({zone}). Next delivery: {first}.",
)
ALREADY = Phrase(
    de="{topic} ist schon abonniert: {when} ({zone}). Andere Zeit: /subscribe {topic} 18:00",
    en="{topic} is already subscribed: {when} ({zone}). Another time: /subscribe {topic} 18:00",
)
BUTTON_HINT = Phrase(
    de="Andere Zeit: /subscribe {topic} 18:00 · Abbestellen: /unsubscribe {topic}",
    en="Another time: /subscribe {topic} 18:00 · Stop: /unsubscribe {topic}",
)
NO_ARTICLES = Phrase(
    de="Zu {topic} gibt es noch keine Artikel; sobald welche da sind, kommen sie im Briefing.",
    en="There are no articles on {topic} yet; once there are, they will be in the briefing.",
)
TOO_MANY = Phrase(
    de="Dieser Chat hat schon {limit} Abos, mehr geht nicht. /unsubscribe gibt eins frei.",
    en="This chat already has {limit} subscriptions, the maximum. /unsubscribe frees one.",
)
NONE_YET = Phrase(
    de="Keine Abos in diesem Chat. Beispiel: /subscribe nordkorea 07:30",
    en="No subscriptions in this chat. Example: /subscribe nordkorea 07:30",
)
LIST_HEADING = Phrase(de="Abos in diesem Chat:", en="Subscriptions in this chat:")
LIST_LINE = Phrase(
    de="{number}. {topic} – {when} ({zone}) – nächster Versand {next}",
    en="{number}. {topic} – {when} ({zone}) – next {next}",
)
NOT_FOUND = Phrase(
    de="Kein Abo zu „{what}“. /subscriptions zeigt die Abos dieses Chats.",
    en="No subscription “{what}”. /subscriptions lists this chat's subscriptions.",
)
REMOVED = Phrase(de="Abo beendet: {topics}.", en="Unsubscribed: {topics}.")
LIST_CHANGED = Phrase(
    de="Nr. {number} der zuletzt gezeigten Liste gibt es nicht mehr: die Liste hat sich geändert. /subscriptions zeigt sie neu.",
    en="Number {number} of the list shown last is gone: the list has changed. /subscriptions shows it again.",
)
ZONE_IS = Phrase(
    de="Zeitzone dieses Chats: {zone}. Ändern, z. B.: /timezone {example}",
    en="This chat's time zone: {zone}. To change it, e.g.: /timezone {example}",
)
ZONE_EXAMPLES = ("Europe/Berlin", "America/New_York")
"""The zone /timezone suggests: the first that is not the chat's zone already."""
ZONE_SET = Phrase(de="Zeitzone ist jetzt {zone}.", en="The time zone is now {zone}.")
ZONE_MOVED_NONE = Phrase(
    de="Kein Abo folgt ihr (Abos mit eigener Zone bleiben).",
    en="No subscription follows it (those with their own zone stay).",
)
ZONE_MOVED_ONE = Phrase(de="1 Abo folgt ihr.", en="1 subscription follows it.")
ZONE_MOVED_MANY = Phrase(de="{moved} Abos folgen ihr.", en="{moved} subscriptions follow it.")
NEVER = Phrase(de="keiner", en="none")


class SubscriptionCommands:
    """The handlers, sharing the subscription store, the scheduler and the settings."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        scheduler: DigestScheduler,
        settings: Settings,
        *,
        briefing: Briefing | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.subscriptions = subscriptions
        self.scheduler = scheduler
        self.settings = settings
        self.briefing = briefing
        self.clock = clock or SystemClock()

    def commands(self) -> list[Command]:
        return [
            Command(
                "subscribe", self.subscribe, SUBSCRIBE_USAGE, SUBSCRIBE_SUMMARY, aliases=("abo",)
            ),
            Command(
                "timezone", self.timezone, TIMEZONE_USAGE, TIMEZONE_SUMMARY, aliases=("zeitzone",)
            ),
            Command(
                "subscriptions",
                self.list_subscriptions,
                LIST_USAGE,
                LIST_SUMMARY,
                aliases=("abos",),
            ),
            Command("unsubscribe", self.unsubscribe, UNSUBSCRIBE_USAGE, UNSUBSCRIBE_SUMMARY),
        ]

    def actions(self) -> dict[str, ActionHandler]:
        return {"subscribe": self.subscribe_button}

    # --- handlers ---------------------------------------------------------------------------

    async def subscribe(self, request: Request) -> list[Reply]:
        language = request.language
        if not request.args.strip():
            return [_usage(SUBSCRIBE_USAGE, language)]
        parsed = parse_subscription(request.args)
        chat = request.message.chat
        spec = replace(parsed.spec, timezone=parsed.spec.timezone or self.chat_zone(chat))
        return [
            self._subscribe(
                chat,
                parsed.topic,
                spec,
                language,
                zone_from_chat=parsed.spec.timezone is None,
                user_id=request.message.user_id,
            )
        ]

    async def subscribe_button(self, press: Press, router: Router) -> list[Reply]:
        """ "subscribe:<topic>" under a digest: daily at 07:30 in the chat's zone, unless the
        chat has that topic already (then it says when)."""
        language = router.language_for(press.chat, press.user_language)
        topic = press.action.partition(":")[2].strip()
        if not topic:
            return [_usage(SUBSCRIBE_USAGE, language)]
        existing = self.subscriptions.find(press.chat, topic)
        if existing is not None:
            return [_reply(ALREADY.format(language, **_describe(existing, language)), language)]
        spec = replace(DEFAULT_SPEC, timezone=self.chat_zone(press.chat))
        reply = self._subscribe(
            press.chat, topic, spec, language, zone_from_chat=True, user_id=press.user_id
        )
        hint = BUTTON_HINT.format(language, topic=topic)
        return [replace(reply, text=f"{reply.text}\n{hint}")]

    async def timezone(self, request: Request) -> list[Reply]:
        language = request.language
        chat = request.message.chat
        name = request.args.strip()
        if not name:
            zone = self.chat_zone(chat)
            example = next(z for z in ZONE_EXAMPLES if z != zone)
            return [_reply(ZONE_IS.format(language, zone=zone, example=example), language)]
        zone = parse_timezone(name)
        self.subscriptions.set_chat_zone(chat, zone)
        moved = self.subscriptions.move_to_zone(chat, zone, now=self.clock.now())
        for subscription in moved:
            self.scheduler.schedule(subscription)
        text = ZONE_SET.format(language, zone=zone) + " " + _moved(len(moved), language)
        return [_reply(text, language)]

    async def list_subscriptions(self, request: Request) -> list[Reply]:
        language = request.language
        subscriptions = self.subscriptions.for_chat(request.message.chat)
        if not subscriptions:
            return [_reply(NONE_YET.get(language), language)]
        lines = [
            LIST_LINE.format(
                language,
                number=number,
                next=self._next(subscription, language),
                **_describe(subscription, language),
            )
            for number, subscription in enumerate(subscriptions, 1)
        ]
        heading = LIST_HEADING.get(language)
        self.subscriptions.remember_listing(
            request.message.chat, subscriptions, now=self.clock.now()
        )
        return [
            Reply(
                "\n".join([heading, *lines]),
                language=language,
                title=heading,
                lines=tuple(lines),
            )
        ]

    async def unsubscribe(self, request: Request) -> list[Reply]:
        language = request.language
        what = request.args.strip()
        if not what:
            return [_usage(UNSUBSCRIBE_USAGE, language)]
        chat = request.message.chat
        subscriptions = self.subscriptions.for_chat(chat)
        chosen: list[Subscription]
        if what.lower() in ("all", "alle"):
            chosen = subscriptions
        elif what.isdigit():
            chosen = self._by_number(chat, int(what), subscriptions)
        else:
            found = self.subscriptions.find(chat, what)
            chosen = [found] if found is not None else []
        if not chosen:
            raise UserError("no_subscription", NOT_FOUND.filled(what=what))
        for subscription in chosen:
            self.subscriptions.remove(subscription.id)
            self.scheduler.unschedule(subscription.id)
        topics = ", ".join(s.topic for s in chosen)
        return [_reply(REMOVED.format(language, topics=topics), language)]

    # --- helpers ----------------------------------------------------------------------------

    def _by_number(
        self, chat: ChatRef, number: int, subscriptions: list[Subscription]
    ) -> list[Subscription]:
        """The subscription /subscriptions showed as `number` (the current order if the chat
        never listed them); UserError when that one is gone or the list has grown since."""
        listing = self.subscriptions.listing(chat)
        if listing is None:
            return [subscriptions[number - 1]] if 1 <= number <= len(subscriptions) else []
        if 1 <= number <= len(listing):
            shown = listing[number - 1]
            if shown is not None:
                return [shown]
        elif not 1 <= number <= len(subscriptions):
            return []
        raise UserError("subscription_list_changed", LIST_CHANGED.filled(number=number))

    def chat_zone(self, chat: ChatRef) -> str:
        """The chat's /timezone, else BRIEFBOT_TIMEZONE."""
        return self.subscriptions.chat_zone(chat) or self.settings.timezone

    def _subscribe(
        self,
        chat: ChatRef,
        topic: str,
        spec: TimeSpec,
        language: str,
        *,
        zone_from_chat: bool,
        user_id: str,
    ) -> Reply:
        existing = self.subscriptions.find(chat, topic)
        if (
            existing is not None
            and existing.active
            and existing.spec == spec
            and existing.zone_from_chat == zone_from_chat
        ):
            return _reply(ALREADY.format(language, **_describe(existing, language)), language)
        limit = self.settings.max_subscriptions
        if existing is None and self.subscriptions.count(chat) >= limit:
            raise UserError("too_many_subscriptions", TOO_MANY.filled(limit=limit))
        subscription, created = self.subscriptions.subscribe(
            chat, topic, spec, now=self.clock.now(), zone_from_chat=zone_from_chat, user_id=user_id
        )
        try:
            self.scheduler.schedule(subscription)
        except Exception:
            self._undo(subscription, existing)
            raise
        template = SUBSCRIBED if created else MOVED
        text = template.format(
            language, first=self._next(subscription, language), **_describe(subscription, language)
        )
        if self.briefing is not None and not self.briefing.search(topic, limit=1):
            text += "\n" + NO_ARTICLES.format(language, topic=topic)
        return _reply(text, language)

    def _undo(self, subscription: Subscription, previous: Subscription | None) -> None:
        """Put the store back as it was when the job could not be written."""
        if previous is None:
            self.subscriptions.remove(subscription.id)
        else:
            self.subscriptions.subscribe(
                previous.chat,
                previous.topic,
                previous.spec,
                now=previous.effective_from,
                zone_from_chat=previous.zone_from_chat,
            )

    def _next(self, subscription: Subscription, language: str) -> str:
        when = self.scheduler.next_run(subscription)
        if when is None:
            return NEVER.get(language)
        return local_time(when, subscription.timezone, language)


def subscription_commands(
    subscriptions: Subscriptions,
    scheduler: DigestScheduler,
    settings: Settings,
    *,
    briefing: Briefing | None = None,
    clock: Clock | None = None,
) -> list[Command]:
    """/subscribe, /timezone, /subscriptions, /unsubscribe for the router."""
    return SubscriptionCommands(
        subscriptions, scheduler, settings, briefing=briefing, clock=clock
    ).commands()


def _describe(subscription: Subscription, language: str) -> dict[str, str]:
    return {
        "topic": subscription.topic,
        "when": subscription.spec.describe(language),
        "zone": subscription.timezone,
    }


def _reply(text: str, language: str, *, kind: ReplyKind = "text") -> Reply:
    return Reply(text, kind=kind, language=language)


def _usage(usage: Phrase, language: str) -> Reply:
    """The router's "Usage: …" line for a command called without what it needs."""
    return _reply(texts.USAGE.format(language, usage=usage.get(language)), language, kind="usage")


def _moved(count: int, language: str) -> str:
    if count == 0:
        return ZONE_MOVED_NONE.get(language)
    if count == 1:
        return ZONE_MOVED_ONE.get(language)
    return ZONE_MOVED_MANY.format(language, moved=count)
