"""Five-field cron: validation, fire times and English descriptions.

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
        if name == "day-of-month" and item.upper() == "L":
            items.append(item)
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
