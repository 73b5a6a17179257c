"""A change to a schedule: what was found in the text, applied to its trigger.

`parse_change` scans the text as `parse_when` does; `whole` says whether the
parts name a schedule of their own (built then as a new one), and `change`
applies the rest to the current trigger, keeping what they do not name:
times of day (`scheduler.wallclock.with_times`), days of the week
(`on_days`), both, new bounds, or "every other week" on the one day it has.
A one-off moves on its own day, or to the day named. What cannot be applied
exactly is refused with a whole phrase that works.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from scheduler.triggers import AnyTrigger, BoundedTrigger, OnceTrigger, reanchor
from scheduler.wallclock import Times, on_days, rebound, times_of, weekdays_of, with_times
from tools.timeparse.assembly import Built, build
from tools.timeparse.bounds import bound
from tools.timeparse.english import (
    DAY_NAMES,
    clock_text,
    days_plural,
    describe,
    short_date,
    when_text,
)
from tools.timeparse.instants import clock_for, instant_at, next_weekday_at, one_time
from tools.timeparse.results import ParseError, Unsure
from tools.timeparse.scanner import Parts, SaidTime

# What a change may name and still keep the rest: times of day and days of the week.
PARTIAL = frozenset({"time", "period", "dows", "weekday"})
_ONE_DAY = ("next", "this", "coming")


def whole(parts: Parts) -> bool:
    """Whether the parts name a schedule of their own: a repeat ("every monday",
    "daily", "the 1st of every month"), a date, a relative time or cron."""
    seen = parts.seen.keys()
    if "weeks" in seen and not (parts.dows or parts.once_dow):
        return not seen <= {"weeks", "time", "period"}  # "every other week": on which day?
    if not seen <= PARTIAL:
        return True
    return parts.seen.get("dows", "").lower().startswith(("every", "each"))


def change(parts: Parts, current: AnyTrigger, zone: str, now: datetime, today: date) -> Built:
    """`current` changed as the parts say; `now` is in `zone`, `today` the caller's date."""
    if current.timezone != zone:
        current = reanchor(current, zone)
    if "weeks" in parts.seen:
        return _weeks(parts, current, zone, now, today)
    if isinstance(current, OnceTrigger):
        return _move_once(parts, current, zone, now, today)
    bounds = bounds_said(parts)
    inner = current.trigger if bounds and isinstance(current, BoundedTrigger) else current
    clock = clock_for(parts) if parts.times or parts.period else None
    days = _days(parts)
    changed = inner
    if clock is not None:
        retimed = with_times(inner, clock.times, now)
        if retimed is None:
            said = " ".join(parts.seen[c] for c in ("time", "period") if c in parts.seen)
            shown = _shown(current)
            message = f'I can\'t tell which times "{said}" replaces in "{shown}"'
            raise _cannot(message, current, days, clock.times)
        changed = retimed
    if days is not None:
        moved = on_days(changed, days)
        if moved is None:
            message = f'I can\'t tell how "{_shown(current)}" would run on {days_plural(days)}'
            raise _cannot(message, current, days, clock.times if clock else None)
        changed = moved
    if bounds:
        changed, _ = bound(parts, changed, now, today)
    return _built(changed, now, clock.note if clock else None)


def kept_times(parts: Parts, built: Built, current: AnyTrigger, now: datetime) -> Built:
    """A whole new repeat that names no time of day runs at `current`'s times.

    "make the digest weekly on monday" on a 4 PM digest is every Monday at
    4 PM, not at the 9:00 AM a new schedule without a time would get.
    """
    times = times_of(current)
    names_its_time = parts.times or parts.period or {"cron", "step", "hourmin"} & parts.seen.keys()
    if names_its_time or times is None or isinstance(built.trigger, OnceTrigger):
        return built
    retimed = with_times(built.trigger, times, now)
    if retimed is None:
        return built
    return replace(_built(retimed, now, None), notes=built.notes)


def _built(trigger: AnyTrigger, now: datetime, note: str | None) -> Built:
    if trigger.next_after(now) is None:
        raise ParseError("after that change it would never run again", "give it new bounds")
    text = trigger.describe()
    return Built(trigger, f"{text} — {note}" if note else text)


def bounds_said(parts: Parts) -> bool:
    """Whether a start, an end or a count was said."""
    said = parts.bounds
    return bool(said.start or said.end or said.length or said.count)


def _days(parts: Parts) -> frozenset[int] | None:
    """The days of the week a change to a repeating schedule names."""
    if parts.dows:
        return parts.dows
    if parts.once_dow is None:
        return None
    said = parts.seen["weekday"]
    if said.lower().startswith(_ONE_DAY):
        name = DAY_NAMES[parts.once_dow[0]].lower()
        raise ParseError(
            f'"{said}" is one day, but this schedule repeats',
            f'say "{name}s" to move it there, or a date to run it just once',
        )
    return frozenset({parts.once_dow[0]})


