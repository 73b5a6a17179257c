"""scheduler.triggers: once, interval, cron, rrule and bounded triggers, their dict form,
and the math on top (upcoming fires, the shortest gap, the same schedule in another zone)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.errors import CronError, SchedulerError, TriggerError
from scheduler.triggers import (
    MAX_COUNT,
    UNITS,
    AnyTrigger,
    BoundedTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    RRuleTrigger,
    reanchor,
    shortest_gap,
    trigger_from_dict,
    upcoming,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"
SYDNEY = "Australia/Sydney"
ZONES = [NY, BERLIN, SYDNEY, "UTC", "Asia/Kolkata"]


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def chain(trigger: AnyTrigger, start: datetime, count: int) -> list[datetime]:
    """`count` successive fires, each asked for right after the previous one."""
    fires = upcoming(trigger, start, count)
    assert len(fires) == count
    return fires


def isos(fires: list[datetime]) -> list[str]:
    return [f.isoformat() for f in fires]


def utc_isos(fires: list[datetime]) -> list[str]:
    return [f.astimezone(UTC).isoformat() for f in fires]


def gaps(fires: list[datetime]) -> list[timedelta]:
    in_utc = [f.astimezone(UTC) for f in fires]
    return [b - a for a, b in pairwise(in_utc)]


# --- once ---------------------------------------------------------------------

AT = "2026-05-01T09:00:00-04:00"

ONCE = [
    # (instant, expected)
    ("2020-01-01T00:00:00+00:00", AT),
    ("2026-05-01T12:59:59.999999+00:00", AT),
    ("2026-05-01T08:59:00-04:00", AT),
    ("2026-05-01T13:00:00+00:00", None),  # the instant itself: not strictly after
    ("2026-05-01T13:00:00.000001+00:00", None),
    ("2027-01-01T00:00:00+00:00", None),
]


@pytest.mark.parametrize(("instant", "expected"), ONCE)
def test_once_fires_only_before_its_instant(instant: str, expected: str | None) -> None:
    trigger = OnceTrigger(iso(AT), NY)
    fire = trigger.next_after(iso(instant))
    assert (fire.isoformat() if fire else None) == expected


def test_once_fires_exactly_once() -> None:
    trigger = OnceTrigger(iso(AT), NY)
    fire = trigger.next_after(iso("2026-01-01T00:00:00+00:00"))
    assert fire == iso(AT)
    assert trigger.next_after(fire) is None


def test_once_refuses_a_naive_time() -> None:
    with pytest.raises(TriggerError, match=r"^a one-off time must carry a timezone offset$"):
        OnceTrigger(datetime(2026, 5, 1, 9), NY)


def test_once_refuses_an_unknown_zone() -> None:
    with pytest.raises(TriggerError, match="unknown timezone 'Nowhere/Town'"):
        OnceTrigger(iso(AT), "Nowhere/Town")


def test_once_describes_itself_in_its_zone() -> None:
    trigger = OnceTrigger(iso("2026-05-01T13:00:00+00:00"), NY)
    assert trigger.describe() == "Once, at Fri 01 May 2026 09:00 (America/New_York)"


def test_once_compares_instants_not_wall_times_in_the_repeated_hour() -> None:
    tz = ZoneInfo(NY)
    at = datetime(2026, 11, 1, 1, 30, tzinfo=tz, fold=1)  # 01:30 EST = 06:30Z
    instant = datetime(2026, 11, 1, 1, 45, tzinfo=tz)  # 01:45 EDT = 05:45Z, earlier
    assert OnceTrigger(at, NY).next_after(instant) == at


# --- interval: elapsed time -------------------------------------------------------

ELAPSED = [
    # (every, unit, anchor, expected fires in UTC)
    (
        90,
        "minutes",
        "2026-03-08T00:00:00-05:00",  # New York springs forward at 07:00Z
        [
            "2026-03-08T06:30:00+00:00",
            "2026-03-08T08:00:00+00:00",
            "2026-03-08T09:30:00+00:00",
            "2026-03-08T11:00:00+00:00",
        ],
    ),
    (
        1,
        "hours",
        "2026-11-01T00:00:00-04:00",  # New York falls back at 06:00Z
        [
            "2026-11-01T05:00:00+00:00",
            "2026-11-01T06:00:00+00:00",
            "2026-11-01T07:00:00+00:00",
            "2026-11-01T08:00:00+00:00",
        ],
    ),
    (
        1,
        "hours",
        "2026-03-08T00:00:00-05:00",
        [
            "2026-03-08T06:00:00+00:00",
            "2026-03-08T07:00:00+00:00",
            "2026-03-08T08:00:00+00:00",
            "2026-03-08T09:00:00+00:00",
        ],
    ),
    (
        25,
        "hours",
        "2026-10-24T00:00:00+00:00",
        [
            "2026-10-25T01:00:00+00:00",
            "2026-10-26T02:00:00+00:00",
            "2026-10-27T03:00:00+00:00",
            "2026-10-28T04:00:00+00:00",
        ],
    ),
]


@pytest.mark.parametrize(("every", "unit", "anchor", "expected"), ELAPSED)
def test_interval_minutes_and_hours_are_elapsed_time(
    every: int, unit: str, anchor: str, expected: list[str]
) -> None:
    trigger = IntervalTrigger(every, unit, iso(anchor), NY)  # type: ignore[arg-type]
    fires = chain(trigger, iso(anchor), len(expected))
    assert utc_isos(fires) == expected
    assert set(gaps(fires)) == {timedelta(**{unit: every})}


def test_interval_hours_across_dst_fall_back_new_york_give_a_fire_each_hour() -> None:
    trigger = IntervalTrigger(1, "hours", iso("2026-11-01T00:00:00-04:00"), NY)
    fires = chain(trigger, iso("2026-11-01T00:00:00-04:00"), 3)
    local = [f.astimezone(ZoneInfo(NY)).isoformat() for f in fires]
    assert local == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",  # elapsed time: the repeated hour fires too
        "2026-11-01T02:00:00-05:00",
    ]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-01-01T09:00:00+00:00", "2026-01-01T09:45:00+00:00"),  # the anchor itself
        ("2026-01-01T09:44:59+00:00", "2026-01-01T09:45:00+00:00"),
        ("2026-01-01T09:45:00+00:00", "2026-01-01T10:30:00+00:00"),
        ("2026-01-01T09:45:00.000001+00:00", "2026-01-01T10:30:00+00:00"),
        ("2026-01-02T09:00:00+00:00", "2026-01-02T09:45:00+00:00"),
    ],
)
def test_interval_minutes_stay_on_the_anchor_grid(instant: str, expected: str) -> None:
    trigger = IntervalTrigger(45, "minutes", iso("2026-01-01T09:00:00+00:00"), "UTC")
    fire = trigger.next_after(iso(instant))
    assert fire is not None
    assert fire.astimezone(UTC).isoformat() == expected


@pytest.mark.parametrize(
    ("every", "unit", "anchor", "expected"),
    [
        (
            90,
            "minutes",
            datetime(2026, 3, 8, 0, 0, tzinfo=ZoneInfo(NY)),
            ["2026-03-08T06:30:00+00:00", "2026-03-08T08:00:00+00:00"],
        ),
        (
            1,
            "hours",
            datetime(2026, 11, 1, 0, 0, tzinfo=ZoneInfo(NY)),
            ["2026-11-01T05:00:00+00:00", "2026-11-01T06:00:00+00:00"],
        ),
    ],
)
def test_interval_elapsed_time_with_a_zoneinfo_anchor(
    every: int, unit: str, anchor: datetime, expected: list[str]
) -> None:
    trigger = IntervalTrigger(every, unit, anchor, NY)  # type: ignore[arg-type]
    stored = trigger_from_dict(trigger.to_dict())
    assert utc_isos(chain(stored, anchor, 2)) == expected  # passes: fixed-offset anchor
    assert utc_isos(chain(trigger, anchor, 2)) == expected  # fails: wall-clock arithmetic


# --- interval: wall clock ---------------------------------------------------------

WALL_CLOCK = [
    # (every, unit, anchor, tz, expected local fires after the anchor)
    (
        1,
        "days",
        "2026-03-07T02:30:00-05:00",
        NY,
        [
            "2026-03-08T03:00:00-04:00",  # 02:30 does not exist: end of the gap
            "2026-03-09T02:30:00-04:00",
            "2026-03-10T02:30:00-04:00",
        ],
    ),
    (
        1,
        "days",
        "2026-10-31T01:30:00-04:00",
        NY,
        [
            "2026-11-01T01:30:00-04:00",  # 01:30 happens twice: the first one
            "2026-11-02T01:30:00-05:00",
            "2026-11-03T01:30:00-05:00",
        ],
    ),
    (
        1,
        "days",
        "2026-03-07T09:00:00-05:00",
        NY,
        ["2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"],
    ),
    (
        1,
        "days",
        "2026-03-28T02:30:00+01:00",
        BERLIN,
        ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"],
    ),
    (
        1,
        "days",
        "2026-10-24T02:30:00+02:00",
        BERLIN,
        ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
    ),
    (
        1,
        "days",
        "2026-04-04T02:30:00+11:00",
        SYDNEY,
        ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"],
    ),
    (
        1,
        "days",
        "2026-10-03T02:30:00+10:00",
        SYDNEY,
        ["2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00"],
    ),
    (
        3,
        "days",
        "2026-03-05T02:30:00-05:00",
        NY,
        ["2026-03-08T03:00:00-04:00", "2026-03-11T02:30:00-04:00"],
    ),
    (
        1,
        "weeks",
        "2026-03-02T09:00:00-05:00",
        NY,
        ["2026-03-09T09:00:00-04:00", "2026-03-16T09:00:00-04:00"],
    ),
    (
        2,
        "weeks",
        "2026-02-23T09:00:00-05:00",
        NY,
        [
            "2026-03-09T09:00:00-04:00",
            "2026-03-23T09:00:00-04:00",
            "2026-04-06T09:00:00-04:00",
        ],
    ),
    (
        1,
        "weeks",
        "2026-10-18T02:30:00+02:00",
        BERLIN,
        ["2026-10-25T02:30:00+02:00", "2026-11-01T02:30:00+01:00"],
    ),
    (
        1,
        "days",
        "2026-03-07T07:30:00+00:00",  # an anchor written in UTC: 02:30 in New York
        NY,
        ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"],
    ),
]


@pytest.mark.parametrize(("every", "unit", "anchor", "tz", "expected"), WALL_CLOCK)
def test_interval_days_and_weeks_keep_the_wall_clock(
    every: int, unit: str, anchor: str, tz: str, expected: list[str]
) -> None:
    trigger = IntervalTrigger(every, unit, iso(anchor), tz)  # type: ignore[arg-type]
    fires = chain(trigger, iso(anchor), len(expected))
    assert [f.astimezone(ZoneInfo(tz)).isoformat() for f in fires] == expected


def test_interval_daily_across_dst_spring_forward_new_york_in_utc() -> None:
    trigger = IntervalTrigger(1, "days", iso("2026-03-07T02:30:00-05:00"), NY)
    fires = chain(trigger, iso("2026-03-06T00:00:00+00:00"), 3)
    assert utc_isos(fires) == [
        "2026-03-07T07:30:00+00:00",
        "2026-03-08T07:00:00+00:00",
        "2026-03-09T06:30:00+00:00",
    ]
    assert gaps(fires) == [timedelta(hours=23, minutes=30)] * 2


def test_interval_daily_fires_once_on_dst_fall_back_new_york() -> None:
    trigger = IntervalTrigger(1, "days", iso("2026-10-31T01:30:00-04:00"), NY)
    fires = chain(trigger, iso("2026-10-31T01:30:00-04:00"), 2)
    on_the_day = [f for f in fires if f.astimezone(ZoneInfo(NY)).day == 1]
    assert len(on_the_day) == 1
    assert gaps(fires) == [timedelta(hours=25)]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-09T12:59:59+00:00", "2026-03-09T09:00:00-04:00"),
        ("2026-03-09T13:00:00+00:00", "2026-03-23T09:00:00-04:00"),
        ("2026-03-09T13:00:00.000001+00:00", "2026-03-23T09:00:00-04:00"),
        ("2026-03-16T12:00:00+00:00", "2026-03-23T09:00:00-04:00"),  # the off week
        ("2026-03-23T12:59:59+00:00", "2026-03-23T09:00:00-04:00"),
        ("2026-12-25T00:00:00+00:00", "2026-12-28T09:00:00-05:00"),
    ],
)
def test_interval_every_other_week_skips_the_off_weeks(instant: str, expected: str) -> None:
    trigger = IntervalTrigger(2, "weeks", iso("2026-02-23T09:00:00-05:00"), NY)
    fire = trigger.next_after(iso(instant))
    assert fire is not None
    assert fire.isoformat() == expected


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize(
    "instant", ["2020-01-01T00:00:00+00:00", "2026-06-01T12:59:59.999999+00:00"]
)
def test_interval_anchor_in_the_future_is_the_first_fire(unit: str, instant: str) -> None:
    anchor = iso("2026-06-01T09:00:00-04:00")
    trigger = IntervalTrigger(3, unit, anchor, NY)  # type: ignore[arg-type]
    assert trigger.next_after(iso(instant)) == anchor


def test_interval_days_keep_the_first_occurrence_of_an_ambiguous_anchor_time() -> None:
    # Documented choice: a days/weeks interval keeps the *wall time*; on
    # fall-back night 01:30 means its first occurrence, as for cron.
    anchor = iso("2026-11-01T01:30:00-05:00")  # the second 01:30 in New York, 06:30Z
    trigger = IntervalTrigger(1, "days", anchor, NY)
    fire = trigger.next_after(iso("2026-11-01T06:00:00+00:00"))
    assert fire == iso("2026-11-02T01:30:00-05:00")


def test_interval_days_with_an_instant_in_the_repeated_hour_new_york() -> None:
    tz = ZoneInfo(NY)
    trigger = IntervalTrigger(1, "days", datetime(2026, 10, 31, 1, 30, tzinfo=tz), NY)
    instant = datetime(2026, 11, 1, 1, 20, tzinfo=tz, fold=1)  # 06:20Z
    fire = trigger.next_after(instant)
    assert fire is not None
    assert fire.astimezone(UTC) > instant.astimezone(UTC)


@pytest.mark.parametrize(
    ("trigger", "text"),
    [
        (
            IntervalTrigger(2, "weeks", iso("2026-02-23T09:00:00-05:00"), NY),
            "Every 2 weeks on Monday at 09:00 AM (America/New_York)",
        ),
        (
            IntervalTrigger(1, "days", iso("2026-02-23T14:00:00+00:00"), NY),
            "Every day at 09:00 AM (America/New_York)",
        ),
        (
            IntervalTrigger(1, "hours", iso("2026-02-23T09:00:00-05:00"), NY),
            "Every hour, starting Mon 23 Feb 09:00 (America/New_York)",
        ),
        (
            IntervalTrigger(15, "minutes", iso("2026-02-23T09:00:00+00:00"), "UTC"),
            "Every 15 minutes, starting Mon 23 Feb 09:00 (UTC)",
        ),
    ],
)
def test_interval_describes_itself(trigger: IntervalTrigger, text: str) -> None:
    assert trigger.describe() == text


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize("every", [0, -1, -60])
def test_interval_refuses_less_than_one(every: int) -> None:
    with pytest.raises(TriggerError, match=r"^an interval must be at least 1$"):
        IntervalTrigger(every, "minutes", iso(AT), NY)


def test_interval_refuses_an_unknown_unit() -> None:
    with pytest.raises(TriggerError, match="interval unit must be one of minutes, hours, days"):
        IntervalTrigger(1, "fortnights", iso(AT), NY)  # type: ignore[arg-type]


def test_interval_refuses_a_naive_anchor() -> None:
    with pytest.raises(TriggerError, match=r"^an interval anchor must carry a timezone offset$"):
        IntervalTrigger(1, "days", datetime(2026, 5, 1, 9), NY)


def test_interval_refuses_an_unknown_zone() -> None:
    with pytest.raises(TriggerError, match="unknown timezone 'Mars/Olympus'"):
        IntervalTrigger(1, "days", iso(AT), "Mars/Olympus")


# --- cron -----------------------------------------------------------------------


def test_cron_trigger_normalizes_and_fires_in_its_zone() -> None:
    trigger = CronTrigger("30 2 * * sun", NY)
    assert trigger.expr == "30 2 * * SUN"
    fires = chain(trigger, iso("2026-03-06T12:00:00+00:00"), 2)
    assert isos(fires) == ["2026-03-08T03:00:00-04:00", "2026-03-15T02:30:00-04:00"]


def test_cron_trigger_runs_once_in_the_repeated_hour() -> None:
    trigger = CronTrigger("30 1 * * *", NY)
    fires = chain(trigger, iso("2026-10-31T12:00:00+00:00"), 2)
    assert isos(fires) == ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]


def test_cron_trigger_describes_itself() -> None:
    trigger = CronTrigger("30 9 * * MON-FRI", BERLIN)
    assert trigger.describe() == "At 09:30 AM, Monday through Friday (Europe/Berlin)"


def test_cron_trigger_refuses_bad_cron_and_bad_zones() -> None:
    with pytest.raises(CronError, match=r"^minute 61 is outside 0-59$"):
        CronTrigger("61 * * * *", NY)
    with pytest.raises(TriggerError, match="unknown timezone 'New York'"):
        CronTrigger("0 9 * * *", "New York")


# --- rrule ----------------------------------------------------------------------

EVERY_OTHER_MON_WED = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0"


def test_rrule_runs_every_other_week_from_its_start() -> None:
    trigger = RRuleTrigger((EVERY_OTHER_MON_WED,), iso("2026-03-04T00:00:00-05:00"), NY)
    fires = chain(trigger, iso("2026-03-01T00:00:00-05:00"), 5)
    assert isos(fires) == [
        "2026-03-04T10:00:00-05:00",  # the start's week (Mon Mar 2 is before the start)
        "2026-03-16T10:00:00-04:00",
        "2026-03-18T10:00:00-04:00",
        "2026-03-30T10:00:00-04:00",
        "2026-04-01T10:00:00-04:00",
    ]


def test_rrule_rules_are_a_union_in_order_and_once_each() -> None:
    rules = ("FREQ=DAILY;BYHOUR=9,13;BYMINUTE=0", "FREQ=DAILY;BYHOUR=13;BYMINUTE=0,30")
    trigger = RRuleTrigger(rules, iso("2026-03-01T00:00:00+00:00"), "UTC")
    fires = chain(trigger, iso("2026-03-02T08:00:00+00:00"), 4)
    assert [f.strftime("%d %H:%M") for f in fires] == [
        "02 09:00",
        "02 13:00",
        "02 13:30",
        "03 09:00",
    ]


@pytest.mark.parametrize(
    ("tz", "rules", "after", "expected"),
    [
        (  # New York springs forward: 02:30 runs once, at 03:00
            NY,
            ("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "FREQ=DAILY;BYHOUR=1;BYMINUTE=45"),
            "2026-03-07T12:00:00-05:00",
            ["2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T01:45:00-04:00"],
        ),
        (  # New York falls back: 01:30 happens twice, runs once (the first)
            NY,
            ("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "FREQ=DAILY;BYHOUR=2;BYMINUTE=15"),
            "2026-10-31T12:00:00-04:00",
            ["2026-11-01T01:30:00-04:00", "2026-11-01T02:15:00-05:00", "2026-11-02T01:30:00-05:00"],
        ),
        (  # Berlin springs forward on the last Sunday of March
            BERLIN,
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;BYHOUR=2;BYMINUTE=30",),
            "2026-03-28T12:00:00+01:00",
            ["2026-03-29T03:00:00+02:00", "2026-04-12T02:30:00+02:00", "2026-04-26T02:30:00+02:00"],
        ),
        (  # Berlin falls back
            BERLIN,
            ("FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30",),
            "2026-10-01T12:00:00+02:00",
            ["2026-10-25T02:30:00+02:00", "2026-11-29T02:30:00+01:00", "2026-12-27T02:30:00+01:00"],
        ),
        (  # Sydney falls back in April
            SYDNEY,
            ("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "FREQ=DAILY;BYHOUR=9;BYMINUTE=15"),
            "2026-04-04T12:00:00+11:00",
            ["2026-04-05T02:30:00+11:00", "2026-04-05T09:15:00+10:00", "2026-04-06T02:30:00+10:00"],
        ),
        (  # Sydney springs forward in October
            SYDNEY,
            (
                "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30",
                "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=15",
            ),
            "2026-10-03T12:00:00+10:00",
            ["2026-10-04T03:00:00+11:00", "2026-10-04T03:15:00+11:00", "2026-10-11T02:30:00+11:00"],
        ),
    ],
)
def test_rrule_keeps_the_debian_cron_dst_rules(
    tz: str, rules: tuple[str, ...], after: str, expected: list[str]
) -> None:
    trigger = RRuleTrigger(rules, iso("2026-01-01T00:00:00+00:00"), tz)
    assert isos(chain(trigger, iso(after), len(expected))) == expected


def test_rrule_fires_once_when_asked_from_inside_the_repeated_hour() -> None:
    trigger = RRuleTrigger(("FREQ=DAILY;BYHOUR=1;BYMINUTE=30",), iso(AT), NY)
    second_pass = datetime(2026, 11, 1, 1, 10, tzinfo=ZoneInfo(NY), fold=1)  # 01:10 EST
    assert isos([trigger.next_after(second_pass)]) == ["2026-11-02T01:30:00-05:00"]


def test_rrule_describes_itself() -> None:
    trigger = RRuleTrigger((EVERY_OTHER_MON_WED,), iso(AT), NY)
    assert trigger.describe() == (
        "Every other week on Monday and Wednesday at 10:00 AM (America/New_York)"
    )


def test_rrule_normalizes_its_rules() -> None:
    trigger = RRuleTrigger(("rrule:byminute=0;freq=daily;byhour=9",), iso(AT), NY)
    assert trigger.rules == ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0",)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ((), "needs a tuple of one or more rules"),
        ("FREQ=DAILY", "needs a tuple of one or more rules"),
        (("FREQ=SECONDLY",), "at most once a minute"),
        (("FREQ=DAILY;UNTIL=20270101T000000",), "UNTIL does not belong in a rule"),
        (("FREQ=DAILY;BYHOUR=24",), "is not valid"),
        (("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",), "never fires"),
    ],
)
def test_rrule_refuses_what_it_cannot_run(rules: tuple[str, ...], message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        RRuleTrigger(rules, iso(AT), NY)


def test_rrule_refuses_a_naive_start_and_an_unknown_zone() -> None:
    with pytest.raises(TriggerError, match="a rule start must carry a timezone offset"):
        RRuleTrigger(("FREQ=DAILY",), datetime(2026, 1, 1), NY)
    with pytest.raises(TriggerError, match="unknown timezone"):
        RRuleTrigger(("FREQ=DAILY",), iso(AT), "Nowhere/Town")


def test_rrule_reanchors_its_wall_clock_start() -> None:
    trigger = RRuleTrigger((EVERY_OTHER_MON_WED,), iso("2026-03-04T00:00:00-05:00"), NY)
    moved = reanchor(trigger, BERLIN)
    assert moved == RRuleTrigger((EVERY_OTHER_MON_WED,), iso("2026-03-04T00:00:00+01:00"), BERLIN)
    assert isos(chain(moved, iso("2026-03-05T00:00:00+01:00"), 1)) == ["2026-03-16T10:00:00+01:00"]


# --- bounded --------------------------------------------------------------------

WEEKDAYS_9 = CronTrigger("0 9 * * 1-5", NY)


def test_bounded_fires_only_between_its_start_and_end() -> None:
    trigger = BoundedTrigger(
        WEEKDAYS_9, iso("2026-03-09T00:00:00-04:00"), iso("2026-03-13T23:59:59-04:00")
    )
    fires = upcoming(trigger, iso("2026-03-01T00:00:00-05:00"), 10)
    assert [f.day for f in fires] == [9, 10, 11, 12, 13]
    assert trigger.next_after(fires[-1]) is None


def test_bounded_start_may_fire_itself_and_end_is_included() -> None:
    start, end = iso("2026-03-09T09:00:00-04:00"), iso("2026-03-10T09:00:00-04:00")
    trigger = BoundedTrigger(WEEKDAYS_9, start, end)
    assert upcoming(trigger, iso("2026-03-01T00:00:00-05:00"), 5) == [start, end]


def test_bounded_count_becomes_the_end() -> None:
    start = iso("2026-03-04T10:00:00-05:00")
    trigger = BoundedTrigger(CronTrigger("0 9 * * 1", NY), start, None, 3)
    assert trigger.end == iso("2026-03-23T09:00:00-04:00")
    assert len(upcoming(trigger, start, 10)) == 3
    assert trigger.describe() == (
        "At 09:00 AM, only on Monday, 3 times, until Mon Mar 23 (America/New_York)"
    )


def test_bounded_count_and_end_keep_the_earlier() -> None:
    start = iso("2026-03-04T10:00:00-05:00")
    end = iso("2026-03-10T23:59:59-04:00")
    assert BoundedTrigger(WEEKDAYS_9, start, end, 10).end == end
    assert BoundedTrigger(WEEKDAYS_9, start, end, 2).end == iso("2026-03-06T09:00:00-05:00")


def test_bounded_count_of_a_trigger_that_ends_sooner() -> None:
    once = OnceTrigger(iso(AT), NY)
    trigger = BoundedTrigger(once, iso("2026-01-01T00:00:00+00:00"), None, 5)
    assert trigger.end == iso(AT)
    assert upcoming(trigger, iso("2026-01-01T00:00:00+00:00"), 5) == [iso(AT)]


@pytest.mark.parametrize(
    ("trigger", "text"),
    [
        (
            BoundedTrigger(
                WEEKDAYS_9, iso("2026-01-05T00:00:00-05:00"), iso("2026-01-09T23:59:59-05:00")
            ),
            "At 09:00 AM, Monday through Friday, from Mon Jan 5 until Fri Jan 9 (America/New_York)",
        ),
        (
            BoundedTrigger(WEEKDAYS_9, None, iso("2027-01-09T23:59:59-05:00")),
            "At 09:00 AM, Monday through Friday, until Sat Jan 9 (America/New_York)",
        ),
        (
            BoundedTrigger(
                WEEKDAYS_9, iso("2026-12-28T00:00:00-05:00"), iso("2027-01-08T23:59:59-05:00")
            ),
            "At 09:00 AM, Monday through Friday, from Mon Dec 28, 2026 until Fri Jan 8, 2027 "
            "(America/New_York)",
        ),
        (
            BoundedTrigger(
                IntervalTrigger(15, "minutes", iso("2026-03-04T15:00:00+00:00"), NY),
                None,
                iso("2026-03-04T12:00:00-05:00"),
            ),
            "Every 15 minutes, starting Wed 04 Mar 10:00, until Wed Mar 4 12:00 PM "
            "(America/New_York)",
        ),
    ],
)
def test_bounded_describes_its_bounds(trigger: BoundedTrigger, text: str) -> None:
    assert trigger.describe() == text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs a start, an end or a count"),
        ({"count": 3}, "a count needs a start"),
        ({"start": iso(AT), "count": 0}, "from 1 to 1000"),
        ({"start": iso(AT), "count": MAX_COUNT + 1}, "from 1 to 1000"),
        ({"start": iso(AT), "count": True}, "a count must be a whole number"),
        ({"start": datetime(2026, 1, 1)}, "a start must carry a timezone offset"),
        ({"end": datetime(2026, 1, 1)}, "an end must carry a timezone offset"),
        ({"start": iso(AT), "end": iso("2026-04-01T00:00:00+00:00")}, "cannot end before"),
    ],
)
def test_bounded_refuses_bounds_that_make_no_sense(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        BoundedTrigger(WEEKDAYS_9, **kwargs)


def test_bounded_reanchors_its_trigger_and_bounds_on_the_wall_clock() -> None:
    trigger = BoundedTrigger(
        WEEKDAYS_9, iso("2026-03-09T00:00:00-04:00"), iso("2026-03-13T23:59:59-04:00")
    )
    moved = reanchor(trigger, SYDNEY)
    assert moved == BoundedTrigger(
        CronTrigger("0 9 * * 1-5", SYDNEY),
        iso("2026-03-09T00:00:00+11:00"),
        iso("2026-03-13T23:59:59+11:00"),
    )
    assert moved.timezone == SYDNEY


def test_bounded_shortest_gap_and_a_finished_schedule() -> None:
    trigger = BoundedTrigger(CronTrigger("0 9,17 * * *", BERLIN), None, iso(AT))
    assert shortest_gap(trigger, iso("2026-04-01T00:00:00+02:00")) == timedelta(hours=8)
    assert shortest_gap(trigger, iso("2026-04-30T18:00:00+02:00")) is None
    assert trigger.next_after(iso(AT)) is None


# --- upcoming, shortest_gap, reanchor -------------------------------------------


def test_upcoming_is_strictly_after_and_in_order() -> None:
    trigger = CronTrigger("0 9 * * *", NY)
    fires = upcoming(trigger, iso("2026-03-04T09:00:00-05:00"), 3)
    assert isos(fires) == [
        "2026-03-05T09:00:00-05:00",
        "2026-03-06T09:00:00-05:00",
        "2026-03-07T09:00:00-05:00",
    ]
    assert upcoming(trigger, iso("2026-03-04T09:00:00-05:00"), 0) == []


def test_upcoming_stops_when_the_trigger_ends() -> None:
    trigger = OnceTrigger(iso(AT), NY)
    assert isos(upcoming(trigger, iso("2026-01-01T00:00:00+00:00"), 5)) == [AT]
    assert upcoming(trigger, iso(AT), 5) == []


def test_upcoming_gives_the_repeated_hour_once_per_instant_new_york() -> None:
    fires = upcoming(CronTrigger("0 * * * *", NY), iso("2026-11-01T00:30:00-04:00"), 3)
    assert utc_isos(fires) == [
        "2026-11-01T05:00:00+00:00",  # 01:00 EDT
        "2026-11-01T06:00:00+00:00",  # 01:00 EST
        "2026-11-01T07:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("trigger", "gap"),
    [
        (CronTrigger("*/5 * * * *", NY), timedelta(minutes=5)),
        (CronTrigger("0 9,17 * * *", BERLIN), timedelta(hours=8)),
        (IntervalTrigger(7, "minutes", iso("2026-03-04T00:00:00+00:00"), NY), timedelta(minutes=7)),
        (IntervalTrigger(2, "days", iso("2026-03-04T09:00:00+00:00"), "UTC"), timedelta(days=2)),
        (OnceTrigger(iso(AT), NY), None),
        (
            RRuleTrigger(
                ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "FREQ=DAILY;BYHOUR=9;BYMINUTE=20"), iso(AT), NY
            ),
            timedelta(minutes=20),
        ),
    ],
    ids=lambda value: getattr(value, "kind", str(value)),
)
def test_shortest_gap_among_the_next_fires(trigger: AnyTrigger, gap: timedelta | None) -> None:
    assert shortest_gap(trigger, iso("2026-03-04T12:00:00+00:00")) == gap


def test_shortest_gap_is_elapsed_time_across_dst_fall_back_new_york() -> None:
    # 01:00 EDT and 01:00 EST share a wall time; they are an hour apart.
    after = iso("2026-11-01T00:30:00-04:00")
    assert shortest_gap(CronTrigger("0 * * * *", NY), after) == timedelta(hours=1)
    assert shortest_gap(CronTrigger("*/30 * * * *", NY), after) == timedelta(minutes=30)


def test_shortest_gap_looks_only_at_the_sample() -> None:
    trigger = CronTrigger("0 9 * * *", NY)
    assert shortest_gap(trigger, iso("2026-03-04T12:00:00+00:00"), sample=1) is None


def test_reanchor_keeps_a_cron_wall_clock_in_the_new_zone() -> None:
    moved = reanchor(CronTrigger("0 9 * * 1-5", NY), BERLIN)
    assert moved == CronTrigger("0 9 * * 1-5", BERLIN)
    assert isos(chain(moved, iso("2026-03-04T12:00:00+00:00"), 1)) == ["2026-03-05T09:00:00+01:00"]


def test_reanchor_keeps_a_one_off_wall_clock() -> None:
    moved = reanchor(OnceTrigger(iso(AT), NY), SYDNEY)
    assert moved == OnceTrigger(iso("2026-05-01T09:00:00+10:00"), SYDNEY)


def test_reanchor_moves_a_wall_time_in_the_gap_past_it() -> None:
    moved = reanchor(OnceTrigger(iso("2026-03-29T02:30:00+00:00"), "UTC"), BERLIN)
    assert moved.to_dict()["at"] == "2026-03-29T03:00:00+02:00"


def test_reanchor_keeps_day_intervals_on_the_wall_clock() -> None:
    trigger = IntervalTrigger(2, "days", iso("2026-03-04T09:00:00-05:00"), NY)
    moved = reanchor(trigger, BERLIN)
    assert moved == IntervalTrigger(2, "days", iso("2026-03-04T09:00:00+01:00"), BERLIN)


def test_reanchor_leaves_elapsed_time_intervals_where_they_are() -> None:
    trigger = IntervalTrigger(90, "minutes", iso("2026-03-04T14:00:00+00:00"), NY)
    moved = reanchor(trigger, BERLIN)
    assert (moved.anchor, moved.timezone) == (trigger.anchor, BERLIN)
    after = iso("2026-03-04T15:00:00+00:00")
    assert moved.next_after(after) == trigger.next_after(after)


# --- dict form ------------------------------------------------------------------

ROUND_TRIPS = [
    CronTrigger("30 9 * * mon-fri", BERLIN),
    CronTrigger("@daily", "UTC"),
    OnceTrigger(iso("2026-05-01T09:00:00-04:00"), NY),
    OnceTrigger(datetime(2026, 5, 1, 9, tzinfo=ZoneInfo(SYDNEY)), SYDNEY),
    IntervalTrigger(90, "minutes", iso("2026-03-08T00:00:00-05:00"), NY),
    IntervalTrigger(6, "hours", iso("2026-03-08T00:00:00+00:00"), "Asia/Kolkata"),
    IntervalTrigger(1, "days", iso("2026-03-07T02:30:00-05:00"), NY),
    IntervalTrigger(2, "weeks", datetime(2026, 2, 23, 9, tzinfo=ZoneInfo(BERLIN)), BERLIN),
    RRuleTrigger(("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0",), iso(AT), NY),
    RRuleTrigger(
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "FREQ=DAILY;BYHOUR=13;BYMINUTE=30"),
        datetime(2026, 3, 1, tzinfo=ZoneInfo(SYDNEY)),
        SYDNEY,
    ),
    BoundedTrigger(CronTrigger("0 9 * * 1", NY), iso("2026-03-04T10:00:00-05:00"), None, 6),
    BoundedTrigger(
        RRuleTrigger(("FREQ=MONTHLY;BYDAY=-2FR;BYHOUR=16;BYMINUTE=0",), iso(AT), BERLIN),
        None,
        iso("2026-12-31T23:59:59+01:00"),
    ),
]


@pytest.mark.parametrize("trigger", ROUND_TRIPS, ids=lambda t: t.kind)
def test_triggers_round_trip_through_dicts(trigger: AnyTrigger) -> None:
    data = json.loads(json.dumps(trigger.to_dict()))
    again = trigger_from_dict(data)
    assert again == trigger
    assert again.to_dict() == trigger.to_dict()
    assert again.describe() == trigger.describe()
    for instant in ("2026-01-01T00:00:00+00:00", "2026-03-08T06:45:00+00:00"):
        assert again.next_after(iso(instant)) == trigger.next_after(iso(instant))


def test_dict_form_is_plain_and_labelled() -> None:
    assert CronTrigger("@hourly", "UTC").to_dict() == {
        "kind": "cron",
        "cron": "0 * * * *",
        "timezone": "UTC",
    }
    assert OnceTrigger(iso(AT), NY).to_dict() == {
        "kind": "once",
        "at": "2026-05-01T09:00:00-04:00",
        "timezone": NY,
    }
    assert IntervalTrigger(2, "weeks", iso(AT), NY).to_dict() == {
        "kind": "interval",
        "every": 2,
        "unit": "weeks",
        "anchor": "2026-05-01T09:00:00-04:00",
        "timezone": NY,
    }


GOOD_INTERVAL = {
    "kind": "interval",
    "every": 1,
    "unit": "days",
    "anchor": "2026-01-01T00:00:00+00:00",
    "timezone": "UTC",
}

MALFORMED: list[tuple[Any, str]] = [
    ({}, "malformed trigger: 'kind'"),
    ({"kind": "weekly"}, "unknown trigger kind 'weekly'"),
    ({"kind": None}, "unknown trigger kind None"),
    ({"kind": "cron", "timezone": "UTC"}, "malformed trigger: 'cron'"),
    ({"kind": "cron", "cron": "0 9 * * *"}, "malformed trigger: 'timezone'"),
    ({"kind": "cron", "cron": "0 9 * * *", "timezone": "Nowhere/X"}, "unknown timezone"),
    ({"kind": "once", "timezone": "UTC"}, "malformed trigger: 'at'"),
    ({"kind": "once", "at": "tomorrow", "timezone": "UTC"}, "malformed trigger: Invalid"),
    ({"kind": "once", "at": None, "timezone": "UTC"}, "malformed trigger:"),
    (
        {"kind": "once", "at": "2026-01-01T00:00:00", "timezone": "UTC"},
        "a one-off time must carry a timezone offset",
    ),
    ({**GOOD_INTERVAL, "every": "often"}, "interval 'every' must be a whole number"),
    ({**GOOD_INTERVAL, "every": None}, "interval 'every' must be a whole number"),
    ({**GOOD_INTERVAL, "every": 0}, "an interval must be at least 1"),
    ({**GOOD_INTERVAL, "unit": "months"}, "interval unit must be one of"),
    ({**GOOD_INTERVAL, "anchor": "2026-01-01T00:00:00"}, "must carry a timezone offset"),
    ({**GOOD_INTERVAL, "anchor": 1767225600}, "malformed trigger:"),
    ({**GOOD_INTERVAL, "timezone": None}, "malformed trigger:"),
    ({k: v for k, v in GOOD_INTERVAL.items() if k != "unit"}, "malformed trigger: 'unit'"),
    ({"kind": "rrule", "rules": "FREQ=DAILY", "start": AT, "timezone": NY}, "must be a list"),
    ({"kind": "rrule", "rules": [], "start": AT, "timezone": NY}, "one or more rules"),
    ({"kind": "rrule", "rules": ["FREQ=DAILY;COUNT=3"], "start": AT, "timezone": NY}, "COUNT"),
    ({"kind": "rrule", "rules": ["FREQ=DAILY"], "timezone": NY}, "malformed trigger: 'start'"),
    (
        {"kind": "rrule", "rules": ["FREQ=DAILY"], "start": "2026-01-01T00:00:00", "timezone": NY},
        "a rule start must carry a timezone offset",
    ),
    ({"kind": "bounded", "start": None, "end": None, "count": 2}, "malformed trigger: 'trigger'"),
    ({"kind": "bounded", "trigger": "cron"}, "must be a trigger dict"),
    ({"kind": "bounded", "trigger": GOOD_INTERVAL}, "needs a start, an end or a count"),
    ({"kind": "bounded", "trigger": GOOD_INTERVAL, "count": 3}, "a count needs a start"),
    (
        {"kind": "bounded", "trigger": GOOD_INTERVAL, "start": AT, "count": "3"},
        "a count must be a whole number",
    ),
    ({"kind": "bounded", "trigger": GOOD_INTERVAL, "end": "soon"}, "malformed trigger:"),
    (None, "malformed trigger:"),
    ([], "malformed trigger:"),
    ("cron", "malformed trigger:"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_dicts_raise_trigger_error(data: Any, message: str) -> None:
    with pytest.raises(TriggerError) as info:
        trigger_from_dict(data)
    assert str(info.value).startswith(message) or message in str(info.value)


def test_a_dict_with_bad_cron_raises_the_cron_error() -> None:
    with pytest.raises(CronError, match=r"^hour 24 is outside 0-23$") as info:
        trigger_from_dict({"kind": "cron", "cron": "0 24 * * *", "timezone": "UTC"})
    assert isinstance(info.value, SchedulerError)


def test_a_fractional_interval_is_refused() -> None:
    with pytest.raises(TriggerError):
        trigger_from_dict({**GOOD_INTERVAL, "every": 1.5})


# --- properties -----------------------------------------------------------------

TRANSITIONS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 10, 3, 16, tzinfo=UTC),
]
instants = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.tuples(
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 24 * 60, 24 * 60).map(lambda n: timedelta(minutes=n)),
    ).map(lambda t: t[0] + t[1]),
)


def on_the_anchor_wall_clock(fire: datetime, anchor: datetime) -> bool:
    """Same wall time as the anchor, or the end of a gap that swallowed it."""
    tz = fire.tzinfo
    if fire.time() == anchor.time():
        return True
    wanted = datetime.combine(fire.date(), anchor.time())
    exists = wanted.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    just_before = (fire.astimezone(UTC) - timedelta(seconds=1)).astimezone(tz)
    return exists != wanted and just_before.utcoffset() != fire.utcoffset()


@settings(max_examples=150, deadline=None)
@given(
    every=st.integers(1, 30),
    unit=st.sampled_from(UNITS),
    anchor=instants,
    tz=st.sampled_from(ZONES),
    instant=instants,
)
def test_interval_fires_keep_moving_forward(
    every: int, unit: str, anchor: datetime, tz: str, instant: datetime
) -> None:
    trigger = IntervalTrigger(every, unit, anchor, tz)  # type: ignore[arg-type]
    fires = chain(trigger, instant, 10)

    in_utc = [f.astimezone(UTC) for f in fires]
    assert all(a < b for a, b in pairwise([instant, *in_utc]))
    if unit in ("minutes", "hours"):
        step = timedelta(**{unit: every})
        assert in_utc[0] >= anchor
        assert all((f - anchor) % step == timedelta(0) for f in in_utc)
        assert set(gaps(fires)) == {step}
        return
    zone = ZoneInfo(tz)
    days = every * (7 if unit == "weeks" else 1)
    local_anchor = anchor.astimezone(zone)
    for fire in (f.astimezone(zone) for f in fires):
        elapsed = (fire.date() - local_anchor.date()).days
        assert elapsed >= 0
        assert elapsed % days == 0
        assert on_the_anchor_wall_clock(fire, local_anchor), fire


@settings(max_examples=100, deadline=None)
@given(at=instants, instant=instants, tz=st.sampled_from(ZONES))
def test_once_fires_if_and_only_if_still_ahead(at: datetime, instant: datetime, tz: str) -> None:
    trigger = OnceTrigger(at.astimezone(ZoneInfo(tz)), tz)
    fire = trigger.next_after(instant)
    # In UTC: Python never calls an ambiguous local time == an instant in another zone.
    assert (fire.astimezone(UTC) if fire else None) == (at if at > instant else None)


inner_triggers = st.one_of(
    st.sampled_from(
        [
            CronTrigger("0 9 * * 1-5", NY),
            CronTrigger("*/30 * * * *", BERLIN),
            CronTrigger("30 2 * * *", SYDNEY),
            CronTrigger("0 17 * * 5L", "UTC"),
        ]
    ),
    st.tuples(st.integers(1, 90), st.sampled_from(UNITS), instants, st.sampled_from(ZONES)).map(
        lambda t: IntervalTrigger(*t)  # type: ignore[arg-type]
    ),
    st.tuples(st.integers(1, 3), st.sampled_from(["MO", "TU,TH", "SU"]), instants).map(
        lambda t: RRuleTrigger(
            (f"FREQ=WEEKLY;INTERVAL={t[0]};BYDAY={t[1]};BYHOUR=2,9;BYMINUTE=30",), t[2], SYDNEY
        )
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    inner=inner_triggers,
    start=st.none() | instants,
    length=st.none() | st.integers(0, 60 * 24 * 40).map(lambda n: timedelta(minutes=n)),
    count=st.none() | st.integers(1, 12),
    instant=instants,
)
def test_bounded_never_fires_outside_its_bounds(
    inner: AnyTrigger,
    start: datetime | None,
    length: timedelta | None,
    count: int | None,
    instant: datetime,
) -> None:
    if count is not None and start is None:
        start = instant
    end = (start or instant) + length if length is not None else None
    if start is None and end is None and count is None:
        count, start = 3, instant
    trigger = BoundedTrigger(inner, start, end, count)
    # In UTC: two fires in one ZoneInfo compare by wall time, ignoring fold.
    fires = [f.astimezone(UTC) for f in upcoming(trigger, instant, 20)]
    everything = upcoming(
        inner, max(instant, start - timedelta(microseconds=1)) if start else instant, 20
    )
    assert all(a < b for a, b in pairwise([instant, *fires]))
    for fire in fires:
        assert start is None or fire >= start
        assert trigger.end is None or fire <= trigger.end
        assert end is None or fire <= end
    # Inside the bounds it is the inner trigger exactly.
    everything = [f.astimezone(UTC) for f in everything]
    assert fires == [f for f in everything if trigger.end is None or f <= trigger.end][: len(fires)]
    if count is not None and start is not None and instant <= start:
        assert len(upcoming(trigger, instant, count + 5)) <= count
    if fires and len(fires) < 20:
        assert trigger.next_after(fires[-1]) is None
    again = trigger_from_dict(json.loads(json.dumps(trigger.to_dict())))
    assert again == trigger
