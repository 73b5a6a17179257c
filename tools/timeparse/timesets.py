"""Which days and which times of day → the plainest trigger that fires on them.

`Days` says the days twice: as cron's day fields when cron can say them, and
as RRULE day parts. `trigger_for` picks cron when one expression says it all
(every listed hour has the same minutes), else an `RRuleTrigger` whose rules
share the days and split the times into groups with the same minutes ("9am
and 1:30pm" is two rules). A rule that picks a day by position (BYSETPOS,
"the first weekday") takes one time per rule, because a position counts
every time of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.triggers import AnyTrigger, CronTrigger, RRuleTrigger

RRULE_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # by cron number, Sunday = 0


@dataclass(frozen=True)
class Days:
    cron: tuple[str, str, str] | None  # (day of month, month, day of week)
    rules: tuple[str, ...]  # RRULE bodies without the times


def weekly(days: frozenset[int] | None) -> Days:
    """Every day, or every one of `days` (cron numbering)."""
    if not days or len(days) == 7:
        return Days(("*", "*", "*"), ("FREQ=DAILY",))
    return Days(("*", "*", dow_field(days)), (f"FREQ=WEEKLY;BYDAY={byday(days)}",))


def monthly(days: tuple[int | str, ...]) -> Days:
    """On these days of every month ("L" is the last)."""
    cron_days = ",".join(str(d) for d in days)
    rule_days = ",".join("-1" if d == "L" else str(d) for d in days)
    return Days((cron_days, "*", "*"), (f"FREQ=MONTHLY;BYMONTHDAY={rule_days}",))


def yearly(month: int, day: int) -> Days:
    return Days((str(day), str(month), "*"), (f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}",))


def byday(days: frozenset[int]) -> str:
    return ",".join(RRULE_DAYS[d] for d in sorted(days, key=lambda d: (d - 1) % 7))


def dow_field(days: frozenset[int]) -> str:
    """Cron's day-of-week field, with runs of three or more as ranges: "1-5", "1,3,5"."""
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def trigger_for(
    days: Days, times: tuple[tuple[int, int], ...], zone: str, start: datetime
) -> AnyTrigger:
    """Cron when one expression says it, else the union of RRULEs from `start`."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for hour in sorted({h for h, _ in times}):
        minutes = tuple(sorted(m for h, m in times if h == hour))
        groups.setdefault(minutes, []).append(hour)
    if days.cron is not None and len(groups) == 1:
        ((minutes, hours),) = groups.items()
        dom, month, dow = days.cron
        expr = f"{_list(minutes)} {_hours_field(hours)} {dom} {month} {dow}"
        return CronTrigger(expr, zone)
    rules: list[str] = []
    for day in days.rules:
        if "BYSETPOS" in day:
            rules += [f"{day};BYHOUR={h};BYMINUTE={m}" for h, m in sorted(times)]
        else:
            rules += [f"{day};BYHOUR={_list(hs)};BYMINUTE={_list(ms)}" for ms, hs in groups.items()]
    return RRuleTrigger(tuple(rules), start.replace(second=0, microsecond=0), zone)


def _list(values: tuple[int, ...] | list[int]) -> str:
    return ",".join(map(str, values))


def _hours_field(hours: list[int]) -> str:
    """ "9-17" for a run of hours, so cron says it as a range; else a list."""
    if len(hours) > 2 and hours == list(range(hours[0], hours[-1] + 1)):
        return f"{hours[0]}-{hours[-1]}"
    return _list(hours)
