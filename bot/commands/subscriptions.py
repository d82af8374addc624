"""/subscribe, /timezone, /subscriptions, /unsubscribe and the "subscribe daily" button.

Platform-neutral: the router dispatches to these handlers for Telegram, Slack and the console
alike. Bad input (25:00, 7:61, an unknown zone, an empty topic, too many subscriptions) raises
UserError before anything is stored, so it changes nothing; the router shows its message.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field, replace

from bot import presentation, texts
from bot.commands import Action, Command, Pressed, Request
from bot.config import Settings
from schedules.clock import Clock, SystemClock
from schedules.scheduler import DigestScheduler
from schedules.subscriptions import Subscription, Subscriptions
from schedules.timespec import TimeSpec, local_time, parse_subscription, parse_timezone
from summarizer.errors import UserError
from summarizer.i18n import Phrase
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

DEFAULT_SPEC = TimeSpec(7, 30)
"""What the "subscribe daily" button under a digest subscribes to (in the chat's zone)."""


ZONE_EXAMPLES = ("Europe/Berlin", "America/New_York")
"""The zone /timezone suggests: the first that is not the chat's zone already."""


@dataclass(eq=False)  # a service: equal only to itself
class SubscriptionCommands:
    """The handlers, sharing the subscription store, the scheduler and the settings; with a
    `briefing`, /subscribe says when no article is on the topic yet."""

    subscriptions: Subscriptions
    scheduler: DigestScheduler
    settings: Settings
    _: KW_ONLY
    briefing: Briefing | None = None
    clock: Clock = field(default_factory=SystemClock)

    def commands(self) -> list[Command]:
        return [
            Command(
                "subscribe",
                self.subscribe,
                texts.SUBSCRIBE_USAGE,
                texts.SUBSCRIBE_SUMMARY,
                aliases=("abo",),
            ),
            Command(
                "timezone",
                self.timezone,
                texts.TIMEZONE_USAGE,
                texts.TIMEZONE_SUMMARY,
                aliases=("zeitzone",),
            ),
            Command(
                "subscriptions",
                self.list_subscriptions,
                texts.SUBSCRIPTIONS_USAGE,
                texts.SUBSCRIPTIONS_SUMMARY,
                aliases=("abos",),
            ),
            Command(
                "unsubscribe", self.unsubscribe, texts.UNSUBSCRIBE_USAGE, texts.UNSUBSCRIBE_SUMMARY
            ),
        ]

    def actions(self) -> list[Action]:
        return [Action("subscribe", self.subscribe_button)]

    # --- handlers ---------------------------------------------------------------------------

    async def subscribe(self, request: Request) -> list[Reply]:
        language = request.language
        if not request.args.strip():
            return [presentation.usage(texts.SUBSCRIBE_USAGE, language)]
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

    async def subscribe_button(self, pressed: Pressed) -> list[Reply]:
        """ "subscribe:<topic>" under a digest: daily at 07:30 in the chat's zone, unless the
        chat has that topic already (then it says when)."""
        press, language = pressed.press, pressed.language
        topic = pressed.payload.strip()
        if not topic:
            return [presentation.usage(texts.SUBSCRIBE_USAGE, language)]
        existing = self.subscriptions.find(press.chat, topic)
        if existing is not None:
            return [Reply(_about(texts.ALREADY_SUBSCRIBED, existing, language), language=language)]
        spec = replace(DEFAULT_SPEC, timezone=self.chat_zone(press.chat))
        reply = self._subscribe(
            press.chat, topic, spec, language, zone_from_chat=True, user_id=press.user_id
        )
        hint = texts.SUBSCRIBE_BUTTON_HINT.format(language, topic=topic)
        return [replace(reply, text=f"{reply.text}\n{hint}")]

    async def timezone(self, request: Request) -> list[Reply]:
        language = request.language
        chat = request.message.chat
        name = request.args.strip()
        if not name:
            zone = self.chat_zone(chat)
            example = next(z for z in ZONE_EXAMPLES if z != zone)
            return [presentation.say(texts.ZONE_IS, language, zone=zone, example=example)]
        zone = parse_timezone(name)
        self.subscriptions.set_chat_zone(chat, zone)
        moved = self.subscriptions.move_to_zone(chat, zone, now=self.clock.now())
        for subscription in moved:
            self.scheduler.schedule(subscription)
        text = texts.ZONE_SET.format(language, zone=zone) + " " + _moved(len(moved), language)
        return [Reply(text, language=language)]

    async def list_subscriptions(self, request: Request) -> list[Reply]:
        subscriptions = self.subscriptions.for_chat(request.message.chat)
        if subscriptions:
            self.subscriptions.remember_listing(
                request.message.chat, subscriptions, now=self.clock.now()
            )
        entries = [(s, self._next(s, request.language)) for s in subscriptions]
        return [presentation.subscriptions_reply(entries, request.language)]

    async def unsubscribe(self, request: Request) -> list[Reply]:
        language = request.language
        what = request.args.strip()
        if not what:
            return [presentation.usage(texts.UNSUBSCRIBE_USAGE, language)]
        chat = request.message.chat
        subscriptions = self.subscriptions.for_chat(chat)
        chosen: list[Subscription]
        if what.lower() in ("all", "alle"):
            chosen = subscriptions
        elif what.isdecimal():
            chosen = self._by_number(chat, int(what), subscriptions)
        else:
            found = self.subscriptions.find(chat, what)
            chosen = [found] if found is not None else []
        if not chosen:
            raise UserError("no_subscription", texts.NO_SUCH_SUBSCRIPTION.filled(what=what))
        for subscription in chosen:
            self.subscriptions.remove(subscription.id)
            self.scheduler.unschedule(subscription.id)
        topics = ", ".join(s.topic for s in chosen)
        return [presentation.say(texts.UNSUBSCRIBED, language, topics=topics)]

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
        raise UserError(
            "subscription_list_changed", texts.SUBSCRIPTION_LIST_CHANGED.filled(number=number)
        )

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
            return Reply(_about(texts.ALREADY_SUBSCRIBED, existing, language), language=language)
        limit = self.settings.max_subscriptions
        if existing is None and self.subscriptions.count(chat) >= limit:
            raise UserError(
                "too_many_subscriptions", texts.TOO_MANY_SUBSCRIPTIONS.filled(limit=limit)
            )
        subscription, created = self.subscriptions.subscribe(
            chat, topic, spec, now=self.clock.now(), zone_from_chat=zone_from_chat, user_id=user_id
        )
        try:
            self.scheduler.schedule(subscription)
        except Exception:
            self._undo(subscription, existing)
            raise
        template = texts.SUBSCRIBED if created else texts.SUBSCRIPTION_MOVED
        text = _about(template, subscription, language, first=self._next(subscription, language))
        if self.briefing is not None and not self.briefing.search(topic, limit=1):
            text += "\n" + texts.SUBSCRIBED_NO_ARTICLES.format(language, topic=topic)
        return Reply(text, language=language)

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
            return texts.NO_NEXT_DELIVERY.get(language)
        return local_time(when, subscription.timezone, language)


def _moved(count: int, language: str) -> str:
    if count == 0:
        return texts.ZONE_MOVED_NONE.get(language)
    if count == 1:
        return texts.ZONE_MOVED_ONE.get(language)
    return texts.ZONE_MOVED_MANY.format(language, moved=count)


def _about(phrase: Phrase, subscription: Subscription, language: str, **values: str) -> str:
    """`phrase` filled with the subscription's topic, days and time, and zone."""
    return phrase.format(
        language, **presentation.subscription_values(subscription, language), **values
    )
