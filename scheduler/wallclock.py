"""Schedules as days and wall-clock times: built, read back, and changed.

`trigger_for(days, times, zone, start)` is the plainest trigger that fires at
the times of day `times` on `days`. `Days` says the days twice: as cron's day
fields when cron can say them, and as RRULE day parts. Cron wins when one
expression says it all (every listed hour has the same minutes), else an
`RRuleTrigger` whose rules share the days and split the times into groups
with the same minutes ("9am and 1:30pm" is two rules). A rule that picks a
day by position (BYSETPOS, "the last weekday") takes one time per rule,
because a position counts every time of that day.

The same schedule, changed: `with_times` runs it on its days at other times
of day, `on_days` at its times on other days of the week. Each is None when
the trigger cannot take the change exactly: a weekday for a monthly
schedule, a time of day for "every 15 minutes" or a window, anything for a
one-off (its new day depends on today, which only the parser knows).
`weekdays_of` and `times_of` read a schedule's days and times back, and
`rebound` puts a changed trigger back inside its bounds. DST stays each
kind's own: cron keeps Debian cron's rules, rules and day intervals run on
wall time through `wall_to_instant`.

Days are cron numbers (Sunday = 0), times (hour, minute) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scheduler import recurrence
from scheduler.triggers import (
    BoundedTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    RRuleTrigger,
    nth_fire,
    wall_to_instant,
)

if TYPE_CHECKING:  # annotations only
    from scheduler.triggers import AnyTrigger

RRULE_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # by cron number, Sunday = 0
ALL_DAYS = frozenset(range(7))
Times = tuple[tuple[int, int], ...]
_DOW_NAMES = {day: i for i, day in enumerate("SUN MON TUE WED THU FRI SAT".split())}
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_MONTH_NAMES = {month: i for i, month in enumerate(_MONTHS, 1)}
# What a rule by days of the week may hold besides them: its times, months and week start.
_WEEKLY_KEYS = frozenset("FREQ INTERVAL BYDAY BYMONTH WKST BYHOUR BYMINUTE BYSECOND".split())


@dataclass(frozen=True)
class Days:
    cron: tuple[str, str, str] | None  # (day of month, month, day of week)
    rules: tuple[str, ...]  # RRULE bodies without the times


def byday(days: frozenset[int]) -> str:
    """RRULE's BYDAY, Monday first: "MO,WE,FR"."""
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


def trigger_for(days: Days, times: Times, zone: str, start: datetime) -> AnyTrigger:
    """Cron when one expression says it, else the union of RRULEs from `start`."""
    groups = _minute_groups(times)
    if days.cron is not None and len(groups) == 1:
        ((minutes, hours),) = groups.items()
        dom, month, dow = days.cron
        return CronTrigger(f"{_list(minutes)} {_hours_field(hours)} {dom} {month} {dow}", zone)
    rules: list[str] = []
    for day in days.rules:
        if "BYSETPOS" in day:
            rules += [f"{day};BYHOUR={h};BYMINUTE={m}" for h, m in sorted(times)]
        else:
            rules += [f"{day};BYHOUR={_list(hs)};BYMINUTE={_list(ms)}" for ms, hs in groups.items()]
    return RRuleTrigger(tuple(rules), start.replace(second=0, microsecond=0), zone)


