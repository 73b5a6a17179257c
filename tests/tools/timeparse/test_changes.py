"""tools.timeparse.parse_change: a change read against the schedule it changes.

Each row is (the current schedule, as a phrase `parse_when` reads at the same
time and zone, or a trigger; the change; when and where it is said) and what
must come of it: the first fire instants (ISO, in the schedule's zone), a
fragment of the description, or a refusal or a question. A refusal's example
and a question's readings must themselves parse as changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.triggers import AnyTrigger, BoundedTrigger, CronTrigger, IntervalTrigger
from tests.tools.timeparse.cases import BERLIN, NOW, NY, ny
from tools.timeparse import Ambiguous, ParsedWhen, ParseError, parse_change, parse_when

WEEKDAYS_9 = "every weekday at 9am"
OTHER_TUESDAY = "every other tuesday at 4pm"  # said Wed March 4: from Tue March 10
MONTHLY = "on the 1st of every month at 9am"


@dataclass(frozen=True)
class Change:
    current: str | AnyTrigger
    text: str
    runs: tuple[str, ...] = ()
    says: str | None = None  # a fragment of the description
    error: str | None = None
    hint: str | None = None
    asks: tuple[str, ...] = ()  # the labels of the readings
    only: bool = False  # `runs` are all the runs
    tz: str = NY
    now: str = NOW  # wall time in `tz`
    zone: str | None = None  # the new trigger's zone, when not `tz`
    kind: str | None = None

    @property
    def id(self) -> str:
        current = self.current if isinstance(self.current, str) else self.current.kind
        where = "" if (self.tz, self.now) == (NY, NOW) else f"@{self.tz.split('/')[-1]}{self.now}"
        return f"{current} + {self.text}{where}"

    def at(self) -> datetime:
        return datetime.fromisoformat(self.now).replace(tzinfo=ZoneInfo(self.tz))

    def trigger(self) -> AnyTrigger:
        if isinstance(self.current, str):
            return parse_when(self.current, self.tz, self.at()).trigger
        return self.current


def berlin(*wall: str) -> tuple[str, ...]:
    """ISO instants for Berlin wall times in October 2026 (CET from October 25, 03:00)."""
    return tuple(w + ("+01:00" if w >= "2026-10-25T03" else "+02:00") for w in wall)


CHANGES = [
    # --- a time of day keeps the days (and the weeks, the phase, the months)
    Change(WEEKDAYS_9, "9:30", ny("2026-03-05T09:30", "2026-03-06T09:30", "2026-03-09T09:30")),
    Change(WEEKDAYS_9, "change standup to 9:30", ny("2026-03-05T09:30"), "Monday through Friday"),
    Change(WEEKDAYS_9, "at 10am and 4pm", ny("2026-03-04T16:00", "2026-03-05T10:00"), kind="cron"),
    Change(
        "every day at 9am",
        "at 9am and 1:30pm",
        ny("2026-03-04T13:30", "2026-03-05T09:00", "2026-03-05T13:30"),
        kind="rrule",
    ),
    Change(WEEKDAYS_9, "in the afternoon", ny("2026-03-04T13:00"), '"afternoon" taken as 1:00 PM'),
    Change(OTHER_TUESDAY, "9:30", ny("2026-03-10T09:30", "2026-03-24T09:30"), "Every other week"),
    Change(MONTHLY, "10am", ny("2026-04-01T10:00", "2026-05-01T10:00")),
    Change(
        MONTHLY, "9am and 1:30pm", ny("2026-04-01T09:00", "2026-04-01T13:30", "2026-05-01T09:00")
    ),
    Change(
        "the last friday of the month at 5pm", "9am", ny("2026-03-27T09:00", "2026-04-24T09:00")
    ),
    Change(
        "every 3 days at 8am",
        "9:30",
        ny("2026-03-05T09:30", "2026-03-08T09:30", "2026-03-11T09:30"),
        kind="interval",
    ),
    # --- DST weeks: the spring gap runs right after it, the repeated hour once
    Change("every sunday at 9am", "2:30am", ny("2026-03-08T03:00", "2026-03-15T02:30"), "02:30 AM"),
    Change("every other sunday at 4pm", "2:30am", ny("2026-03-08T03:00", "2026-03-22T02:30")),
    Change(
        "every day at 9am",
        "2:30am",
        berlin(*(f"2026-10-{d}T02:30" for d in (21, 22, 23, 24, 25))),
        tz=BERLIN,
        now="2026-10-20T10:00:00",
    ),
    Change(
        "tomorrow at 9am",
        "2:30am",
        berlin("2026-10-25T02:30"),
        tz=BERLIN,
        now="2026-10-24T10:00:00",
    ),
    Change(
        "every 3 days at 8am",  # from Sunday March 8, the day New York springs forward
        "2:30am",
        ny("2026-03-08T03:00", "2026-03-11T02:30", "2026-03-14T02:30"),
        now="2026-03-07T10:00:00",
    ),
    # --- days keep the times
    Change(WEEKDAYS_9, "Fridays", ny("2026-03-06T09:00", "2026-03-13T09:00")),
    Change(WEEKDAYS_9, "move it to Fridays", ny("2026-03-06T09:00", "2026-03-13T09:00")),
    Change(WEEKDAYS_9, "weekends", ny("2026-03-07T09:00", "2026-03-08T09:00", "2026-03-14T09:00")),
    Change("every monday at 9am", "friday", ny("2026-03-06T09:00", "2026-03-13T09:00")),
    Change(
        "every day at 9am and 5pm",
        "mondays and thursdays",
        ny("2026-03-05T09:00", "2026-03-05T17:00", "2026-03-09T09:00"),
    ),
    Change(OTHER_TUESDAY, "thursdays", ny("2026-03-12T16:00", "2026-03-26T16:00")),
    Change(
        "every hour between 9am and 5pm on weekdays",
        "fridays",
        ny("2026-03-06T09:00", "2026-03-06T10:00"),
    ),
    # --- days and a time together
    Change(WEEKDAYS_9, "10am on Mondays and Thursdays", ny("2026-03-05T10:00", "2026-03-09T10:00")),
    Change(
        OTHER_TUESDAY,
        "move it to 10am on mondays and thursdays",
        ny("2026-03-12T10:00", "2026-03-23T10:00", "2026-03-26T10:00", "2026-04-06T10:00"),
    ),
    Change("every day at 9am", "monday mornings", ny("2026-03-09T09:00", "2026-03-16T09:00")),
    # --- a schedule of its own replaces it
    # A new repeat that says no time keeps the schedule's ("make the digest weekly on Monday").
    Change("every weekday at 4pm", "weekly on Monday", ny("2026-03-09T16:00", "2026-03-16T16:00")),
    Change("every weekday at 4pm", "daily", ny("2026-03-04T16:00", "2026-03-05T16:00")),
    Change(
        "every 15 minutes", "weekly on Monday", ny("2026-03-09T09:00"), "no time given, so 9:00 AM"
    ),
    Change(WEEKDAYS_9, "every friday at 4pm", ny("2026-03-06T16:00", "2026-03-13T16:00")),
    Change(OTHER_TUESDAY, "every friday at 9am", ny("2026-03-06T09:00", "2026-03-13T09:00")),
    Change(WEEKDAYS_9, "tomorrow at 3pm", ny("2026-03-05T15:00"), kind="once", only=True),
    Change(WEEKDAYS_9, "in 2 hours", ny("2026-03-04T12:00"), kind="once"),
    Change(WEEKDAYS_9, "0 10 * * 1", ny("2026-03-09T10:00"), kind="cron"),
    Change(WEEKDAYS_9, "daily", ny("2026-03-05T09:00", "2026-03-06T09:00", "2026-03-07T09:00")),
    # --- every other week: the one day it has, at its times
    Change("every monday at 4pm", "every other week", ny("2026-03-09T16:00", "2026-03-23T16:00")),
    Change("every monday at 4pm", "every other week at 10am", ny("2026-03-09T10:00")),
    Change(
        "every monday at 4pm",
        "every other week starting march 16",
        ny("2026-03-16T16:00", "2026-03-30T16:00"),
    ),
    Change("tomorrow at 9am", "weekly", ny("2026-03-05T09:00", "2026-03-12T09:00")),
    Change(
        "every monday at 4pm until march 31",
        "every other week",
        ny("2026-03-09T16:00", "2026-03-23T16:00"),
        only=True,
    ),
    Change(
        "every wednesday at 4pm",
        "every other week",
        error="starting today",
        asks=("Starting today, Wed Mar 4", "Starting Wed Mar 11"),
    ),
    Change(
        WEEKDAYS_9,
        "every other week",
        error='"every other week" on which day? It runs on weekdays.',
        hint='"every other monday at 9am"',
    ),
    Change(MONTHLY, "biweekly", error="on which day?", hint="every other monday at 9am"),
    # --- bounds stay, or the change names new ones
    Change("every day at 9am until march 20", "9:30", ny("2026-03-05T09:30"), "until Fri Mar 20"),
    Change(
        "every day at 9am 3 times",
        "9:30",
        ny("2026-03-05T09:30", "2026-03-06T09:30", "2026-03-07T09:30"),
        only=True,
    ),
    Change(
        "every day at 9am 3 times",
        "fridays",
        ny("2026-03-06T09:00", "2026-03-13T09:00", "2026-03-20T09:00"),
        only=True,
    ),
    Change(
        "every day at 9am", "until march 6", ny("2026-03-05T09:00", "2026-03-06T09:00"), only=True
    ),
    Change(
        "every day at 9am until march 20",
        "until march 6",
        ny("2026-03-05T09:00", "2026-03-06T09:00"),
        only=True,
    ),
    Change(
        "every weekday at 9am starting march 16",
        "fridays",
        ny("2026-03-20T09:00", "2026-03-27T09:00"),
    ),
    Change(
        "every day at 9am",
        "9:30 until friday",
        ny("2026-03-05T09:30", "2026-03-06T09:30"),
        only=True,
    ),
    Change(
        BoundedTrigger(
            CronTrigger("0 9 * * *", NY), None, datetime.fromisoformat("2026-03-03T23:59:59-05:00")
        ),
        "9:30",
        error="never run again",
    ),
    # --- a one-off moves on its day, or to the day named
    Change("tomorrow at 9am", "3pm", ny("2026-03-05T15:00"), "Once", only=True),
    Change("tomorrow at 9am", "friday", ny("2026-03-06T09:00"), only=True),
    Change("tomorrow at 9am", "next friday", ny("2026-03-06T09:00"), only=True),
    Change("tomorrow at 9am", "friday at 3pm", ny("2026-03-06T15:00"), only=True),
    Change("march 20 at 9am", "monday", ny("2026-03-09T09:00"), only=True),
    Change("today at 11am", "at 4", ny("2026-03-04T16:00"), only=True),  # 4 AM is past
    Change("today at 11am", "9:30", error="is in the past", hint='"tomorrow at 9:30am"'),
    Change("tomorrow at 9am", "at 4", error="4:00 AM or 4:00 PM?", asks=("4:00 AM", "4:00 PM")),
    Change(
        "tomorrow at 9am",
        "fridays",
        error="every Friday from now on, or just once?",
        asks=("Every Friday", "Just Fri Mar 6"),
    ),
    Change(
        "tomorrow at 9am",
        "mondays and fridays",
        error="is several days, but this is a one-off",
        hint='"every monday and friday at 9am"',
    ),
    Change("tomorrow at 9am", "at 9am and 5pm", error="takes one time of day"),
    Change("tomorrow at 9am", "until friday", error="needs a repeating schedule"),
    # --- what cannot be kept exactly is refused, with a phrase that works
    Change(
        MONTHLY,
        "Fridays",
        error='how "At 09:00 AM, on day 1 of the month" would run on Fridays',
        hint='say the whole schedule, e.g. "every friday at 9am"',
    ),
    Change(MONTHLY, "10am on fridays", error="would run on Fridays", hint='"every friday at 10am"'),
    Change(
        "the first monday of every month at 10am",
        "wednesdays",
        error="would run on Wednesdays",
        hint='"every wednesday at 10am"',
    ),
    Change("every 2 days at 9am", "fridays", error="would run on Fridays"),
    Change(
        "every 15 minutes",
        "9:30",
        error='which times "9:30" replaces',
        hint='"every day at 9:30am"',
    ),
    Change(
        "every hour between 9am and 5pm on weekdays",
        "9:30",
        error="which times",
        hint='"every weekday at 9:30am"',
    ),
    Change(
        WEEKDAYS_9, "next friday", error="is one day, but this schedule repeats", hint="fridays"
    ),
    Change(
        WEEKDAYS_9,
        "at 4",
        error='"at 4": 4:00 AM or 4:00 PM?',
        asks=("4:00 AM", "4:00 PM"),
    ),
    Change(
        IntervalTrigger(2, "hours", datetime.fromisoformat("2026-03-04T15:00:00+00:00"), NY),
        "fridays",
        error="would run on Fridays",
    ),
    # --- the zone is the schedule's, unless the change names one
    Change(
        WEEKDAYS_9,
        "9:30",
        ("2026-03-05T09:30:00+01:00",),
        tz=BERLIN,
        now="2026-03-04T10:00:00",
    ),
    Change(WEEKDAYS_9, "9:30 London time", ("2026-03-05T09:30:00+00:00",), zone="Europe/London"),
]


def check(case: Change) -> str | None:
    """None when the change does what `case` says, else what went wrong."""
    try:
        result = parse_change(case.text, case.tz, case.at(), case.trigger())
    except ParseError as exc:
        return _check_refusal(case, exc)
    if case.error is not None:
        return f"expected a refusal ({case.error!r}), got {result.to_json()}"
    return _check_result(case, result)


def _check_result(case: Change, result: ParsedWhen) -> str | None:
    zone = ZoneInfo(case.zone or case.tz)
    got = [run.astimezone(zone).isoformat() for run in result.next_runs]
    expected = [datetime.fromisoformat(run).isoformat() for run in case.runs]
    problems = []
    if got[: len(expected)] != expected or (case.only and got != expected):
        problems.append(f"runs {got} != {expected}")
    if case.says is not None and case.says not in result.description:
        problems.append(f"description {result.description!r} lacks {case.says!r}")
    if case.kind is not None and result.trigger.kind != case.kind:
        problems.append(f"kind {result.trigger.kind} != {case.kind}")
    if result.trigger.timezone != (case.zone or case.tz):
        problems.append(f"zone {result.trigger.timezone} != {case.zone or case.tz}")
    return "; ".join(problems) or None


def _check_refusal(case: Change, exc: ParseError) -> str | None:
    if case.error is None:
        return f"refused: {exc.message} (hint: {exc.hint})"
    if case.error not in exc.message:
        return f"message {exc.message!r} lacks {case.error!r}"
    if case.hint is not None and case.hint not in (exc.hint or ""):
        return f"hint {exc.hint!r} lacks {case.hint!r}"
    if bool(case.asks) != isinstance(exc, Ambiguous):
        return f"expected {'a question' if case.asks else 'a refusal'}, got {exc.to_json()}"
    if isinstance(exc, Ambiguous):
        labels = tuple(option.label for option in exc.options)
        if labels != case.asks:
            return f"readings {labels} != {case.asks}"
    return None


@pytest.mark.parametrize("case", CHANGES, ids=[case.id for case in CHANGES])
def test_change(case: Change) -> None:
    problem = check(case)
    assert problem is None, problem


@pytest.mark.parametrize(
    "case", [c for c in CHANGES if c.asks], ids=[c.id for c in CHANGES if c.asks]
)
def test_a_questions_readings_parse_as_changes(case: Change) -> None:
    with pytest.raises(Ambiguous) as asked:
        parse_change(case.text, case.tz, case.at(), case.trigger())
    for option in asked.value.options:
        parse_change(option.when, case.tz, case.at(), case.trigger())  # no question, no refusal


WHOLE = re.compile(r'say the whole schedule, e\.g\. "([^"]+)"')


@pytest.mark.parametrize(
    "case",
    [c for c in CHANGES if c.error and not c.asks],
    ids=[c.id for c in CHANGES if c.error and not c.asks],
)
def test_a_refusals_example_works_as_a_change(case: Change) -> None:
    with pytest.raises(ParseError) as refused:
        parse_change(case.text, case.tz, case.at(), case.trigger())
    if found := WHOLE.search(refused.value.hint or ""):
        parse_change(found[1], case.tz, case.at(), case.trigger())


def test_a_change_says_its_remainder_and_json() -> None:
    now = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo(NY))
    current = parse_when(WEEKDAYS_9, NY, now).trigger
    data = parse_change("change standup to 9:30", NY, now, current).to_json()
    assert (data["kind"], data["cron"], data["remainder"]) == (
        "cron",
        "30 9 * * 1-5",
        "change standup to",
    )
    assert data["description"] == "At 09:30 AM, Monday through Friday (America/New_York)"
    assert data["next_runs"][0] == "2026-03-05T09:30:00-05:00"


def test_a_change_in_a_new_zone_keeps_the_wall_clock() -> None:
    now = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo(NY))
    current = parse_when(WEEKDAYS_9, NY, now).trigger
    moved = parse_change("fridays", "Asia/Tokyo", now, current)  # update with a new timezone
    assert moved.trigger == CronTrigger("0 9 * * 5", "Asia/Tokyo")
    assert moved.next_runs[0].isoformat() == "2026-03-06T09:00:00+09:00"


def test_parse_when_is_unchanged_by_a_current_trigger() -> None:
    now = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo(NY))
    current = parse_when(WEEKDAYS_9, NY, now).trigger
    for text in ("every monday at 10am", "tomorrow at 3pm", "in 10 minutes", "0 9 * * 1"):
        assert parse_change(text, NY, now, current) == parse_when(text, NY, now)
    with pytest.raises(ParseError, match="could not find a time"):
        parse_change("soon-ish", NY, now, current)
