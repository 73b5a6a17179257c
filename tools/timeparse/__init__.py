"""Natural-language "when" → a trigger: `parse_when(text, tz, now)`.

Pure: no clock, no I/O; `now` is a parameter. The time part is found inside a
whole request ("post the standup reminder in #eng every weekday at 9:30am")
and cut out; what is left comes back as `remainder`.

How it works: a fixed sequence of pre-compiled, linear-time regexes scans a
working copy of the text. Each recognizer records what it found (a time, a
set of weekdays, "every 2 weeks", a date, ...) and blanks its span so later
recognizers cannot read it twice. The parts are then checked against the
combinations that make sense together and turned into a `CronTrigger`,
`IntervalTrigger` or `OnceTrigger`. dateparser is only a fallback for odd
date spellings ("3-mar-2027"), fed a few words around a month name, because
it is slow (about 1 ms a call, 100 ms the first time) and permissive.

Modules: `recognizers` runs the scan in order (with `dates`, `times` and
`zones`) over the `scanner` state, reading with `patterns`; `fallback` is
dateparser; `assembly` builds the trigger (one-offs in `once`, with the
wall-clock helpers in `instants`) and `english` its description; `hints`
finds typos; `results` holds what comes back. `canonical_zone` and
`closest_zone` (from `zones`) read an IANA name for anyone who takes one.

Decisions (the rules a user can rely on):
- Text inside double quotes (or 'single' quotes around words) is message
  text and is never read as a time.
- A bare hour is read on the 24-hour clock: "at 5" is 5:00 AM, "at 17" 5 PM.
  After "afternoon", "evening", "night" or "tonight", hours 1-11 are PM.
- No time of day: 9:00 AM, and the description says so. "morning" is
  9:00 AM, "afternoon" 1:00 PM, "evening" 6:00 PM, "night"/"tonight" 8:00 PM.
  These words count only with a lead-in ("every evening", "tomorrow
  morning", "in the afternoon", "monday mornings"), so "post good morning"
  is message text.
- No day where the day matters is refused with a hint: "weekly", "every 2
  weeks", "monthly", "every year" need a weekday / day of month / date.
- "friday" is the next Friday whose time is still ahead (today included);
  "next friday" is the first Friday after today. A bare "at 5pm" is today if
  still ahead, else tomorrow. A date without a year is the next one ahead.
- Numeric dates: "12/24" and "24/12" are read the only way they are valid;
  "3/4" could be either and is refused with a hint to name the month.
  "24.12.2026" (dots, with a year) is day.month.year.
- Every N minutes / hours: cron when N divides the hour / day evenly (so it
  stays on the clock face), otherwise an interval from now rounded up to the
  next minute, because `*/7` restarts at every hour. Minute and hour interval
  anchors are stored in UTC so the steps are elapsed time across DST.
- "every N days" (N >= 2) and "every other / every N weeks on <day>" are
  intervals anchored at the first such time after now; days/weeks keep the
  wall-clock time across DST.
- Timezones: a zone named in the text wins over the caller's. IANA names and
  "UTC"/"GMT" count anywhere; upper-case abbreviations (ET, PST, CET, IST,
  ...) count anywhere; lower-case abbreviations and city names count right
  after a time ("9am et", "at 9 in Tokyo") or before "time" ("London time"),
  so "post the London update" keeps London as message text. GMT maps to UTC.
- "today"/"tomorrow" are the caller's days even when the time is in another
  zone ("tomorrow at 9 in Tokyo" is 9:00 Tokyo time on the caller's
  tomorrow). A naive `now` is read as wall time in `tz`.
- DST: cron follows Debian cron (scheduler.cron). A one-off wall time in a
  spring-forward gap moves to the end of the gap, an ambiguous one takes the
  first occurrence; a days/weeks interval whose first run falls in a gap
  still keeps its written time for the later runs.
- Raw cron passes through when it has five fields and a "*" (anywhere in the
  text, `backticks` allowed), follows "cron:", or is a macro like "@daily".
- Message words are left alone: "the daily standup" ("daily" before a noun),
  "friday's numbers", "this week's metrics" (possessives), and "sat"/"wed"/
  "sun" unless a time or "every"/"on"/"next" sits beside them.
- Refused with a hint rather than guessed: the first Monday / last Friday of
  a month, "every N months", "quarterly", "except weekends", "twice a day",
  "next week", windows ("between 9 and 5"), run limits on a repeating
  schedule ("for 5 days"), two different times that cron cannot combine,
  and a near-miss keyword ("evry day at 9am" -> did you mean "every day at
  9am"?), which would otherwise silently change the meaning.
- `next_runs` holds the next `NEXT_RUNS` (5) fire times (1 for a one-off)
  in `tz`.
- Text over 4,000 characters is refused; nothing but ParseError escapes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import cron
from scheduler.errors import CronError, TriggerError
from scheduler.triggers import upcoming
from tools.timeparse.assembly import build
from tools.timeparse.fallback import dateparse
from tools.timeparse.hints import check_typos, typo_hint
from tools.timeparse.instants import DEFAULT_TIME, PERIODS
from tools.timeparse.patterns import COUNT_LIMIT
from tools.timeparse.recognizers import scan_text
from tools.timeparse.results import NEXT_RUNS, ParsedWhen, ParseError
from tools.timeparse.scanner import Scanner, phrase_of, plain, remainder
from tools.timeparse.zones import canonical_zone, closest_zone

__all__ = [
    "DEFAULT_TIME",
    "EXAMPLES",
    "MAX_CHARS",
    "NEXT_RUNS",
    "PERIODS",
    "ParseError",
    "ParsedWhen",
    "canonical_zone",
    "closest_zone",
    "parse_when",
    "parse_when_json",
    "warm_up",
]

MAX_CHARS = 4000
EXAMPLES = 'try "every weekday at 9am", "tomorrow at 3pm" or "in 10 minutes"'


def parse_when_json(text: str, tz: str, now: datetime) -> dict[str, Any]:
    """`parse_when(...).to_json()`, or `{"error", "hint"}` when it is refused."""
    try:
        return parse_when(text, tz, now).to_json()
    except ParseError as exc:
        return exc.to_json()


def warm_up() -> None:
    """Load dateparser's data and the zone names now, so the first parse is not slow."""
    dateparse("march 3rd 2027", datetime(2026, 1, 1), "UTC")
    canonical_zone("UTC")