def _minute_groups(times: Times) -> dict[tuple[int, ...], list[int]]:
    """The hours that share the same minutes: {(0,): [9, 17], (30,): [13]}."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for hour in sorted({h for h, _ in times}):
        minutes = tuple(sorted(m for h, m in times if h == hour))
        groups.setdefault(minutes, []).append(hour)
    return groups


def _list(values: tuple[int, ...] | list[int]) -> str:
    return ",".join(map(str, values))


def _hours_field(hours: list[int]) -> str:
    """ "9-17" for a run of hours, so cron says it as a range; else a list."""
    if len(hours) > 2 and hours == list(range(hours[0], hours[-1] + 1)):
        return f"{hours[0]}-{hours[-1]}"
    return _list(hours)


def with_times(trigger: AnyTrigger, times: Times, now: datetime) -> AnyTrigger | None:
    """`trigger` on its own days at the times of day `times` instead of its own.

    A cron schedule whose new times cron cannot hold (their minutes differ)
    becomes RRULEs running from `now`; rules and intervals keep their start,
    so "every other week" keeps its weeks. None when `trigger` has no times
    of day to replace (`times_of` is None) or is a one-off.
    """
    if isinstance(trigger, BoundedTrigger):
        inner = with_times(trigger.trigger, times, now)
        return None if inner is None else rebound(trigger, inner)
    if not times or isinstance(trigger, OnceTrigger) or times_of(trigger) is None:
        return None
    if isinstance(trigger, CronTrigger):
        _, _, dom, month, dow = trigger.expr.split(" ")
        days = Days((dom, month, dow), _cron_rules(dom, month, dow))
        if not days.rules and len(_minute_groups(times)) > 1:
            return None
        return trigger_for(days, times, trigger.timezone, now)
    if isinstance(trigger, RRuleTrigger):
        days = tuple(dict.fromkeys(recurrence.day_part(recurrence.parse(b)) for b in trigger.rules))
        return trigger_for(Days(None, days), times, trigger.timezone, trigger.start)
    return _interval_at(trigger, times)


def _interval_at(trigger: IntervalTrigger, times: Times) -> AnyTrigger:
    """Every N days or weeks at `times`: one time moves the anchor, several become a rule."""
    tz = ZoneInfo(trigger.timezone)
    day = trigger.anchor.astimezone(tz).date()
    if len(times) == 1:
        period = trigger.every * (7 if trigger.unit == "weeks" else 1)
        anchor = _anchor(day, times[0], tz, period)
        return IntervalTrigger(trigger.every, trigger.unit, anchor, trigger.timezone)
    rule = f"FREQ=DAILY;INTERVAL={trigger.every}"
    if trigger.unit == "weeks":
        rule = f"FREQ=WEEKLY;INTERVAL={trigger.every};BYDAY={RRULE_DAYS[_cron_day(day)]}"
    return trigger_for(Days(None, (rule,)), times, trigger.timezone, _midnight(day, tz))


def _anchor(day: date, hm: tuple[int, int], tz: ZoneInfo, period: int) -> datetime:
    """`hm` on `day`, or a period earlier when a DST gap swallows it that day: an
    interval repeats its anchor's wall time, and a gap would have moved it."""
    wall = datetime.combine(day, time(*hm))
    at = wall_to_instant(wall, tz)
    return at if at.replace(tzinfo=None) == wall else wall_to_instant(wall - timedelta(period), tz)


def on_days(trigger: AnyTrigger, days: frozenset[int]) -> AnyTrigger | None:
    """`trigger` at its own times on the days of the week `days` instead of its own.

    Rules and intervals keep their start, so "every other week" keeps its
    weeks. None when `trigger` does not run by days of the week (monthly,
    every 2 days, the last Friday), gives its days their own times (a union
    of rules for different days), counts elapsed time, or is a one-off.
    """
    if not days or not days <= ALL_DAYS:
        return None
    if isinstance(trigger, BoundedTrigger):
        inner = on_days(trigger.trigger, days)
        return None if inner is None else rebound(trigger, inner)
    if isinstance(trigger, CronTrigger):
        minute, hour, dom, month, dow = trigger.expr.split(" ")
        if dom != "*" or _values(dow, 0, 7, _DOW_NAMES) is None:
            return None
        return CronTrigger(f"{minute} {hour} * {month} {dow_field(days)}", trigger.timezone)
    if isinstance(trigger, RRuleTrigger):
        parts = [recurrence.parse(body) for body in trigger.rules]
        if len({recurrence.day_part(p) for p in parts}) != 1 or not _by_weekday(parts[0]):
            return None
        rules = tuple(_weekly_rule(p, days) for p in parts)
        return RRuleTrigger(rules, trigger.start, trigger.timezone)
    if isinstance(trigger, IntervalTrigger):
        return _interval_on_days(trigger, days)
    return None


