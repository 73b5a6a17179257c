"""Start, end and count: "starting next monday", "until friday", "from january 5
to march 30", "for the next two weeks", "6 times".

`scan_bounds` reads them before the dates and days (so "until friday" is not
read as "friday"), and `bound` wraps a repeating trigger in a
`BoundedTrigger`: a start is the first minute of its day, an end the last
("until friday" includes Friday). "for N days/weeks/months" counts whole
days from the first run's day; "for N hours/minutes" counts from the first
run. A one-off takes no bounds, except that "for 5 days" is then message text.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta

from scheduler.triggers import AnyTrigger, BoundedTrigger, OnceTrigger, wall_to_instant
from tools.timeparse.dates import day_number, month_number, numeric_month_day
from tools.timeparse.english import when_text
from tools.timeparse.instants import add_months
from tools.timeparse.once import check_month_day
from tools.timeparse.patterns import (
    BOUND,
    BOUND_AFTER_DAY,
    BOUND_COUNT,
    BOUND_DAY,
    BOUND_END_OF,
    BOUND_LENGTH,
    BOUND_NOW,
    BOUND_NTH,
    BOUND_REST,
    BOUND_TO,
    DATE_DM,
    DATE_MD,
    DATE_NUMERIC,
    ISO,
    NUMBER_WORDS,
    RELDAY,
    number_of,
    unit_name,
)
from tools.timeparse.results import ParseError
from tools.timeparse.scanner import Bounds, DaySpec, Parts, Scanner, phrase_of

_END_WORDS = frozenset("until till til through thru ending".split())
_RELDAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}


def scan_bounds(scan: Scanner) -> None:
    bounds = scan.parts.bounds
    for match in scan.found(BOUND_REST, 1):
        if match["unit"].lower() == "week":
            raise ParseError(
                f'"{phrase_of(match)}" could end on Friday, Saturday or Sunday',
                'name the last day, e.g. "until friday"',
            )
        _set(scan, bounds, "end", DaySpec(month_end=0, year_end=match["unit"].lower() == "year"))
        _take(scan, bounds, match.span(), match)
    for match in scan.found(BOUND_LENGTH, 2):
        _once_only(bounds, "length", match)
        bounds.length = (number_of(match["n"]), unit_name(match["unit"]))
        _take(scan, bounds, match.span(), match)
    for match in scan.found(BOUND_COUNT, 2):
        _once_only(bounds, "count", match)
        raw = match["n"].lower()
        bounds.count = int(raw) if raw.isdigit() else int(NUMBER_WORDS[raw])
        _take(scan, bounds, match.span(), match)
    for match in scan.found(BOUND, 6):
        _scan_one(scan, bounds, match)


def _scan_one(scan: Scanner, bounds: Bounds, match: re.Match[str]) -> None:
    kw = " ".join(match["kw"].lower().split())
    before = scan.work[max(0, match.start() - 16) : match.start()]
    if kw in _END_WORDS and BOUND_AFTER_DAY.search(before):
        return  # "monday through friday" is a set of days
    now = BOUND_NOW.match(scan.work, match.end())
    if now and (kw in ("starting", "beginning") or (kw == "from" and now.group().endswith("on"))):
        _set(scan, bounds, "start", DaySpec(offset=0))  # "starting today" (sets a phase)
        _take(scan, bounds, (match.start(), now.end()), match)
        return
    read = read_day(scan.work, match.end())
    if read is None:
        return
    first, end = read
    if kw in ("from", "between"):
        to = BOUND_TO.match(scan.work, end)
        second = read_day(scan.work, to.end()) if to else None
        if second is None or not (first.strong or second[0].strong):
            if second is not None and kw == "from":  # "from monday to friday": days
                scan.take_span(match.start(), match.start() + 4)
            if second is not None or kw == "between" or not first.strong:
                return  # "between 9 and 5" is a window, "from monday" message text
            _set(scan, bounds, "start", first)
        else:
            _set(scan, bounds, "start", first)
            _set(scan, bounds, "end", second[0])
            end = second[1]
    else:
        _set(scan, bounds, "end" if kw in _END_WORDS or kw.startswith("up") else "start", first)
    _take(scan, bounds, (match.start(), end), match)


def _once_only(bounds: Bounds, what: str, match: re.Match[str]) -> None:
    if getattr(bounds, what) is not None:
        raise ParseError(f'I found two limits: "{bounds.phrases[0]}" and "{phrase_of(match)}"')


def _set(scan: Scanner, bounds: Bounds, which: str, day: DaySpec) -> None:
    if getattr(bounds, which) is not None:
        raise ParseError(f"I found two {which}s: {', '.join(bounds.phrases)}", "keep one")
    setattr(bounds, which, day)


def _take(scan: Scanner, bounds: Bounds, span: tuple[int, int], match: re.Match[str]) -> None:
    bounds.phrases.append(" ".join(scan.work[span[0] : span[1]].split()) or phrase_of(match))
    bounds.spans.append(span)
    scan.take_span(*span)


def read_day(work: str, pos: int) -> tuple[DaySpec, int] | None:
    """The day named at `pos` ("march 30", "next monday", "the 5th", "tomorrow")."""
    if m := ISO.match(work, pos):
        return DaySpec(date=(int(m["y"]), int(m["mo"]), int(m["d"]))), m.end()
    for pattern in (DATE_MD, DATE_DM):
        if (m := pattern.match(work, pos)) and not m["every"]:
            year = int(m["y"]) if m["y"] else None
            return DaySpec(date=(year, month_number(m["mon"]), int(m["d"]))), m.end()
    if (m := DATE_NUMERIC.match(work, pos)) and (
        md := numeric_month_day(int(m["a"]), int(m["b"]), m)
    ):
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0) if m["y"] else None
        return DaySpec(date=(year, *md)), m.end()
    if m := RELDAY.match(work, pos):
        word = " ".join(m["w"].lower().split())
        offset = 2 if word.startswith("day after") else _RELDAYS.get(word, -2)
        return DaySpec(offset=offset), m.end()
    if m := BOUND_END_OF.match(work, pos):
        if m["mon"]:
            return DaySpec(month_end=month_number(m["mon"])), m.end()
        return DaySpec(month_end=0, year_end=m["unit"].lower() == "year"), m.end()
    if m := BOUND_DAY.match(work, pos):
        pre = (m["pre"] or "").lower()
        return DaySpec(weekday=(day_number(m["day"]), pre == "next"), strong=bool(pre)), m.end()
    if m := BOUND_NTH.match(work, pos):
        return DaySpec(month_day=int(m["d"].rstrip("stndrh"))), m.end()
    return None


def resolve(spec: DaySpec, ref: date) -> date:
    """The day `spec` names, on or after `ref` where it repeats (a date without a year)."""
    if spec.date is not None:
        year, month, day = spec.date
        check_month_day(month, day, year)
        if year is not None:
            return date(year, month, day)
        return next(d for y in range(ref.year, ref.year + 9) if (d := _date(y, month, day)) >= ref)
    if spec.offset is not None:
        return ref + timedelta(days=spec.offset)
    if spec.weekday is not None:
        dow, strictly = spec.weekday
        ahead = (dow - (ref.weekday() + 1) % 7) % 7
        return ref + timedelta(days=7 if strictly and ahead == 0 else ahead)
    if spec.month_day is not None:
        return _next_month_day(spec.month_day, ref)
    if spec.year_end:
        return date(ref.year, 12, 31)
    month = spec.month_end or ref.month
    year = ref.year if month >= ref.month else ref.year + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month_day(day: int, ref: date) -> date:
    if not 1 <= day <= 31:
        raise ParseError(f"a month has no day {day}", "days run from the 1st to the 31st")
    for offset in range(14):
        month = add_months(ref.replace(day=1), offset)
        if day <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=day) >= ref:
            return month.replace(day=day)
    raise ParseError("that day never comes round")  # pragma: no cover


def start_day(parts: Parts, today: date) -> date | None:
    """The first day of a start bound, refused when it is in the past."""
    spec = parts.bounds.start
    if spec is None:
        return None
    end = parts.bounds.end
    if end is not None and end.date and spec.date and spec.date[0] is None and end.date[0] is None:
        # "from january 5 to march 30" said in February is the range running now.
        last = resolve(end, today)
        day = _date(last.year, spec.date[1], spec.date[2])
        return day if day <= last else _date(last.year - 1, spec.date[1], spec.date[2])
    day = resolve(spec, today)
    if day < today:
        raise ParseError(
            f'"{parts.bounds.phrases[0]}" is in the past', "schedules only start later"
        )
    return day


def bound(
    parts: Parts, trigger: AnyTrigger, now: datetime, today: date
) -> tuple[AnyTrigger, str | None]:
    """`trigger` within the bounds said, and their text ("from Mon Mar 9 until Fri Mar 13").

    `now` is in the trigger's zone, `today` the caller's date.
    """
    bounds = parts.bounds
    if not (bounds.start or bounds.end or bounds.length or bounds.count):
        return trigger, None
    if isinstance(trigger, OnceTrigger):
        return _one_off(parts, trigger)
    begin = start_day(parts, today)
    start = None
    if begin and begin > today:
        start = wall_to_instant(datetime.combine(begin, time()), now.tzinfo)  # type: ignore[arg-type]
    # From a start, its first minute may fire; from now, only what is ahead.
    end = _end(parts, trigger, start - timedelta(microseconds=1) if start else now, begin or today)
    if end is not None and end <= now:
        raise ParseError(f'"{bounds.phrases[-1]}" is in the past', "schedules only end later")
    if start is None and end is None and not bounds.count:
        return trigger, None  # "starting today": nothing to bound
    # Counted from just after now: a fire at this very minute is not ahead.
    later = now.replace(microsecond=0) + timedelta(seconds=1)
    count_from = (start or later) if bounds.count else start
    try:
        bounded = BoundedTrigger(trigger, count_from, end, bounds.count)
    except ValueError as exc:  # ends before it starts, a count out of range
        raise ParseError(f"{', '.join(bounds.phrases)}: {exc}") from exc
    if bounded.next_after(now) is None:
        raise ParseError(f"it never fires {' '.join(bounds.phrases)}", "check the dates")
    return bounded, bounded.bounds_text()


def _one_off(parts: Parts, trigger: OnceTrigger) -> tuple[AnyTrigger, str | None]:
    bounds = parts.bounds
    if bounds.length and not (bounds.start or bounds.end or bounds.count):
        for span in bounds.spans:  # "post the sale for 5 days tomorrow": message text
            parts.spans.remove(span)
        return trigger, None
    raise ParseError(
        f'"{bounds.phrases[0]}" needs a repeating schedule, but {when_text(trigger.at)} is once',
        'e.g. "every day at 9am until friday"',
    )


def _end(parts: Parts, trigger: AnyTrigger, start: datetime, begin: date) -> datetime | None:
    bounds = parts.bounds
    tz = start.tzinfo
    end = None
    if bounds.end is not None:
        last = resolve(bounds.end, begin)
        end = wall_to_instant(datetime.combine(last, time(23, 59, 59)), tz)  # type: ignore[arg-type]
    if bounds.length is not None:
        length = _length_end(bounds.length, trigger, start)
        end = length if end is None or length < end else end
    return end


def _length_end(length: tuple[float, str], trigger: AnyTrigger, start: datetime) -> datetime:
    """The end of "for N units": hours and minutes from `start` (a start bound, or
    now), days and longer from the day of the first run after it."""
    n, unit = length
    if unit in ("minutes", "hours", "seconds"):  # elapsed time, so in UTC
        return (start.astimezone(UTC) + timedelta(**{unit: n})).astimezone(start.tzinfo)
    first = trigger.next_after(start)
    if first is None:
        raise ParseError("it never fires")
    if n != int(n):
        raise ParseError(f"for {n:g} {unit}: say a whole number of {unit}")
    day = first.date()
    if unit in ("days", "weeks"):
        last = day + timedelta(days=int(n) * (7 if unit == "weeks" else 1) - 1)
    else:
        last = add_months(day, int(n) * (12 if unit == "years" else 1)) - timedelta(days=1)
    return wall_to_instant(datetime.combine(last, time(23, 59, 59)), start.tzinfo)  # type: ignore[arg-type]
