"""Reads what follows `/subscribe`: a topic, optional days, a time and an optional time zone.

    nordkorea 07:30 · nordkorea 7.30 · nordkorea 07:30 Europe/Berlin · nordkorea weekdays 08:00
    nordkorea mon,thu 18:00 · nordkorea mo,do 18:00 · nordkorea werktags 8:00 Uhr
    fussball 9 Uhr · news 7.30 Uhr · news 18h · fussball 9am · x 9:30 pm Europe/London
    7:30 nordkorea · mo,do 18:00 nordkorea · 9 Uhr fussball Europe/Berlin   (time first)

Hand-written (a few lines of token rules) because date parsers such as dateparser guess a full
date from any number and know neither German day lists nor our topic-first word order.
Mistakes raise UserError with a German and an English message; nothing is guessed.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from summarizer.errors import UserError
from summarizer.i18n import Phrase

ALL_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
WEEKEND: tuple[int, ...] = (5, 6)
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_TOPIC_CHARS = 80

_DAY_WORDS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "mon monday mo montag",
        "tue tues tuesday di dienstag",
        "wed wednesday mi mittwoch",
        "thu thur thurs thursday do donnerstag",
        "fri friday fr freitag",
        "sat saturday sa samstag sonnabend",
        "sun sunday so sonntag",
    )
):
    for _name in _names.split():
        _DAY_WORDS[_name] = _number

_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "täglich": ALL_DAYS,
    "taeglich": ALL_DAYS,
    "weekdays": WEEKDAYS,
    "werktags": WEEKDAYS,
    "wochentags": WEEKDAYS,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
    "wochenende": WEEKEND,
}
DAY_NAMES = tuple(
    Phrase(de=de, en=en)
    for de, en in zip(
        ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        strict=True,
    )
)
"""A day's short name, Monday first, as /subscriptions and digest headers show it."""
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAILY = Phrase(de="täglich", en="daily")
ON_WEEKDAYS = Phrase(de="werktags", en="weekdays")
ON_WEEKENDS = Phrase(de="am Wochenende", en="weekends")
_DAY_GROUP_NAMES = {ALL_DAYS: DAILY, WEEKDAYS: ON_WEEKDAYS, WEEKEND: ON_WEEKENDS}
DAY_AND_DATE = Phrase(
    de="{day} {when:%d.%m.} {when:%H:%M}", en="{day} {when.day} {month} {when:%H:%M}"
)
"""A moment with its date, as no reader can misread it: "Fr 04.12. 07:30" / "Fri 4 Dec 07:30"
(`month` is the English short name; German writes the month as a number)."""
_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<mark>uhr|h|am|pm|a\.m\.|p\.m\.)?$",
    re.IGNORECASE,
)
_MARKS = {"uhr", "h", "am", "pm", "a.m.", "p.m."}
"""Words that make a number a time: "9 Uhr", "18 h", "9 am", "9:30 pm"."""
_CLOCK_WORDS = {"uhr", "h", "o'clock"}
"""Skipped after a time ("7:30 o'clock", a repeated "Uhr"). "o'clock" does not make a number a
time: "9 o'clock" may mean 21:00."""
_FILLERS = {"um", "at", "am", "on"}
"""Joining words ("fussball um 9 Uhr", "am wochenende") that belong to neither topic nor time."""

