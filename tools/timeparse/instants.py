"""Times of day and the instants they fall on, shared by the trigger builders.

`Clock` is the times of day a trigger uses: those written (a bare hour
settled by `settle`), or the part of the day's default ("evening" is 6:00
PM), or 9:00 AM, with a note saying what was assumed. The rest turn a
wall-clock time into the next instant it happens (`instant_at`, `next_at`,
`next_weekday_at`, ...); DST gaps move forward, as
`scheduler.triggers.wall_to_instant` does.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.triggers import wall_to_instant
from tools.timeparse.english import clock_text
from tools.timeparse.results import ParseError, Unsure
from tools.timeparse.scanner import Parts, SaidTime

DEFAULT_TIME = (9, 0)
PERIODS = {"morning": (9, 0), "afternoon": (13, 0), "evening": (18, 0), "night": (20, 0)}


@dataclass(frozen=True)
class Clock:
    """The times of day to use, and a note when they were assumed."""

    times: tuple[tuple[int, int], ...]
    note: str | None = None


def clock_for(parts: Parts) -> Clock:
    if parts.times:
        return Clock(tuple(sorted(set(settle(parts.times, parts.period)))))
    if parts.period:
        hm = PERIODS[parts.period]
        return Clock((hm,), f'"{parts.period}" taken as {clock_text(hm)}')
    return Clock((DEFAULT_TIME,), f"no time given, so {clock_text(DEFAULT_TIME)}")


def settle(times: list[SaidTime], period: str | None) -> list[tuple[int, int]]:
    """The 24-hour times written times mean, in the order they stand in the text.

    A flexible (bare 1-11) hour is PM after "afternoon", "evening" or
    "night", AM after "morning"; after another time it is the first reading
    after that one ("at 9 and 5" is 9 AM and 5 PM); otherwise 7-11 are AM and
    1-6 could be either, so we ask.
    """
    late = period in ("afternoon", "evening", "night")
    settled: list[tuple[int, int]] = []
    for said in sorted(times, key=lambda t: t.span):
        hm = (said.hour, said.minute)
        if said.flexible and (late or (settled and period != "morning")):
            pm = (said.hour + 12, said.minute)
            hm = pm if late or hm <= settled[-1] < pm else hm
        elif said.flexible and period != "morning" and said.hour <= 6:
            raise _which_half(said)
        settled.append(hm)
    return settled


def _which_half(said: SaidTime) -> Unsure:
    """ "at 4": 4 AM or 4 PM? Each reading rewrites the phrase with am/pm."""
    lead = re.match(r"(at|by|around|@)\s*", said.said, re.I)
    prefix = "" if lead is None else f"{'at' if lead[1] == '@' else lead[1].lower()} "
    clock = f"{said.hour}" if said.minute == 0 else f"{said.hour}:{said.minute:02d}"
    am, pm = clock_text((said.hour, said.minute)), clock_text((said.hour + 12, said.minute))
    readings = tuple(
        (label, ((*said.span, f"{prefix}{clock}{suffix}"),))
        for label, suffix in ((am, "am"), (pm, "pm"))
    )
    hint = 'say "am" or "pm", or use the 24-hour clock'
    return Unsure(f'"{said.said}": {am} or {pm}?', hint, readings)


def one_time(parts: Parts, clock: Clock, what: str) -> tuple[int, int]:
    if len(clock.times) > 1:
        shown = " and ".join(clock_text(t) for t in clock.times)
        raise ParseError(f"{what} takes one time of day, not {shown}", "make two schedules")
    return clock.times[0]


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def instant_at(day: date, hm: tuple[int, int], now: datetime) -> datetime:
    """The instant of wall time `hm` on `day` in now's zone (DST gaps move forward)."""
    return wall_to_instant(datetime.combine(day, time(*hm)), now.tzinfo)  # type: ignore[arg-type]


def next_at(now: datetime, hm: tuple[int, int]) -> datetime:
    today = instant_at(now.date(), hm, now)
    return today if today > now else instant_at(now.date() + timedelta(days=1), hm, now)


def next_weekday_at(now: datetime, dow: int, hm: tuple[int, int], after_today: bool) -> datetime:
    ahead = (dow - (now.weekday() + 1) % 7) % 7
    if ahead == 0 and after_today:
        ahead = 7
    at = instant_at(now.date() + timedelta(days=ahead), hm, now)
    return at if at > now else instant_at(now.date() + timedelta(days=ahead + 7), hm, now)


def phase_anchor(first: datetime, hm: tuple[int, int], days: int, now: datetime) -> datetime:
    """The anchor for a days/weeks interval whose first run is `first`.

    IntervalTrigger repeats its anchor's wall-clock time, so when `first` was
    moved out of a spring-forward gap (2:30 -> 3:00) we anchor one period
    earlier, where 2:30 exists, and keep 2:30 for the later runs.
    """
    if (first.hour, first.minute) == hm:
        return first
    return instant_at(first.date() - timedelta(days=days), hm, now)


def next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def next_minute_of_hour(now: datetime, minute: int) -> datetime:
    at = now.replace(minute=minute, second=0, microsecond=0)
    return at if at > now else at + timedelta(hours=1)
