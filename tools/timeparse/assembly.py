"""Turning the parts into a trigger and its description: `build(parts, zone, now, today)`.

The parts must form one of the combinations in `scanner.COMBOS`. Repeating
schedules become cron where cron can say it (on the clock face) and an
interval otherwise ("every 7 minutes", "every 2 days", "every other monday");
anything else is a one-off, built in `once`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from scheduler.triggers import AnyTrigger, CronTrigger, IntervalTrigger
from tools.timeparse.english import (
    clock_text,
    days_phrase,
    days_plural,
    describe,
    every_text,
    month_day_name,
    month_days_phrase,
    ordinal,
    short_date,
    times_phrase,
)
from tools.timeparse.instants import (
    Clock,
    clock_for,
    next_at,
    next_minute,
    next_minute_of_hour,
    next_weekday_at,
    one_time,
    phase_anchor,
)
from tools.timeparse.once import (
    build_once,
    check_month_day,
    check_month_days,
    check_no_minute_past,
)
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import COMBOS, Parts


def build(parts: Parts, zone_name: str, now: datetime, today: date) -> tuple[AnyTrigger, str]:
    """`now` is in the trigger's zone; `today` is the caller's date."""
    _promote_weekday(parts)
    seen = frozenset(parts.seen)
    _check_combination(parts, seen)
    if "cron" in seen:
        trigger = CronTrigger(parts.cron or "", zone_name)
        return trigger, trigger.describe()
    for category, builder in _BUILDERS:
        if category in seen:
            return builder(parts, zone_name, now)
    return build_once(parts, zone_name, now, today)


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


def _cron_time_fields(clock: Clock) -> tuple[str, str]:
    minutes = {m for _, m in clock.times}
    if len(minutes) > 1:
        shown = " and ".join(clock_text(t) for t in clock.times)
        raise ParseError(
            f"one schedule can't fire at {shown}: the minutes differ", "make two schedules"
        )
    return str(minutes.pop()), ",".join(str(h) for h, _ in clock.times)


def _dow_field(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "*"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def _build_daily(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    clock = clock_for(parts)
    minute, hours = _cron_time_fields(clock)
    days = parts.dows or frozenset(range(7))
    trigger = CronTrigger(f"{minute} {hours} * * {_dow_field(days)}", zone_name)
    text = f"{days_phrase(days)} at {times_phrase(clock)}"
    return trigger, describe(text, zone_name, clock.note)


def _build_weeks(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    every = parts.weeks or 1
    example = "every other monday at 9am" if every == 2 else "every monday at 9am"
    if not parts.dows:
        raise ParseError(f'"{parts.seen["weeks"]}" on which day?', f'e.g. "{example}"')
    if every == 1:
        return _build_daily(parts, zone_name, now)
    if len(parts.dows) > 1:
        raise ParseError(
            f'every {every} weeks works with one day, not "{parts.seen["dows"]}"',
            "make one schedule per day",
        )
    clock = clock_for(parts)
    hm = one_time(parts, clock, f"every {every} weeks")
    first = next_weekday_at(now, next(iter(parts.dows)), hm, False)
    anchor = phase_anchor(first, hm, every * 7, now)
    trigger = IntervalTrigger(every, "weeks", anchor, zone_name)
    count = "other week" if every == 2 else f"{every} weeks"
    text = f"Every {count} on {first:%A} at {clock_text(hm)}, starting {short_date(first)}"
    return trigger, describe(text, zone_name, clock.note)


def _build_days(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    every = parts.days or 2
    clock = clock_for(parts)
    hm = one_time(parts, clock, f"every {every} days")
    first = next_at(now, hm)
    anchor = phase_anchor(first, hm, every, now)
    trigger = IntervalTrigger(every, "days", anchor, zone_name)
    text = f"Every {every} days at {clock_text(hm)}, starting {short_date(first)}"
    return trigger, describe(text, zone_name, clock.note)


def _build_monthly(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    if not parts.month_days:
        raise ParseError(f'"{parts.seen["monthly"]}" on which day?', 'e.g. "monthly on the 1st"')
    check_month_days(parts.month_days)
    clock = clock_for(parts)
    minute, hours = _cron_time_fields(clock)
    days_field = ",".join(str(d) for d in parts.month_days)
    trigger = CronTrigger(f"{minute} {hours} {days_field} * *", zone_name)
    text = f"On {month_days_phrase(parts.month_days)} of every month at {times_phrase(clock)}"
    notes = [n for n in (clock.note, _short_month_note(parts.month_days)) if n]
    return trigger, describe(text, zone_name, "; ".join(notes) or None)


def _short_month_note(days: tuple[int | str, ...]) -> str | None:
    late = [d for d in days if isinstance(d, int) and d > 28]
    if not late:
        return None
    return f"months without a {ordinal(max(late))} are skipped"


def _build_yearly(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    if parts.date is None:
        raise ParseError(f'"{parts.seen["yearly"]}" on which date?', 'e.g. "every year on march 3"')
    year, month, day = parts.date
    if year is not None:
        raise ParseError("a yearly schedule can't have a year", "leave the year out")
    check_month_day(month, day, None)
    clock = clock_for(parts)
    minute, hours = _cron_time_fields(clock)
    trigger = CronTrigger(f"{minute} {hours} {day} {month} *", zone_name)
    text = f"Every year on {month_day_name(month, day)} at {times_phrase(clock)}"
    leap = "only in leap years" if (month, day) == (2, 29) else None
    notes = [n for n in (clock.note, leap) if n]
    return trigger, describe(text, zone_name, "; ".join(notes) or None)


def _build_step(parts: Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    minutes = parts.step or 1
    if minutes % 60 == 0:
        return _build_hours(parts, zone_name, now, minutes // 60)
    check_no_minute_past(parts)
    if 60 % minutes == 0:
        step = "*" if minutes == 1 else f"*/{minutes}"
        return _step_cron(parts, zone_name, f"{step} * * * ", every_text(minutes, "minute"))
    return _step_interval(parts, zone_name, now, minutes, "minutes")


def _build_hours(parts: Parts, zone_name: str, now: datetime, hours: int) -> tuple[AnyTrigger, str]:
    minute = parts.minute_of_hour or 0
    if 24 % hours == 0 and hours < 24:
        step = "*" if hours == 1 else f"*/{hours}"
        text = f"{every_text(hours, 'hour')} at :{minute:02d}"
        return _step_cron(parts, zone_name, f"{minute} {step} * * ", text)
    return _step_interval(parts, zone_name, now, hours, "hours")


def _step_cron(parts: Parts, zone_name: str, head: str, text: str) -> tuple[AnyTrigger, str]:
    days = parts.dows or frozenset(range(7))
    trigger = CronTrigger(head + _dow_field(days), zone_name)
    if len(days) < 7:
        text += f" on {days_plural(days)}"
    return trigger, describe(text, zone_name, None)


def _step_interval(
    parts: Parts, zone_name: str, now: datetime, every: int, unit: str
) -> tuple[AnyTrigger, str]:
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
    return trigger, describe(f"{text} {short_date(anchor)}", zone_name, None)


# The first category present picks the builder: "every 10 minutes on weekdays" is a
# step, "every other monday" (weeks and dows) is every two weeks.
_BUILDERS = (
    ("step", _build_step),
    ("weeks", _build_weeks),
    ("days", _build_days),
    ("monthly", _build_monthly),
    ("yearly", _build_yearly),
    ("dows", _build_daily),
    ("daily", _build_daily),
)
