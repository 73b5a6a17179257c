"""The scanning state: the working text, what was found in it, and what is left.

`Scanner` holds a copy of the text whose quoted parts (message text) and
already-read spans are blanked, so no recognizer reads a phrase twice, and
the `Parts` found so far. `note` records each category's phrase (and where
it is, for rewriting it in a question) and refuses a category found twice;
`COMBOS` lists the categories that make sense together. Start, end and count
(`Bounds`) go with any repeating schedule, so they are not categories.
`remainder` is the text with every taken span cut out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import islice

from tools.timeparse.patterns import QUOTED
from tools.timeparse.results import ParseError

_CATEGORY_NAMES = {
    "cron": "a cron expression", "step": "a repeat every few minutes or hours",
    "hourmin": "a minute past the hour", "daily": "every day", "days": "every few days",
    "weeks": "every few weeks", "dows": "days of the week", "weekday": "a weekday",
    "monthly": "monthly", "monthdays": "a day of the month", "yearly": "yearly",
    "date": "a date", "relative": "a relative time", "time": "a time of day",
    "period": "a part of the day", "nth": "a weekday of the month", "months": "months",
    "window": "a window of the day", "per": "a number of times",
}  # fmt: skip
COMBOS = (
    frozenset({"cron"}),
    frozenset({"step", "dows", "hourmin", "daily", "window"}),
    frozenset({"daily", "dows", "time", "period", "per"}),
    frozenset({"weeks", "dows", "time", "period", "per"}),
    frozenset({"days", "time", "period"}),
    frozenset({"monthly", "monthdays", "time", "period", "per"}),
    frozenset({"monthly", "nth", "months", "yearly", "time", "period", "per"}),
    frozenset({"yearly", "date", "time", "period"}),
    frozenset({"date", "weekday", "time", "period"}),
    frozenset({"monthdays", "time", "period"}),
    frozenset({"relative", "time", "period"}),
)


@dataclass
class Relative:
    months: int = 0
    days: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class SaidTime:
    """A time of day as written. `flexible`: a bare hour 1-11 without am/pm (or a
    leading zero), which `instants.settle` settles; `said`/`span`: the phrase."""

    hour: int
    minute: int
    flexible: bool = False
    span: tuple[int, int] = (-1, -1)
    said: str = ""


@dataclass(frozen=True)
class DaySpec:
    """A day a bound names, resolved against today by `bounds`: one field is set."""

    date: tuple[int | None, int, int] | None = None  # (year, month, day)
    offset: int | None = None  # days after today
    weekday: tuple[int, bool] | None = None  # (cron day, strictly after today)
    month_day: int | None = None  # the next such day of a month
    month_end: int | None = None  # the last day of that month (0: this month)
    year_end: bool = False
    strong: bool = True  # False for a bare weekday, which "from" alone does not take


@dataclass
class Bounds:
    """Start, end and count: "starting next monday", "until friday", "6 times"."""

    start: DaySpec | None = None
    end: DaySpec | None = None
    length: tuple[float, str] | None = None  # "for the next 2 weeks": (2, "weeks")
    count: int | None = None
    phrases: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


NthDay = tuple[int | None, int]  # (cron weekday, or None for Monday-Friday; 1..5, -1 last, -2)


@dataclass
class Parts:
    """What the recognizers found; `seen` maps each category to its phrase and
    `where` to its span."""

    seen: dict[str, str] = field(default_factory=dict)
    where: dict[str, tuple[int, int]] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)
    zone: str | None = None
    cron: str | None = None
    step: int | None = None  # minutes
    minute_of_hour: int | None = None
    days: int | None = None
    weeks: int | None = None
    dows: frozenset[int] | None = None  # cron numbering, Sunday = 0
    once_dow: tuple[int, bool] | None = None  # (day, strictly after today)
    month_days: tuple[int | str, ...] = ()
    date: tuple[int | None, int, int] | None = None  # (year, month, day)
    day_offset: int | None = None
    offset: tzinfo | None = None  # an ISO time's own UTC offset
    relative: Relative | None = None
    times: list[SaidTime] = field(default_factory=list)
    period: str | None = None
    plural_period: bool = False
    nth: tuple[NthDay, ...] = ()
    nth_months: tuple[int, ...] = ()
    nth_reading: str = ""  # "monthly", "months", "once", "next", "this" or "bare"
    window: tuple[SaidTime, SaidTime] | None = None
    per: int | None = None  # "twice a day": 2
    bounds: Bounds = field(default_factory=Bounds)


class Scanner:
    """Runs the recognizers over a working copy whose used spans are blanked."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Quoted text is the message; \x1f is neither a word char nor \s.
        self.work = QUOTED.sub(lambda m: "\x1f" * len(m.group()), text)
        self.parts = Parts()

    def take(self, match: re.Match[str], group: int | str = 0) -> None:
        self.take_span(*match.span(group))

    def take_span(self, start: int, end: int) -> None:
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]
        self.parts.spans.append((start, end))

    def found(self, pattern: re.Pattern[str], limit: int = 6) -> list[re.Match[str]]:
        # Capped: a 4,000-char wall of "every day" must not cost more than a few.
        return list(islice(pattern.finditer(self.work), limit))

    def note(self, category: str, match: re.Match[str]) -> None:
        phrase = phrase_of(match)
        if category in self.parts.seen and category != "time":
            first = self.parts.seen[category]
            raise ParseError(
                f'I found {_CATEGORY_NAMES[category]} twice: "{first}" and "{phrase}"',
                "keep one, or make two schedules",
            )
        self.parts.seen.setdefault(category, phrase)
        self.parts.where.setdefault(category, match.span())


def plain(text: str) -> str:
    """Map unicode spaces and curly apostrophes one-for-one, keeping offsets."""
    chars = [" " if c.isspace() else c for c in text]
    return "".join(chars).replace("’", "'")


def phrase_of(match: re.Match[str]) -> str:
    """What `match` read, with its whitespace collapsed: how refusals quote it."""
    return " ".join(match.group().split())


def remainder(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        keep[start:end] = [False] * (end - start)
    rest = "".join(c if k else " " for c, k in zip(plain(text), keep, strict=True))
    rest = " ".join(rest.split())
    rest = re.sub(r"\s+([,.;:!?])", r"\1", rest)
    rest = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", rest)
    rest = " ".join(re.sub(r"`\s*`", " ", rest).split())  # an emptied `cron`
    rest = rest.strip(" ,;:-–—")
    # A connective stranded by the cut: "every day at 9am and post ..." -> "post ...".
    return re.sub(r"^(?:and|then)\s+|\s+(?:and|then)$", "", rest, flags=re.I)
