"""RFC 5545 recurrence rules on wall time: checking, iterating and English.

`RRuleTrigger` (in `triggers`) holds RRULE bodies such as
`FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0` and a naive wall
clock start; `walls_from` yields the naive wall times the rules produce, in
order and once each. Turning them into instants (and so the DST rules) is
left to `triggers.wall_to_instant`.

Bounds are not part of a rule here: COUNT and UNTIL are refused, because a
`BoundedTrigger` says them for every kind of trigger alike, and because
without them a rule's start can move forward by whole periods
(`_fast_forward`), which keeps a years-old schedule as cheap as a new one.
More often than once a minute is refused, as for cron.
"""

from __future__ import annotations

import calendar
import heapq
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from dateutil.rrule import rrule, rrulestr

from scheduler.errors import TriggerError

_KEYS = (
    "FREQ", "INTERVAL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYHOUR",
    "BYMINUTE", "BYSECOND", "BYSETPOS", "WKST",
)  # fmt: skip
_FREQS = ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = dict(zip(_DAYS, calendar.day_name, strict=True))
_WEEKDAYS = frozenset(_DAYS[:5])
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_ORDINALS[-2] = "second to last"


def normalize(body: str) -> str:
    """The canonical form of one RRULE body (upper case, keys in RFC order); raise
    TriggerError with a readable reason if it is not a rule this scheduler runs."""
    text = body.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for item in filter(None, text.upper().replace(" ", "").split(";")):
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise TriggerError(f"rule part {item!r} is not KEY=VALUE")
        if key in ("COUNT", "UNTIL", "DTSTART"):
            raise TriggerError(f"{key} does not belong in a rule: give the trigger bounds instead")
        if key not in _KEYS:
            raise TriggerError(f"rule part {key} is not supported")
        if key in parts:
            raise TriggerError(f"rule part {key} is given twice")
        parts[key] = value
    _check(parts, body)
    normal = ";".join(f"{key}={parts[key]}" for key in _KEYS if key in parts)
    _check_fires(normal)
    return normal


@lru_cache(maxsize=2048)
def _check_fires(body: str) -> None:
    """dateutil checks the values; a rule must also fire at all ("February 30" never does)."""
    start = datetime(2000, 1, 1)
    if _compiled(body, start).after(start, inc=True) is None:
        raise TriggerError(f"rule {body!r} never fires")


def _check(parts: dict[str, str], body: str) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise TriggerError(f"rule {body!r} needs a FREQ")
    if freq == "SECONDLY":
        raise TriggerError("a rule may fire at most once a minute")
    if parts.get("BYSECOND", "0") != "0":
        raise TriggerError("BYSECOND must be 0: rules fire on whole minutes")
    if freq not in _FREQS:
        raise TriggerError(f"FREQ={freq} is not one of {', '.join(_FREQS)}")
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= 1000:
        raise TriggerError(f"INTERVAL={interval} must be a whole number from 1 to 1000")


def parse(body: str) -> dict[str, str]:
    """A normalized body as a dict."""
    return dict(item.split("=", 1) for item in body.split(";"))


def day_part(parts: dict[str, str]) -> str:
    """The body of a parsed rule without its times of day: which days it picks."""
    return ";".join(f"{k}={v}" for k, v in parts.items() if k not in ("BYHOUR", "BYMINUTE"))


def rule_times(parts: dict[str, str], start: datetime) -> list[tuple[int, int]]:
    """The (hour, minute) pairs a parsed rule fires at; what it leaves out is the start's."""
    hours = _ints(parts.get("BYHOUR")) or [start.hour]
    minutes = _ints(parts.get("BYMINUTE")) or [start.minute]
    return [(h, m) for h in hours for m in minutes]


def step_of(times: list[tuple[int, int]]) -> int | None:
    """The minutes between sorted times of day that repeat within the day (more than
    three, evenly spaced: "every hour from 9 to 5"); None for a few set times."""
    steps = {(b[0] - a[0]) * 60 + b[1] - a[1] for a, b in pairwise(times)}
    return steps.pop() if len(times) > 3 and len(steps) == 1 else None


