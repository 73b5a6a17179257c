"""Turning the parts into a trigger and its description: `build(parts, zone, now, today)`.

The parts must form one of the combinations in `scanner.COMBOS`. Repeating
schedules become cron where cron can say it (on the clock face) and
otherwise an RRULE (`timesets`: times whose minutes differ, windows, every
other week on several days) or an interval ("every 7 minutes", "every 2
days"); the Nth weekday of the month is built in `nth`, anything else is a
one-off, built in `once`. Bounds ("until friday", "6 times") wrap the result
(`bounds`). Notes are warnings shown beside the description.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scheduler import cron
from scheduler.triggers import AnyTrigger, CronTrigger, IntervalTrigger, OnceTrigger
from tools.timeparse.bounds import bound, start_day
from tools.timeparse.english import (
    DAY_NAMES,
    clock_text,
    days_phrase,
    days_plural,
    describe,
    every_text,
    join,
    month_day_name,
    month_days_phrase,
    ordinal,
    short_date,
    times_phrase,
    when_text,
)
from tools.timeparse.instants import (
    clock_for,
    instant_at,
    next_at,
    next_minute,
    next_minute_of_hour,
    one_time,
    phase_anchor,
)
from tools.timeparse.nth import build_nth
from tools.timeparse.once import build_once, check_month_day, check_month_days, check_no_minute_past
from tools.timeparse.results import ParseError, Unsure
from tools.timeparse.scanner import COMBOS, Parts
from tools.timeparse.timesets import Days, byday, monthly, trigger_for, weekly, yearly
from tools.timeparse.windows import check_per, window_times


@dataclass(frozen=True)
class Built:
    trigger: AnyTrigger
    description: str
    notes: tuple[str, ...] = ()


# What a builder makes before the bounds: the trigger, its words and a note.
Core = tuple[AnyTrigger, str, str | None]


def build(parts: Parts, zone_name: str, now: datetime, today: date) -> Built:
    """`now` is in the trigger's zone; `today` is the caller's date."""
    _promote_weekday(parts)
    seen = frozenset(parts.seen)
    _check_combination(parts, seen)
    if "window" in seen and "step" not in seen:
        raise ParseError(
            f'"{parts.seen["window"]}" needs how often', 'e.g. "every hour between 9am and 5pm"'
        )
    notes: tuple[str, ...] = ()
    if "cron" in seen:
        expr = parts.cron or ""
        core: Core = (CronTrigger(expr, zone_name), cron.describe(expr), None)
        notes = tuple(n for n in (_or_rule_note(expr),) if n)
    else:
        core = _core(parts, zone_name, now, today)
    trigger, text, note = core
    trigger, bounds_text = bound(parts, trigger, now, today)
    if bounds_text:
        text = f"{text}, {bounds_text}"
    return Built(trigger, describe(text, zone_name, note), notes)


def _core(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    for category, builder in _BUILDERS:
        if category in parts.seen:
            return builder(parts, zone_name, now, today)
    return build_once(parts, zone_name, now, today)


def _build_nth(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    check_per(parts, len(parts.nth), "days")
    trigger, text, note = build_nth(parts, zone_name, now)
    if isinstance(trigger, OnceTrigger):
        text = f"Once, {when_text(trigger.at.astimezone(now.tzinfo))}"
    return trigger, text, note


def _or_rule_note(expr: str) -> str | None:
    intended = cron.day_or_intent(expr)
    if intended is None:
        return None
    return (
        f'cron ORs the two day fields, so `{expr}` runs "{cron.describe(expr)}". '
        f'For "{cron.describe(intended)}", use `{intended}`.'
    )


def _promote_weekday(parts: Parts) -> None:
    """ "monday mornings" and "weekly on monday" are every Monday, though
    "monday" alone is one-off."""
    repeats = parts.plural_period or "weeks" in parts.seen
    if repeats and parts.once_dow and "weekday" in parts.seen:
        parts.dows = frozenset({parts.once_dow[0]})
        parts.seen["dows"] = parts.seen.pop("weekday")
        parts.once_dow = None


def _check_combination(parts: Parts, seen: frozenset[str]) -> None:
    if any(seen <= combo for combo in COMBOS):
        return
    names = list(parts.seen)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if not any({first, second} <= combo for combo in COMBOS):
                raise ParseError(
                    f'"{parts.seen[first]}" and "{parts.seen[second]}" don\'t go together',
                    'keep one; e.g. "every weekday at 9am" or "tomorrow at 3pm"',
                )
    raise ParseError(f"I can't combine {', '.join(map(repr, names))} in one schedule")


def _build_daily(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    clock = clock_for(parts)
    days = parts.dows or frozenset(range(7))
    if "weeks" in parts.seen:
        check_per(parts, len(parts.dows or ()), "days")
    else:
        check_per(parts, len(clock.times), "times")
    trigger = trigger_for(weekly(parts.dows), clock.times, zone_name, now)
    return trigger, f"{days_phrase(days)} at {times_phrase(clock)}", clock.note


def _build_weeks(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    every = parts.weeks or 1
    example = "every other monday at 9am" if every == 2 else "every monday at 9am"
    if not parts.dows:
        raise ParseError(f'"{parts.seen["weeks"]}" on which day?', f'e.g. "{example}"')
    if every == 1:
        return _build_daily(parts, zone_name, now, today)
    clock = clock_for(parts)
    begin = start_day(parts, today)
    parts.bounds.start = None  # the rule starts there itself
    first = _first_day(parts.dows, clock.times, now, begin)
    if begin is None and first == now.date():
        raise _which_week(parts, clock.times, now)
    rule = f"FREQ=WEEKLY;INTERVAL={every};BYDAY={byday(parts.dows)}"
    trigger = trigger_for(
        Days(None, (rule,)), clock.times, zone_name, instant_at(first, (0, 0), now)
    )
    names = join([DAY_NAMES[d] for d in sorted(parts.dows, key=lambda d: (d - 1) % 7)])
    count = "other week" if every == 2 else f"{every} weeks"
    fire = trigger.next_after(now)
    starting = short_date(fire) if fire else short_date(instant_at(first, (0, 0), now))
    text = f"Every {count} on {names} at {times_phrase(clock)}, starting {starting}"
    return trigger, text, clock.note


def _first_day(
    dows: frozenset[int], times: tuple[tuple[int, int], ...], now: datetime, begin: date | None
) -> date:
    """The first day from `begin` (else today, if a time is still ahead) on one of `dows`."""
    ref = begin or now.date()
    for ahead in range(8):
        day = ref + timedelta(days=ahead)
        if (day.weekday() + 1) % 7 not in dows:
            continue
        if day > now.date() or any(instant_at(day, t, now) > now for t in times):
            return day
    raise ParseError("no such day comes round")  # pragma: no cover


def _which_week(parts: Parts, times: tuple[tuple[int, int], ...], now: datetime) -> Unsure:
    """ "every other friday" said on a Friday: from today, or from a week today?"""
    today = now.date()
    later = _first_day(
        parts.dows or frozenset(), times, now, today + timedelta(7 - today.weekday())
    )
    first_run = min(t for t in (instant_at(today, hm, now) for hm in times) if t > now)
    phrase = parts.seen["weeks"]
    readings = tuple(
        (label, ((-1, -1, f"starting {day:%B} {day.day}, {day.year}"),))
        for label, day in (
            (f"Starting today, {short_date(first_run)}", today),
            (f"Starting {short_date(instant_at(later, times[0], now))}", later),
        )
    )
    question = f'"{phrase}": starting today ({clock_text((first_run.hour, first_run.minute))})'
    question += f" or a week later ({short_date(instant_at(later, (0, 0), now))})?"
    return Unsure(question, 'add "starting" and the first day', readings)


def _build_days(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    every = parts.days or 2
    clock = clock_for(parts)
    hm = one_time(parts, clock, f"every {every} days")
    first = next_at(now, hm)
    anchor = phase_anchor(first, hm, every, now)
    trigger = IntervalTrigger(every, "days", anchor, zone_name)
    text = f"Every {every} days at {clock_text(hm)}, starting {short_date(first)}"
    return trigger, text, clock.note


def _build_monthly(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    if not parts.month_days:
        raise ParseError(f'"{parts.seen["monthly"]}" on which day?', 'e.g. "monthly on the 1st"')
    check_month_days(parts.month_days)
    check_per(parts, len(parts.month_days), "days")
    clock = clock_for(parts)
    trigger = trigger_for(monthly(parts.month_days), clock.times, zone_name, now)
    text = f"On {month_days_phrase(parts.month_days)} of every month at {times_phrase(clock)}"
    notes = [n for n in (clock.note, _short_month_note(parts.month_days)) if n]
    return trigger, text, "; ".join(notes) or None


def _short_month_note(days: tuple[int | str, ...]) -> str | None:
    late = [d for d in days if isinstance(d, int) and d > 28]
    if not late:
        return None
    return f"months without a {ordinal(max(late))} are skipped"


def _build_yearly(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    if parts.date is None:
        raise ParseError(f'"{parts.seen["yearly"]}" on which date?', 'e.g. "every year on march 3"')
    year, month, day = parts.date
    if year is not None:
        raise ParseError("a yearly schedule can't have a year", "leave the year out")
    check_month_day(month, day, None)
    check_per(parts, 1, "dates")
    clock = clock_for(parts)
    trigger = trigger_for(yearly(month, day), clock.times, zone_name, now)
    text = f"Every year on {month_day_name(month, day)} at {times_phrase(clock)}"
    leap = "only in leap years" if (month, day) == (2, 29) else None
    notes = [n for n in (clock.note, leap) if n]
    return trigger, text, "; ".join(notes) or None


def _build_step(parts: Parts, zone_name: str, now: datetime, today: date) -> Core:
    minutes = parts.step or 1
    if parts.window is not None:
        return _build_window(parts, zone_name, now, minutes)
    if minutes % 60 == 0:
        return _build_hours(parts, zone_name, now, minutes // 60)
    check_no_minute_past(parts)
    if 60 % minutes == 0:
        step = "*" if minutes == 1 else f"*/{minutes}"
        return _step_cron(parts, zone_name, f"{step} * * * ", every_text(minutes, "minute"))
    return _step_interval(parts, zone_name, now, minutes, "minutes")


def _build_window(parts: Parts, zone_name: str, now: datetime, minutes: int) -> Core:
    times, window = window_times(parts, minutes)
    trigger = trigger_for(weekly(parts.dows), times, zone_name, now)
    unit = every_text(minutes // 60, "hour") if minutes % 60 == 0 else every_text(minutes, "minute")
    text = f"{unit} {window}"
    if parts.dows and len(parts.dows) < 7:
        text += f" on {days_plural(parts.dows)}"
    return trigger, text, None


def _build_hours(parts: Parts, zone_name: str, now: datetime, hours: int) -> Core:
    minute = parts.minute_of_hour or 0
    if 24 % hours == 0 and hours < 24:
        step = "*" if hours == 1 else f"*/{hours}"
        text = f"{every_text(hours, 'hour')} at :{minute:02d}"
        return _step_cron(parts, zone_name, f"{minute} {step} * * ", text)
    return _step_interval(parts, zone_name, now, hours, "hours")


def _step_cron(parts: Parts, zone_name: str, head: str, text: str) -> Core:
    days = parts.dows or frozenset(range(7))
    trigger = CronTrigger(head + (weekly(parts.dows).cron or ("", "", "*"))[2], zone_name)
    if len(days) < 7:
        text += f" on {days_plural(days)}"
    return trigger, text, None


def _step_interval(parts: Parts, zone_name: str, now: datetime, every: int, unit: str) -> Core:
    if parts.dows:
        divisor = "an hour" if unit == "minutes" else "a day"
        raise ParseError(
            f"every {every} {unit} can't be limited to some days: it doesn't divide {divisor}",
            'use a step that does, e.g. "every 10 minutes on weekdays"',
        )
    anchor = next_minute(now)
    if parts.minute_of_hour is not None:
        anchor = next_minute_of_hour(now, parts.minute_of_hour)
    # UTC anchor: minute/hour intervals are elapsed time, and aware arithmetic
    # in a ZoneInfo zone would be wall-clock arithmetic across DST.
    trigger = IntervalTrigger(every, unit, anchor.astimezone(UTC), zone_name)  # type: ignore[arg-type]
    text = f"{every_text(every, unit[:-1])}, starting {clock_text((anchor.hour, anchor.minute))}"
    return trigger, f"{text} {short_date(anchor)}", None


# The first category present picks the builder: "every 10 minutes on weekdays" is a
# step, "every other monday" (weeks and dows) is every two weeks; the Nth weekday
# of the month (with "monthly" or "yearly") comes before plain days of the month.
_BUILDERS = (
    ("step", _build_step),
    ("weeks", _build_weeks),
    ("days", _build_days),
    ("nth", _build_nth),
    ("monthly", _build_monthly),
    ("yearly", _build_yearly),
    ("dows", _build_daily),
    ("daily", _build_daily),
)
