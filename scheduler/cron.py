"""Five-field cron: validation, fire times and English descriptions.

Pure functions of (expression, timezone, instant); no clock, no I/O.
Beyond the plain fields it takes what cronsim evaluates and people paste:
day-of-month `L` (the last day) and `LW` (the last weekday), day-of-week `5L`
(the last Friday) and `1#2` (the second Monday), also in lists (`5#1,5#3`).
Fire-time arithmetic is cronsim's, because it follows Debian cron across DST
(a job in the skipped hour runs once right after the gap; a job in the repeated
hour runs once; jobs with a wildcard hour follow the wall clock). croniter 7.0
fires `30 1 * * *` twice on a fall-back night, so we do not use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import ExpressionDescriptor, Options
from cronsim import CronSim, CronSimError

from scheduler.errors import CronError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)},
    ),
    ("day-of-week", 0, 7, {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}),
)
_ATOM = re.compile(r"^(?:\*|(?P<lo>\w+)(?:-(?P<hi>\w+))?)(?:/(?P<step>\w+))?$")
# A day-of-week item naming one weekday of the month: "5L" (last Friday), "1#2", "MON#2".
_NTH = re.compile(r"^(?P<day>[0-9]+|[A-Z]{3})(?:(?P<last>L)|#(?P<nth>[0-9]*))$", re.I)
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
_RANGE_END = re.compile(r"\b([0-9]{2}):(?:00|59) (AM|PM)\b")
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@lru_cache(maxsize=4096)  # pure; the engine re-reads the same expressions constantly
def normalize(expr: str) -> str:
    """Return the canonical 5-field form of `expr`, or raise CronError."""
    text = " ".join(expr.split())
    if not text:
        raise CronError("the cron expression is empty")
    text = MACROS.get(text.lower(), text)
    if text.startswith("@"):
        raise CronError(f"unknown macro {text!r}; use one of {', '.join(MACROS)}")
    fields = text.split(" ")
    if len(fields) == 6:
        raise CronError("6-field cron (with seconds) is not supported: at most once a minute")
    if len(fields) != 5:
        raise CronError(f"cron needs 5 fields (minute hour day month weekday), got {len(fields)}")
    checked = [_check_field(v, *spec) for v, spec in zip(fields, _FIELDS, strict=True)]
    return " ".join(checked).upper()


@lru_cache(maxsize=4096)
def validate(expr: str) -> str:
    """Raise CronError with a readable reason if `expr` is not valid cron."""
    normalized = normalize(expr)
    try:
        next(CronSim(normalized, datetime(2000, 1, 1)))
    except CronSimError as exc:
        if "day-of-month" in str(exc):  # e.g. "0 0 30 2 *": February has no 30th
            raise CronError(f"{expr!r} never fires: no month has that day") from exc
        raise CronError(f"{expr!r} is not valid cron ({exc})") from exc
    except StopIteration as exc:
        raise CronError(f"{expr!r} never fires") from exc
    return normalized


def _check_field(value: str, name: str, lo: int, hi: int, names: dict[str, int]) -> str:
    """Raise CronError unless every list item of one field is in range.

    Returns the field with single-value stepped ranges ("5-5/10") reduced to
    the value, which cronsim would otherwise misread as "5/10".
    """
    items = []
    for item in value.split(","):
        special = _special_item(item, name, lo, hi, names)
        if special is not None:
            items.append(special)
            continue
        match = _ATOM.match(item)
        if not match:
            raise CronError(f"{name} {item!r} is not a number, range, list or step")
        start, end = (
            _check_number(match.group(p), name, lo, hi, names) if match.group(p) else None
            for p in ("lo", "hi")
        )
        if start is not None and end is not None and start > end:
            raise CronError(f"{name} range {match.group('lo')}-{match.group('hi')} goes backwards")
        step = match.group("step")
        if step is not None and (not step.isdigit() or int(step) == 0):
            raise CronError(f"{name} step {step!r} must be a whole number of at least 1")
        items.append(match.group("lo") if start is not None and start == end else item)
    return ",".join(items)


def _special_item(item: str, name: str, lo: int, hi: int, names: dict[str, int]) -> str | None:
    """`L`/`LW` in day-of-month and `5L`/`1#2` in day-of-week, checked and in
    cronsim's spelling (a number before `L`); None for any other item."""
    upper = item.upper()
    if name == "day-of-month":
        if upper in ("L", "LW"):
            return upper
        if upper.endswith("W"):
            raise CronError(
                f"day-of-month {item!r}: of the W forms only LW (the last weekday) is supported"
            )
        return None
    if name != "day-of-week" or not ("#" in upper or upper.endswith("L")):
        return None
    if upper == "L":
        raise CronError("day-of-week 'L' needs a weekday before it, e.g. 5L (the last Friday)")
    match = _NTH.match(upper)
    if not match:
        raise CronError(f"day-of-week {item!r}: '#' and 'L' take one weekday, e.g. 1#2 or 5L")
    day = _check_number(match["day"], name, lo, hi, names)
    if match["last"]:
        return f"{day}L"
    if not match["nth"].isdigit() or not 1 <= int(match["nth"]) <= 5:
        raise CronError(f"day-of-week {item!r}: the week of the month after '#' must be 1-5")
    return f"{day}#{int(match['nth'])}"


