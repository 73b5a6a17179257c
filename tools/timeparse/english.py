"""The English of descriptions: clock times, day lists, ordinals, dates.

"9:30 AM", "Every weekday", "Mondays and Fridays", "the 1st and 15th",
"Wed Mar 4", "on Wednesday, March 4, 2026 at 9:00 AM", and `describe`, which
adds the zone and any note about what was assumed.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # instants needs clock_text at import time
    from tools.timeparse.instants import Clock


DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def clock_text(hm: tuple[int, int]) -> str:
    hour, minute = hm
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def times_phrase(clock: Clock) -> str:
    return join([clock_text(t) for t in clock.times])


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def days_phrase(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "Every day"
    if days == frozenset({1, 2, 3, 4, 5}):
        return "Every weekday"
    ordered = sorted(days, key=lambda d: (d - 1) % 7)  # Monday first
    return "Every " + join([DAY_NAMES[d] for d in ordered])


def days_plural(days: frozenset[int]) -> str:
    if days == frozenset({1, 2, 3, 4, 5}):
        return "weekdays"
    return join([DAY_NAMES[d] + "s" for d in sorted(days, key=lambda d: (d - 1) % 7)])


def every_text(every: int, unit: str) -> str:
    return f"Every {unit}" if every == 1 else f"Every {every} {unit}s"


def ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def month_days_phrase(days: tuple[int | str, ...]) -> str:
    names = ["the last day" if d == "L" else f"the {ordinal(int(d))}" for d in days]
    return join(names)


def short_date(at: datetime) -> str:
    return f"{at:%a %b} {at.day}"


def when_text(at: datetime) -> str:
    return f"on {at:%A, %B} {at.day}, {at.year} at {clock_text((at.hour, at.minute))}"


def month_day_name(month: int, day: int) -> str:
    return f"{calendar.month_name[month]} {day}"


def describe(text: str, zone_name: str, note: str | None) -> str:
    described = f"{text} ({zone_name})"
    return f"{described} — {note}" if note else described