def parse_when(text: str, tz: str, now: datetime) -> ParsedWhen:
    """Find the time part of `text` and turn it into a trigger; raise ParseError.

    `tz` is the caller's IANA zone; `now` an aware datetime (a naive one is
    read as wall time in `tz`). `next_runs` are expressed in `tz`.
    """
    caller = _caller_zone(tz)
    local_now = now.replace(tzinfo=caller) if now.tzinfo is None else now.astimezone(caller)
    try:
        scan = _scan_checked(text, local_now, tz)
        zone_name = scan.parts.zone or tz
        zone = ZoneInfo(zone_name)
        trigger, description = build(
            scan.parts, zone_name, local_now.astimezone(zone), local_now.date()
        )
        runs = [run.astimezone(caller) for run in upcoming(trigger, local_now, NEXT_RUNS)]
    except ParseError:
        raise
    except (CronError, TriggerError) as exc:
        raise ParseError(str(exc)) from exc
    except (ValueError, OverflowError) as exc:
        # Last line of defence for a calendar edge we did not pre-validate:
        # the contract is that only ParseError leaves this function.
        raise ParseError(f"that time does not work: {exc}") from exc
    return ParsedWhen(trigger, description, runs, remainder(text, scan.parts.spans))


def _caller_zone(tz: str) -> tzinfo:
    try:
        return cron.zone(tz)
    except CronError as exc:
        raise ParseError(str(exc), "pass an IANA name like America/New_York") from exc


def _scan_checked(text: str, now: datetime, tz: str) -> Scanner:
    """Scan; refuse empty or overlong text, no time at all (with a spelling
    hint when one helps), near-miss keywords and run limits."""
    if not text.strip():
        raise ParseError("the text is empty; say when the schedule should run", EXAMPLES)
    if len(text) > MAX_CHARS:
        raise ParseError(f"the text is longer than {MAX_CHARS} characters", None)
    scan = scan_text(plain(text), now, tz)
    if not scan.parts.seen:
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        found = typo_hint(scan, now, tz)
        raise ParseError(f'I could not find a time in "{shown}"', found[1] if found else EXAMPLES)
    check_typos(scan, now, tz)
    _check_count_limit(scan)
    return scan


def _check_count_limit(scan: Scanner) -> None:
    """Refuse "every day at 9 for 5 days" rather than repeat forever."""
    recurring = {"step", "daily", "days", "weeks", "dows", "monthly", "yearly", "cron"}
    match = COUNT_LIMIT.search(scan.work)
    if match and recurring & scan.parts.seen.keys():
        raise ParseError(
            f'I can\'t stop a schedule after "{phrase_of(match)}" yet',
            "create it without the limit and delete it when done",
        )