def _cannot(
    message: str, current: AnyTrigger, days: frozenset[int] | None, times: Times | None
) -> ParseError:
    """The refusal of a change `current` cannot take, with a whole phrase that works."""
    example = _example(days or weekdays_of(current), times or times_of(current))
    return ParseError(message, f'say the whole schedule, e.g. "{example}"')


def _shown(trigger: AnyTrigger) -> str:
    return trigger.describe().removesuffix(f" ({trigger.timezone})")


def _example(days: frozenset[int] | None, times: Times | None) -> str:
    """ "every friday at 9am": a whole schedule on `days` at `times`."""
    if not days or len(days) == 7:
        named = "day"
    elif days == frozenset({1, 2, 3, 4, 5}):
        named = "weekday"
    else:
        ordered = sorted(days, key=lambda d: (d - 1) % 7)
        named = " and ".join(DAY_NAMES[d].lower() for d in ordered)
    return f"every {named} at {' and '.join(spoken(t) for t in times or ((9, 0),))}"


def spoken(hm: tuple[int, int]) -> str:
    """A time as people type it, which parses one way only: "9am", "1:30pm"."""
    hour, minute = hm
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"


def _weeks(parts: Parts, current: AnyTrigger, zone: str, now: datetime, today: date) -> Built:
    """ "every other week" (no day): on the one day `current` has, at its times."""
    inner = current.trigger if isinstance(current, BoundedTrigger) else current
    days, times = weekdays_of(inner), times_of(inner)
    if days is None or len(days) != 1 or not (times or parts.times or parts.period):
        raise _which_day(parts, days, times)
    parts.dows = days
    parts.seen["dows"] = DAY_NAMES[next(iter(days))]
    if not (parts.times or parts.period) and times:
        parts.times = [SaidTime(h, m, said=clock_text((h, m))) for h, m in times]
        parts.seen["time"] = parts.times[0].said
    built = build(parts, zone, now, today)
    if isinstance(current, BoundedTrigger) and not bounds_said(parts):
        return _built(rebound(current, built.trigger), now, None)
    return built


def _which_day(parts: Parts, days: frozenset[int] | None, times: Times | None) -> ParseError:
    """ "every other week" on a schedule without one day (or time) to keep."""
    runs = f" It runs on {days_plural(days)}." if days and len(days) > 1 else ""
    runs = " It runs every day." if days and len(days) == 7 else runs
    weeks = parts.weeks or 1
    every = {1: "every", 2: "every other"}.get(weeks, f"every {weeks} weeks on")
    day = DAY_NAMES[min(days or {1}, key=lambda d: (d - 1) % 7)].lower()
    example = f"{every} {day} at {spoken((times or ((9, 0),))[0])}"
    question = "on which day" if days is None or len(days) != 1 else "at what time"
    return ParseError(
        f'"{parts.seen["weeks"]}" {question}?{runs}', f'say the whole schedule, e.g. "{example}"'
    )


def _move_once(parts: Parts, once: OnceTrigger, zone: str, now: datetime, today: date) -> Built:
    """A one-off at another time on its day, or on the day named at its time."""
    local = once.at.astimezone(now.tzinfo)
    clock = clock_for(parts) if parts.times or parts.period else None
    hm = one_time(parts, clock, "a one-off") if clock else (local.hour, local.minute)
    day = _one_day(parts, now, hm, clock is not None)
    if day is None:
        at = instant_at(local.date(), hm, now)
        if at <= now:
            raise ParseError(
                f"{when_text(at)} is in the past",
                f'say the day too, e.g. "tomorrow at {spoken(hm)}"',
            )
    else:
        at = next_weekday_at(now, day[0], hm, day[1])
    trigger, _ = bound(parts, OnceTrigger(at.replace(microsecond=0), zone), now, today)
    return Built(trigger, describe(f"Once, {when_text(at)}", zone, clock.note if clock else None))


def _one_day(
    parts: Parts, now: datetime, hm: tuple[int, int], timed: bool
) -> tuple[int, bool] | None:
    """The day a one-off moves to: (cron weekday, strictly after today), or None."""
    if parts.once_dow is not None or not parts.dows:
        return parts.once_dow
    said = parts.seen["dows"]
    if len(parts.dows) > 1:
        example = _example(parts.dows, (hm,))
        raise ParseError(
            f'"{said}" is several days, but this is a one-off',
            f'to repeat it, say the whole schedule, e.g. "{example}"',
        )
    (dow,) = parts.dows
    name = DAY_NAMES[dow].lower()
    at = "" if timed else f" at {spoken(hm)}"
    readings = (
        (f"Every {DAY_NAMES[dow]}", ((*parts.where["dows"], f"every {name}{at}"),)),
        (
            f"Just {short_date(next_weekday_at(now, dow, hm, False))}",
            ((*parts.where["dows"], name),),
        ),
    )
    question = f'"{said}": every {DAY_NAMES[dow]} from now on, or just once?'
    raise Unsure(question, f'say "every {name}" to repeat it, or "{name}" to move it', readings)
