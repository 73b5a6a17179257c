"""scheduler.wallclock: days and times → a trigger, read back, and changed (other times of
day, other days of the week), keeping DST rules, weeks, phases and bounds."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduler.triggers import (
    AnyTrigger,
    BoundedTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    RRuleTrigger,
    trigger_from_dict,
    upcoming,
)
from scheduler.wallclock import (
    Days,
    dow_field,
    on_days,
    rebound,
    times_of,
    trigger_for,
    weekdays_of,
    with_times,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"
NOW = datetime.fromisoformat("2026-03-04T10:00:00-05:00")  # Wed, four days before NY springs
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fires(trigger: AnyTrigger | None, after: datetime = NOW, count: int = 4) -> list[str]:
    assert trigger is not None
    assert trigger_from_dict(trigger.to_dict()) == trigger  # what is stored reads back the same
    return [f.isoformat() for f in upcoming(trigger, after, count)]


def cron(expr: str, zone: str = NY) -> CronTrigger:
    return CronTrigger(expr, zone)


def rrule(*rules: str, start: str = "2026-03-03T00:00:00-05:00", zone: str = NY) -> RRuleTrigger:
    return RRuleTrigger(rules, iso(start), zone)


EVERY_OTHER_TUESDAY = rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=16;BYMINUTE=0")


# ----------------------------------------------------------------------- building


@pytest.mark.parametrize(
    ("days", "field"),
    [({1, 2, 3, 4, 5}, "1-5"), ({1, 3, 5}, "1,3,5"), ({0, 6}, "0,6"), (set(range(7)), "*")],
)
def test_dow_field_says_runs_as_ranges(days: set[int], field: str) -> None:
    assert dow_field(frozenset(days)) == field


def test_trigger_for_picks_cron_when_the_minutes_agree_and_rules_when_not() -> None:
    days = Days(("*", "*", "1-5"), ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",))
    assert trigger_for(days, ((9, 0), (17, 0)), NY, NOW) == cron("0 9,17 * * 1-5")
    assert trigger_for(days, ((9, 0), (10, 0), (11, 0)), NY, NOW) == cron("0 9-11 * * 1-5")
    both = trigger_for(days, ((9, 0), (13, 30)), NY, NOW)
    assert isinstance(both, RRuleTrigger) and len(both.rules) == 2


# --------------------------------------------------------------------- with_times


@pytest.mark.parametrize(
    ("trigger", "times", "expected"),
    [
        (cron("0 9 * * 1-5"), ((9, 30),), cron("30 9 * * 1-5")),
        (cron("0 9,17 * * *"), ((8, 15),), cron("15 8 * * *")),
        (cron("0 10 1-7 * 1"), ((11, 0),), cron("0 11 1-7 * 1")),  # the OR rule stays as is
        (cron("0 12 L * *"), ((18, 0), (20, 0)), cron("0 18,20 L * *")),
        (cron("0 9 * 6-8 MON-FRI"), ((7, 0),), cron("0 7 * 6-8 MON-FRI")),
    ],
)
def test_with_times_keeps_a_crons_days(
    trigger: CronTrigger, times: tuple[tuple[int, int], ...], expected: CronTrigger
) -> None:
    assert with_times(trigger, times, NOW) == expected


@pytest.mark.parametrize(
    ("expr", "runs"),
    [
        (  # weekdays
            "0 9 * * 1-5",
            ["2026-03-04T13:30:00-05:00", "2026-03-05T09:00:00-05:00", "2026-03-05T13:30:00-05:00"],
        ),
        (  # the 1st of the month
            "0 9 1 * *",
            ["2026-04-01T09:00:00-04:00", "2026-04-01T13:30:00-04:00", "2026-05-01T09:00:00-04:00"],
        ),
        (  # the first Monday and the last Friday
            "0 9 * * 1#1,5L",
            ["2026-03-27T09:00:00-04:00", "2026-03-27T13:30:00-04:00", "2026-04-06T09:00:00-04:00"],
        ),
        (  # cron's OR: days 1-7 and every Monday
            "0 9 1-7 * 1",
            ["2026-03-04T13:30:00-05:00", "2026-03-05T09:00:00-05:00", "2026-03-05T13:30:00-05:00"],
        ),
        (  # the last weekday of the month, in summer only
            "0 9 LW 6-8 *",
            ["2026-06-30T09:00:00-04:00", "2026-06-30T13:30:00-04:00", "2026-07-31T09:00:00-04:00"],
        ),
    ],
)
def test_with_times_whose_minutes_differ_turns_cron_into_rules(expr: str, runs: list[str]) -> None:
    changed = with_times(cron(expr), ((9, 0), (13, 30)), NOW)
    assert isinstance(changed, RRuleTrigger)
    assert fires(changed, count=3) == runs


@pytest.mark.parametrize(
    "trigger",
    [
        cron("*/15 * * * *"),
        cron("0 9-17 * * 1-5"),  # a window: which of its times would 9:30 replace?
        cron("0 9,10,11,12 * * *"),
        cron("0 */2 * * *"),
        rrule("FREQ=DAILY;BYHOUR=9,10,11,12,13;BYMINUTE=0,30"),
        rrule("FREQ=HOURLY;BYMINUTE=5"),
        IntervalTrigger(30, "minutes", iso("2026-03-04T15:00:00+00:00"), NY),
        IntervalTrigger(2, "hours", iso("2026-03-04T15:00:00+00:00"), NY),
        OnceTrigger(iso("2026-03-05T09:00:00-05:00"), NY),  # its day is the parser's to pick
    ],
)
def test_with_times_refuses_what_has_no_times_of_day(trigger: AnyTrigger) -> None:
    assert times_of(trigger) is None or isinstance(trigger, OnceTrigger)
    assert with_times(trigger, ((9, 30),), NOW) is None


def test_with_times_keeps_every_other_weeks_weeks() -> None:
    changed = with_times(EVERY_OTHER_TUESDAY, ((9, 30),), NOW)
    assert changed == rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9;BYMINUTE=30")
    assert fires(changed, count=3) == [
        "2026-03-17T09:30:00-04:00",
        "2026-03-31T09:30:00-04:00",
        "2026-04-14T09:30:00-04:00",
    ]
    assert [f[:10] for f in fires(changed, count=3)] == [
        f[:10] for f in fires(EVERY_OTHER_TUESDAY, count=3)
    ]


def test_with_times_gives_each_position_rule_its_own_time() -> None:
    last_weekday = rrule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=9;BYMINUTE=0")
    changed = with_times(last_weekday, ((9, 0), (17, 0)), NOW)
    assert isinstance(changed, RRuleTrigger) and len(changed.rules) == 2
    assert fires(changed, count=3) == [
        "2026-03-31T09:00:00-04:00",
        "2026-03-31T17:00:00-04:00",
        "2026-04-30T09:00:00-04:00",
    ]


def test_with_times_in_the_spring_gap_runs_right_after_it_new_york() -> None:
    after = iso("2026-03-07T12:00:00-05:00")
    expected = ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]
    assert fires(with_times(cron("0 9 * * *"), ((2, 30),), NOW), after, 2) == expected
    daily_rule = rrule("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30")
    assert fires(with_times(daily_rule, ((2, 30),), NOW), after, 2) == expected


def test_with_times_in_the_repeated_hour_runs_once_berlin() -> None:
    after = iso("2026-10-24T12:00:00+02:00")
    expected = ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    assert fires(with_times(cron("0 9 * * *", BERLIN), ((2, 30),), NOW), after, 2) == expected
    rule = rrule("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", zone=BERLIN, start="2026-10-01T00:00:00+02:00")
    assert fires(with_times(rule, ((2, 30),), NOW), after, 2) == expected


def test_with_times_on_an_interval_keeps_its_phase_and_wall_clock() -> None:
    # Every 3 days from Sunday March 8, the day New York springs forward.
    every_3 = IntervalTrigger(3, "days", iso("2026-03-08T08:00:00-04:00"), NY)
    moved = with_times(every_3, ((2, 30),), NOW)
    assert isinstance(moved, IntervalTrigger)
    assert fires(moved, count=3) == [
        "2026-03-05T02:30:00-05:00",  # anchored a period earlier, where 2:30 exists
        "2026-03-08T03:00:00-04:00",  # the gap: right after it
        "2026-03-11T02:30:00-04:00",  # and 2:30 again after
    ]
    twice = with_times(every_3, ((8, 0), (17, 0)), NOW)
    assert isinstance(twice, RRuleTrigger)
    assert fires(twice, count=3) == [
        "2026-03-08T08:00:00-04:00",
        "2026-03-08T17:00:00-04:00",
        "2026-03-11T08:00:00-04:00",
    ]
    fortnightly = IntervalTrigger(2, "weeks", iso("2026-03-05T08:00:00-05:00"), NY)
    assert fires(with_times(fortnightly, ((8, 0), (17, 0)), NOW), count=3) == [
        "2026-03-05T08:00:00-05:00",
        "2026-03-05T17:00:00-05:00",
        "2026-03-19T08:00:00-04:00",
    ]


# ------------------------------------------------------------------------ on_days


@pytest.mark.parametrize(
    ("trigger", "days", "expected"),
    [
        (cron("0 9 * * 1-5"), {5}, cron("0 9 * * 5")),
        (cron("30 9 * * *"), {1, 4}, cron("30 9 * * 1,4")),
        (cron("0 9 * * 5"), set(range(7)), cron("0 9 * * *")),
        (cron("*/15 9-17 * * 1-5"), {5}, cron("*/15 9-17 * * 5")),  # a window keeps its hours
        (cron("0 9 * 6-8 1-5"), {1, 3}, cron("0 9 * 6-8 1,3")),  # and months stay
    ],
)
def test_on_days_keeps_a_crons_times(trigger: CronTrigger, days: set[int], expected: AnyTrigger):
    assert on_days(trigger, frozenset(days)) == expected


@pytest.mark.parametrize(
    "trigger",
    [
        cron("0 9 1 * *"),  # monthly: which Fridays?
        cron("0 9 * * 5L"),
        cron("0 10 1-7 * 1"),
        rrule("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"),
        rrule("FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0"),
        rrule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "FREQ=WEEKLY;BYDAY=FR;BYHOUR=17"),
        IntervalTrigger(3, "days", iso("2026-03-05T08:00:00-05:00"), NY),
        IntervalTrigger(2, "hours", iso("2026-03-05T08:00:00-05:00"), NY),
        OnceTrigger(iso("2026-03-05T09:00:00-05:00"), NY),
    ],
)
def test_on_days_refuses_what_does_not_run_by_weekday(trigger: AnyTrigger) -> None:
    assert on_days(trigger, frozenset({5})) is None


def test_on_days_keeps_every_other_weeks_weeks() -> None:
    moved = on_days(EVERY_OTHER_TUESDAY, frozenset({1, 4}))
    assert moved == rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=16;BYMINUTE=0")
    # Tuesdays March 3, 17, 31 → Mondays and Thursdays of the same weeks.
    assert fires(moved) == [
        "2026-03-05T16:00:00-05:00",
        "2026-03-16T16:00:00-04:00",
        "2026-03-19T16:00:00-04:00",
        "2026-03-30T16:00:00-04:00",
    ]


def test_on_days_turns_a_daily_rule_weekly_and_back() -> None:
    twice = rrule("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "FREQ=DAILY;BYHOUR=13;BYMINUTE=30")
    mondays = on_days(twice, frozenset({1}))
    assert mondays == rrule(
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=13;BYMINUTE=30"
    )
    assert mondays is not None and on_days(mondays, frozenset(range(7))) == twice


def test_on_days_on_weeks_interval_keeps_its_weeks() -> None:
    fortnightly = IntervalTrigger(2, "weeks", iso("2026-03-05T08:00:00-05:00"), NY)  # Thu
    moved = on_days(fortnightly, frozenset({1, 3}))
    assert isinstance(moved, RRuleTrigger)
    assert fires(moved, count=3) == [
        "2026-03-16T08:00:00-04:00",
        "2026-03-18T08:00:00-04:00",
        "2026-03-30T08:00:00-04:00",
    ]


# ------------------------------------------------------------------ bounds, reading back


def test_a_changed_bounded_trigger_keeps_its_bounds_and_counts_again() -> None:
    start = iso("2026-03-04T10:00:01-05:00")
    counted = BoundedTrigger(cron("0 9 * * 1-5"), start, None, 3)
    later = with_times(counted, ((9, 30),), NOW)
    assert isinstance(later, BoundedTrigger) and later.count == 3
    assert fires(later, count=5) == [
        "2026-03-05T09:30:00-05:00",
        "2026-03-06T09:30:00-05:00",
        "2026-03-09T09:30:00-04:00",  # the third, at the new time: the end moved with it
    ]
    until = BoundedTrigger(cron("0 9 * * *"), None, iso("2026-03-06T23:59:59-05:00"))
    assert fires(on_days(until, frozenset({4, 5})), count=5) == [
        "2026-03-05T09:00:00-05:00",
        "2026-03-06T09:00:00-05:00",
    ]
    assert rebound(until, cron("0 8 * * *")).end == until.end
    assert with_times(until, ((9, 30),), NOW) is not None
    assert on_days(BoundedTrigger(cron("0 9 1 * *"), None, until.end), frozenset({5})) is None


@pytest.mark.parametrize(
    ("trigger", "days", "times"),
    [
        (cron("0 9 * * 1-5"), WEEKDAYS, ((9, 0),)),
        (cron("30 9,17 * * MON"), {1}, ((9, 30), (17, 30))),
        (cron("0 9 * * 0,7"), {0}, ((9, 0),)),
        (cron("0 9 1 * *"), None, ((9, 0),)),
        (cron("0 9 * 6 1"), None, ((9, 0),)),
        (cron("*/15 * * * *"), set(range(7)), None),
        (EVERY_OTHER_TUESDAY, {2}, ((16, 0),)),
        (rrule("FREQ=WEEKLY;BYHOUR=9;BYMINUTE=0,30"), {2}, ((9, 0), (9, 30))),  # its start's day
        (
            rrule("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "FREQ=DAILY;BYHOUR=13;BYMINUTE=30"),
            set(range(7)),
            ((9, 0), (13, 30)),
        ),
        (rrule("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0"), None, ((9, 0),)),
        (IntervalTrigger(2, "weeks", iso("2026-03-05T08:00:00-05:00"), NY), {4}, ((8, 0),)),
        (IntervalTrigger(3, "days", iso("2026-03-05T08:00:00-05:00"), NY), None, ((8, 0),)),
        (IntervalTrigger(2, "hours", iso("2026-03-05T08:00:00-05:00"), NY), None, None),
        (OnceTrigger(iso("2026-03-06T17:45:00-05:00"), NY), {5}, ((17, 45),)),
        (
            BoundedTrigger(cron("0 9 * * 1"), None, iso("2026-04-01T00:00:00-04:00")),
            {1},
            ((9, 0),),
        ),
    ],
)
def test_days_and_times_read_back(
    trigger: AnyTrigger, days: set[int] | None, times: tuple[tuple[int, int], ...] | None
) -> None:
    assert weekdays_of(trigger) == (None if days is None else frozenset(days))
    assert times_of(trigger) == times
