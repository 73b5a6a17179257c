"""What a phrase-table case says and how it is checked (`phrases`, `spoken`).

Each case says what a phrase must do, checked against fire times, never
against cron text: either `runs` (the first fire instants, ISO in the
caller's zone) or `cron` (an equivalent expression whose next three fire
times, in the trigger's zone, must match). Refusals name a fragment of the
message (and of the hint, where one matters). Questions (`asks`) name a
fragment of the question and the labels of the readings; each reading's
text must then parse without a question, and to `whens` when given.

The default caller is America/New_York at Wed 2026-03-04 10:00 (EST, four
days before the spring-forward change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.triggers import CronTrigger, upcoming
from tools.timeparse import Ambiguous, ParsedWhen, ParseError, parse_when

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
    asks: tuple[str, ...] = ()  # the labels of the readings offered
    whens: tuple[str, ...] = ()  # the texts of those readings
    note: str | None = None  # a fragment of one of the notes
    only: bool = False  # `runs` are all the runs: the schedule then ends

    @property
    def id(self) -> str:
        where = "" if (self.tz, self.now) == (NY, NOW) else f"@{self.tz.split('/')[-1]}{self.now}"
        return f"{self.group}:{self.text[:60]}{where}"

    def now_at(self) -> datetime:
        zone = ZoneInfo("UTC") if self.tz == "Mars/Base" else ZoneInfo(self.tz)
        return datetime.fromisoformat(self.now).replace(tzinfo=zone)


def ny(*wall: str) -> tuple[str, ...]:
    """ISO instants for New York wall times in 2026 (EDT from March 8 to November 1)."""
    return tuple(
        w + ("-04:00" if "2026-03-08T03" <= w < "2026-11-01T02" else "-05:00") for w in wall
    )


def fires(group: str, text: str, expect: str | tuple[str, ...], **kw: object) -> Case:
    """A case that must parse: `expect` is a cron expression or fire times."""
    if isinstance(expect, str) and "T" not in expect:
        kw.setdefault("kind", "cron")
        return Case(group, text, cron=expect, **kw)  # type: ignore[arg-type]
    runs = (expect,) if isinstance(expect, str) else expect
    return Case(group, text, runs=runs, **kw)  # type: ignore[arg-type]


def refuses(group: str, text: str, error: str, hint: str | None = None, **kw: object) -> Case:
    return Case(group, text, error=error, hint=hint, **kw)  # type: ignore[arg-type]


def asks(group: str, text: str, question: str, *labels: str, **kw: object) -> Case:
    """A case that must be a question (`Ambiguous`) offering these readings."""
    return Case(group, text, error=question, asks=labels, **kw)  # type: ignore[arg-type]


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
    if bool(case.asks) != isinstance(exc, Ambiguous):
        return f"expected {'a question' if case.asks else 'a refusal'}, got {exc.to_json()}"
    return _check_question(case, exc) if isinstance(exc, Ambiguous) else None


def _check_question(case: Case, exc: Ambiguous) -> str | None:
    labels = tuple(option.label for option in exc.options)
    if labels != case.asks:
        return f"readings {labels} != {case.asks}"
    whens = tuple(option.when for option in exc.options)
    if case.whens and whens != case.whens:
        return f"reading texts {whens} != {case.whens}"
    for when in whens:
        try:
            parse_when(when, case.tz, case.now_at())
        except ParseError as again:
            return f"reading {when!r} does not parse plainly: {again.message}"
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
    if got[: len(expected)] != expected or (case.only and got != expected):
        problems.append(f"runs {got if case.only else got[: len(expected)]} != {expected}")
    if case.remainder is not None and result.remainder != case.remainder:
        problems.append(f"remainder {result.remainder!r} != {case.remainder!r}")
    if case.says is not None and case.says not in result.description:
        problems.append(f"description {result.description!r} lacks {case.says!r}")
    if case.note is not None and not any(case.note in note for note in result.notes):
        problems.append(f"notes {result.notes!r} lack {case.note!r}")
    if case.note is None and result.notes:
        problems.append(f"unexpected notes {result.notes!r}")
    return "; ".join(problems) or None


def _cron_runs(case: Case, zone: str) -> list[str]:
    caller = ZoneInfo(case.tz)
    runs = upcoming(CronTrigger(case.cron or "", zone), case.now_at(), 3)
    return [run.astimezone(caller).isoformat() for run in runs]
