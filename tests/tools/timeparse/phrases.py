"""The phrase table for `tools.timeparse`, shared by the tests and the benchmark.

Each case says what a phrase must do, checked against fire times, never
against cron text: either `runs` (the first fire instants, ISO in the
caller's zone) or `cron` (an equivalent expression whose next three fire
times, in the trigger's zone, must match). Refusals name a fragment of the
message (and of the hint, where one matters).

The default caller is America/New_York at Wed 2026-03-04 10:00 (EST, four
days before the spring-forward change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.triggers import CronTrigger, upcoming
from tools.timeparse import ParsedWhen, ParseError, parse_when

NY, BERLIN, SYDNEY, KOLKATA, UTC = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
)
NOW = "2026-03-04T10:00:00"
NY_SPRING = "2026-03-08T01:00:00"  # clocks jump 02:00 -> 03:00
NY_FALL = "2026-11-01T00:30:00"  # 01:00-02:00 happens twice
BERLIN_FALL = "2026-10-25T01:00:00"  # 03:00 CEST -> 02:00 CET
SYDNEY_FALL = "2026-04-05T01:00:00"  # 03:00 AEDT -> 02:00 AEST
SYDNEY_SPRING = "2026-10-04T01:00:00"  # 02:00 AEST -> 03:00 AEDT


@dataclass(frozen=True)
class Case:
    group: str
    text: str
    tz: str = NY
    now: str = NOW  # wall time in `tz`
    kind: str | None = None
    cron: str | None = None
    runs: tuple[str, ...] = ()
    zone: str | None = None  # the trigger's zone, when not the caller's
    remainder: str | None = None
    says: str | None = None  # a fragment of the description
    error: str | None = None
    hint: str | None = None

    @property
    def id(self) -> str:
        where = "" if (self.tz, self.now) == (NY, NOW) else f"@{self.tz.split('/')[-1]}{self.now}"
        return f"{self.group}:{self.text[:60]}{where}"

    def now_at(self) -> datetime:
        zone = ZoneInfo("UTC") if self.tz == "Mars/Base" else ZoneInfo(self.tz)
        return datetime.fromisoformat(self.now).replace(tzinfo=zone)


def fires(group: str, text: str, expect: str | tuple[str, ...], **kw: object) -> Case:
    """A case that must parse: `expect` is a cron expression or fire times."""
    if isinstance(expect, str) and "T" not in expect:
        kw.setdefault("kind", "cron")
        return Case(group, text, cron=expect, **kw)  # type: ignore[arg-type]
    runs = (expect,) if isinstance(expect, str) else expect
    return Case(group, text, runs=runs, **kw)  # type: ignore[arg-type]


def refuses(group: str, text: str, error: str, hint: str | None = None, **kw: object) -> Case:
    return Case(group, text, error=error, hint=hint, **kw)  # type: ignore[arg-type]


def check(case: Case) -> str | None:
    """None when parse_when does what `case` expects, else what went wrong."""
    try:
        result = parse_when(case.text, case.tz, case.now_at())
    except ParseError as exc:
        return _check_refusal(case, exc)
    if case.error is not None:
        return f"expected a refusal ({case.error!r}), got {result.to_json()}"
    return _check_result(case, result)


def _check_refusal(case: Case, exc: ParseError) -> str | None:
    if case.error is None:
        return f"refused: {exc.message} (hint: {exc.hint})"
    if case.error.lower() not in exc.message.lower():
        return f"message {exc.message!r} lacks {case.error!r}"
    if case.hint is not None and case.hint.lower() not in (exc.hint or "").lower():
        return f"hint {exc.hint!r} lacks {case.hint!r}"
    return None


def _check_result(case: Case, result: ParsedWhen) -> str | None:
    trigger = result.trigger
    zone = case.zone or case.tz
    got = [run.isoformat() for run in result.next_runs]
    problems = []
    if case.kind and trigger.kind != case.kind:
        problems.append(f"kind {trigger.kind} != {case.kind}")
    if trigger.timezone != zone:
        problems.append(f"timezone {trigger.timezone} != {zone}")
    expected = list(case.runs) or _cron_runs(case, zone)
    if got[: len(expected)] != expected:
        problems.append(f"runs {got[: len(expected)]} != {expected}")
    if case.remainder is not None and result.remainder != case.remainder:
        problems.append(f"remainder {result.remainder!r} != {case.remainder!r}")
    if case.says is not None and case.says not in result.description:
        problems.append(f"description {result.description!r} lacks {case.says!r}")
    return "; ".join(problems) or None


def _cron_runs(case: Case, zone: str) -> list[str]:
    caller = ZoneInfo(case.tz)
    runs = upcoming(CronTrigger(case.cron or "", zone), case.now_at(), 3)
    return [run.astimezone(caller).isoformat() for run in runs]


def _ny(*wall: str) -> tuple[str, ...]:
    """ISO instants for NY wall times in March 2026 (EDT from Mar 8)."""
    return tuple(w + ("-04:00" if w >= "2026-03-08T03" else "-05:00") for w in wall)


R = "recurring"
RECURRING = [
    fires(R, "every day at 9", "0 9 * * *"),
    fires(R, "daily at 9am", "0 9 * * *"),
    fires(R, "everyday at 9am", "0 9 * * *"),
    fires(R, "each day at 7:30", "30 7 * * *"),
    fires(R, "every single day at 6am", "0 6 * * *"),
    fires(R, "every weekday at 9:30am", "30 9 * * 1-5", says="Every weekday at 9:30 AM"),
    fires(R, "weekdays at 9:30", "30 9 * * 1-5"),
    fires(R, "on weekdays at 8", "0 8 * * 1-5"),
    fires(R, "every weekend at 10am", "0 10 * * 0,6"),
    fires(R, "weekends at 11", "0 11 * * 6,0"),
    fires(R, "every monday at 9am", "0 9 * * 1"),
    fires(R, "mondays at 9am", "0 9 * * 1"),
    fires(R, "every tuesday at 2pm", "0 14 * * 2"),
    fires(R, "on fridays at 4:30pm", "30 16 * * 5"),
    fires(R, "every sunday at 6pm", "0 18 * * 0"),
    fires(R, "every sat at 9", "0 9 * * 6"),
    fires(R, "mondays and thursdays at 9", "0 9 * * 1,4"),
    fires(R, "mon-thu at 8:15", "15 8 * * 1-4"),
    fires(R, "mon/wed/fri at noon", "0 12 * * 1,3,5"),
    fires(R, "tue, thu at 4pm", "0 16 * * 2,4"),
    fires(R, "every tuesday and thursday at 10am", "0 10 * * 2,4"),
    fires(R, "monday through friday at 9am", "0 9 * * 1-5"),
    fires(R, "mon to fri at 7:45", "45 7 * * 1-5"),
    fires(R, "every monday, wednesday and friday at 5pm", "0 17 * * 1,3,5"),
    fires(R, "every monday and every friday at 5pm", "0 17 * * 1,5"),
    fires(R, "every fri-mon at 9", "0 9 * * 5,6,0,1"),
    fires(R, "weekly on mondays at 10", "0 10 * * 1"),
    fires(R, "weekly on friday at 3pm", "0 15 * * 5"),
    fires(R, "every week on friday at 3pm", "0 15 * * 5"),
    fires(R, "every day", "0 9 * * *", says="no time given"),
    fires(R, "every weekday", "0 9 * * 1-5", says="no time given"),
    fires(R, "every morning", "0 9 * * *", says='"morning" taken as 9:00 AM'),
    fires(R, "every evening", "0 18 * * *"),
    fires(R, "every weekday morning", "0 9 * * 1-5"),
    fires(R, "monday mornings", "0 9 * * 1"),
    fires(R, "every night at 11", "0 23 * * *"),
    fires(R, "nightly", "0 20 * * *"),
    fires(R, "every weekday at 9", "0 9 * * 1-5", tz=BERLIN),
    fires(R, "every saturday at 8am", "0 8 * * 6", tz=SYDNEY),
    fires(R, "every weekday at 10:30", "30 10 * * 1-5", tz=KOLKATA),
    fires(R, "every thursday at 17:00", "0 17 * * 4", tz=UTC),
    fires(R, "every workday at 9", "0 9 * * 1-5"),
    fires(R, "business days at 8", "0 8 * * 1-5"),
    fires(R, "every mon and wed at 9:30", "30 9 * * 1,3"),
    fires(R, "every monday at 9am and 5pm", "0 9,17 * * 1"),
    fires(R, "Every Tuesday at 3PM", "0 15 * * 2"),
]

T = "times"
TIMES = [
    fires(T, "at 9 am every day", "0 9 * * *"),
    fires(T, "at 9:30pm daily", "30 21 * * *"),
    fires(T, "daily at 17:45", "45 17 * * *"),
    fires(T, "every day at noon", "0 12 * * *"),
    fires(T, "every day at midnight", "0 0 * * *"),
    fires(T, "every day at 9 o'clock", "0 9 * * *"),
    fires(T, "every day at nine o'clock", "0 9 * * *"),
    fires(T, "every day at 12am", "0 0 * * *"),
    fires(T, "every day at 12pm", "0 12 * * *"),
    fires(T, "every day at 12:30am", "30 0 * * *"),
    fires(T, "every day at 7 p.m.", "0 19 * * *"),
    fires(T, "every day at 7 PM", "0 19 * * *"),
    fires(T, "every day at 0:15", "15 0 * * *"),
    fires(T, "every day at 23:59", "59 23 * * *"),
    fires(T, "every day at 9.30am", "30 9 * * *"),
    fires(T, "every day at half past 9", "30 9 * * *"),
    fires(T, "every day at quarter to 5pm", "45 16 * * *"),
    fires(T, "every day at quarter past 8", "15 8 * * *"),
    fires(T, "every day at 12 noon", "0 12 * * *"),
    fires(T, "every day at 9am and 5pm", "0 9,17 * * *"),
    fires(T, "every day at 9am, 1pm and 5pm", "0 9,13,17 * * *"),
    fires(T, "every day at 8 in the morning", "0 8 * * *"),
    fires(T, "every day at 3 in the afternoon", "0 15 * * *"),
    fires(T, "every evening at 7", "0 19 * * *"),
    fires(T, "every day at 5", "0 5 * * *", says="5:00 AM"),
    fires(T, "every day at 17", "0 17 * * *"),
    fires(T, "every day at 7am", "0 7 * * *", tz=SYDNEY),
]

V = "intervals"
INTERVALS = [
    fires(V, "every minute", "* * * * *"),
    fires(V, "every 5 minutes", "*/5 * * * *"),
    fires(V, "every 10 minutes", "*/10 * * * *"),
    fires(V, "every 15 minutes", "*/15 * * * *"),
    fires(V, "every 20 minutes", "*/20 * * * *"),
    fires(V, "every 30 min", "*/30 * * * *"),
    fires(V, "every 15m", "*/15 * * * *"),
    fires(V, "every half hour", "*/30 * * * *"),
    fires(V, "every quarter hour", "*/15 * * * *"),
    fires(V, "every hour", "0 * * * *"),
    fires(V, "hourly", "0 * * * *"),
    fires(V, "every 2 hours", "0 */2 * * *"),
    fires(V, "every 3 hours", "0 */3 * * *"),
    fires(V, "every 6h", "0 */6 * * *"),
    fires(V, "every 12 hours", "0 */12 * * *"),
    fires(V, "every 120 minutes", "0 */2 * * *"),
    fires(V, "every two hours", "0 */2 * * *"),
    fires(V, "every hour at :15", "15 * * * *"),
    fires(V, "hourly at :45", "45 * * * *"),
    fires(V, "every hour at 15 past", "15 * * * *"),
    fires(V, "every hour on the hour", "0 * * * *"),
    fires(V, "every hour at half past", "30 * * * *"),
    fires(V, "every 2 hours at :30", "30 */2 * * *"),
    fires(V, "every 15 minutes on weekdays", "*/15 * * * 1-5"),
    fires(V, "every hour on weekdays", "0 * * * 1-5"),
    fires(V, "every 7 minutes", _ny("2026-03-04T10:01:00", "2026-03-04T10:08:00"), kind="interval"),
    fires(V, "every 25 minutes", _ny("2026-03-04T10:01:00", "2026-03-04T10:26:00")),
    fires(V, "every 45 minutes", _ny("2026-03-04T10:01:00", "2026-03-04T10:46:00")),
    fires(V, "every 90 minutes", _ny("2026-03-04T10:01:00", "2026-03-04T11:31:00")),
    fires(V, "every 1.5 hours", _ny("2026-03-04T10:01:00", "2026-03-04T11:31:00")),
    fires(V, "every 5 hours", _ny("2026-03-04T10:01:00", "2026-03-04T15:01:00")),
    fires(V, "every 5 hours at :30", _ny("2026-03-04T10:30:00", "2026-03-04T15:30:00")),
    fires(V, "every 24 hours", _ny("2026-03-04T10:01:00", "2026-03-05T10:01:00")),
    fires(
        V,
        "every 48 hours",
        ("2026-03-04T10:01:00-05:00", "2026-03-06T10:01:00-05:00", "2026-03-08T11:01:00-04:00"),
    ),
    fires(
        V,
        "every 3 days at 8am",
        _ny("2026-03-05T08:00:00", "2026-03-08T08:00:00", "2026-03-11T08:00:00"),
        kind="interval",
    ),
    fires(
        V,
        "every other day at 9pm",
        _ny("2026-03-04T21:00:00", "2026-03-06T21:00:00", "2026-03-08T21:00:00"),
    ),
    fires(V, "every 2 days", _ny("2026-03-05T09:00:00", "2026-03-07T09:00:00")),
    fires(V, "every 10 minutes", "*/10 * * * *", tz=KOLKATA),
    fires(
        V, "every 7 minutes", ("2026-03-04T10:01:00+05:30", "2026-03-04T10:08:00+05:30"), tz=KOLKATA
    ),
]

M = "monthly-yearly"
MONTHLY = [
    fires(M, "on the 1st of every month at noon", "0 12 1 * *"),
    fires(M, "monthly on the 15th", "0 9 15 * *", says="no time given"),
    fires(M, "monthly on the 15th at 10:30", "30 10 15 * *"),
    fires(M, "every month on the 1st at 8am", "0 8 1 * *"),
    fires(M, "the 1st and 15th of every month at 9am", "0 9 1,15 * *"),
    fires(M, "last day of every month", "0 9 L * *"),
    fires(M, "on the last day of the month at 5pm", "0 17 L * *"),
    fires(M, "at the end of every month at 6pm", "0 18 L * *"),
    fires(M, "every 15th at 10", "0 10 15 * *"),
    fires(M, "the 15th of each month at 9", "0 9 15 * *"),
    fires(M, "on the first of every month at 9", "0 9 1 * *"),
    fires(M, "on the 31st of every month at 9", "0 9 31 * *", says="skipped"),
    fires(M, "on the 15th monthly at 9", "0 9 15 * *"),
    fires(M, "every year on march 3 at 9", "0 9 3 3 *"),
    fires(M, "yearly on dec 25 at 8am", "0 8 25 12 *"),
    fires(M, "annually on 1 jan at midnight", "0 0 1 1 *"),
    fires(M, "every december 24th at 5pm", "0 17 24 12 *"),
    fires(M, "every year on feb 29", "0 9 29 2 *", says="leap years"),
    fires(M, "every year on the 4th of july at noon", "0 12 4 7 *"),
    fires(M, "on the 1st of every month at 9", "0 9 1 * *", tz=SYDNEY),
]

E = "every-other"
EVERY_OTHER = [
    fires(
        E,
        "every other tuesday at 4pm",
        _ny("2026-03-10T16:00:00", "2026-03-24T16:00:00", "2026-04-07T16:00:00"),
        kind="interval",
    ),
    fires(
        E,
        "every other wednesday at 11am",
        _ny("2026-03-04T11:00:00", "2026-03-18T11:00:00", "2026-04-01T11:00:00"),
    ),
    fires(
        E,
        "every other wednesday at 9am",
        _ny("2026-03-11T09:00:00", "2026-03-25T09:00:00", "2026-04-08T09:00:00"),
    ),
    fires(
        E,
        "every 2 weeks on monday at 9",
        _ny("2026-03-09T09:00:00", "2026-03-23T09:00:00", "2026-04-06T09:00:00"),
    ),
    fires(
        E,
        "every 3 weeks on friday at 5pm",
        _ny("2026-03-06T17:00:00", "2026-03-27T17:00:00", "2026-04-17T17:00:00"),
    ),
    fires(
        E,
        "biweekly on thursday at 10am",
        _ny("2026-03-05T10:00:00", "2026-03-19T10:00:00", "2026-04-02T10:00:00"),
    ),
    fires(
        E,
        "fortnightly on mondays at 8:30",
        _ny("2026-03-09T08:30:00", "2026-03-23T08:30:00", "2026-04-06T08:30:00"),
    ),
    fires(
        E,
        "every other week on friday at noon",
        _ny("2026-03-06T12:00:00", "2026-03-20T12:00:00", "2026-04-03T12:00:00"),
    ),
    fires(
        E,
        "every other monday at 9",
        ("2026-03-09T09:00:00+01:00", "2026-03-23T09:00:00+01:00", "2026-04-06T09:00:00+02:00"),
        tz=BERLIN,
    ),
    fires(
        E,
        "every other friday at 5pm",
        ("2026-03-06T17:00:00+11:00", "2026-03-20T17:00:00+11:00", "2026-04-03T17:00:00+11:00"),
        tz=SYDNEY,
    ),
]

L = "relative"
RELATIVE = [
    fires(L, "in 10 minutes", _ny("2026-03-04T10:10:00"), kind="once"),
    fires(L, "in 2 hours", _ny("2026-03-04T12:00:00")),
    fires(L, "in two hours", _ny("2026-03-04T12:00:00")),
    fires(L, "in 1 day", _ny("2026-03-05T10:00:00")),
    fires(L, "in an hour", _ny("2026-03-04T11:00:00")),
    fires(L, "in a minute", _ny("2026-03-04T10:01:00")),
    fires(L, "in half an hour", _ny("2026-03-04T10:30:00")),
    fires(L, "in 90 minutes", _ny("2026-03-04T11:30:00")),
    fires(L, "in 1h30m", _ny("2026-03-04T11:30:00")),
    fires(L, "in 2 hours and 15 minutes", _ny("2026-03-04T12:15:00")),
    fires(L, "in an hour and a half", _ny("2026-03-04T11:30:00")),
    fires(L, "in 45 minutes", _ny("2026-03-04T10:45:00")),
    fires(L, "in 30 seconds", _ny("2026-03-04T10:00:30")),
    fires(L, "30 minutes from now", _ny("2026-03-04T10:30:00")),
    fires(L, "in 3 days", _ny("2026-03-07T10:00:00")),
    fires(L, "in 5 days", _ny("2026-03-09T10:00:00")),
    fires(L, "in 1 week", _ny("2026-03-11T10:00:00")),
    fires(L, "in 2 weeks", _ny("2026-03-18T10:00:00")),
    fires(L, "in 1 month", _ny("2026-04-04T10:00:00")),
    fires(L, "in 120 hours", _ny("2026-03-09T11:00:00")),  # elapsed, across DST
    fires(L, "in 2 days at 9am", _ny("2026-03-06T09:00:00")),
    fires(L, "in 10 minutes", "2026-03-04T10:10:00+05:30", tz=KOLKATA),
    fires(L, "in 2 hours", "2026-03-04T12:00:00+00:00", tz=UTC),
]

A = "dates"
DATES = [
    fires(A, "december 24 at 5pm", "2026-12-24T17:00:00-05:00", kind="once"),
    fires(A, "dec 24", "2026-12-24T09:00:00-05:00", says="no time given"),
    fires(A, "12/24", "2026-12-24T09:00:00-05:00"),
    fires(A, "24/12 at 9am", "2026-12-24T09:00:00-05:00"),
    fires(A, "12/24/2026 at 5pm", "2026-12-24T17:00:00-05:00"),
    fires(A, "2026-12-24 17:00", "2026-12-24T17:00:00-05:00"),
    fires(A, "2026-12-24T17:00", "2026-12-24T17:00:00-05:00"),
    fires(A, "2026-12-24", "2026-12-24T09:00:00-05:00"),
    fires(A, "on dec 24th at 5pm", "2026-12-24T17:00:00-05:00"),
    fires(A, "24 december at 17:00", "2026-12-24T17:00:00-05:00"),
    fires(A, "the 24th of december at 5pm", "2026-12-24T17:00:00-05:00"),
    fires(A, "december 24, 2027 at 5pm", "2027-12-24T17:00:00-05:00"),
    fires(A, "dec 24 2027", "2027-12-24T09:00:00-05:00"),
    fires(A, "march 3 at 9", "2027-03-03T09:00:00-05:00"),
    fires(A, "march 4 at 11am", "2026-03-04T11:00:00-05:00"),
    fires(A, "march 4 at 9am", "2027-03-04T09:00:00-05:00"),
    fires(A, "on 24.12.2026 at 18:00", "2026-12-24T18:00:00-05:00"),
    fires(A, "2026-12-24T17:00+01:00", "2026-12-24T11:00:00-05:00"),
    fires(A, "2026-12-24T17:00Z", "2026-12-24T12:00:00-05:00"),
    fires(A, "feb 29", "2028-02-29T09:00:00-05:00"),
    fires(A, "3-mar-2027 at 9", "2027-03-03T09:00:00-05:00"),  # dateparser fallback
    fires(A, "friday december 25 at 9", "2026-12-25T09:00:00-05:00"),
    fires(A, "july 4th at noon", "2026-07-04T12:00:00-04:00"),
    fires(A, "on the 5th at 9", "2026-03-05T09:00:00-05:00"),
    fires(A, "on the 1st at 9", "2026-04-01T09:00:00-04:00"),
    fires(A, "april 1 at 9am", "2026-04-01T09:00:00-04:00"),
    fires(A, "jan 15", "2027-01-15T09:00:00-05:00"),
    fires(A, "sept 9 at 10am", "2026-09-09T10:00:00-04:00"),
    fires(A, "march the 3rd 2027 at noon", "2027-03-03T12:00:00-05:00"),
    fires(A, "24 december at 17:00", "2026-12-24T17:00:00+01:00", tz=BERLIN),
    fires(A, "25/12 at 8am", "2026-12-25T08:00:00+11:00", tz=SYDNEY),
]

B = "bare-times"
BARE = [
    fires(B, "at 5pm", _ny("2026-03-04T17:00:00"), kind="once"),
    fires(B, "5pm", _ny("2026-03-04T17:00:00")),
    fires(B, "at 9am", _ny("2026-03-05T09:00:00")),
    fires(B, "at 10", _ny("2026-03-05T10:00:00")),  # exactly now: not ahead
    fires(B, "at 10:01", _ny("2026-03-04T10:01:00")),
    fires(B, "at 17:45", _ny("2026-03-04T17:45:00")),
    fires(B, "17:45", _ny("2026-03-04T17:45:00")),
    fires(B, "at noon", _ny("2026-03-04T12:00:00")),
    fires(B, "at midnight", _ny("2026-03-05T00:00:00")),
    fires(B, "by 5pm", _ny("2026-03-04T17:00:00")),
    fires(B, "at 9 in the morning", _ny("2026-03-05T09:00:00")),
    fires(B, "tomorrow at 9", _ny("2026-03-05T09:00:00")),
    fires(B, "tomorrow", _ny("2026-03-05T09:00:00"), says="no time given"),
    fires(B, "today at 5pm", _ny("2026-03-04T17:00:00")),
    fires(B, "tonight", _ny("2026-03-04T20:00:00")),
    fires(B, "tonight at 10", _ny("2026-03-04T22:00:00")),
    fires(B, "at 9 tonight", _ny("2026-03-04T21:00:00")),
    fires(B, "tomorrow morning", _ny("2026-03-05T09:00:00")),
    fires(B, "tomorrow evening at 7", _ny("2026-03-05T19:00:00")),
    fires(B, "this afternoon at 3", _ny("2026-03-04T15:00:00")),
    fires(B, "this evening", _ny("2026-03-04T18:00:00")),
    fires(B, "friday at 3pm", _ny("2026-03-06T15:00:00")),
    fires(B, "next friday at 3pm", _ny("2026-03-06T15:00:00")),
    fires(B, "wednesday at 11am", _ny("2026-03-04T11:00:00")),
    fires(B, "wednesday at 9am", _ny("2026-03-11T09:00:00")),
    fires(B, "next wednesday at 11am", _ny("2026-03-11T11:00:00")),
    fires(B, "on monday at 9", _ny("2026-03-09T09:00:00")),
    fires(B, "sat at 9", _ny("2026-03-07T09:00:00")),
    fires(B, "9am tue", _ny("2026-03-10T09:00:00")),
    fires(B, "wed at 2pm", _ny("2026-03-04T14:00:00")),
    fires(B, "day after tomorrow at 8", _ny("2026-03-06T08:00:00")),
    fires(B, "9 o'clock tomorrow", _ny("2026-03-05T09:00:00")),
    fires(B, "noon tomorrow", _ny("2026-03-05T12:00:00")),
    fires(B, "at 9am", "2026-03-04T09:00:00+00:00", tz=UTC, now="2026-03-04T08:00:00"),
]

Z = "timezones"
ZONES = [
    fires(Z, "every day at 9am ET", "0 9 * * *"),
    fires(Z, "every day at 9am PT", "0 9 * * *", zone="America/Los_Angeles"),
    fires(Z, "every day at 9am pst", "0 9 * * *", zone="America/Los_Angeles"),
    fires(Z, "every day at 9am mt", "0 9 * * *", zone="America/Denver"),
    fires(Z, "every day at 8am central time", "0 8 * * *", zone="America/Chicago"),
    fires(Z, "every day at 8am eastern", "0 8 * * *", tz=BERLIN, zone=NY),
    fires(Z, "every weekday at 9 CET", "0 9 * * 1-5", zone=BERLIN),
    fires(Z, "every day at 9am UTC", "0 9 * * *", zone="UTC"),
    fires(Z, "every day at 9 GMT", "0 9 * * *", zone="UTC"),
    fires(Z, "every day at 9am BST", "0 9 * * *", zone="Europe/London"),
    fires(Z, "every day at 10am AEST", "0 10 * * *", zone=SYDNEY),
    fires(Z, "every day at 9 JST", "0 9 * * *", zone="Asia/Tokyo"),
    fires(Z, "every day at 9am London time", "0 9 * * *", zone="Europe/London"),
    fires(Z, "every day at 9 in Tokyo", "0 9 * * *", zone="Asia/Tokyo"),
    fires(Z, "every monday at 9 AM Berlin", "0 9 * * 1", zone=BERLIN),
    fires(Z, "every day at 9am in New York", "0 9 * * *", tz=KOLKATA, zone=NY),
    fires(Z, "every day at 9am new york time", "0 9 * * *", tz=BERLIN, zone=NY),
    fires(Z, "every day at 9am Europe/Berlin", "0 9 * * *", zone=BERLIN),
    fires(Z, "every day at 9am in america/chicago", "0 9 * * *", zone="America/Chicago"),
    fires(Z, "tomorrow at 9am IST", "2026-03-04T22:30:00-05:00", zone=KOLKATA),
    fires(Z, "at 9am UTC+2", "2026-03-05T02:00:00-05:00", zone="Etc/GMT-2"),
    fires(Z, "in 10 minutes UTC", "2026-03-04T10:10:00-05:00", zone="UTC"),
    fires(Z, "every weekday at 9:30am ET", "30 9 * * 1-5", tz=SYDNEY, zone=NY),
    fires(Z, "every day at 9am ET", "0 9 * * *", tz=KOLKATA, zone=NY),
    fires(Z, "post hi every day at 9am ET", "0 9 * * *", remainder="post hi"),
    fires(Z, "send the London update to #uk every day at 9am", "0 9 * * *", zone=NY),
]

C = "raw-cron"
RAW_CRON = [
    fires(C, "0 9 * * 1-5", "0 9 * * 1-5"),
    fires(C, "@daily", "0 0 * * *"),
    fires(C, "@hourly", "0 * * * *"),
    fires(C, "cron: 0 9 * * *", "0 9 * * *"),
    fires(C, "cron 30 8 * * mon-fri", "30 8 * * 1-5"),
    fires(C, "*/15 9-17 * * 1-5", "*/15 9-17 * * 1-5"),
    fires(C, "0 0 L * *", "0 0 L * *"),
    fires(C, "cron: @weekly", "0 0 * * 0"),
    fires(C, "0 12 1 1 *", "0 12 1 1 *"),
    fires(C, "post the report `0 9 * * 1`", "0 9 * * 1", remainder="post the report"),
    fires(C, "0 9 * * * Europe/London", "0 9 * * *", zone="Europe/London"),
    fires(C, "0 9 * * 1-5", "0 9 * * 1-5", tz=SYDNEY),
]

W = "embedded"
EMBEDDED = [
    fires(
        W,
        "post the standup reminder in #eng every weekday at 9:30am",
        "30 9 * * 1-5",
        remainder="post the standup reminder in #eng",
    ),
    fires(
        W,
        "remind #general to submit timesheets every friday at 4pm",
        "0 16 * * 5",
        remainder="remind #general to submit timesheets",
    ),
    fires(
        W,
        "every monday at 10am post a digest of #support",
        "0 10 * * 1",
        remainder="post a digest of #support",
    ),
    fires(
        W,
        "remind me to stretch in 10 minutes",
        _ny("2026-03-04T10:10:00"),
        remainder="remind me to stretch",
    ),
    fires(
        W,
        "tomorrow at 9 tell #eng the deploy is done",
        _ny("2026-03-05T09:00:00"),
        remainder="tell #eng the deploy is done",
    ),
    fires(
        W,
        'post "good morning" to #random every weekday at 8',
        "0 8 * * 1-5",
        remainder='post "good morning" to #random',
    ),
    fires(
        W,
        "post good evening to #random every day at 7",
        "0 7 * * *",
        remainder="post good evening to #random",
    ),
    fires(
        W,
        "post the 24/7 rota in #ops every monday at 9",
        "0 9 * * 1",
        remainder="post the 24/7 rota in #ops",
    ),
    fires(
        W,
        "at 5pm today remind #eng to go home",
        _ny("2026-03-04T17:00:00"),
        remainder="remind #eng to go home",
    ),
    fires(
        W,
        "post a digest of #support every weekday at 9am ET please",
        "0 9 * * 1-5",
        remainder="post a digest of #support please",
    ),
    fires(
        W,
        "on the 1st of every month at noon, post the invoice reminder in #finance",
        "0 12 1 * *",
        remainder="post the invoice reminder in #finance",
    ),
    fires(W, "ping @oncall every 15 minutes", "*/15 * * * *", remainder="ping @oncall"),
    fires(
        W,
        "every other tuesday at 4pm post the sprint review reminder in #team",
        _ny("2026-03-10T16:00:00"),
        remainder="post the sprint review reminder in #team",
    ),
    fires(
        W,
        "post 'ship it' in #eng on december 24 at 5pm",
        "2026-12-24T17:00:00-05:00",
        remainder="post 'ship it' in #eng",
    ),
    fires(W, "say hi to #berlin every day at 9", "0 9 * * *", remainder="say hi to #berlin"),
    fires(
        W,
        "remind #eng about the 10:30 standup every weekday at 9am",
        "0 9 * * 1-5",
        remainder="remind #eng about the 10:30 standup",
    ),
    fires(
        W,
        "post a very good update every day at 9am",
        "0 9 * * *",
        remainder="post a very good update",
    ),
    fires(
        W,
        "post last friday's numbers every monday at 9",
        "0 9 * * 1",
        remainder="post last friday's numbers",
    ),
    fires(
        W,
        "post this week's metrics every friday at 4pm",
        "0 16 * * 5",
        remainder="post this week's metrics",
    ),
    fires(
        W,
        "post tomorrow's agenda at 5pm",
        _ny("2026-03-04T17:00:00"),
        remainder="post tomorrow's agenda",
    ),
    fires(
        W,
        "post the daily standup reminder every weekday at 9",
        "0 9 * * 1-5",
        remainder="post the daily standup reminder",
    ),
    fires(
        W,
        "post the sale for 5 days tomorrow at 9",
        _ny("2026-03-05T09:00:00"),
        remainder="post the sale for 5 days",
    ),
    fires(
        W,
        "every day at 9am PST and post in #sf",
        "0 9 * * *",
        zone="America/Los_Angeles",
        remainder="post in #sf",
    ),
    fires(
        W,
        "remind me at 5pm to call the London office",
        _ny("2026-03-04T17:00:00"),
        remainder="remind me to call the London office",
    ),
    fires(
        W,
        "Post the weekly metrics in #data every Monday at 9am Berlin time",
        "0 9 * * 1",
        zone=BERLIN,
        remainder="Post the weekly metrics in #data",
    ),
]

D = "dst"
DST = [
    fires(
        D,
        "every day at 2:30am",
        ("2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"),
        now=NY_SPRING,
    ),
    fires(D, "in 2 hours", "2026-03-08T04:00:00-04:00", now=NY_SPRING),
    fires(D, "tomorrow at 9", "2026-03-09T09:00:00-04:00", now=NY_SPRING),
    fires(D, "today at 2:30am", "2026-03-08T03:00:00-04:00", now=NY_SPRING),
    fires(
        D,
        "every hour",
        ("2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00", "2026-03-08T05:00:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        D,
        "every 30 minutes",
        ("2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        D,
        "every 45 minutes",
        ("2026-03-08T01:01:00-05:00", "2026-03-08T01:46:00-05:00", "2026-03-08T03:31:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        D,
        "every 3 days at 2:30am",
        ("2026-03-08T03:00:00-04:00", "2026-03-11T02:30:00-04:00", "2026-03-14T02:30:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        D,
        "every other sunday at 2:30am",
        ("2026-03-08T03:00:00-04:00", "2026-03-22T02:30:00-04:00", "2026-04-05T02:30:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        D,
        "every day at 1:30am",
        ("2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00", "2026-11-03T01:30:00-05:00"),
        now=NY_FALL,
    ),
    fires(
        D,
        "every day at 2:30",
        ("2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"),
        tz=BERLIN,
        now=BERLIN_FALL,
    ),
    fires(D, "in 3 hours", "2026-10-25T03:00:00+01:00", tz=BERLIN, now=BERLIN_FALL),
    fires(D, "in 1 day", "2026-10-26T01:00:00+01:00", tz=BERLIN, now=BERLIN_FALL),
    fires(D, "tomorrow at 9", "2026-10-26T09:00:00+01:00", tz=BERLIN, now=BERLIN_FALL),
    fires(D, "every hour", "0 * * * *", tz=BERLIN, now=BERLIN_FALL),
    fires(
        D,
        "every 90 minutes",
        ("2026-10-25T01:01:00+02:00", "2026-10-25T02:31:00+02:00", "2026-10-25T03:01:00+01:00"),
        tz=BERLIN,
        now=BERLIN_FALL,
    ),
    fires(
        D,
        "every other sunday at 2:30am",
        ("2026-10-25T02:30:00+02:00", "2026-11-08T02:30:00+01:00", "2026-11-22T02:30:00+01:00"),
        tz=BERLIN,
        now=BERLIN_FALL,
    ),
    fires(
        D,
        "every day at 2:30am",
        ("2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00", "2026-04-07T02:30:00+10:00"),
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
    fires(D, "in 2 hours", "2026-04-05T02:00:00+10:00", tz=SYDNEY, now=SYDNEY_FALL),
    fires(
        D,
        "every weekday at 9",
        ("2026-04-06T09:00:00+10:00", "2026-04-07T09:00:00+10:00", "2026-04-08T09:00:00+10:00"),
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
    fires(D, "tomorrow at 9am", "2026-04-06T09:00:00+10:00", tz=SYDNEY, now=SYDNEY_FALL),
    fires(D, "today at 2:30am", "2026-10-04T03:00:00+11:00", tz=SYDNEY, now=SYDNEY_SPRING),
    fires(
        D,
        "every day at 9am ET",
        ("2026-03-08T14:00:00+01:00", "2026-03-09T14:00:00+01:00"),
        tz=BERLIN,
        now="2026-03-08T01:00:00",
        zone=NY,
    ),
]

X = "refusals"
REFUSALS = [
    refuses(X, "banana", "could not find a time", "every weekday at 9am"),
    refuses(X, "", "empty"),
    refuses(X, "   ", "empty"),
    refuses(X, "x" * 4001, "longer than 4000"),
    refuses(X, "yesterday at 5pm", "in the past"),
    refuses(X, "2020-01-01", "in the past"),
    refuses(X, "today at 9am", "in the past", "tomorrow at 9:00 AM"),
    refuses(X, "5 minutes ago", "in the past"),
    refuses(X, "last friday", "in the past"),
    refuses(X, "feb 30", "only 29 days"),
    refuses(X, "31st of april", "only 30 days"),
    refuses(X, "april 31 at 9", "only 30 days"),
    refuses(X, "february 29 2027", "February 2027 has only 28 days"),
    refuses(X, "every year on feb 30", "only 29 days"),
    refuses(X, "at 25:00", "not a time of day"),
    refuses(X, "13pm", "1 to 12"),
    refuses(X, "at 0am", "1 to 12"),
    refuses(X, "at 9:75", "not a time of day"),
    refuses(X, "at 24:00", "not a time of day", "midnight"),
    refuses(X, "every hour at :75", "minutes run from 00 to 59"),
    refuses(X, "every 10 seconds", "more often than once a minute", "every minute"),
    refuses(X, "every 30s", "more often than once a minute"),
    refuses(X, "every second", "more often than once a minute"),
    refuses(X, "every 0.5 minutes", "more often than once a minute"),
    refuses(X, "every 0 minutes", "at least 1"),
    refuses(X, "every 0 hours", "at least 1"),
    refuses(X, "every 2 weeks", "which day", "every other monday"),
    refuses(X, "weekly", "which day"),
    refuses(X, "monthly", "which day", "monthly on the 1st"),
    refuses(X, "every year", "which date"),
    refuses(X, "every 2 months on the 1st", "can't repeat"),
    refuses(X, "quarterly", "can't repeat"),
    refuses(X, "the first monday of every month", "can't schedule"),
    refuses(X, "last friday of the month at 5pm", "can't schedule"),
    refuses(X, "every day except weekends", "leave days out"),
    refuses(X, "twice a day", "spelled out", "9am and 5pm"),
    refuses(X, "next week", "too vague"),
    refuses(X, "3/4", "could be March 4 or April 3", "month name"),
    refuses(X, "evry day at 9am", "typo", 'did you mean "every day at 9am"?'),
    refuses(X, "tommorow at 9", "typo", "tomorrow at 9"),
    refuses(X, "every wendesday at 10", "typo", "every wednesday at 10"),
    refuses(X, "every weekday at 9:30am and 4pm", "minutes differ", "two schedules"),
    refuses(X, "every 7 minutes on weekdays", "can't be limited"),
    refuses(X, "friday december 24 at 9", "is a Thursday"),
    refuses(X, "every monday at 9 and every friday at 5", "twice"),
    refuses(X, "tomorrow at 9 and every monday", "don't go together"),
    refuses(X, "0 9 * * * *", "6-field"),
    refuses(X, "cron: 61 * * * *", "outside 0-59"),
    refuses(X, "0 0 30 2 *", "never fires"),
    refuses(X, "every day at 9am ET and 3pm CET", "more than one timezone"),
    refuses(X, "at 9am UTC+5:30", "whole-hour"),
    refuses(X, "in 200 years", "hundred years"),
    refuses(X, "in 2 hours at 5pm", "already says the time"),
    refuses(X, "next monday and tuesday at 9", "more than one day"),
    refuses(X, "at :15", "only goes with every hour"),
    refuses(X, "every 30 minutes between 9 and 5", "window", "*/30 9-16"),
    refuses(X, "every day at 9am for 5 days", "can't stop a schedule"),
    refuses(X, "every monday at 9am starting next week", "too vague"),
    refuses(X, "every day at 9", "unknown timezone", tz="Mars/Base"),
    refuses(X, "today at 9am", "in the past", tz=BERLIN),
    refuses(X, "yesterday", "in the past", tz=KOLKATA),
]

PHRASES: list[Case] = [
    *RECURRING,
    *TIMES,
    *INTERVALS,
    *MONTHLY,
    *EVERY_OTHER,
    *RELATIVE,
    *DATES,
    *BARE,
    *ZONES,
    *RAW_CRON,
    *EMBEDDED,
    *DST,
    *REFUSALS,
]
