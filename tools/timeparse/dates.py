"""Recognizers for which day: dates, days of the month, today/tomorrow, weekdays.

ISO dates ("2026-03-08T09:00"), named dates ("march 3rd", "3 march 2027"),
numeric dates ("12/24", read the only way they are valid; "24.12.2026"),
days of the month ("the 1st and 15th of every month"), relative days
("tomorrow", "tonight") and weekday sets ("mon-fri", "every other tuesday").
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, timedelta, timezone, tzinfo
from itertools import islice

from tools.timeparse.english import month_day_name
from tools.timeparse.patterns import (
    AT_NEXT,
    DATE_DM,
    DATE_DOTTED,
    DATE_MD,
    DATE_NUMERIC,
    DAY_PART,
    DAYSET,
    EVERY_ORD,
    ISO,
    MONTH_END,
    MONTHLY_ON,
    OF_MONTH,
    ORD_ONCE,
    ORD_RUN,
    ORD_WORDS,
    RELDAY,
    TIME_BEFORE,
)
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import SaidTime, Scanner, phrase_of
from tools.timeparse.times import checked_time


def scan_iso(scan: Scanner) -> None:
    for match in scan.found(ISO, 2):
        scan.note("date", match)
        scan.parts.date = (int(match["y"]), int(match["mo"]), int(match["d"]))
        if match["h"] is not None:
            scan.note("time", match)
            hm = checked_time(int(match["h"]), int(match["mi"]), match)
            scan.parts.times.append(SaidTime(*hm, span=match.span(), said=match.group()))
            scan.parts.offset = _iso_offset(match["off"])
        scan.take(match)


def _iso_offset(raw: str | None) -> tzinfo | None:
    if raw is None:
        return None
    if raw.upper() == "Z":
        return UTC
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        raise ParseError(f'"{raw}" is not a UTC offset')
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if raw[0] == "-" else delta)


def scan_named_dates(scan: Scanner) -> None:
    for pattern in (DATE_MD, DATE_DM):
        for match in scan.found(pattern, 2):
            if match["every"]:
                scan.note("yearly", match)
            scan.note("date", match)
            year = int(match["y"]) if match["y"] else None
            scan.parts.date = (year, month_number(match["mon"]), int(match["d"]))
            scan.take(match)


def month_number(name: str) -> int:
    return _MONTH_INDEX[name[:3].lower()]


_MONTH_INDEX = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def scan_numeric_dates(scan: Scanner) -> None:
    for match in scan.found(DATE_DOTTED, 2):
        scan.note("date", match)
        scan.parts.date = (int(match["y"]), int(match["m"]), int(match["d"]))
        scan.take(match)
    for match in scan.found(DATE_NUMERIC, 2):
        if match["y"] is None and (match["a"], match["b"]) == ("24", "7"):
            continue  # "24/7" means always, not July 24
        month_day = numeric_month_day(int(match["a"]), int(match["b"]), match)
        if month_day is None:
            continue  # "50/50" is not a date
        scan.note("date", match)
        scan.parts.date = (_full_year(match["y"]), *month_day)
        scan.take(match)


def _full_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return int(raw) + (2000 if len(raw) == 2 else 0)


def numeric_month_day(a: int, b: int, match: re.Match[str]) -> tuple[int, int] | None:
    """Read a/b as month/day or day/month, whichever alone is valid."""
    readings = {(m, d) for m, d in ((a, b), (b, a)) if 1 <= m <= 12 and 1 <= d <= 31}
    if len(readings) <= 1:
        return readings.pop() if readings else None
    text = match.group().strip()
    first, second = (month_day_name(m, d) for m, d in ((a, b), (b, a)))
    raise ParseError(f'"{text}" could be {first} or {second}', "write the month name")


def scan_monthly(scan: Scanner) -> None:
    for match in scan.found(MONTH_END, 2):
        _monthly(scan, match, ("L",), match.end())
    for match in islice(ORD_RUN.finditer(scan.work), 2000):
        if suffix := OF_MONTH.match(scan.work, match.end()):
            _monthly(scan, match, _ordinals(match["list"]), suffix.end())
    for pattern in (MONTHLY_ON, EVERY_ORD):
        for match in scan.found(pattern, 2):
            _monthly(scan, match, _ordinals(match["list"]), match.end())


def _monthly(scan: Scanner, match: re.Match[str], days: tuple[int | str, ...], end: int) -> None:
    scan.note("monthly", match)
    scan.note("monthdays", match)
    scan.parts.month_days = days
    scan.take_span(match.start(), end)


def _ordinals(text: str) -> tuple[int | str, ...]:
    days: list[int | str] = []
    for raw in islice(re.split(r"[,&]|\band\b", text, flags=re.I), 31):
        word = re.sub(r"\bthe\b|\bday\b", "", raw, flags=re.I).strip().lower()
        if not word:
            continue
        if word.startswith("last"):
            days.append("L")
        elif word in ORD_WORDS:
            days.append(ORD_WORDS[word])
        else:
            days.append(int(word.rstrip("stndrh")))
    return tuple(dict.fromkeys(days))


_RELDAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}


def scan_reldays(scan: Scanner) -> None:
    for match in scan.found(RELDAY, 2):
        word = " ".join(match["w"].lower().split())
        scan.note("date", match)
        if word.startswith("day after"):
            scan.parts.day_offset = 2
        elif word.startswith("day before"):
            scan.parts.day_offset = -2
        else:
            scan.parts.day_offset = _RELDAYS[word]
        if word == "tonight":
            scan.parts.period = scan.parts.period or "night"
            scan.parts.seen.setdefault("period", "tonight")
        scan.take(match)


def scan_ordinal_once(scan: Scanner) -> None:
    for match in scan.found(ORD_ONCE, 2):
        scan.note("monthdays", match)
        scan.parts.month_days = _ordinals(match["list"])
        scan.take(match)


def scan_daysets(scan: Scanner) -> None:
    for match in scan.found(DAYSET, 3):
        if scan.work.startswith("'", match.end()):
            continue  # "friday's numbers" names a thing, not a time
        pre = " ".join((match["pre"] or "").lower().split())
        days, single, short = _dayset(match["days"])
        if pre == "last":
            raise ParseError(
                f'"{phrase_of(match)}" is in the past', "schedules can only start later"
            )
        if single and not pre and short and not _near_time(scan.work, match):
            continue  # "sat", "wed", "sun" alone are too often ordinary words
        if single and pre in ("", "on", "next", "this", "coming"):
            scan.note("weekday", match)
            scan.parts.once_dow = (next(iter(days)), pre == "next")
        elif pre in ("next", "this", "coming"):
            raise ParseError(f'"{phrase_of(match)}" names more than one day', "pick one day")
        else:
            _recurring_days(scan, match, days, pre)
        scan.take(match)


def _near_time(work: str, match: re.Match[str]) -> bool:
    """Whether a time sits right before or after: "sat at 9", "9am tue"."""
    before = work[max(0, match.start() - 16) : match.start()]
    return bool(AT_NEXT.match(work, match.end()) or TIME_BEFORE.search(before))


def _recurring_days(scan: Scanner, match: re.Match[str], days: frozenset[int], pre: str) -> None:
    scan.note("dows", match)
    scan.parts.dows = days
    if pre == "every other":
        scan.note("weeks", match)
        scan.parts.weeks = 2


def _dayset(text: str) -> tuple[frozenset[int], bool, bool]:
    """(cron weekdays, whether it is one singular day, whether that day is abbreviated)."""
    days: set[int] = set()
    parts = list(islice(DAY_PART.finditer(text), 14))
    for part in parts:
        if part["wp"]:
            days |= {0, 6} if "weekend" in part["wp"].lower() else {1, 2, 3, 4, 5}
        elif part["b"]:
            days |= _day_range(day_number(part["a"]), day_number(part["b"]))
        else:
            days.add(day_number(part["a"]))
    first = parts[0]
    word = first["a"] or ""
    single = len(parts) == 1 and not first["wp"] and not first["b"] and not _plural(word)
    return frozenset(days), single, len(word.rstrip(".")) <= 3


def day_number(word: str) -> int:
    return _DAY_INDEX[word[:3].lower()]


_DAY_INDEX = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


def _plural(word: str) -> bool:
    return word.lower().rstrip(".").endswith("days")


def _day_range(first: int, last: int) -> set[int]:
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
