"""Five-field cron: validation, next fire times and English descriptions.

Pure functions of (expression, timezone, instant); no clock, no I/O.
Fire-time arithmetic is cronsim's, because it follows Debian cron across DST
(a job in the skipped hour runs once right after the gap; a job in the repeated
hour runs once; jobs with a wildcard hour follow the wall clock). croniter 7.0
fires `30 1 * * *` twice on a fall-back night, so we do not use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from itertools import islice
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
    for value, spec in zip(fields, _FIELDS, strict=True):
        _check_field(value, *spec)
    return " ".join(fields).upper()


def validate(expr: str) -> str:
    """Raise CronError with a readable reason if `expr` is not valid cron."""
    normalized = normalize(expr)
    try:
        next(CronSim(normalized, datetime(2000, 1, 1)))
    except CronSimError as exc:  # e.g. "0 0 30 2 *" can never fire
        raise CronError(f"{expr!r} never fires: no month has that day") from exc
    except StopIteration as exc:
        raise CronError(f"{expr!r} never fires") from exc
    return normalized


def _check_field(value: str, name: str, lo: int, hi: int, names: dict[str, int]) -> None:
    """Raise CronError unless every list item of one field is in range."""
    for item in value.split(","):
        if name == "day-of-month" and item.upper() == "L":
            continue
        match = _ATOM.match(item)
        if not match:
            raise CronError(f"{name} {item!r} is not a number, range, list or step")
        for part in ("lo", "hi"):
            token = match.group(part)
            if token is not None:
                _check_number(token, name, lo, hi, names)
        step = match.group("step")
        if step is not None and (not step.isdigit() or int(step) == 0):
            raise CronError(f"{name} step {step!r} must be a whole number of at least 1")


def _check_number(token: str, name: str, lo: int, hi: int, names: dict[str, int]) -> None:
    """Raise CronError unless `token` is a number or name within lo..hi."""
    if token.upper() in names:
        return
    if not token.isdigit():
        raise CronError(f"{name} {token!r} is not a number")
    if not lo <= int(token) <= hi:
        raise CronError(f"{name} {int(token)} is outside {lo}-{hi}")


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
    local = after.astimezone(zone(tz))
    yield from CronSim(validate(expr), local)


def next_runs(expr: str, tz: str | tzinfo, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` fire times strictly after `after`, in `tz`."""
    return list(islice(iter_runs(expr, tz, after), count))


def next_after(expr: str, tz: str | tzinfo, after: datetime) -> datetime:
    """The first fire time strictly after `after`, in `tz`."""
    return next(iter_runs(expr, tz, after))


def describe(expr: str) -> str:
    """An English description, e.g. 'At 09:30, Monday through Friday'."""
    normalized = validate(expr)
    options = Options()
    options.use_24hour_time_format = False
    options.verbose = False
    try:
        return ExpressionDescriptor(normalized, options).get_description()
    except Exception:  # a description must never break a valid schedule
        return f"cron {normalized}"


def utc(instant: datetime) -> datetime:
    """`instant` in UTC; naive datetimes are taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