NO_TIME = Phrase(
    de="Bitte eine Uhrzeit angeben, z. B. /subscribe nordkorea 07:30",
    en="Please give a time, e.g. /subscribe nordkorea 07:30",
)
NOT_UNDERSTOOD = Phrase(
    de="„{token}“ verstehe ich hier nicht. Beispiel: /subscribe nordkorea mo,do 18:00 Europe/Berlin",
    en="I don't understand “{token}” here. Example: /subscribe nordkorea mon,thu 18:00 Europe/Berlin",
)
NO_TOPIC = Phrase(
    de="Welches Thema? Beispiel: /subscribe nordkorea 07:30",
    en="Which topic? Example: /subscribe nordkorea 07:30",
)
TOPIC_TOO_LONG = Phrase(
    de="Das Thema ist zu lang (höchstens {limit} Zeichen).",
    en="The topic is too long (at most {limit} characters).",
)
NOT_A_TIME = Phrase(
    de="„{token}“ ist keine Uhrzeit. Bitte so: 07:30",
    en="“{token}” is not a time. Please write it like 07:30",
)
NO_SUCH_TIME_12H = Phrase(
    de="{token} gibt es nicht: mit am/pm Stunden 1–12, Minuten 0–59.",
    en="{token} is not a time of day: with am/pm hours 1–12, minutes 0–59.",
)
NO_SUCH_TIME = Phrase(
    de="{token} gibt es nicht: Stunden 0–23, Minuten 0–59.",
    en="{token} is not a time of day: hours 0–23, minutes 0–59.",
)
NOT_A_DAY = Phrase(
    de="„{day}“ ist kein Wochentag. Beispiel: /subscribe nordkorea mo,do 18:00",
    en="“{day}” is not a day of the week. Example: /subscribe nordkorea mon,thu 18:00",
)
UNKNOWN_ZONE = Phrase(
    de="Die Zeitzone „{zone}“ kenne ich nicht. Bitte einen IANA-Namen wie Europe/Berlin oder UTC.",
    en="I don't know the time zone “{zone}”. Please use an IANA name such as Europe/Berlin or UTC.",
)


