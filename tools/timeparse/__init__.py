"""Natural-language "when" → a trigger: `parse_when(text, tz, now)`, and
`parse_change(text, tz, now, current)` for a change to a schedule.

Pure: no clock, no I/O; `now` is a parameter. The time part is found inside a
whole request ("post the standup reminder in #eng every weekday at 9:30am")
and cut out; what is left comes back as `remainder`.

How it works: a fixed sequence of pre-compiled, linear-time regexes scans a
working copy of the text. Each recognizer records what it found (a time, a
set of weekdays, "every 2 weeks", a date, ...) and blanks its span so later
recognizers cannot read it twice. The parts are then checked against the
combinations that make sense together and turned into a `CronTrigger`,
`RRuleTrigger`, `IntervalTrigger` or `OnceTrigger`, bounded by a
`BoundedTrigger` when a start, end or count is said. When two readings are
reasonable it raises `Ambiguous` (a ParseError) with both, each as the
whole text rewritten to mean just that. dateparser is only a fallback for odd
date spellings ("3-mar-2027"), fed a few words around a month name, because
it is slow (about 1 ms a call, 100 ms the first time) and permissive.

Modules: `recognizers` runs the scan in order (with `dates`, `times`,
`zones`, `nth`, `bounds` and `windows`) over the `scanner` state, reading
with `patterns`; `fallback` is dateparser; `assembly` builds the trigger
(cron or RRULE from days and times in `timesets`, the Nth weekday in `nth`,
one-offs in `once`, bounds in `bounds`, with the wall-clock helpers in
`instants`) and `english` its description; `changes` applies a change
to a schedule's trigger (with `scheduler.wallclock`); `hints` finds typos;
`results` holds what comes back. `canonical_zone` and
`closest_zone` (from `zones`) read an IANA name for anyone who takes one.

Decisions (the rules a user can rely on):
- Text inside double quotes (or 'single' quotes around words) is message
  text and is never read as a time.
- A bare hour (no am/pm): 7-11 are AM ("at 9"), 12 is noon, 0 and 13-23 are
  the 24-hour clock ("at 17"), and a leading zero means the 24-hour clock
  ("at 05:00" is 5 AM). After "afternoon", "evening", "night" or "tonight",
  1-11 are PM; after "morning", AM. Later in a list (or at a window's end)
  a bare hour is the first reading after the time before it: "at 9 and 5"
  is 9 AM and 5 PM, "between 9 and 5" 9 AM to 5 PM. Otherwise a bare 1-6
  ("at 4", "half past 3") is asked about: 4 AM or 4 PM? - unless only one
  of them is still ahead ("today at 4" at 10 AM is 4 PM).
- No time of day: 9:00 AM, and the description says so. "morning" is
  9:00 AM, "afternoon" 1:00 PM, "evening" 6:00 PM, "night"/"tonight" 8:00 PM.
  These words count only with a lead-in ("every evening", "tomorrow
  morning", "in the afternoon", "monday mornings"), so "post good morning"
  is message text.
- No day where the day matters is refused with a hint: "weekly", "every 2
  weeks", "monthly", "every year" need a weekday / day of month / date.
  "once a day/week/month/year" is "every ...", never a one-off; "twice a
  day" (or "N times a week/month") needs that many times (or days) said.
- "friday" is the next Friday whose time is still ahead (today included);
  "next friday" is the first Friday after today. A bare "at 5pm" is today if
  still ahead, else tomorrow. A date without a year is the next one ahead.
- "the 15th" (a day of the month, no month) is the next one ahead; when
  that is less than a day away we ask: that one, or the month after's?
- Numeric dates: "12/24" and "24/12" are read the only way they are valid;
  "3/4" could be either and is refused with a hint to name the month.
  "24.12.2026" (dots, with a year) is day.month.year.
- The Nth weekday of the month: "the first monday of every month", "2nd and
  4th tuesday", "the last friday of each month", "the second to last
  thursday", "the last weekday (business day) of the month", "the first
  weekday of the month"; with months ("of march, june and september") only
  in those; "every year on the fourth thursday of november" yearly. Several
  days or months, "every"/"each", "of every/the month", "monthly" or
  "yearly" repeat; one named month ("the first monday of april"), "of next
  month" or "of this month" is a one-off; a lone "the first monday" is asked
  about (every month, or just the next one?). A fifth weekday skips months
  without one.
- Every N minutes / hours: cron when N divides the hour / day evenly (so it
  stays on the clock face), otherwise an interval from now rounded up to the
  next minute, because `*/7` restarts at every hour. Minute and hour interval
  anchors are stored in UTC so the steps are elapsed time across DST.
  "every 60 seconds" is every minute; more often is refused.
- Windows: "every hour between 9am and 5pm" and "every 30 minutes from 9 to
  11:30" fire from the first end to the last, both included, in steps from
  the first (9:00 ... 17:00; 9:00 ... 11:30). A window needs a step; with
  some days named it must not cross midnight. "business hours" is refused
  (say the window).
- Several times a day are one cron expression when their minutes agree
  ("at 9am and 5pm"), else an RRULE union ("at 9am and 1:30pm").
- "every N days" (N >= 2) is an interval anchored at the first such time
  after now; days keep the wall-clock time across DST. "every other / every
  N weeks on <days>" is an RRULE (WEEKLY;INTERVAL=N) whose first run is the
  next matching day ahead; weeks run Monday to Sunday, so "every other week
  on monday and wednesday" fires on both in the same week. Said on one of
  those days with its time still ahead, we ask: starting today, or a week
  later? "starting <day>" settles it.
- Bounds on a repeating schedule: "starting/beginning/from <day>" starts on
  that day (its first minute); "until/till/through/ending <day>" stops after
  that day, which is included; "from <day> to <day>" both ("from january 5
  to march 30" said in February is the range running now); "for (the next)
  N days/weeks/months" counts whole days from the first run's day, "for N
  hours/minutes" from the first run; "N times" counts runs from now (or the
  start). A bounded schedule stops by itself and its description says the
  bounds. "from <weekday>" alone and "from monday to friday" are days, not
  bounds; "for the rest of the week" is refused (which day ends it?). A
  one-off takes no bounds; "for 5 days" beside a one-off is message text.
- Timezones: a zone named in the text wins over the caller's. IANA names and
  "UTC"/"GMT" count anywhere; upper-case abbreviations (ET, PST, CET, IST,
  ...) count anywhere; lower-case abbreviations and city names count right
  after a time ("9am et", "at 9 in Tokyo") or before "time" ("London time"),
  so "post the London update" keeps London as message text. GMT maps to UTC.
- "today"/"tomorrow" are the caller's days even when the time is in another
  zone ("tomorrow at 9 in Tokyo" is 9:00 Tokyo time on the caller's
  tomorrow). A naive `now` is read as wall time in `tz`.
- DST: cron follows Debian cron (scheduler.cron), and RRULEs the same rules
  on wall time. A one-off wall time in a spring-forward gap moves to the end
  of the gap, an ambiguous one takes the first occurrence; a days interval
  whose first run falls in a gap still keeps its written time for the later
  runs.
- Raw cron passes through when it has five fields and a "*" (anywhere in the
  text, `backticks` allowed), follows "cron:", or is a macro like "@daily";
  `L`, `LW`, `5L`, `1#1` and lists of them (`5#1,5#3`) are cron too. The
  classic `0 10 1-7 * 1` is kept as written (cron ORs the day fields: days
  1-7 and every Monday) with a note naming what was likely meant (`0 10 * *
  1#1`).
- Message words are left alone: "the daily standup" ("daily" before a noun),
  "friday's numbers", "this week's metrics" (possessives), and "sat"/"wed"/
  "sun" unless a time or "every"/"on"/"next" sits beside them. "daily" still
  counts before a verb or filler ("daily would work best for us") and in
  "on a daily basis".
- Refused with a hint rather than guessed: "every N months", "quarterly",
  "except weekends", "twice a day" without the times, "next week", and a
  near-miss keyword ("evry day at 9am" -> did you mean "every day at
  9am"?), which would otherwise silently change the meaning.
- Questions (`Ambiguous`) carry `options`: a label and the whole text
  rewritten to mean that reading, so it can be sent back as it is. A reading
  that is refused is not offered, one that raises a second question is
  offered as its readings ("4:00 PM, starting today"), and a lone reading
  that works is the answer. (Texts over 1,000 characters get the first
  question as it is.)
- A change to a schedule (`parse_change`, what an update's `when` is) keeps
  what it does not name. Times of day alone ("9:30", "at 9am and 1:30pm",
  "in the afternoon") keep the days; days alone ("fridays", "on mondays and
  thursdays", "weekdays", "friday") keep the times; both ("10am on
  mondays") change both. Either way the rest stays: every other week keeps
  its weeks, an interval its phase, bounds stay (a count counts again at
  the new times) unless the change names new ones ("until friday" alone
  re-bounds it). "every other week" / "weekly" without a day takes the
  schedule's one day and its times; with several days (or none) it is
  refused, asking which day, with an example. What names a schedule of its
  own replaces it, read as a new one: "every"/"each" with days, "daily", a
  day of the month, a date, "tomorrow", "in 2 hours", cron; a new repeat that
  says no time runs at the schedule's own times of day ("make the digest
  weekly on monday" keeps its 4 PM), else at 9:00 AM. A change that cannot be kept exactly
  ("fridays" on a monthly schedule, "9:30" on every 15 minutes or a window,
  "next friday" on a repeating one) is refused with a whole phrase that
  works ("every friday at 9am"). On a one-off, a time moves it on its day
  (refused if that has passed: say the day), a day ("friday") moves it to
  that day at its time, and "fridays" asks: every Friday, or just once?
  The zone is the schedule's (a zone named in the text wins); the
  description and next runs are the new trigger's, and a question's
  readings are changes too.
- `next_runs` holds the next `NEXT_RUNS` (5) fire times (1 for a one-off)
  in `tz`. `notes` holds warnings to show beside the description.
- Text over 4,000 characters is refused; nothing but ParseError escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import cron
from scheduler.errors import CronError, TriggerError
from scheduler.triggers import AnyTrigger, upcoming
from tools.timeparse.assembly import build
from tools.timeparse.changes import bounds_said, change, kept_times, whole
from tools.timeparse.fallback import dateparse
from tools.timeparse.hints import check_typos, typo_hint
from tools.timeparse.instants import DEFAULT_TIME, PERIODS
from tools.timeparse.recognizers import scan_text
from tools.timeparse.results import NEXT_RUNS, Ambiguous, ParsedWhen, ParseError, Reading, Unsure
from tools.timeparse.scanner import Scanner, plain, remainder
from tools.timeparse.zones import canonical_zone, closest_zone

__all__ = [
    "DEFAULT_TIME",
    "EXAMPLES",
    "MAX_CHARS",
    "NEXT_RUNS",
    "PERIODS",
    "Ambiguous",
    "ParseError",
    "ParsedWhen",
    "Reading",
    "canonical_zone",
    "closest_zone",
    "parse_change",
    "parse_when",
    "parse_when_json",
    "warm_up",
]

MAX_CHARS = 4000
SETTLE_CHARS = 1000
EXAMPLES = 'try "every weekday at 9am", "tomorrow at 3pm" or "in 10 minutes"'


def parse_when_json(text: str, tz: str, now: datetime) -> dict[str, Any]:
    """`parse_when(...).to_json()`, or `{"error", "hint"}` when it is refused
    (with `"options"` when it is a question)."""
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
    return _parse(text, tz, now, None, 0)


def parse_change(text: str, tz: str, now: datetime, current: AnyTrigger) -> ParsedWhen:
    """Read `text` as a change to a schedule whose trigger is `current`; raise ParseError.

    A schedule of its own ("every monday at 10am", "tomorrow at 3pm", cron)
    is read as `parse_when` reads it; a part of one keeps the rest of
    `current` ("9:30" keeps its days, "fridays" its times, bounds stay).
    `tz` is the schedule's zone, and `next_runs` are expressed in it.
    """
    return _parse(text, tz, now, current, 0)


def _parse(text: str, tz: str, now: datetime, current: AnyTrigger | None, depth: int) -> ParsedWhen:
    caller = _caller_zone(tz)
    local_now = now.replace(tzinfo=caller) if now.tzinfo is None else now.astimezone(caller)
    try:
        scan = _scan_checked(text, local_now, tz, bounds_alone=current is not None)
        zone_name = scan.parts.zone or tz
        zone_now = local_now.astimezone(ZoneInfo(zone_name))
        if current is None or whole(scan.parts):
            built = build(scan.parts, zone_name, zone_now, local_now.date())
            if current is not None:
                built = kept_times(scan.parts, built, current, zone_now)
        else:
            built = change(scan.parts, current, zone_name, zone_now, local_now.date())
        runs = [run.astimezone(caller) for run in upcoming(built.trigger, local_now, NEXT_RUNS)]
    except Unsure as unsure:
        question = unsure.for_text(text)
        # Three questions in one text are asked one at a time; and a reading
        # of a text longer than any request is not parsed again (time budget).
        if depth >= 2 or len(text) > SETTLE_CHARS:
            raise question from None
        return _settle(question, lambda when: _parse(when, tz, now, current, depth + 1))
    except ParseError:
        raise
    except (CronError, TriggerError) as exc:
        raise ParseError(str(exc)) from exc
    except (ValueError, OverflowError) as exc:
        # Last line of defence for a calendar edge we did not pre-validate:
        # the contract is that only ParseError leaves this function.
        raise ParseError(f"that time does not work: {exc}") from exc
    rest = remainder(text, scan.parts.spans)
    return ParsedWhen(built.trigger, built.description, runs, rest, built.notes)


def _settle(question: Ambiguous, reparse: Callable[[str], ParsedWhen]) -> ParsedWhen:
    """Ask `question` with the readings that work: one that is refused (in the
    past, say) is left out, one that asks again is split into its readings,
    and when just one works it is the answer ("today at 4" at 10 AM is 4 PM)."""
    works: list[tuple[Reading, ParsedWhen | None]] = []
    for option in question.options:
        try:
            works.append((option, reparse(option.when)))
        except Ambiguous as again:
            label = option.label
            works += [
                (Reading(f"{label}, {o.label[:1].lower()}{o.label[1:]}", o.when), None)
                for o in again.options
            ]
        except ParseError:
            continue
    if len(works) == 1 and works[0][1] is not None:
        return works[0][1]
    if not works:
        raise ParseError(question.message, question.hint)
    raise Ambiguous(question.message, question.hint, tuple(option for option, _ in works))


def _caller_zone(tz: str) -> tzinfo:
    try:
        return cron.zone(tz)
    except CronError as exc:
        raise ParseError(str(exc), "pass an IANA name like America/New_York") from exc


def _scan_checked(text: str, now: datetime, tz: str, *, bounds_alone: bool) -> Scanner:
    """Scan; refuse empty or overlong text, no time at all (a change may name
    only bounds; with a spelling hint when one helps) and near-miss keywords."""
    if not text.strip():
        raise ParseError("the text is empty; say when the schedule should run", EXAMPLES)
    if len(text) > MAX_CHARS:
        raise ParseError(f"the text is longer than {MAX_CHARS} characters", None)
    scan = scan_text(plain(text), now, tz)
    if not scan.parts.seen and not (bounds_alone and bounds_said(scan.parts)):
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        found = typo_hint(scan, now, tz)
        raise ParseError(f'I could not find a time in "{shown}"', found[1] if found else EXAMPLES)
    check_typos(scan, now, tz)
    return scan
