"""The recognizers and the order they run in: `scan_text(text, now, tz)`.

Each recognizer finds its phrases in the scanner's working text, records
them in `Parts` and blanks their spans, so the order matters: zones and cron
first (both hold digits a later recognizer would read as times), the Nth
weekday of the month and the bounds (both hold days and months a later one
would read alone), then the refusals, ISO dates, relative times, dates,
windows and counts per period, repeats, parts of the day, days and weekdays,
and times of day last. Dates, times of day, the Nth weekday, bounds and
windows have their own modules; this one holds cron, the refusals, relative
times, repeats ("every 2 hours", "daily") and parts of the day. dateparser
is tried after them all, and only when no date was found.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice

from scheduler import cron
from scheduler.errors import CronError
from tools.timeparse.bounds import scan_bounds
from tools.timeparse.dates import (
    scan_daysets,
    scan_iso,
    scan_monthly,
    scan_named_dates,
    scan_numeric_dates,
    scan_ordinal_once,
    scan_reldays,
)
from tools.timeparse.fallback import scan_fallback_date
from tools.timeparse.nth import scan_nth
from tools.timeparse.patterns import (
    ADVERB,
    AGO,
    CRON_BARE,
    CRON_MACRO,
    CRON_PREFIXED,
    EVERY,
    EVERY_MORE,
    EXCEPT,
    PERIOD,
    QUARTERLY,
    REL_ITEM,
    RELATIVE,
    VAGUE,
    number_of,
    unit_name,
)
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import Relative, Scanner, phrase_of
from tools.timeparse.times import scan_times
from tools.timeparse.windows import scan_per, scan_windows
from tools.timeparse.zones import scan_zone


def _scan_cron(scan: Scanner) -> None:
    for pattern in (CRON_PREFIXED, CRON_MACRO, CRON_BARE):
        for match in scan.found(pattern, 2):
            expr = match["expr"]
            if pattern is CRON_BARE and "*" not in expr:
                continue  # five numbers in a sentence are not a schedule
            try:
                scan.parts.cron = cron.validate(expr)
            except CronError as exc:
                raise ParseError(str(exc), 'e.g. "0 9 * * 1-5" is 9:00 on weekdays') from exc
            scan.note("cron", match)
            scan.take(match)


# Phrasings we refuse rather than guess: (pattern, message with {}, hint).
_REFUSALS = (
    (EXCEPT, 'I can\'t leave days out ("{}")', 'list the days instead: "mon-fri"'),
    (QUARTERLY, 'I can\'t repeat "{}" yet', 'try "monthly on the 1st"'),
    (VAGUE, '"{}" is too vague for a schedule', 'name a day, e.g. "next monday at 9am"'),
    (AGO, '"{}" is in the past', "schedules can only start later"),
)


def _scan_refusals(scan: Scanner) -> None:
    for pattern, message, hint in _REFUSALS:
        if match := pattern.search(scan.work):
            raise ParseError(message.format(phrase_of(match)), hint)


def _scan_relative(scan: Scanner) -> None:
    for match in scan.found(RELATIVE, 2):
        scan.note("relative", match)
        scan.parts.relative = _relative(match["body"] or match["body2"])
        scan.take(match)


def _relative(body: str) -> Relative:
    rel = Relative()
    for piece in islice(REL_ITEM.finditer(body), 4):
        amount = number_of(piece["n"]) + (0.5 if piece["half"] else 0)
        unit = unit_name(piece["unit"])
        if unit in ("months", "years"):
            if amount != int(amount):
                raise ParseError(f'"{piece.group()}" needs a whole number of {unit}')
            rel.months += int(amount) * (12 if unit == "years" else 1)
        elif unit in ("days", "weeks") and amount == int(amount):
            rel.days += int(amount) * (7 if unit == "weeks" else 1)
        else:
            rel.seconds += amount * _SECONDS[unit]
    if rel.months > 1200 or rel.days > 36600 or rel.seconds > 3.2e9:
        raise ParseError("that is more than a hundred years away")
    return rel


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def _scan_every(scan: Scanner) -> None:
    for match in scan.found(EVERY, 3):
        amount, unit = number_of(match["n"]), unit_name(match["unit"])
        end = match.end()
        # "every 1h30m", "every 2 hours and 15 minutes": sum into minutes.
        while unit in ("minutes", "hours") and (more := EVERY_MORE.match(scan.work, end)):
            extra = unit_name(more["unit"])
            if extra not in ("minutes", "hours"):
                break
            amount = _minutes(amount, unit) + _minutes(number_of(more["n"]), extra)
            unit, end = "minutes", more.end()
        _every(scan, match, amount, unit)
        scan.take_span(match.start(), end)
    for match in scan.found(ADVERB, 3):
        _adverb(scan, match, (match["w"] or match["b"]).lower().replace("-", ""))
        scan.take(match)


def _minutes(amount: float, unit: str) -> float:
    return amount * 60 if unit == "hours" else amount


def _every(scan: Scanner, match: re.Match[str], amount: float, unit: str) -> None:
    phrase = phrase_of(match)
    if unit == "seconds" and amount >= 60:  # "every 60 seconds" is once a minute
        amount, unit = amount / 60, "minutes"
    if unit == "seconds" or (unit == "minutes" and 0 < amount < 1):
        raise ParseError(
            f'"{phrase}" is more often than once a minute', 'the most is "every minute"'
        )
    if amount == 0:
        raise ParseError(f'"{phrase}": the interval must be at least 1', 'e.g. "every minute"')
    if unit in ("minutes", "hours"):
        _every_step(scan, match, amount * (60 if unit == "hours" else 1))
        return
    if amount != int(amount):
        raise ParseError(f'"{phrase}" needs a whole number of {unit}', 'e.g. "every 2 days"')
    _every_calendar(scan, match, int(amount), unit)


def _every_step(scan: Scanner, match: re.Match[str], minutes: float) -> None:
    if minutes != int(minutes):
        raise ParseError(f'"{phrase_of(match)}" is not a whole number of minutes')
    if minutes > 525600:
        raise ParseError(f'"{phrase_of(match)}" is longer than a year')
    scan.note("step", match)
    scan.parts.step = int(minutes)


def _every_calendar(scan: Scanner, match: re.Match[str], amount: int, unit: str) -> None:
    phrase = phrase_of(match)
    if unit in ("months", "years") and amount != 1:
        hint = "monthly on the 1st" if unit == "months" else "every year on march 3"
        raise ParseError(f'I can\'t repeat "{phrase}" yet', f'try "{hint}"')
    if amount > 3650:
        raise ParseError(f'"{phrase}" is too far apart')
    if unit == "days":
        scan.note("daily" if amount == 1 else "days", match)
        scan.parts.days = amount
    elif unit == "weeks":
        scan.note("weeks", match)
        scan.parts.weeks = amount
    else:
        scan.note("monthly" if unit == "months" else "yearly", match)


def _adverb(scan: Scanner, match: re.Match[str], word: str) -> None:
    if word == "hourly":
        _every_step(scan, match, 60)
    elif word in ("daily", "everyday", "nightly"):
        scan.note("daily", match)
        scan.parts.days = 1
        if word == "nightly":
            scan.parts.period = "night"
    elif word in ("weekly", "biweekly", "fortnightly"):
        scan.note("weeks", match)
        scan.parts.weeks = 1 if word == "weekly" else 2
    else:
        scan.note("monthly" if word == "monthly" else "yearly", match)


def _scan_periods(scan: Scanner) -> None:
    for match in scan.found(PERIOD, 3):
        pre = " ".join((match["pre"] or "").lower().split())
        if not (pre or match["night"]):
            continue  # "post good morning" is message text
        scan.note("period", match)
        scan.parts.period = match["p"].lower() if match["p"] else "night"
        if pre in ("every", "each") or match["pl"]:
            scan.parts.plural_period = True
        if pre in ("every", "each"):
            scan.note("daily", match)
        if pre == "this":
            scan.note("date", match)
            scan.parts.day_offset = 0
        if pre in ("in the", "this", "every", "each") or match["night"]:
            scan.take_span(match.start(), match.end())
        else:
            scan.take_span(match.start("p"), match.end())


_RECOGNIZERS = (
    scan_zone,
    _scan_cron,
    scan_nth,
    scan_bounds,
    _scan_refusals,
    scan_iso,
    _scan_relative,
    scan_named_dates,
    scan_numeric_dates,
    scan_monthly,
    scan_windows,
    scan_per,
    _scan_every,
    _scan_periods,
    scan_reldays,
    scan_ordinal_once,
    scan_daysets,
    scan_times,
)


def scan_text(text: str, now: datetime, tz: str) -> Scanner:
    """Run every recognizer over `text` (already `plain`), then the fallback if needed."""
    scan = Scanner(text)
    for step in _RECOGNIZERS:
        step(scan)
    if not ({"date", "weekday", "relative", "monthdays"} & scan.parts.seen.keys()):
        scan_fallback_date(scan, now, tz)
    return scan