def _interval_on_days(trigger: IntervalTrigger, days: frozenset[int]) -> AnyTrigger | None:
    """Every N weeks (or every day) on `days`: a weekly rule from the anchor's week."""
    if trigger.unit in ("minutes", "hours") or (trigger.unit == "days" and trigger.every != 1):
        return None
    tz = ZoneInfo(trigger.timezone)
    local = trigger.anchor.astimezone(tz)
    every = str(trigger.every if trigger.unit == "weeks" else 1)
    rule = _weekly_rule({"FREQ": "WEEKLY", "INTERVAL": every}, days)
    monday = local.date() - timedelta(days=local.weekday())
    times = ((local.hour, local.minute),)
    return trigger_for(Days(None, (rule,)), times, trigger.timezone, _midnight(monday, tz))


def _by_weekday(parts: dict[str, str]) -> bool:
    """Whether a parsed rule picks its days by the day of the week alone."""
    if not parts.keys() <= _WEEKLY_KEYS or parts["FREQ"] not in ("DAILY", "WEEKLY"):
        return False
    if parts["FREQ"] == "DAILY" and parts.get("INTERVAL", "1") != "1":
        return False  # every 2 days falls on every day of the week in turn
    return all(code in RRULE_DAYS for code in parts.get("BYDAY", "MO").split(","))


def _weekly_rule(parts: dict[str, str], days: frozenset[int]) -> str:
    """A parsed rule by weekday moved to `days`, keeping its interval, times and months."""
    every = parts.get("INTERVAL", "1")
    if every != "1":
        head = f"FREQ=WEEKLY;INTERVAL={every};BYDAY={byday(days)}"
    else:
        head = "FREQ=DAILY" if days == ALL_DAYS else f"FREQ=WEEKLY;BYDAY={byday(days)}"
    rest = [f"{k}={v}" for k, v in parts.items() if k not in ("FREQ", "INTERVAL", "BYDAY")]
    return ";".join([head, *rest])


def weekdays_of(trigger: AnyTrigger) -> frozenset[int] | None:
    """The days of the week a daily or weekly schedule runs on (a one-off: its day);
    None for any other (monthly, every 2 days, in some months only)."""
    if isinstance(trigger, BoundedTrigger):
        return weekdays_of(trigger.trigger)
    tz = ZoneInfo(trigger.timezone)
    if isinstance(trigger, CronTrigger):
        _, _, dom, month, dow = trigger.expr.split(" ")
        found = _values(dow, 0, 7, _DOW_NAMES) if dom == month == "*" else None
        return None if found is None else frozenset(d % 7 for d in found)
    if isinstance(trigger, OnceTrigger):
        return frozenset({_cron_day(trigger.at.astimezone(tz).date())})
    if isinstance(trigger, IntervalTrigger):
        if trigger.unit == "weeks":
            return frozenset({_cron_day(trigger.anchor.astimezone(tz).date())})
        return ALL_DAYS if (trigger.unit, trigger.every) == ("days", 1) else None
    parts = [recurrence.parse(body) for body in trigger.rules]
    first = parts[0]
    if len({recurrence.day_part(p) for p in parts}) != 1 or not _by_weekday(first):
        return None
    if "BYMONTH" in first:
        return None
    if "BYDAY" in first:
        return frozenset(RRULE_DAYS.index(code) for code in first["BYDAY"].split(","))
    start_day = _cron_day(trigger.start.astimezone(tz).date())
    return ALL_DAYS if first["FREQ"] == "DAILY" else frozenset({start_day})


def times_of(trigger: AnyTrigger) -> Times | None:
    """The times of day a schedule runs at, in order; None when it repeats within
    the day (every 15 minutes, every hour from 9 to 5) or counts elapsed time."""
    if isinstance(trigger, BoundedTrigger):
        return times_of(trigger.trigger)
    if isinstance(trigger, CronTrigger):
        minute, hour = trigger.expr.split(" ")[:2]
        if not all(item.isdigit() for item in f"{minute},{hour}".split(",")):
            return None
        found = {(int(h), int(m)) for h in hour.split(",") for m in minute.split(",")}
    elif isinstance(trigger, RRuleTrigger):
        parts = [recurrence.parse(body) for body in trigger.rules]
        if any(p["FREQ"] in ("HOURLY", "MINUTELY") for p in parts):
            return None
        start = trigger.start.astimezone(ZoneInfo(trigger.timezone))
        found = {hm for p in parts for hm in recurrence.rule_times(p, start)}
    elif isinstance(trigger, IntervalTrigger) and trigger.unit in ("minutes", "hours"):
        return None
    else:
        at = trigger.at if isinstance(trigger, OnceTrigger) else trigger.anchor
        local = at.astimezone(ZoneInfo(trigger.timezone))
        return ((local.hour, local.minute),)
    ordered = sorted(found)
    return None if recurrence.step_of(ordered) is not None else tuple(ordered)