@dataclass(frozen=True)
class TimeSpec:
    """When a digest goes out: `hour:minute` on `days` (0 = Monday), in `timezone` if given
    (None: the chat's zone)."""

    hour: int
    minute: int
    days: tuple[int, ...] = ALL_DAYS
    timezone: str | None = None

    @property
    def clock(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def cron_days(self) -> str:
        """APScheduler's `day_of_week` field: "*" or e.g. "mon,thu"."""
        if self.days == ALL_DAYS:
            return "*"
        return ",".join(CRON_DAYS[d] for d in self.days)

    def describe(self, language: str) -> str:
        """ "täglich 07:30", "werktags 08:00", "Mo, Do 18:00" (or the English words)."""
        return f"{describe_days(self.days, language)} {self.clock}"


@dataclass(frozen=True)
class SubscriptionRequest:
    """A parsed `/subscribe` argument line."""

    topic: str
    spec: TimeSpec


def describe_days(days: tuple[int, ...], language: str) -> str:
    """ "täglich", "werktags", "am Wochenende" for the usual groups, else "Mo, Do"."""
    group = _DAY_GROUP_NAMES.get(days)
    if group is not None:
        return group.get(language)
    return ", ".join(DAY_NAMES[d].get(language) for d in days)


def local_time(when: datetime, zone: str, language: str, *, date: bool = True) -> str:
    """A moment as a chat reads it, in `zone`, 24-hour clock, a date no reader can misread:
    "Fr 04.12. 07:30" / "Fri 4 Dec 07:30" ("Fr 07:30" / "Fri 07:30" without `date`)."""
    local = when.astimezone(zoneinfo.ZoneInfo(zone))
    day = DAY_NAMES[local.weekday()].get(language)
    if not date:
        return f"{day} {local:%H:%M}"
    return DAY_AND_DATE.format(language, day=day, when=local, month=_MONTHS_EN[local.month - 1])


def days_from_cron(field: str) -> tuple[int, ...]:
    """The inverse of `TimeSpec.cron_days`."""
    if field in ("", "*"):
        return ALL_DAYS
    return tuple(sorted(CRON_DAYS.index(name) for name in field.split(",")))


def parse_subscription(text: str) -> SubscriptionRequest:
    """`TOPIC [DAYS] TIME [DAYS] [ZONE]` or `[DAYS] TIME [DAYS] TOPIC [ZONE]` -> topic and
    TimeSpec, or UserError."""
    tokens = _join_marks(text.split())
    time_first = _time_first(tokens)
    if time_first is not None:
        return time_first
    position = next(
        (i for i in range(len(tokens) - 1, -1, -1) if _looks_like_time(tokens[i])), None
    )
    if position is None:
        raise UserError("no_time", NO_TIME)
    hour, minute = parse_clock(tokens[position])
    days: tuple[int, ...] | None = None
    zone: str | None = None
    for token in tokens[position + 1 :]:
        if token.lower() in _CLOCK_WORDS or token.lower() in _FILLERS:
            continue
        token_days = parse_days(token)
        if token_days is not None and days is None:
            days = token_days
        elif zone is None:
            zone = parse_timezone(token)
        else:
            raise UserError("bad_spec", NOT_UNDERSTOOD.filled(token=token))
    start = _before_filler(tokens, position)
    end = start
    while start > 0 and days is None and parse_days(tokens[start - 1]) is not None:
        start -= 1
    if start < end:
        days = tuple(sorted({d for token in tokens[start:end] for d in parse_days(token) or ()}))
        start = _before_filler(tokens, start)
    if start > 0:
        _check_not_a_broken_day_list(tokens[start - 1])
    topic = " ".join(tokens[:start]).strip().strip("\"'„“”")
    if not topic:
        raise UserError("empty_topic", NO_TOPIC)
    if len(topic) > MAX_TOPIC_CHARS:
        raise UserError("topic_too_long", TOPIC_TOO_LONG.filled(limit=MAX_TOPIC_CHARS))
    return SubscriptionRequest(topic, TimeSpec(hour, minute, days or ALL_DAYS, zone))


def _time_first(tokens: list[str]) -> SubscriptionRequest | None:
    """ "7:30 nordkorea", "mo,do 18:00 nordkorea Europe/Berlin": days and a time before the
    topic, a zone after it. None when the line does not start that way, or names a second time
    (then the last time is the time, as in the topic-first order)."""
    start = 0
    while start < len(tokens) and (
        tokens[start].lower() in _FILLERS or parse_days(tokens[start]) is not None
    ):
        start += 1
    if start >= len(tokens) - 1 or not _looks_like_time(tokens[start]):
        return None
    if any(_looks_like_time(token) for token in tokens[start + 1 :]):
        return None
    hour, minute = parse_clock(tokens[start])
    days = {d for token in tokens[:start] for d in parse_days(token) or ()}
    rest = tokens[start + 1 :]
    while rest and (rest[0].lower() in _CLOCK_WORDS or parse_days(rest[0]) is not None):
        days.update(parse_days(rest[0]) or ())
        rest = rest[1:]
    zone = None
    if len(rest) > 1 and rest[-1].strip().lower() in _zone_names():
        zone = parse_timezone(rest[-1])
        rest = rest[:-1]
    topic = " ".join(rest).strip().strip("\"'„“”")
    if not topic:
        return None
    if len(topic) > MAX_TOPIC_CHARS:
        raise UserError("topic_too_long", TOPIC_TOO_LONG.filled(limit=MAX_TOPIC_CHARS))
    return SubscriptionRequest(topic, TimeSpec(hour, minute, tuple(sorted(days)) or ALL_DAYS, zone))


def parse_clock(token: str) -> tuple[int, int]:
    """A time of day as people write it -> (hour, minute); impossible times -> UserError.

    Accepted: "07:30", "7:30", "7.30" (optionally followed by "h" or "Uhr"); a whole hour with
    "Uhr" or "h" ("9 Uhr", "18h"); an hour or H:MM/H.MM with am/pm ("9am", "9:30 pm",
    "7.30 p.m."; 12 am is 00:00, 12 pm is 12:00). Not accepted: a bare number ("9" may be part
    of the topic, "Formel 1"), "o'clock" (am or pm?) and phrases such as "halb 8" or
    "viertel nach 7", which need a grammar of their own and are easily misread.
    """
    match = _TIME.match(token.strip())
    if match is None or (match["minute"] is None and match["mark"] is None):
        raise UserError("bad_time", NOT_A_TIME.filled(token=token))
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    mark = (match["mark"] or "").lower().replace(".", "")
    if mark in ("am", "pm"):
        if not 1 <= hour <= 12 or minute > 59:
            raise UserError("bad_time", NO_SUCH_TIME_12H.filled(token=token))
        return hour % 12 + (12 if mark == "pm" else 0), minute
    if hour > 23 or minute > 59:
        raise UserError("bad_time", NO_SUCH_TIME.filled(token=token))
    return hour, minute


def parse_days(token: str) -> tuple[int, ...] | None:
    """ "mon,thu", "mo-fr", "weekdays", "Donnerstag" -> day numbers; None if not a day list."""
    parts = [p for p in token.lower().strip(",").split(",") if p]
    if not parts:
        return None
    days: set[int] = set()
    for part in parts:
        if part in _DAY_GROUPS:
            days.update(_DAY_GROUPS[part])
        elif part in _DAY_WORDS:
            days.add(_DAY_WORDS[part])
        elif "-" in part and all(side in _DAY_WORDS for side in part.split("-", 1)):
            first, last = (_DAY_WORDS[side] for side in part.split("-", 1))
            days.update(
                range(first, last + 1) if first <= last else (*range(first, 7), *range(0, last + 1))
            )
        else:
            return None
    return tuple(sorted(days))


def _check_not_a_broken_day_list(token: str) -> None:
    """UserError for "mo,xx" or "mon-frx" right before the days or time: a day list with a
    typo, which would otherwise become part of the topic ("fussball mo,xx", daily)."""
    if parse_days(token) is not None:
        return
    lowered = token.lower().strip(",")
    if "," in lowered:
        parts = [p for p in re.split(r"[,-]", lowered) if p]
    else:  # "mo-xx", but not a hyphenated topic word such as "Do-it-yourself"
        parts = lowered.split("-")
        if len(parts) != 2 or min(len(p) for p in parts) == 0 or max(map(len, parts)) > 4:
            return
    known = [p for p in parts if p in _DAY_WORDS or p in _DAY_GROUPS]
    if not known or len(known) == len(parts):
        return
    unknown = next(p for p in parts if p not in known)
    raise UserError("bad_day", NOT_A_DAY.filled(day=unknown))


def parse_timezone(name: str) -> str:
    """An IANA zone name in its canonical spelling ("europe/berlin" -> "Europe/Berlin")."""
    canonical = _zone_names().get(name.strip().lower())
    if canonical is None:
        raise UserError("bad_zone", UNKNOWN_ZONE.filled(zone=name))
    return canonical


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _looks_like_time(token: str) -> bool:
    """A time, possible or not ("25 Uhr" too, so it gets a clear error), but no bare number."""
    match = _TIME.match(token)
    return match is not None and (match["minute"] is not None or match["mark"] is not None)


def _join_marks(tokens: list[str]) -> list[str]:
    """ "9", "Uhr" -> "9 Uhr"; "9:30", "pm" -> "9:30 pm": a number and its time word are one
    token, so "Uhr" never ends up in the topic nor "pm" in the time zone."""
    joined: list[str] = []
    for token in tokens:
        if (
            joined
            and token.lower() in _MARKS
            and re.fullmatch(r"\d{1,2}(?:[:.]\d{2})?", joined[-1])
        ):
            joined[-1] = f"{joined[-1]} {token}"
        else:
            joined.append(token)
    return joined


def _before_filler(tokens: list[str], position: int) -> int:
    """`position`, or one less when a joining word such as "um" comes right before it
    ("fussball um 9 Uhr": the topic is "fussball")."""
    if position > 0 and tokens[position - 1].lower() in _FILLERS:
        return position - 1
    return position
