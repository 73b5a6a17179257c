"""Fuzzing `parse_when` and `parse_change`: a reading, a question, or a refusal.

Whatever the text, zone and instant, the parser returns a `ParsedWhen`
whose next runs are ahead of now and in order, or raises `ParseError` (a
question as `Ambiguous`, whose readings parse again without anything else
escaping) with a short message. Nothing else escapes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import event, given
from hypothesis import strategies as st

from scheduler.triggers import AnyTrigger
from tests.fuzz.strategies import TIMES, fuzz, glued, leaked, sentences, typo, typoed
from tools.timeparse import Ambiguous, ParsedWhen, ParseError, parse_change, parse_when

MAX_MESSAGE = 600
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "UTC",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/St_Johns",
    "Pacific/Kiritimati",  # +14
    "Etc/GMT+12",
    "america/new_york",  # any letter case
)
BAD_ZONES = ("Mars/Olympus", "", " ", "../../etc/passwd", "EST5EDT,M3.2.0", "UTC+2")
BASE = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CURRENT = (
    "every weekday at 9am",
    "every other tuesday at 4pm",
    "on the 1st of every month at 9am",
    "tomorrow at 3pm",
    "every 15 minutes",
    "every 3 days at 10am",
    "every hour between 9am and 5pm on weekdays",
    "every friday at 4pm until april 30",
    "every day at 9am 6 times",
    "the last friday of every month at 5pm",
    "0 12 L * *",
)
CURRENT_TRIGGERS: tuple[AnyTrigger, ...] = tuple(
    parse_when(text, "America/New_York", BASE).trigger for text in CURRENT
)

_zones = st.sampled_from(ZONES)
_instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 12, 31),
    timezones=st.sampled_from([None, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]),
)
# DST changes are where wall-clock arithmetic breaks: instants within a day of one.
_dst_days = st.sampled_from(
    [
        datetime(2026, 3, 8, 6, 59, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2028, 2, 29, 12, tzinfo=UTC),
    ]
)
_nows = st.one_of(_instants, _dst_days, st.just(BASE))
_near_miss = st.one_of(
    st.sampled_from(TIMES),
    st.sampled_from(TIMES).map(typo),
    st.tuples(st.sampled_from(TIMES), sentences).map(" ".join),
    st.tuples(sentences, st.sampled_from(TIMES)).map(" ".join),
    glued,
    sentences,
    typoed,
)
texts = st.one_of(_near_miss, _near_miss, st.text(max_size=200))


def aware(now: datetime, zone: str) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=ZoneInfo(_canonical(zone)))


def _canonical(zone: str) -> str:
    return "America/New_York" if zone == "america/new_york" else zone


def check_reading(parsed: ParsedWhen, now: datetime) -> None:
    assert parsed.description.strip()
    runs = parsed.next_runs
    assert all(isinstance(run.tzinfo, tzinfo) for run in runs)
    assert runs == sorted(runs) and len(set(runs)) == len(runs)
    assert all(run > now for run in runs), (runs, now)
    ZoneInfo(parsed.trigger.timezone)  # a real zone, spelt as IANA spells it
    json.dumps(parsed.to_json())


def check_refusal(err: ParseError) -> None:
    assert err.message.strip() and len(err.message) <= MAX_MESSAGE, err.message
    assert not leaked(err.message)
    assert err.hint is None or isinstance(err.hint, str)
    json.dumps(err.to_json())


def outcome(read: object, now: datetime) -> str:
    """Check what one parse gave; its kind, for the statistics."""
    if isinstance(read, ParsedWhen):
        check_reading(read, now)
        return "reading"
    assert isinstance(read, ParseError), read
    check_refusal(read)
    return "question" if isinstance(read, Ambiguous) else "refusal"


def attempt(parse: object, *args: object) -> ParsedWhen | ParseError:
    try:
        return parse(*args)  # type: ignore[operator]
    except ParseError as err:  # anything else fails the test with its traceback
        return err


@fuzz(250)
@given(text=texts, tz=_zones, now=_nows)
def test_parse_when_reads_asks_or_refuses(text: str, tz: str, now: datetime) -> None:
    read = attempt(parse_when, text, tz, now)
    event(outcome(read, aware(now, tz)))
    if isinstance(read, Ambiguous):
        assert read.options
        for option in read.options:
            assert option.label.strip() and option.when.strip()
            again = attempt(parse_when, option.when, tz, now)
            outcome(again, aware(now, tz))
            # A reading settles its question: it never asks the same thing again.
            assert not isinstance(again, Ambiguous) or again.message != read.message, option


@fuzz(200)
@given(text=texts, tz=_zones, now=_nows, current=st.sampled_from(CURRENT_TRIGGERS))
def test_parse_change_reads_asks_or_refuses(
    text: str, tz: str, now: datetime, current: AnyTrigger
) -> None:
    read = attempt(parse_change, text, tz, now, current)
    event(outcome(read, aware(now, tz)))
    if isinstance(read, Ambiguous):
        for option in read.options:
            again = attempt(parse_change, option.when, tz, now, current)
            outcome(again, aware(now, tz))
            assert not isinstance(again, Ambiguous) or again.message != read.message, option


@fuzz(40)
@given(text=st.sampled_from(TIMES), tz=st.sampled_from(BAD_ZONES))
def test_an_unknown_zone_is_a_refusal(text: str, tz: str) -> None:
    read = attempt(parse_when, text, tz, BASE)
    assert isinstance(read, ParseError) and not isinstance(read, Ambiguous)
    check_refusal(read)
