"""Which days a phrase names → `scheduler.wallclock.Days`, for `trigger_for`.

`Days` says the days twice: as cron's day fields when cron can say them, and
as RRULE day parts; `trigger_for` (in `scheduler.wallclock`, with `byday`
and `dow_field`) then picks cron when one expression says it all, else an
`RRuleTrigger`. They are re-exported here for the builders.
"""

from __future__ import annotations

from scheduler.wallclock import RRULE_DAYS, Days, byday, dow_field, trigger_for

__all__ = ["RRULE_DAYS", "Days", "byday", "dow_field", "monthly", "trigger_for", "weekly", "yearly"]


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
