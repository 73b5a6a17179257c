"""scheduler.recurrence: RRULE bodies checked, iterated on wall time, and said in English."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import recurrence
from scheduler.errors import TriggerError

START = datetime(2026, 3, 4)


@pytest.mark.parametrize(
    ("body", "normal"),
    [
        ("FREQ=DAILY", "FREQ=DAILY"),
        ("rrule:freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("BYMINUTE=0;BYHOUR=9;FREQ=DAILY", "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"),
        (" FREQ=MONTHLY; BYDAY=-1FR ;", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=DAILY;BYSECOND=0", "FREQ=DAILY;BYSECOND=0"),
    ],
)
def test_it_normalizes_a_body(body: str, normal: str) -> None:
    assert recurrence.normalize(body) == normal


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("BYDAY=MO", "needs a FREQ"),
        ("FREQ=DAILY;COUNT=5", "COUNT does not belong in a rule"),
        ("FREQ=DAILY;DTSTART=20260101T000000", "DTSTART does not belong in a rule"),
        ("FREQ=SECONDLY", "at most once a minute"),
        ("FREQ=DAILY;BYSECOND=30", "BYSECOND must be 0"),
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not one of"),
        ("FREQ=DAILY;INTERVAL=0", "must be a whole number from 1 to 1000"),
        ("FREQ=DAILY;INTERVAL=x", "must be a whole number from 1 to 1000"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice"),
        ("FREQ=DAILY;BYEASTER=0", "BYEASTER is not supported"),
        ("FREQ=DAILY;BYHOUR", "is not KEY=VALUE"),
        ("FREQ=WEEKLY;BYDAY=XX", "is not valid"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "never fires"),
    ],
)
def test_it_refuses_a_rule_it_cannot_run(body: str, message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        recurrence.normalize(body)


def walls(rules: tuple[str, ...], start: datetime, wall: datetime, count: int) -> list[str]:
    found = islice(recurrence.walls_from(rules, start, wall), count)
    return [w.strftime("%a %Y-%m-%d %H:%M") for w in found]


def test_walls_merge_a_union_and_drop_duplicates() -> None:
    rules = ("FREQ=DAILY;BYHOUR=9,13;BYMINUTE=0", "FREQ=DAILY;BYHOUR=13;BYMINUTE=0,30")
    assert walls(rules, START, datetime(2026, 3, 4, 10), 4) == [
        "Wed 2026-03-04 13:00",
        "Wed 2026-03-04 13:30",
        "Thu 2026-03-05 09:00",
        "Thu 2026-03-05 13:00",
    ]


def test_walls_include_the_wall_time_asked_from() -> None:
    rules = ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0",)
    assert walls(rules, START, datetime(2026, 3, 5, 9), 1) == ["Thu 2026-03-05 09:00"]


def test_walls_from_a_years_old_start_keep_the_phase() -> None:
    rules = ("FREQ=WEEKLY;INTERVAL=3;BYDAY=FR;BYHOUR=17;BYMINUTE=0",)
    start = datetime(2016, 1, 1)  # a Friday
    got = walls(rules, start, datetime(2036, 1, 1), 2)
    first = datetime.strptime(got[0][4:], "%Y-%m-%d %H:%M")
    assert (first.date() - start.date()).days % 21 == 0
    assert got[1] == (first + timedelta(weeks=3)).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("rules", "text"),
    [
        (("FREQ=DAILY;BYHOUR=9;BYMINUTE=0",), "Every day at 9:00 AM"),
        (("FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0",), "Every 3 days at 9:00 AM"),
        (
            (
                "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
                "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=13;BYMINUTE=30",
            ),
            "Every weekday at 9:00 AM and 1:30 PM",
        ),
        (
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0",),
            "Every other week on Monday and Wednesday at 10:00 AM",
        ),
        (
            ("FREQ=WEEKLY;INTERVAL=3;BYDAY=FR;BYHOUR=17;BYMINUTE=0",),
            "Every 3 weeks on Friday at 5:00 PM",
        ),
        (("FREQ=WEEKLY",), "Every Wednesday at 12:00 AM"),  # the start's weekday and time
        (
            ("FREQ=DAILY;BYHOUR=9,10;BYMINUTE=0,30", "FREQ=DAILY;BYHOUR=11;BYMINUTE=0"),
            "Every day, every 30 minutes from 9:00 AM to 11:00 AM",
        ),
        (
            ("FREQ=MONTHLY;BYDAY=1MO,-1FR;BYHOUR=9;BYMINUTE=0",),
            "On the first Monday and the last Friday of every month at 9:00 AM",
        ),
        (
            ("FREQ=MONTHLY;BYDAY=-2FR;BYHOUR=16;BYMINUTE=0",),
            "On the second to last Friday of every month at 4:00 PM",
        ),
        (
            ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;BYHOUR=9;BYMINUTE=0",),
            "On the first weekday of every month at 9:00 AM",
        ),
        (
            ("FREQ=MONTHLY;BYMONTHDAY=1,-1;BYHOUR=9;BYMINUTE=0",),
            "On the 1st and the last day of every month at 9:00 AM",
        ),
        (
            ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0",),
            "On the 15th of every other month at 9:00 AM",
        ),
        (
            ("FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=3WE;BYHOUR=9;BYMINUTE=0",),
            "On the third Wednesday of March, June, September and December at 9:00 AM",
        ),
        (
            ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;BYHOUR=9;BYMINUTE=0",),
            "Every year on the fourth Thursday of November at 9:00 AM",
        ),
        (("FREQ=HOURLY;INTERVAL=2",), "RRULE FREQ=HOURLY;INTERVAL=2"),
        (("FREQ=YEARLY;BYYEARDAY=100",), "RRULE FREQ=YEARLY;BYYEARDAY=100"),
    ],
)
def test_it_says_rules_in_english(rules: tuple[str, ...], text: str) -> None:
    normal = tuple(recurrence.normalize(r) for r in rules)
    assert recurrence.describe(normal, START) == text


YEARS = 6 * 366 * 24 * 60  # minutes: far enough for the start to move, cheap for dateutil
bodies = st.one_of(
    st.tuples(st.integers(1, 4), st.sampled_from(["MO", "TU,FR", "SA,SU", "MO,WE,FR"])).map(
        lambda t: (f"FREQ=WEEKLY;INTERVAL={t[0]};BYDAY={t[1]};BYHOUR=9,17;BYMINUTE=15", YEARS)
    ),
    st.integers(1, 5).map(lambda n: (f"FREQ=DAILY;INTERVAL={n};BYHOUR=2;BYMINUTE=30", YEARS)),
    st.integers(1, 3).map(lambda n: (f"FREQ=MONTHLY;INTERVAL={n};BYDAY=-1FR,2MO", YEARS)),
    st.integers(1, 2).map(
        lambda n: (f"FREQ=MONTHLY;INTERVAL={n};BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1", YEARS)
    ),
    st.integers(1, 2).map(lambda n: (f"FREQ=YEARLY;INTERVAL={n}", 3 * YEARS)),  # Feb 29 too
    st.integers(7, 90).map(lambda n: (f"FREQ=MINUTELY;INTERVAL={n}", 20 * 24 * 60)),
    st.just(("FREQ=MONTHLY", YEARS)),  # the start's day of the month: the 31st skips months
)


@settings(max_examples=200, deadline=None)
@given(
    body_span=bodies,
    start=st.datetimes(datetime(2000, 1, 1), datetime(2030, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    share=st.floats(0, 1),
)
def test_moving_the_start_forward_never_changes_a_fire(
    body_span: tuple[str, int], start: datetime, share: float
) -> None:
    body, span = body_span
    wall = start + timedelta(minutes=int(span * share))
    fast = list(islice(recurrence.walls_from((body,), start, wall), 3))
    slow = list(islice(rrulestr(body, dtstart=start).xafter(wall, inc=True), 3))
    assert fast == slow


def test_a_rules_day_part_and_times_split_it() -> None:
    parts = recurrence.parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9,16;BYMINUTE=30")
    assert recurrence.day_part(parts) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert recurrence.rule_times(parts, START) == [(9, 30), (16, 30)]
    bare = recurrence.parse("FREQ=DAILY")
    assert recurrence.rule_times(bare, START.replace(hour=8, minute=15)) == [(8, 15)]


@pytest.mark.parametrize(
    ("times", "step"),
    [
        ([(9, 0), (10, 0), (11, 0), (12, 0)], 60),
        ([(9, 0), (9, 30), (10, 0), (10, 30), (11, 0)], 30),
        ([(9, 0), (12, 0), (15, 0)], None),  # three set times, not a repeat
        ([(9, 0), (10, 0), (11, 0), (13, 0)], None),
        ([(9, 0)], None),
    ],
)
def test_times_that_repeat_within_the_day_have_a_step(
    times: list[tuple[int, int]], step: int | None
) -> None:
    assert recurrence.step_of(times) == step