@lru_cache(maxsize=2048)
def _compiled(body: str, start: datetime) -> rrule:
    try:
        rule = rrulestr(body, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TriggerError(f"rule {body!r} is not valid ({exc})") from exc
    if not isinstance(rule, rrule):  # pragma: no cover - rrulestr returns a set only for sets
        raise TriggerError(f"rule {body!r} is not one rule")
    return rule


def walls_from(rules: tuple[str, ...], start: datetime, wall: datetime) -> Iterator[datetime]:
    """Naive wall times at or after `wall` that the union of `rules` produces from `start`."""
    streams = [
        _compiled(body, _fast_forward(parse(body), start, wall)).xafter(wall, inc=True)
        for body in rules
    ]
    last = None
    for fire in heapq.merge(*streams):
        if fire != last:
            yield fire
            last = fire


def _fast_forward(parts: dict[str, str], start: datetime, wall: datetime) -> datetime:
    """`start` moved forward by whole periods to at least a period before `wall`.

    A rule without COUNT yields the same times after `wall` from either start:
    weeks, days, hours and minutes keep the weekday and time of day; months
    and years keep the day of the month (a start on the 31st only moves to
    months that have one).
    """
    freq, every = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    if wall <= start:
        return start
    if freq in ("WEEKLY", "DAILY", "HOURLY", "MINUTELY"):
        unit = {"WEEKLY": "weeks", "DAILY": "days", "HOURLY": "hours", "MINUTELY": "minutes"}[freq]
        step = timedelta(**{unit: every})
        periods = (wall - start) // step - 1
        return start + periods * step if periods > 0 else start
    months = every * (12 if freq == "YEARLY" else 1)
    elapsed = (wall.year - start.year) * 12 + wall.month - start.month
    periods = elapsed // months - 1
    while periods > 0:
        index = start.year * 12 + start.month - 1 + periods * months
        year, month = divmod(index, 12)
        if start.day <= calendar.monthrange(year, month + 1)[1]:
            return start.replace(year=year, month=month + 1)
        periods -= 1
    return start


def describe(rules: tuple[str, ...], start: datetime) -> str:
    """English for a union of rules: 'Every other week on Monday and Wednesday at 10:00 AM'.

    Rules that differ only in their times are said together; a rule this
    cannot say well is shown as it is ("RRULE FREQ=...").
    """
    groups: dict[str, set[tuple[int, int]]] = {}
    for body in rules:
        parts = parse(body)
        if not _sayable(parts):
            return "RRULE " + " + ".join(rules)
        groups.setdefault(day_part(parts), set()).update(rule_times(parts, start))
    phrases = []
    for day, times in groups.items():
        when = _times_phrase(sorted(times))
        joint = ", " if when.startswith("every") else " at "
        phrases.append(f"{_day_phrase(parse(day), start)}{joint}{when}")
    text = "; ".join(phrases)
    return text[0].upper() + text[1:]


def _sayable(parts: dict[str, str]) -> bool:
    if parts["FREQ"] in ("MINUTELY", "HOURLY") or "BYWEEKNO" in parts or "BYYEARDAY" in parts:
        return False
    if "BYDAY" in parts and "BYMONTHDAY" in parts:
        return False  # RFC 5545 intersects them; rare enough to show as is
    return not (parts["FREQ"] == "YEARLY" and "BYDAY" in parts and "BYMONTH" not in parts)


def _ints(raw: str | None) -> list[int]:
    return [int(v) for v in raw.split(",")] if raw else []


def _day_phrase(parts: dict[str, str], start: datetime) -> str:
    freq, every = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    months = _month_names(parts.get("BYMONTH"))
    if freq in ("DAILY", "WEEKLY"):
        days = parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []
        if freq == "WEEKLY" and not days:
            days = [_DAYS[start.weekday()]]
        text = _weekly(days, every, "day" if freq == "DAILY" else "week")
        return f"{text} in {months}" if months else text
    if freq == "YEARLY" and not months:
        months = calendar.month_name[start.month]
    where = f"of {months}" if months else f"of {_every(every, 'month')}"
    text = f"on {_monthly_days(parts, start)} {where}"
    if freq == "YEARLY":
        return f"{_every(every, 'year')} {text}"
    return f"{text}, {_every(every, 'month')}" if months and every > 1 else text


def _weekly(days: list[str], every: int, unit: str) -> str:
    if not days or len(days) == 7:
        return _every(every, unit)
    if set(days) == _WEEKDAYS:
        named = "weekday"
    else:
        named = _join([_DAY_NAMES[d] for d in sorted(days, key=_DAYS.index)])
    return f"every {named}" if every == 1 else f"{_every(every, unit)} on {named}"


def _monthly_days(parts: dict[str, str], start: datetime) -> str:
    if "BYDAY" not in parts:
        days = _ints(parts.get("BYMONTHDAY")) or [start.day]
        return _join(["the last day" if d == -1 else f"the {_ordinal(d)}" for d in days])
    items = parts["BYDAY"].split(",")
    positions = _ints(parts.get("BYSETPOS"))
    if positions:
        which = _join([_ORDINALS.get(p, _ordinal(p)) for p in positions])
        names = set(items)
        named = "weekday" if names == _WEEKDAYS else " or ".join(_DAY_NAMES[d] for d in items)
        return f"the {which} {named}"
    by_day: dict[str, list[str]] = {}
    for item in items:
        nth, day = item[:-2], item[-2:]
        by_day.setdefault(day, []).append(_ORDINALS.get(int(nth), nth) if nth else "")
    return _join(
        [
            f"the {_join(which)} {_DAY_NAMES[day]}" if all(which) else f"every {_DAY_NAMES[day]}"
            for day, which in by_day.items()
        ]
    )


def _month_names(raw: str | None) -> str:
    return _join([calendar.month_name[m] for m in _ints(raw)]) if raw else ""


def _every(every: int, unit: str) -> str:
    if every == 1:
        return f"every {unit}"
    return f"every other {unit}" if every == 2 else f"every {every} {unit}s"


def _times_phrase(times: list[tuple[int, int]]) -> str:
    if (step := step_of(times)) is not None:
        every = f"{step // 60} hours" if step % 60 == 0 else f"{step} minutes"
        every = "hour" if step == 60 else every
        return f"every {every} from {clock(times[0])} to {clock(times[-1])}"
    return _join([clock(t) for t in times])


def clock(hm: tuple[int, int]) -> str:
    """'9:30 AM'."""
    hour, minute = hm
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= abs(day) % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
