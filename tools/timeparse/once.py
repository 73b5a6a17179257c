"""One-off triggers: the single instant a relative time, date, day or time names.

"in 10 minutes", "tomorrow at 9", "friday", "december 24", "the 15th": each
is resolved to the next such instant after now, checked against the
calendar (February 30, a date that is not the Friday it claims), and
refused when it is in the past.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from scheduler.triggers import AnyTrigger, OnceTrigger, wall_to_instant
from tools.timeparse.english import DAY_NAMES, clock_text, month_day_name, short_date, when_text
from tools.timeparse.instants import (
    add_months,
    clock_for,
    instant_at,
    next_at,
    next_weekday_at,
    one_time,
)
from tools.timeparse.results import ParseError, Unsure
from tools.timeparse.scanner import Parts, Relative


def build_once(
    parts: Parts, zone_name: str, now: datetime, today: date
) -> tuple[AnyTrigger, str, str | None]:
    """(trigger, text, note) for a one-off; `now` is in the trigger's zone."""
    check_no_minute_past(parts)
    at, note = _once_instant(parts, now, today)
    if at <= now:
        raise ParseError(f"{when_text(at)} is in the past", _past_hint(parts, at))
    if at.year > now.year + 100:
        raise ParseError("that is more than a hundred years away")
    at = at.replace(microsecond=0)
    return OnceTrigger(at, zone_name), f"Once, {when_text(at)}", note


def _past_hint(parts: Parts, at: datetime) -> str:
    if parts.day_offset == 0:
        return f'did you mean "tomorrow at {clock_text((at.hour, at.minute))}"?'
    return "schedules can only start later"


def _once_instant(parts: Parts, now: datetime, today: date) -> tuple[datetime, str | None]:
    if parts.relative is not None:
        return _relative_instant(parts, now)
    clock = clock_for(parts)
    hm = one_time(parts, clock, "a one-off")
    if parts.date is not None:
        return _date_instant(parts, now, hm), clock.note
    if parts.day_offset is not None:
        # "tomorrow" is the caller's tomorrow, even at 9am in another zone.
        day = today + timedelta(days=parts.day_offset)
        return _check_weekday(parts, instant_at(day, hm, now)), clock.note
    if parts.once_dow is not None:
        dow, strictly_later = parts.once_dow
        return next_weekday_at(now, dow, hm, strictly_later), clock.note
    if parts.month_days:
        return _next_month_day(parts, now, hm), clock.note
    return next_at(now, hm), clock.note


def _relative_instant(parts: Parts, now: datetime) -> tuple[datetime, str | None]:
    rel = parts.relative or Relative()
    if parts.times or parts.period:
        if rel.seconds:
            raise ParseError(
                f'"{parts.seen["relative"]}" already says the time',
                'drop the time of day, or say "in 2 days at 9am"',
            )
        day = add_months(now.date(), rel.months) + timedelta(days=rel.days)
        clock = clock_for(parts)
        return instant_at(day, one_time(parts, clock, "a one-off"), now), clock.note
    if rel.months or rel.days:
        day = add_months(now.date(), rel.months) + timedelta(days=rel.days)
        wall = datetime.combine(day, now.time().replace(microsecond=0))
        base = wall_to_instant(wall, now.tzinfo)  # type: ignore[arg-type]
        return (base.astimezone(UTC) + timedelta(seconds=rel.seconds)).astimezone(now.tzinfo), None
    return (now.astimezone(UTC) + timedelta(seconds=rel.seconds)).astimezone(now.tzinfo), None


def _date_instant(parts: Parts, now: datetime, hm: tuple[int, int]) -> datetime:
    year, month, day = parts.date or (None, 1, 1)
    check_month_day(month, day, year)
    if parts.offset is not None:
        fixed = datetime(year or now.year, month, day, *hm, tzinfo=parts.offset)
        return _check_weekday(parts, fixed.astimezone(now.tzinfo))
    if year is not None:
        return _check_weekday(parts, instant_at(date(year, month, day), hm, now))
    for candidate in range(now.year, now.year + 9):
        if day <= calendar.monthrange(candidate, month)[1]:
            at = instant_at(date(candidate, month, day), hm, now)
            if at > now:
                return _check_weekday(parts, at)
    raise ParseError(f"{month_day_name(month, day)} never comes round")


def _check_weekday(parts: Parts, at: datetime) -> datetime:
    """ "friday december 24" must agree with the calendar."""
    if parts.once_dow is not None and (at.weekday() + 1) % 7 != parts.once_dow[0]:
        raise ParseError(
            f"{at:%B} {at.day}, {at.year} is a {at:%A}, not a {DAY_NAMES[parts.once_dow[0]]}",
            "check the date",
        )
    return at


def check_no_minute_past(parts: Parts) -> None:
    """Refuse ":15" / "15 past" outside "every hour": it names a minute of every hour."""
    if "hourmin" in parts.seen:
        raise ParseError(
            f'"{parts.seen["hourmin"]}" only goes with every hour', 'e.g. "every hour at :15"'
        )


def check_month_days(days: tuple[int | str, ...]) -> None:
    """Refuse a day of the month outside 1-31 ("L", the last day, always exists)."""
    for day in days:
        if isinstance(day, int) and not 1 <= day <= 31:
            raise ParseError(f"a month has no day {day}", "days run from the 1st to the 31st")


def check_month_day(month: int, day: int, year: int | None) -> None:
    if not 1 <= month <= 12:
        raise ParseError(f"there is no month {month}", "months run from 1 to 12")
    name = calendar.month_name[month]
    longest = calendar.monthrange(year or 2000, month)[1]  # 2000 was a leap year
    if day < 1 or day > longest:
        within = f"{name} {year}" if year and month == 2 else name
        raise ParseError(f"{within} has only {longest} days, so there is no {name} {day}")


def _next_month_day(parts: Parts, now: datetime, hm: tuple[int, int]) -> datetime:
    if len(parts.month_days) > 1:
        raise ParseError(
            f'"{parts.seen["monthdays"]}" names several days', 'add "of every month" to repeat'
        )
    check_month_days(parts.month_days)
    wanted = parts.month_days[0]
    ahead = _month_days_ahead(wanted, hm, now)
    at = next(ahead)
    if at.astimezone(UTC) - now.astimezone(UTC) < timedelta(days=1):
        raise _which_month(parts, at, next(ahead))
    return at


def _month_days_ahead(wanted: int | str, hm: tuple[int, int], now: datetime) -> Iterator[datetime]:
    first = now.date().replace(day=1)
    for offset in range(26):
        month_start = add_months(first, offset)
        last = calendar.monthrange(month_start.year, month_start.month)[1]
        day = last if wanted == "L" else int(wanted)
        if day <= last:
            at = instant_at(month_start.replace(day=day), hm, now)
            if at > now:
                yield at
    raise ParseError("that day never comes round")


def _which_month(parts: Parts, soon: datetime, later: datetime) -> Unsure:
    """ "the 1st" said on the 31st (or the 1st): so soon, or a month on?"""
    said = parts.seen["monthdays"]
    prefix = "on " if said.lower().startswith("on ") else ""
    readings = tuple(
        (short_date(at), ((*parts.where["monthdays"], f"{prefix}{at:%B} {at.day}, {at.year}"),))
        for at in (soon, later)
    )
    question = f'"{said}": {short_date(soon)} (in less than a day) or {short_date(later)}?'
    return Unsure(question, "name the month", readings)
