"""The Nth weekday of the month: "the first monday of every month", "2nd and 4th
tuesday", "the last weekday of the month", "the third wednesday of march,
june, september and december", "every year on the fourth thursday of november".

`scan_nth` records the days as (weekday, n) pairs (weekday None is Monday to
Friday; n is 1-5, -1 for the last, -2 for the second to last) and how the
month part reads. `build_nth` says them as cron where cron can (`1#1`, `5L`,
`LW`) and as RRULE otherwise (`BYDAY=-2FR`; `BYSETPOS=1` for "the first
weekday"). Several days or months, "every", "of every month" or "yearly"
repeat; one named month ("the first monday of april") or "of next month" is
a one-off; a single bare "the first monday" is asked about.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from itertools import islice

from scheduler.triggers import AnyTrigger, OnceTrigger
from tools.timeparse.dates import day_number, month_number
from tools.timeparse.english import DAY_NAMES, join, short_date, times_phrase
from tools.timeparse.instants import clock_for
from tools.timeparse.patterns import NTH, NTH_ITEM, NTH_MONTH, NTH_OF, NTH_ORD
from tools.timeparse.results import ParseError, Unsure
from tools.timeparse.scanner import NthDay, Parts, Scanner, phrase_of
from tools.timeparse.timesets import RRULE_DAYS, Days, trigger_for

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ORDINAL_TEXT = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_ORDINAL_TEXT[-2] = "second to last"
_WEEKDAY_WORDS = re.compile(r"week|business|working|work", re.I)


def scan_nth(scan: Scanner) -> None:
    for match in scan.found(NTH, 3):
        if scan.work.startswith("'", match.end()):
            continue  # "last friday's numbers"
        days = _days(match["list"])
        suffix = NTH_OF.match(scan.work, match.end())
        reading, months = _reading(match, suffix)
        bare = reading == "bare" and len(days) == 1
        if bare and not re.match(r"(?:on\s+)?the\b", match.group(), re.I):
            continue  # "last friday" is a day gone by, "first monday" too loose
        scan.note("nth", match)
        scan.parts.nth, scan.parts.nth_months, scan.parts.nth_reading = days, months, reading
        if months:
            scan.parts.seen.setdefault("months", phrase_of(suffix) if suffix else "")
        scan.take_span(match.start(), suffix.end() if suffix else match.end())


def _days(text: str) -> tuple[NthDay, ...]:
    found: list[NthDay] = []
    for item in islice(NTH_ITEM.finditer(text), 7):
        day = None if _WEEKDAY_WORDS.match(item["day"]) else day_number(item["day"])
        for word in islice(NTH_ORD.finditer(item["ords"]), 5):
            found.append((day, _position(word.group())))
    return tuple(dict.fromkeys(found))


def _position(word: str) -> int:
    lower = word.lower()
    if lower[0].isdigit():
        return int(lower[0])
    return _ORDINALS.get(lower, -2)  # "second to last", "penultimate"


def _reading(match: re.Match[str], suffix: re.Match[str] | None) -> tuple[str, tuple[int, ...]]:
    if suffix is None:
        return ("monthly" if match["every"] else "bare"), ()
    if suffix["rel"]:
        return ("this" if suffix["rel"].lower() == "this" else "next"), ()
    if suffix["months"]:
        named = islice(NTH_MONTH.finditer(suffix["months"]), 12)
        months = tuple(dict.fromkeys(month_number(m.group()) for m in named))
        every = bool(match["every"] or suffix["every"])
        return ("every-months" if every else "months"), months
    return "monthly", ()


def build_nth(parts: Parts, zone: str, now: datetime) -> tuple[AnyTrigger, str, str | None]:
    """(trigger, text, note) for the Nth weekday phrases; `now` is in `zone`."""
    clock = clock_for(parts)
    repeats = parts.nth_reading in ("monthly", "every-months") or bool(
        {"monthly", "yearly"} & parts.seen.keys() or len(parts.nth) > 1 or len(parts.nth_months) > 1
    )
    if parts.nth_reading == "bare" and not repeats:
        raise _which(parts, zone, now)
    months = parts.nth_months
    if parts.nth_reading in ("this", "next"):
        months = (_target_month(now, parts.nth_reading)[1],)
    trigger = trigger_for(_nth_days(parts.nth, months), clock.times, zone, now)
    text = f"on {_days_phrase(parts.nth)} of {_months_phrase(months)}"
    if repeats:
        prefix = "Every year " if "yearly" in parts.seen and len(months) == 1 else ""
        text = f"{prefix}{text} at {times_phrase(clock)}"
        return trigger, text[0].upper() + text[1:], _nth_note(parts.nth, clock.note)
    return _once(parts, trigger, zone, now, text), "", clock.note


def _nth_days(nth: tuple[NthDay, ...], months: tuple[int, ...]) -> Days:
    month_field = ",".join(map(str, months)) if months else "*"
    by_month = f";BYMONTH={month_field}" if months else ""
    specific = [(d, n) for d, n in nth if d is not None]
    weekday_positions = sorted({n for d, n in nth if d is None})
    rules = []
    if specific:
        codes = ",".join(f"{n}{RRULE_DAYS[d]}" for d, n in specific)
        rules.append(f"FREQ=MONTHLY{by_month};BYDAY={codes}")
    if weekday_positions:
        positions = ",".join(map(str, weekday_positions))
        rules.append(f"FREQ=MONTHLY{by_month};BYDAY=MO,TU,WE,TH,FR;BYSETPOS={positions}")
    cron = None
    cron_days = [f"{d}L" if n == -1 else f"{d}#{n}" for d, n in specific if n != -2]
    if len(cron_days) == len(specific) and weekday_positions in ([], [-1]):
        dom = "LW" if weekday_positions else "*"
        cron = (dom, month_field, ",".join(cron_days) or "*")
    return Days(cron, tuple(rules))


def _days_phrase(nth: tuple[NthDay, ...]) -> str:
    by_day: dict[int | None, list[str]] = {}
    for day, n in nth:
        by_day.setdefault(day, []).append(_ORDINAL_TEXT[n])
    named = [
        f"the {join(which)} {'weekday' if day is None else DAY_NAMES[day]}"
        for day, which in by_day.items()
    ]
    return join(named)


def _months_phrase(months: tuple[int, ...]) -> str:
    return join([calendar.month_name[m] for m in months]) if months else "every month"


def _nth_note(nth: tuple[NthDay, ...], note: str | None) -> str | None:
    fifths = [DAY_NAMES[d] for d, n in nth if n == 5 and d is not None]
    skipped = f"months without a fifth {join(fifths)} are skipped" if fifths else None
    return "; ".join(n for n in (note, skipped) if n) or None


def _target_month(now: datetime, which: str) -> tuple[int, int]:
    index = now.year * 12 + now.month - 1 + (1 if which == "next" else 0)
    return index // 12, index % 12 + 1


def _once(parts: Parts, trigger: AnyTrigger, zone: str, now: datetime, text: str) -> OnceTrigger:
    at = trigger.next_after(now)
    if parts.nth_reading in ("this", "next"):
        year, month = _target_month(now, parts.nth_reading)
        if at is None or (at.year, at.month) != (year, month):
            when = f"{calendar.month_name[month]} {year}"
            raise ParseError(f"{text} ({when}) is not ahead", "name another month")
    if at is None or at.year > now.year + 30:
        raise ParseError(f"{text} never comes round")
    return OnceTrigger(at, zone)


def _which(parts: Parts, zone: str, now: datetime) -> Unsure:
    """ "the first monday": of every month, or just the next one?"""
    clock = clock_for(parts)
    days = _days_phrase(parts.nth)
    monthly = trigger_for(_nth_days(parts.nth, ()), clock.times, zone, now)
    at = monthly.next_after(now)
    if at is None:  # pragma: no cover - a weekday of the month always comes round
        raise ParseError(f"{days} never comes round")
    end = parts.where["nth"][1]
    month = calendar.month_name[at.month]
    readings = (
        ("Every month", ((end, end, " of every month"),)),
        (f"Only {short_date(at)}", ((end, end, f" of {month}"),)),
    )
    question = f"{days[0].upper()}{days[1:]} of every month, or only {short_date(at)}?"
    hint = f'say "{days} of every month" or "{days} of {month}"'
    return Unsure(question, hint, readings)