def _check_number(token: str, name: str, lo: int, hi: int, names: dict[str, int]) -> int:
    """The value of a number or name within lo..hi; raise CronError otherwise."""
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise CronError(f"{name} {token!r} is not a number")
    if not lo <= int(token) <= hi:
        raise CronError(f"{name} {int(token)} is outside {lo}-{hi}")
    return int(token)


def zone(tz: str | tzinfo) -> tzinfo:
    """Return a tzinfo for an IANA name; raise CronError for unknown zones."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CronError(f"unknown timezone {tz!r}; use an IANA name like America/New_York") from exc


def iter_runs(expr: str, tz: str | tzinfo, after: datetime) -> Iterator[datetime]:
    """Yield fire times strictly after `after`, as aware datetimes in `tz`."""
    # Compare in UTC: cronsim drops `fold`, so inside a repeated hour it may
    # hand back the first 01:30 although `after` is the second 01:10.
    after_utc = utc(after)
    for fire in CronSim(validate(expr), after.astimezone(zone(tz))):
        if fire.astimezone(UTC) > after_utc:
            yield fire


def next_after(expr: str, tz: str | tzinfo, after: datetime) -> datetime:
    """The first fire time strictly after `after`, in `tz`."""
    return next(iter_runs(expr, tz, after))


def describe(expr: str) -> str:
    """An English description, e.g. 'At 09:30, Monday through Friday'."""
    normalized = validate(expr)
    fields = normalized.split(" ")
    days = fields[4].split(",")
    try:
        if len(days) > 1 and any("#" in d or d.endswith("L") for d in days):
            # cron-descriptor garbles lists of "#" ("on the  Friday and Friday"):
            # describe the first item, then say the whole list in its place.
            first = _descriptor(" ".join([*fields[:4], days[0]]))
            text = first.replace(f"on {_day_item_text(days[0])}", f"on {_day_list_text(days)}")
        else:
            text = _descriptor(normalized)
    except Exception:  # a description must never break a valid schedule
        return f"cron {normalized}"
    if fields[0].isdigit():
        # cron-descriptor says an hour range as "09:00 AM and 05:59 PM" whatever
        # the minute; with one minute that hides when it fires (9:00 ... 17:00).
        text = _RANGE_END.sub(rf"\1:{int(fields[0]):02d} \2", text)
    return text


def _descriptor(expr: str) -> str:
    options = Options()
    options.use_24hour_time_format = False
    options.verbose = False
    return ExpressionDescriptor(expr, options).get_description()


def _day_item_text(item: str) -> str:
    """How cron-descriptor says one day-of-week item: "the first Monday of the month"."""
    if "#" in item:
        day, nth = item.split("#")
        return f"the {_ORDINALS[int(nth) - 1]} {_WEEKDAYS[int(day) % 7]} of the month"
    if item.endswith("L"):
        return f"the last {_WEEKDAYS[int(item[:-1]) % 7]} of the month"
    return _WEEKDAYS[int(item) % 7]


def _day_list_text(items: list[str]) -> str:
    """ "the first and third Friday of the month", "Monday and the last Friday of the month"."""
    by_day: dict[int, list[str]] = {}
    plain: list[str] = []
    for item in items:
        if "#" in item:
            day, nth = item.split("#")
            by_day.setdefault(int(day) % 7, []).append(_ORDINALS[int(nth) - 1])
        elif item.endswith("L"):
            by_day.setdefault(int(item[:-1]) % 7, []).append("last")
        else:
            plain.append(_day_item_text(item))
    nths = [f"the {_join(which)} {_WEEKDAYS[day]}" for day, which in by_day.items()]
    return _join([*plain, _join(nths) + " of the month"])


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def day_or_intent(expr: str) -> str | None:
    """The expression meant by the classic mistake `0 10 1-7 * 1`, or None.

    Cron ORs a restricted day-of-month with a restricted day-of-week, so
    `0 10 1-7 * 1` runs on days 1-7 *and* on every Monday. Written with one
    week of the month (1-7, 8-14, 15-21, 22-28) and plain weekdays, it was
    almost surely meant as "the first Monday": `0 10 * * 1#1`.
    """
    minute, hour, dom, month, dow = validate(expr).split(" ")
    week = re.fullmatch(r"(1|8|15|22)-([0-9]+)", dom)
    if not week or int(week[2]) != int(week[1]) + 6 or dow.startswith("*"):
        return None
    if any("#" in item or item.endswith("L") or "/" in item for item in dow.split(",")):
        return None
    nth = (int(week[1]) + 6) // 7
    days: list[int] = []
    for item in dow.split(","):
        lo, _, hi = item.partition("-")
        first = _check_number(lo, "day-of-week", 0, 7, _FIELDS[4][3])
        last = _check_number(hi, "day-of-week", 0, 7, _FIELDS[4][3]) if hi else first
        days.extend(d % 7 for d in range(first, last + 1))
    return " ".join([minute, hour, "*", month, ",".join(f"{d}#{nth}" for d in sorted(set(days)))])


def utc(instant: datetime) -> datetime:
    """`instant` in UTC; naive datetimes are taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
