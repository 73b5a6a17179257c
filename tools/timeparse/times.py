"""Recognizers for the time of day: "9am", "17:30", "at 5", "half past 9", "noon".

Each is kept as written (`SaidTime`): a bare hour 1-11 without am/pm or a
leading zero is flexible, and `instants.clock_for` settles it (7-11 AM,
"afternoon" PM, later in a list, or a question). "at 9am, 1pm and 5pm" reads
as one list. ":15" and "15 past the hour" are minutes past the hour, for
"every hour".
"""

from __future__ import annotations

import re

from tools.timeparse.patterns import (
    HOUR_WORDS,
    HOURMIN,
    TIME_AMPM,
    TIME_AT,
    TIME_COLON,
    TIME_HALF,
    TIME_MORE,
    TIME_NOON,
    TIME_OCLOCK,
)
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import SaidTime, Scanner, phrase_of


def scan_times(scan: Scanner) -> None:
    for match in scan.found(TIME_HALF, 3):
        _add_time(scan, match, _half_past(match), not match["mer"])
    for match in scan.found(TIME_AMPM, 3):
        _add_time(scan, match, _meridiem_time(match), False)
    for match in scan.found(TIME_OCLOCK, 3):
        hour = HOUR_WORDS.get(match["h"].lower()) or int(match["h"])
        _add_time(scan, match, checked_time(hour, 0, match), not match["h"].startswith("0"))
    for match in scan.found(TIME_NOON, 3):
        _add_time(scan, match, (0, 0) if match["w"].lower() == "midnight" else (12, 0), False)
    _scan_minute_of_hour(scan)  # before "at 15", which would read "at 15 past" as 15:00
    for match in scan.found(TIME_AT, 3):
        hm = checked_time(int(match["h"]), int(match["m"] or 0), match)
        _add_time(scan, match, hm, not match["h"].startswith("0"))
    if "time" not in scan.parts.seen:
        for match in scan.found(TIME_COLON, 3):
            hm = checked_time(int(match["h"]), int(match["m"]), match)
            _add_time(scan, match, hm, not match["h"].startswith("0"))


def said_time(match: re.Match[str], hm: tuple[int, int], bare: bool) -> SaidTime:
    """`hm` as written by `match`; `bare`: no am/pm, no leading zero."""
    flexible = bare and 1 <= hm[0] <= 11
    return SaidTime(*hm, flexible, match.span(), phrase_of(match))


def list_time(match: re.Match[str]) -> SaidTime:
    """A time from a list or a window ("and 5", "5pm", "11:30"): any am/pm is its own."""
    if match["mer"]:
        return said_time(match, _meridiem_time(match), False)
    hm = checked_time(int(match["h"]), int(match["m"] or 0), match)
    return said_time(match, hm, not match["h"].startswith("0"))


def _add_time(scan: Scanner, match: re.Match[str], hm: tuple[int, int], bare: bool) -> None:
    scan.note("time", match)
    scan.parts.times.append(said_time(match, hm, bare))
    scan.take(match)
    end = match.end()
    # "at 9am, 1pm and 5pm": later items need no "at" of their own.
    for _ in range(12):
        if not (more := TIME_MORE.match(scan.work, end)):
            break
        scan.parts.times.append(list_time(more))
        scan.take(more)
        end = more.end()


def checked_time(hour: int, minute: int, match: re.Match[str]) -> tuple[int, int]:
    if hour > 23 or minute > 59:
        hint = 'say "midnight"' if (hour, minute) == (24, 0) else "times run from 0:00 to 23:59"
        raise ParseError(f'"{phrase_of(match)}" is not a time of day', hint)
    return hour, minute


def _meridiem_time(match: re.Match[str]) -> tuple[int, int]:
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if not 1 <= hour <= 12:
        raise ParseError(
            f'"{phrase_of(match)}" is not a time: with am/pm the hour runs from 1 to 12',
            f'try "{hour}:{minute:02d}"' if hour <= 23 else None,
        )
    if minute > 59:
        raise ParseError(f'"{phrase_of(match)}" is not a time: minutes run from 00 to 59')
    pm = match["mer"].lower().startswith("p")
    return hour % 12 + (12 if pm else 0), minute


def _half_past(match: re.Match[str]) -> tuple[int, int]:
    quantity = match["q"].lower()
    minutes = {"half": 30, "quarter": 15}.get(quantity) or int(quantity)
    hour = int(match["h"])
    if minutes > 59 or hour > 23 or (match["mer"] and not 1 <= hour <= 12):
        raise ParseError(f'"{phrase_of(match)}" is not a time of day')
    if match["mer"]:
        hour = hour % 12 + (12 if match["mer"].lower().startswith("p") else 0)
    if match["dir"].lower() in ("to", "before"):
        return (hour - 1) % 24, 60 - minutes
    return hour, minutes


def _scan_minute_of_hour(scan: Scanner) -> None:
    for match in scan.found(HOURMIN, 2):
        raw = (match["m"] or match["m2"] or "0").lower()
        minute = {"quarter": 15, "half": 30}.get(raw)
        minute = int(raw) if minute is None else minute
        if minute > 59:
            raise ParseError(f'"{phrase_of(match)}": minutes run from 00 to 59')
        scan.note("hourmin", match)
        scan.parts.minute_of_hour = minute
        scan.take(match)
