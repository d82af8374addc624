"""What users type after /subscribe, in German and English, and the clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules.timespec import (
    ALL_DAYS,
    WEEKDAYS,
    TimeSpec,
    days_from_cron,
    local_time,
    parse_subscription,
    parse_timezone,
)
from summarizer.errors import UserError


@pytest.mark.parametrize(
    ("text", "topic", "spec"),
    [
        ("nordkorea 07:30", "nordkorea", TimeSpec(7, 30)),
        ("7:30 nordkorea", "nordkorea", TimeSpec(7, 30)),
        ("07:30 north korea", "north korea", TimeSpec(7, 30)),
        ("9 Uhr fussball", "fussball", TimeSpec(9, 0)),
        ("werktags 8 Uhr nordkorea", "nordkorea", TimeSpec(8, 0, WEEKDAYS)),
        (
            "mo,do 18:00 nordkorea Europe/Berlin",
            "nordkorea",
            TimeSpec(18, 0, (0, 3), "Europe/Berlin"),
        ),
        ("um 6:30 pm Krieg in der Ukraine", "Krieg in der Ukraine", TimeSpec(18, 30)),
        ("nordkorea 7:30", "nordkorea", TimeSpec(7, 30)),
        ("nordkorea 7.30", "nordkorea", TimeSpec(7, 30)),
        ("nordkorea 07:30 Europe/Berlin", "nordkorea", TimeSpec(7, 30, timezone="Europe/Berlin")),
        ("nordkorea 07:30 europe/berlin", "nordkorea", TimeSpec(7, 30, timezone="Europe/Berlin")),
        ("nordkorea 23:05 UTC", "nordkorea", TimeSpec(23, 5, timezone="UTC")),
        ("nordkorea weekdays 08:00", "nordkorea", TimeSpec(8, 0, WEEKDAYS)),
        ("nordkorea werktags 8:00 Uhr", "nordkorea", TimeSpec(8, 0, WEEKDAYS)),
        ("nordkorea mon,thu 18:00", "nordkorea", TimeSpec(18, 0, (0, 3))),
        ("nordkorea mo,do 18:00", "nordkorea", TimeSpec(18, 0, (0, 3))),
        ("nordkorea Montag Donnerstag 18:00", "nordkorea", TimeSpec(18, 0, (0, 3))),
        ("nordkorea mo-fr 6:45", "nordkorea", TimeSpec(6, 45, WEEKDAYS)),
        ("nordkorea 18:00 sa,so", "nordkorea", TimeSpec(18, 0, (5, 6))),
        ("nordkorea täglich 07:30", "nordkorea", TimeSpec(7, 30, ALL_DAYS)),
        ("Krieg in der Ukraine 06:00", "Krieg in der Ukraine", TimeSpec(6, 0)),
        ("g7 gipfel 0:00", "g7 gipfel", TimeSpec(0, 0)),
        ("Kim Jong-un 06:00", "Kim Jong-un", TimeSpec(6, 0)),
        ("Do-it-yourself 06:00", "Do-it-yourself", TimeSpec(6, 0)),
        ("Bahn, Streik 06:00", "Bahn, Streik", TimeSpec(6, 0)),
        # times as people write them
        ("fussball 9 Uhr", "fussball", TimeSpec(9, 0)),
        ("fussball 9Uhr", "fussball", TimeSpec(9, 0)),
        ("fussball 9am", "fussball", TimeSpec(9, 0)),
        ("news 7.30 Uhr", "news", TimeSpec(7, 30)),
        ("news 18 h", "news", TimeSpec(18, 0)),
        ("news 18h", "news", TimeSpec(18, 0)),
        ("news 0 Uhr", "news", TimeSpec(0, 0)),
        ("fussball wochenende 9 Uhr", "fussball", TimeSpec(9, 0, (5, 6))),
        ("fussball 9 Uhr am Wochenende", "fussball", TimeSpec(9, 0, (5, 6))),
        ("fussball am wochenende um 9 Uhr", "fussball", TimeSpec(9, 0, (5, 6))),
        ("fussball um 9 Uhr", "fussball", TimeSpec(9, 0)),
        ("x 9:30 pm Europe/London", "x", TimeSpec(21, 30, timezone="Europe/London")),
        ("x 9:30PM", "x", TimeSpec(21, 30)),
        ("x 7.30 p.m.", "x", TimeSpec(19, 30)),
        ("news at 6 am", "news", TimeSpec(6, 0)),
        ("news 12 am", "news", TimeSpec(0, 0)),
        ("news 12:15 am", "news", TimeSpec(0, 15)),
        ("news 12 pm", "news", TimeSpec(12, 0)),
        ("news weekdays 8am", "news", TimeSpec(8, 0, WEEKDAYS)),
        # numbers in the topic stay there; "Uhr" is never part of it
        ("Formel 1 9 Uhr", "Formel 1", TimeSpec(9, 0)),
        ("Formel 1 20:15", "Formel 1", TimeSpec(20, 15)),
        ("Rock am Ring 20 Uhr", "Rock am Ring", TimeSpec(20, 0)),
        ("g7 gipfel 18 Uhr Europe/Berlin", "g7 gipfel", TimeSpec(18, 0, timezone="Europe/Berlin")),
    ],
)
def test_understands(text: str, topic: str, spec: TimeSpec) -> None:
    parsed = parse_subscription(text)
    assert (parsed.topic, parsed.spec) == (topic, spec)
    assert "Uhr" not in parsed.topic


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("nordkorea 25:00", "bad_time", "0–23"),
        ("nordkorea 7:61", "bad_time", "0–59"),
        ("nordkorea 24:00", "bad_time", "0–23"),
        ("nordkorea 07:30 Mars/Olympus", "bad_zone", "Mars/Olympus"),
        ("nordkorea 07:30 berlin", "bad_zone", "berlin"),
        ("07:30", "empty_topic", "Thema"),
        ("weekdays 07:30", "empty_topic", "Thema"),
        ("nordkorea", "no_time", "Uhrzeit"),
        ("nordkorea morgens", "no_time", "Uhrzeit"),
        ("nordkorea 07:30 UTC Europe/Berlin", "bad_spec", "Europe/Berlin"),
        ("x" * 81 + " 07:30", "topic_too_long", "80"),
        ("fussball mo,xx 08:00", "bad_day", "xx"),  # was the topic "fussball mo,xx", daily
        ("fussball mon,thu,fry 08:00", "bad_day", "fry"),
        ("fussball mo-xx 08:00", "bad_day", "xx"),
        ("fussball 13 pm", "bad_time", "1–12"),
        ("fussball 0 am", "bad_time", "1–12"),
        ("fussball 9:75 am", "bad_time", "0–59"),
        ("fussball 25 Uhr", "bad_time", "0–23"),
        ("fussball 24h", "bad_time", "0–23"),
        ("fussball 7:60", "bad_time", "0–59"),
        ("fussball 7.60 Uhr", "bad_time", "0–59"),
        ("fussball 9", "no_time", "Uhrzeit"),  # a bare number may be part of a topic
        ("fussball 9 o'clock", "no_time", "Uhrzeit"),  # am or pm?
        ("fussball halb 8", "no_time", "Uhrzeit"),
        ("um 9 Uhr", "empty_topic", "Thema"),
    ],
)
def test_refuses_clearly_in_german_and_english(text: str, code: str, words: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_subscription(text)
    assert caught.value.code == code
    assert words in caught.value.message("de")
    assert caught.value.message("en") and caught.value.message("en") != caught.value.message("de")


def test_describes_days_in_both_languages() -> None:
    assert TimeSpec(7, 30).describe("de") == "täglich 07:30"
    assert TimeSpec(7, 30).describe("en") == "daily 07:30"
    assert TimeSpec(8, 0, WEEKDAYS).describe("de") == "werktags 08:00"
    assert TimeSpec(18, 0, (0, 3)).describe("de") == "Mo, Do 18:00"
    assert TimeSpec(18, 0, (0, 3)).describe("en") == "Mon, Thu 18:00"


def test_day_groups_and_moments_read_the_same_in_both_languages() -> None:
    assert TimeSpec(9, 0, (5, 6)).describe("de") == "am Wochenende 09:00"
    assert TimeSpec(9, 0, (5, 6)).describe("en") == "weekends 09:00"
    assert TimeSpec(8, 0, WEEKDAYS).describe("en") == "weekdays 08:00"
    friday = datetime(2026, 12, 4, 6, 30, tzinfo=UTC)
    assert local_time(friday, "Europe/Berlin", "de") == "Fr 04.12. 07:30"
    assert local_time(friday, "Europe/Berlin", "en") == "Fri 4 Dec 07:30"
    assert local_time(friday, "America/New_York", "de", date=False) == "Fr 01:30"
    assert local_time(friday, "America/New_York", "en", date=False) == "Fri 01:30"
    assert local_time(datetime(2027, 1, 31, 23, 5, tzinfo=UTC), "UTC", "fr") == "Sun 31 Jan 23:05"


def test_zone_names_are_canonical() -> None:
    assert parse_timezone("utc") == "UTC"
    assert parse_timezone("America/New_York") == "America/New_York"
    with pytest.raises(UserError):
        parse_timezone("Europe/Atlantis")


@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.sets(st.integers(0, 6), min_size=1),
    st.sampled_from([":", "."]),
)
def test_every_valid_time_and_day_set_round_trips(
    hour: int, minute: int, days: set[int], separator: str
) -> None:
    spec = TimeSpec(hour, minute, tuple(sorted(days)))
    assert days_from_cron(spec.cron_days) == spec.days
    names = ",".join(("mo", "di", "mi", "do", "fr", "sa", "so")[d] for d in spec.days)
    parsed = parse_subscription(f"hafen rajin {names} {hour}{separator}{minute:02d}")
    assert parsed == parsed.__class__("hafen rajin", spec)


@given(st.integers(24, 99), st.integers(0, 99))
def test_no_impossible_hour_gets_through(hour: int, minute: int) -> None:
    with pytest.raises(UserError):
        parse_subscription(f"hafen {hour}:{minute:02d}")


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["am", "AM", " am", " a.m."]))
def test_every_am_pm_time_means_the_same_24_hour_time(hour: int, minute: int, mark: str) -> None:
    twelve = hour % 12 or 12
    if hour >= 12:
        mark = mark.replace("a", "p").replace("A", "P")
    parsed = parse_subscription(f"hafen {twelve}:{minute:02d}{mark}")
    assert parsed.spec == TimeSpec(hour, minute) and parsed.topic == "hafen"


@pytest.mark.parametrize(
    ("text", "english"),
    [("fussball 13 pm", "13 pm is not a time of day"), ("x 25 Uhr", "25 Uhr is not a time")],
)
def test_bad_times_are_explained_in_english_too(text: str, english: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_subscription(text)
    assert english in caught.value.message("en")


def test_time_first_without_a_topic_asks_for_one() -> None:
    with pytest.raises(UserError) as error:
        parse_subscription("7:30")
    assert error.value.code == "empty_topic"


def test_time_first_with_an_impossible_time_says_so() -> None:
    with pytest.raises(UserError) as error:
        parse_subscription("25:00 nordkorea")
    assert error.value.code == "bad_time"