def rebound(bounded: BoundedTrigger, inner: AnyTrigger) -> BoundedTrigger:
    """`inner` within `bounded`'s bounds. An end that came from the count is counted
    again on `inner`, so "6 times" stays six runs at the new times."""
    end = bounded.end
    if bounded.count is not None and bounded.start is not None and end is not None:
        counted = nth_fire(bounded.trigger, bounded.start, bounded.count)
        if counted is not None and counted.astimezone(UTC) == end.astimezone(UTC):
            end = None
    return BoundedTrigger(inner, bounded.start, end, bounded.count)


def _cron_rules(dom: str, month: str, dow: str) -> tuple[str, ...]:
    """Cron's day fields as RRULE day parts, or () when they have none. Cron ORs a
    day of the month with a day of the week, as a union of rules does."""
    months = _values(month, 1, 12, _MONTH_NAMES)
    if months is None:
        return ()
    tail = "" if len(months) == 12 else f";BYMONTH={_list(sorted(months))}"
    if dom == dow == "*":
        return (f"FREQ=DAILY{tail}",)
    rules: list[str | None] = [] if dom == "*" else [_month_day_rule(dom)]
    if dow != "*":
        rules += _week_day_rules(dow)
    return () if None in rules else tuple(f"{rule}{tail}" for rule in rules if rule)


def _month_day_rule(dom: str) -> str | None:
    if dom == "LW":
        return "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    days: list[int] = []
    for item in dom.split(","):
        found = frozenset({-1}) if item == "L" else _values(item, 1, 31, {})
        if found is None:
            return None
        days += sorted(found)
    return f"FREQ=MONTHLY;BYMONTHDAY={_list(days)}"


def _week_day_rules(dow: str) -> list[str | None]:
    """Plain weekdays as a weekly rule, the Nth ("1#2") and last ("5L") as a monthly one."""
    plain: set[int] = set()
    nth: list[str] = []
    for item in dow.split(","):
        if "#" in item:
            day, which = item.split("#")
            nth.append(f"{which}{RRULE_DAYS[int(day) % 7]}")
        elif item.endswith("L"):
            nth.append(f"-1{RRULE_DAYS[int(item[:-1]) % 7]}")
        elif (found := _values(item, 0, 7, _DOW_NAMES)) is not None:
            plain |= {d % 7 for d in found}
        else:
            return [None]
    rules: list[str | None] = [_weekly_rule({"FREQ": "WEEKLY"}, frozenset(plain))] if plain else []
    return rules + ([f"FREQ=MONTHLY;BYDAY={','.join(nth)}"] if nth else [])


def _values(field: str, lo: int, hi: int, names: dict[str, int]) -> frozenset[int] | None:
    """The values a cron field lists (numbers, names, ranges, steps); None for L, W, #."""
    found: set[int] = set()
    for item in field.split(","):
        head, _, step = item.partition("/")
        first, _, last = head.partition("-")
        a = lo if head == "*" else _number(first, names)
        b = hi if head == "*" or (step and not last) else _number(last or first, names)
        if a is None or b is None or (step and not step.isdigit()):
            return None
        found.update(range(a, b + 1, int(step or 1)))
    return frozenset(found)


def _number(token: str, names: dict[str, int]) -> int | None:
    return names.get(token, int(token) if token.isdigit() else None)


def _cron_day(day: date) -> int:
    return (day.weekday() + 1) % 7


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return wall_to_instant(datetime.combine(day, time()), tz)
