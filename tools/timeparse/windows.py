"""Windows of the day and counts per period: "every hour between 9am and 5pm",
"every 30 minutes from 9 to 11:30", "twice a day at 9 and 5", "once a week".

A window runs from its first end to its last, both included, in steps from
its start (9:00, 9:30, ... 11:30); it needs a step ("every hour") and stays
within a day when only some days are named. "once a <unit>" is "every
<unit>"; "N times a <unit>" also needs the N times (or days) spelled out.
"""

from __future__ import annotations

import re

from tools.timeparse.english import clock_text
from tools.timeparse.instants import settle
from tools.timeparse.patterns import CLOCK_END, HOURS_WORDS, PER, WINDOW, WINDOW_MER
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import Parts, SaidTime, Scanner, phrase_of
from tools.timeparse.times import list_time, said_time

_PER_WORDS = {"once": 1, "twice": 2, "thrice": 3, "two": 2, "three": 3, "four": 4, "five": 5}
_PER_WORDS["six"] = 6


def scan_per(scan: Scanner) -> None:
    for match in scan.found(PER, 2):
        raw = (match["n"] or match["n2"]).lower().split()[0]
        times = int(raw) if raw.isdigit() else _PER_WORDS[raw]
        unit = (match["unit"] or match["adv"]).lower().removesuffix("ly").replace("dai", "day")
        if unit == "hour":
            if times != 1:
                raise ParseError(f'"{phrase_of(match)}": say how often', 'e.g. "every 30 minutes"')
            scan.note("step", match)
            scan.parts.step = 60
        else:
            category = {"day": "daily", "week": "weeks", "month": "monthly", "year": "yearly"}
            scan.note(category[unit], match)
            scan.parts.days = 1 if unit == "day" else scan.parts.days
            scan.parts.weeks = 1 if unit == "week" else scan.parts.weeks
        if times > 1:
            scan.note("per", match)
            scan.parts.per = times
        scan.take(match)


def scan_windows(scan: Scanner) -> None:
    if match := HOURS_WORDS.search(scan.work):
        raise ParseError(
            f'I don\'t know your "{phrase_of(match)}"',
            'say the window, e.g. "every hour between 9am and 5pm on weekdays"',
        )
    for pattern in (WINDOW, WINDOW_MER):
        for match in scan.found(pattern, 2):
            scan.note("window", match)
            scan.parts.window = (_end(match, "a"), _end(match, "b"))
            scan.take(match)


def _end(match: re.Match[str], group: str) -> SaidTime:
    start = match.start(group)
    end = CLOCK_END.match(match.string, start, match.end(group))
    if end is None:  # pragma: no cover - the window pattern matched this end
        raise ParseError(f'"{phrase_of(match)}" is not a window of the day')
    if end["w"]:
        hm = (0, 0) if end["w"].lower() == "midnight" else (12, 0)
        return said_time(end, hm, False)
    return list_time(end)


def window_times(parts: Parts, step: int) -> tuple[tuple[tuple[int, int], ...], str]:
    """The times a stepped window fires at, and how to say it ("from 9:00 AM to 5:00 PM")."""
    if parts.window is None:  # pragma: no cover - only called with a window
        raise ParseError("no window")
    (a, b) = settle(list(parts.window), parts.period)
    first, last = a[0] * 60 + a[1], b[0] * 60 + b[1]
    if last <= first:
        if parts.dows:
            raise ParseError(
                f'"{parts.seen["window"]}" runs past midnight, which some days can\'t',
                "make one schedule before midnight and one after",
            )
        last += 24 * 60
    if step >= 24 * 60:
        raise ParseError(f'"{parts.seen["window"]}" is shorter than the step')
    if parts.minute_of_hour is not None:
        first += (parts.minute_of_hour - first) % 60
    minutes = range(first, last + 1, step)
    if len(minutes) < 1:
        raise ParseError(f'nothing fires in "{parts.seen["window"]}"')
    said = [((t // 60) % 24, t % 60) for t in (minutes[0], minutes[-1])]
    return tuple(sorted({((t // 60) % 24, t % 60) for t in minutes})), (
        f"from {clock_text(said[0])} to {clock_text(said[1])}"
    )


def check_per(parts: Parts, how_many: int, what: str) -> None:
    """Refuse "twice a day at 9am": the count must match what was spelled out."""
    if parts.per is None or parts.per == how_many:
        return
    phrase = parts.seen["per"]
    example = {"times": "at 9am and 5pm", "days": "on monday and thursday"}.get(what, "")
    if how_many <= 1:
        raise ParseError(
            f'"{phrase}" needs the {what} spelled out',
            f'e.g. "{phrase} {example or "on the 1st and 15th"}"',
        )
    raise ParseError(f'"{phrase}" but {how_many} {what}', "make them agree")
