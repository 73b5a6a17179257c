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
- `next_runs` holds the next 5 fire times (1 for a one-off) in `tz`.
- Text over 4,000 characters is refused; nothing but ParseError escapes.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler import cron
from scheduler.errors import CronError, TriggerError
from scheduler.triggers import (
    AnyTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    wall_to_instant,
)

MAX_CHARS = 4000
RUN_COUNT = 5
DEFAULT_TIME = (9, 0)
PERIODS = {"morning": (9, 0), "afternoon": (13, 0), "evening": (18, 0), "night": (20, 0)}
EXAMPLES = 'try "every weekday at 9am", "tomorrow at 3pm" or "in 10 minutes"'

# --------------------------------------------------------------------------- results


class ParseError(ValueError):
    """The text has no usable time; `message` says why, `hint` what to try."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "hint": self.hint}


@dataclass(frozen=True)
class ParsedWhen:
    trigger: AnyTrigger
    description: str
    next_runs: list[datetime]
    remainder: str

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.trigger.kind, **_trigger_json(self.trigger)}
        data["timezone"] = self.trigger.timezone
        data["description"] = self.description
        data["next_runs"] = [run.isoformat() for run in self.next_runs]
        data["remainder"] = self.remainder
        return data


def _trigger_json(trigger: AnyTrigger) -> dict[str, Any]:
    if isinstance(trigger, CronTrigger):
        return {"cron": trigger.expr}
    if isinstance(trigger, OnceTrigger):
        return {"at": trigger.at.isoformat()}
    interval = {"every": trigger.every, "unit": trigger.unit, "anchor": trigger.anchor.isoformat()}
    return {"interval": interval}


def parse_when_json(text: str, tz: str, now: datetime) -> dict[str, Any]:
    """`parse_when(...).to_json()`, or `{"error", "hint"}` when it is refused."""
    try:
        return parse_when(text, tz, now).to_json()
    except ParseError as exc:
        return exc.to_json()


# --------------------------------------------------------------------------- patterns

_FLAGS = re.IGNORECASE | re.ASCII


def _rx(pattern: str, flags: int = _FLAGS) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty five": 45, "forty-five": 45,
    "sixty": 60, "ninety": 90, "other": 2, "couple of": 2, "a couple of": 2,
    "half": 0.5, "half an": 0.5, "half a": 0.5, "quarter": 0.25, "a quarter": 0.25,
}  # fmt: skip
# A count and its trailing space: digits may touch the unit ("15m"), words
# may not (else "and" reads as "an d", one day).
_AMOUNT = (
    r"(?:[0-9]{1,7}(?:\.[0-9]{1,3})?(?:st|nd|rd|th)?\s*|\b(?:a\s+couple\s+of|couple\s+of"
    r"|half\s+an?|a\s+quarter|forty[- ]five|eleven|twelve|fifteen|twenty|thirty|sixty|ninety"
    r"|single|other|half|quarter|one|two|three|four|five|six|seven|eight|nine|ten|an|a)\s+)"
)
_UNIT = (
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|mos?"
    r"|years?|yrs?|s|m|h|d|w|y)(?![a-z])"
)
_UNIT_NAMES = {
    "s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes", "h": "hours",
    "hr": "hours", "d": "days", "w": "weeks", "wk": "weeks", "mo": "months", "y": "years",
    "yr": "years", "second": "seconds", "minute": "minutes", "hour": "hours", "day": "days",
    "week": "weeks", "month": "months", "year": "years",
}  # fmt: skip
_DAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday|s)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\b\.?"
)
_WEEKPART = (
    r"(?:weekend\s+days|week\s?ends?|week\s?days?|work\s?days?|working\s+days"
    r"|business\s+days?)\b"
)
_RANGE = r"\s*(?:-|–|—|\bto\b|\bthrough\b|\bthru\b|\btill\b|\buntil\b)\s*"
_MONTH_NAMES = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH = rf"(?P<mon>{_MONTH_NAMES})\b\.?"
_NOT_TIME = r"(?!\s*(?:[ap]\.?m\b|[:.][0-9]|o'?clock))"
_YEAR = r"(?:\s*,?\s*(?P<y>(?:19|20|21)[0-9]{2})\b)?"
_ORD_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORD_ITEM = r"(?:[0-9]{1,2}(?:st|nd|rd|th)?|last(?:\s+day)?|" + "|".join(_ORD_WORDS) + ")"
_ORD_SEP = r"\s*(?:,\s*(?:and\s+)?|\band\s+|&\s*)(?:the\s+)?"
_ORD_LIST = rf"{_ORD_ITEM}(?:{_ORD_SEP}{_ORD_ITEM}){{0,30}}"
_NUM_ORD = r"[0-9]{1,2}(?:st|nd|rd|th)"
_MER = r"(?P<mer>[ap]\.?m\.?)(?![a-z0-9])"
_HOUR_WORDS = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve".split(), 1)}  # fmt: skip

_QUOTED = _rx(r"\"[^\"\n]{0,400}\"|“[^”\n]{0,400}”|‘[^’\n]{0,400}’|(?<![\w'])'[^'\n]{1,400}'(?!\w)")
_CRON_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)"
_CRON_FIELD = (
    rf"(?:[0-9*?][0-9a-z*?,/#-]*|{_CRON_NAME}(?:[-,/](?:{_CRON_NAME}|[0-9]+))*|L)(?![^\s`])"
)
_CRON_PREFIXED = _rx(rf"\bcron\s*:?\s*(?P<expr>@[a-z]+|{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{0,6}})")
_CRON_BARE = _rx(rf"(?<![^\s`])(?P<expr>{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{4,5}})")
_CRON_MACRO = _rx(
    r"(?<![\w@])(?P<expr>@(?:yearly|annually|monthly|weekly|daily|midnight|hourly))\b"
)

_NTH_WEEKDAY = _rx(
    r"\b(?P<every>(?:every|each)\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth|last"
    rf"|1st|2nd|3rd|4th|5th)\s+{_DAY}(?P<month>\s+(?:of|in)\s+(?:every|each|the|a)\s+month\b)?"
)
_EXCEPT = _rx(
    rf"\b(?:except|excluding|but\s+not|other\s+than)\s+(?:on\s+)?(?:{_DAY}|{_WEEKPART}|holidays?)"
)
_TWICE = _rx(
    r"\b(?:twice|three\s+times|[0-9]{1,3}\s+times)\s+(?:a|an|per|each|every)\s+"
    r"(?:day|week|month|hour)\b|\btwice\s+(?:daily|weekly|monthly)\b"
)
_WINDOW = _rx(
    r"\b(?:between|from)\s+[0-9]{1,2}(?::[0-9]{2})?\s*(?:[ap]\.?m\.?)?\s*(?:and|to|till|until|-|–)"
    r"\s*[0-9]{1,2}(?::[0-9]{2})?\s*(?:[ap]\.?m\.?)?(?![0-9])"
)
_COUNT_LIMIT = _rx(
    r"\bfor\s+(?:the\s+next\s+)?(?:[0-9]{1,4}|a|an|one|two|three|four|five|six|seven|eight"
    r"|nine|ten)\s+(?:days?|weeks?|months?|years?|times|runs)\b"
)
_QUARTERLY = _rx(r"\b(?:quarterly|semi-?annually|bi-?annually|bi-?monthly)\b")
_VAGUE = _rx(r"\b(?:next|this|coming)\s+(?:week|month|year|weekend)\b(?!')")
_AGO = _rx(rf"(?<![a-z0-9.]){_AMOUNT}{_UNIT}\s+ago\b")

_ISO = _rx(
    r"(?:\bon\s+)?(?<![0-9])(?P<y>[0-9]{4})[-/](?P<mo>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"
    r"(?:(?:T|\s+(?:at\s+)?)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})"
    r"(?:\.[0-9]{1,6})?)?(?P<off>Z\b|[+-][0-9]{2}(?::?[0-9]{2})?)?)?(?![0-9])"
)
_REL_PIECE = rf"(?P<n>{_AMOUNT}){_UNIT}(?P<half>\s+and\s+a\s+half)?"
_REL_BODY = rf"{_AMOUNT}{_UNIT.replace('?P<unit>', '?:')}(?:\s+and\s+a\s+half)?"
_RELATIVE = _rx(
    rf"\b(?:in|after)\s+(?P<body>{_REL_BODY}(?:\s*(?:,\s*|and\s+)?{_REL_BODY}){{0,3}})"
    rf"|\b(?P<body2>{_REL_BODY}(?:\s*(?:,\s*|and\s+)?{_REL_BODY}){{0,3}})\s+from\s+now\b"
)
_REL_ITEM = _rx(_REL_PIECE)

_DATE_MD = _rx(
    rf"(?<![\w#@])(?:(?P<every>every|each)\s+)?(?:on\s+)?(?:the\s+)?{_MONTH}\s+(?:the\s+)?"
    rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b{_NOT_TIME}{_YEAR}"
)
_DATE_DM = _rx(
    rf"(?<![\w#@/.:-])(?:(?P<every>every|each)\s+)?(?:on\s+)?(?:the\s+)?(?P<d>[0-9]{{1,2}})"
    rf"(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?{_MONTH}{_YEAR}"
)
_DATE_NUMERIC = _rx(
    r"(?:\bon\s+)?(?<![\w/.:-])(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})(?:/(?P<y>[0-9]{4}|[0-9]{2}))?"
    r"(?![\w/])"
)
_DATE_DOTTED = _rx(
    r"(?:\bon\s+)?(?<![\w/.:-])(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})(?![\w.])"
)
# Found as a run, then checked for "of every month" after it: a regex that
# demanded the suffix would rescan the run from every start (quadratic).
_ORD_RUN = _rx(rf"(?<![\w#@])(?:on\s+)?(?:the\s+)?(?P<list>{_ORD_LIST})(?:\s+days?)?\b")
_OF_MONTH = _rx(r"\s+of\s+(?:every|each|the)\s+month\b")
_MONTH_END = _rx(r"(?:\bat\s+)?(?:\bthe\s+)?\bend\s+of\s+(?:every|each|the)\s+month\b")
_MONTHLY_ON = _rx(
    r"\b(?:monthly|every\s+month|each\s+month)\s*,?\s*on\s+(?:the\s+)?"
    rf"(?P<list>{_ORD_LIST})(?:\s+days?)?(?:\s+of\s+the\s+month)?\b"
)
_EVERY_ORD = _rx(
    rf"\bevery\s+(?:the\s+)?(?P<list>{_NUM_ORD})\b"
    r"(?!\s+(?:days?|weeks?|months?|hours?|minutes?|years?)\b)(?:\s+(?:day\s+)?of\s+the\s+month\b)?"
)
_ORD_ONCE = _rx(rf"(?<![\w#@])(?:on\s+)?the\s+(?P<list>{_NUM_ORD}(?:{_ORD_SEP}{_NUM_ORD})*)\b")
_EVERY_MORE = _rx(rf"\s*(?:,\s*|and\s+)?(?P<n>{_AMOUNT}){_UNIT}")
_EVERY = _rx(rf"\b(?:every|each)\s+(?P<n>{_AMOUNT})?{_UNIT}")
# "daily" is an adjective in "the daily standup": it counts only before a
# time word, a connective or the end, never before another noun.
_ADVERB = _rx(
    r"\b(?P<w>hourly|daily|nightly|weekly|bi-?weekly|fortnightly|monthly|yearly|annually"
    r"|everyday)\b(?=\s*(?:$|[^\sa-z]|(?:at|on|in|to|into|from|starting|by|around|about|and"
    rf"|until|till|for|please|except|between|before|after|noon|midnight|{_DAY}|{_WEEKPART})\b))"
)
_PERIOD = _rx(
    r"(?P<pre>\b(?:in\s+the|this|every|each|tomorrow|today|tmrw|weekday|weekdays|weekend"
    rf"|weekends|{_DAY})\s+)?\b(?P<p>morning|afternoon|evening|night)(?P<pl>s)?\b"
    r"|\bat\s+(?P<night>night)\b"
)
_RELDAY = _rx(
    r"\b(?:on\s+)?(?:the\s+)?(?P<w>day\s+after\s+tomorrow|day\s+before\s+yesterday|today"
    r"|tonight|tomorrow|tmrw|tmr|yesterday)\b(?!')"
)
_DAY_ITEM = rf"(?:{_WEEKPART}|{_DAY}(?:{_RANGE}{_DAY})?)"
_DAY_SEP = r"\s*(?:,\s*(?:and\s+|&\s*)?|/|&|\+|\band\b)\s*(?:(?:every|each|on)\s+)?"
_DAYSET = _rx(
    r"(?<![#@\w])(?:(?P<pre>every\s+other|every\s+single|every|each|on|next|this|coming|last)"
    rf"\s+)?(?P<days>{_DAY_ITEM}(?:{_DAY_SEP}{_DAY_ITEM})*)"
)
_AT_NEXT = _rx(r"\s*(?:at\b|@|[0-9]|noon\b|midnight\b)")
_TIME_BEFORE = _rx(r"(?:[0-9]|[ap]\.?m\.?|noon|midnight)\s*(?:on\s+)?$")
_DAY_PART = _rx(rf"(?P<wp>{_WEEKPART})|(?P<a>{_DAY})(?:{_RANGE}(?P<b>{_DAY}))?")

_TIME_HALF = _rx(
    r"(?:\bat\s+)?\b(?P<q>half|quarter|[0-9]{1,2})(?:\s+minutes?)?\s+(?P<dir>past|after|to|before)"
    rf"\s+(?P<h>[0-9]{{1,2}})(?![0-9:])(?:\s*{_MER})?"
)
_TIME_AMPM = _rx(
    r"(?:(?:\bat|@|\bby|\baround)\s*)?(?<![0-9:.])\b(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?"
    rf"\s*{_MER}"
)
_TIME_OCLOCK = _rx(
    r"(?:\bat\s+)?\b(?P<h>[0-9]{1,2}|" + "|".join(_HOUR_WORDS) + r")\s*o'?\s*clock\b"
)
_TIME_NOON = _rx(r"(?:\bat\s+)?(?:\b12\s+)?\b(?P<w>noon|midday|mid-day|midnight)\b")
_TIME_AT = _rx(
    r"(?:\bat|@)\s*(?P<h>[0-9]{1,2})(?:[:.h](?P<m>[0-9]{2}))?(?:\s*hours\b)?"
    r"(?![0-9]|[:./][0-9])"
)
_TIME_COLON = _rx(r"(?<![0-9:.])\b(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::00)?(?![0-9]|:[0-9])")
_TIME_MORE = _rx(
    r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?"
    rf"(?:\s*{_MER})?(?![0-9:/])"
)
_HOURMIN = _rx(
    r"(?:\bat\s+)?(?<![0-9]):(?P<m>[0-9]{2})\b"
    r"|(?:\bat\s+)?\b(?P<m2>[0-9]{1,2}|quarter|half)\s+(?:minutes?\s+)?(?:past|after)"
    r"(?:\s+(?:the|each|every)\s+hour)?\b(?!\s*[0-9])"
    r"|\bon\s+the\s+hour\b"
)
_MONTH_WORD = _rx(rf"\b(?:{_MONTH_NAMES})\b")
_TOKEN = _rx(r"\S+")
_ASCII_WORD = _rx(r"\b[a-z]{3,12}\b")

# --------------------------------------------------------------------------- zones

_NY, _LA, _CHI, _DEN = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Denver",
)
_ABBREVIATIONS = {
    "ET": _NY, "EST": _NY, "EDT": _NY, "PT": _LA, "PST": _LA, "PDT": _LA, "CT": _CHI,
    "CST": _CHI, "CDT": _CHI, "MT": _DEN, "MST": _DEN, "MDT": _DEN, "UTC": "UTC",
    "GMT": "UTC", "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "BST": "Europe/London",
    "IST": "Asia/Kolkata", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "SGT": "Asia/Singapore", "HKT": "Asia/Hong_Kong",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland", "EET": "Europe/Athens",
}  # fmt: skip
_PLACES = {
    "eastern": _NY, "pacific": _LA, "central": _CHI, "mountain": _DEN,
    "new york": _NY, "nyc": _NY, "boston": _NY, "toronto": "America/Toronto",
    "san francisco": _LA, "los angeles": _LA, "seattle": _LA, "vancouver": "America/Vancouver",
    "chicago": _CHI, "austin": _CHI, "denver": _DEN, "phoenix": "America/Phoenix",
    "mexico city": "America/Mexico_City", "sao paulo": "America/Sao_Paulo",
    "london": "Europe/London", "dublin": "Europe/Dublin", "lisbon": "Europe/Lisbon",
    "berlin": "Europe/Berlin", "paris": "Europe/Paris", "madrid": "Europe/Madrid",
    "rome": "Europe/Rome", "amsterdam": "Europe/Amsterdam", "brussels": "Europe/Brussels",
    "zurich": "Europe/Zurich", "vienna": "Europe/Vienna", "stockholm": "Europe/Stockholm",
    "oslo": "Europe/Oslo", "copenhagen": "Europe/Copenhagen", "helsinki": "Europe/Helsinki",
    "warsaw": "Europe/Warsaw", "prague": "Europe/Prague", "athens": "Europe/Athens",
    "istanbul": "Europe/Istanbul", "moscow": "Europe/Moscow", "dubai": "Asia/Dubai",
    "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "kolkata": "Asia/Kolkata",
    "singapore": "Asia/Singapore", "hong kong": "Asia/Hong_Kong", "shanghai": "Asia/Shanghai",
    "beijing": "Asia/Shanghai", "tokyo": "Asia/Tokyo", "seoul": "Asia/Seoul",
    "sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne",
    "auckland": "Pacific/Auckland", "honolulu": "Pacific/Honolulu",
}  # fmt: skip
_ZONE_WORDS = {**{k.lower(): v for k, v in _ABBREVIATIONS.items()}, **_PLACES}
_ZONE_ALT = "|".join(
    name.replace(" ", r"\s+") for name in sorted(_ZONE_WORDS, key=len, reverse=True)
)
_ZONE_OFFSET = _rx(
    r"(?<![\w#@])(?:in\s+)?\b(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<h>[0-9]{1,2})"
    r"(?::?(?P<m>[0-9]{2}))?(?![0-9])"
)
_ZONE_IANA = _rx(
    r"(?<![\w#@/])(?:in\s+)?(?P<z>[a-z]+(?:[_-][a-z]+)*/[a-z0-9]+(?:[_+-][a-z0-9]+)*"
    r"(?:/[a-z_]+)?)(?:\s+time)?(?![\w/])"
)
_ZONE_AFTER_TIME = _rx(
    r"(?:[0-9]|[ap]\.?m\.?|noon|midnight|o'?clock|morning|afternoon|evening|night|tonight)"
    rf"\s*,?\s*(?P<span>(?:in\s+)?(?P<z>{_ZONE_ALT})(?:\s+time)?)(?![\w/])"
)
_ZONE_TIME_WORD = _rx(rf"(?<![\w#@])(?:in\s+)?(?P<z>{_ZONE_ALT})\s+time\b")
_ZONE_UPPER = re.compile(
    r"(?<![\w#@])(?:in\s+)?(?P<z>"
    + "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])",
    re.ASCII,
)
_ZONE_ANY = _rx(r"(?<![\w#@])(?:in\s+)?(?P<z>utc|gmt)(?![\w+-])")

# --------------------------------------------------------------------------- parts

_CATEGORY_NAMES = {
    "cron": "a cron expression", "step": "a repeat every few minutes or hours",
    "hourmin": "a minute past the hour", "daily": "every day", "days": "every few days",
    "weeks": "every few weeks", "dows": "days of the week", "weekday": "a weekday",
    "monthly": "monthly", "monthdays": "a day of the month", "yearly": "yearly",
    "date": "a date", "relative": "a relative time", "time": "a time of day",
    "period": "a part of the day",
}  # fmt: skip
_COMBOS = (
    frozenset({"cron"}),
    frozenset({"step", "dows", "hourmin", "daily"}),
    frozenset({"daily", "dows", "time", "period"}),
    frozenset({"weeks", "dows", "time", "period"}),
    frozenset({"days", "time", "period"}),
    frozenset({"monthly", "monthdays", "time", "period"}),
    frozenset({"yearly", "date", "time", "period"}),
    frozenset({"date", "weekday", "time", "period"}),
    frozenset({"monthdays", "time", "period"}),
    frozenset({"relative", "time", "period"}),
)


@dataclass
class _Relative:
    months: int = 0
    days: int = 0
    seconds: float = 0.0


@dataclass
class _Parts:
    """What the recognizers found; `seen` maps each category to its phrase."""

    seen: dict[str, str] = field(default_factory=dict)
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
    relative: _Relative | None = None
    times: list[tuple[int, int, bool]] = field(default_factory=list)  # (h, m, am/pm unsaid)
    period: str | None = None
    plural_period: bool = False


class _Scanner:
    """Runs the recognizers over a working copy whose used spans are blanked."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Quoted text is the message; \x1f is neither a word char nor \s.
        self.work = _QUOTED.sub(lambda m: "\x1f" * len(m.group()), text)
        self.parts = _Parts()

    def take(self, match: re.Match[str], group: int | str = 0) -> None:
        self.take_span(*match.span(group))

    def take_span(self, start: int, end: int) -> None:
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]
        self.parts.spans.append((start, end))

    def found(self, pattern: re.Pattern[str], limit: int = 6) -> list[re.Match[str]]:
        # Capped: a 4,000-char wall of "every day" must not cost more than a few.
        return list(islice(pattern.finditer(self.work), limit))

    def note(self, category: str, match: re.Match[str]) -> None:
        phrase = " ".join(match.group().split())
        if category in self.parts.seen and category != "time":
            first = self.parts.seen[category]
            raise ParseError(
                f'I found {_CATEGORY_NAMES[category]} twice: "{first}" and "{phrase}"',
                "keep one, or make two schedules",
            )
        self.parts.seen.setdefault(category, phrase)


# --------------------------------------------------------------------------- public API


def warm_up() -> None:
    """Load dateparser's data now, so the first fallback parse is not slow."""
    _dateparse("march 3rd 2027", datetime(2026, 1, 1), "UTC")


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
        trigger, description = _build(
            scan.parts, zone_name, local_now.astimezone(zone), local_now.date()
        )
        runs = _upcoming(trigger, local_now, caller)
    except ParseError:
        raise
    except (CronError, TriggerError) as exc:
        raise ParseError(str(exc)) from exc
    except (ValueError, OverflowError) as exc:
        # Last line of defence for a calendar edge we did not pre-validate:
        # the contract is that only ParseError leaves this function.
        raise ParseError(f"that time does not work: {exc}") from exc
    return ParsedWhen(trigger, description, runs, _remainder(text, scan.parts.spans))


def _caller_zone(tz: str) -> tzinfo:
    try:
        return cron.zone(tz)
    except CronError as exc:
        raise ParseError(str(exc), "pass an IANA name like America/New_York") from exc


def _scan_checked(text: str, now: datetime, tz: str) -> _Scanner:
    """Scan; refuse empty or overlong text, no time at all (with a spelling
    hint when one helps), near-miss keywords and run limits."""
    if not text.strip():
        raise ParseError("the text is empty; say when the schedule should run", EXAMPLES)
    if len(text) > MAX_CHARS:
        raise ParseError(f"the text is longer than {MAX_CHARS} characters", None)
    scan = _scan(_plain(text), now, tz)
    if not scan.parts.seen:
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        found = _typo_hint(scan, now, tz)
        raise ParseError(f'I could not find a time in "{shown}"', found[1] if found else EXAMPLES)
    _check_typos(scan, now, tz)
    _check_count_limit(scan)
    return scan


def _check_count_limit(scan: _Scanner) -> None:
    """Refuse "every day at 9 for 5 days" rather than repeat forever."""
    recurring = {"step", "daily", "days", "weeks", "dows", "monthly", "yearly", "cron"}
    match = _COUNT_LIMIT.search(scan.work)
    if match and recurring & scan.parts.seen.keys():
        raise ParseError(
            f'I can\'t stop a schedule after "{_phrase(match)}" yet',
            "create it without the limit and delete it when done",
        )


def _plain(text: str) -> str:
    """Map unicode spaces and curly apostrophes one-for-one, keeping offsets."""
    chars = [" " if c.isspace() else c for c in text]
    return "".join(chars).replace("’", "'")


def _scan(text: str, now: datetime, tz: str) -> _Scanner:
    scan = _Scanner(text)
    for step in _RECOGNIZERS:
        step(scan)
    if not ({"date", "weekday", "relative", "monthdays"} & scan.parts.seen.keys()):
        _scan_fallback_date(scan, now, tz)
    return scan


# --------------------------------------------------------------------------- recognizers


def _scan_zone(scan: _Scanner) -> None:
    zones: list[str] = []
    for match in scan.found(_ZONE_OFFSET, 2):
        zones.append(_offset_zone(match))
        scan.take(match)
    for match in scan.found(_ZONE_IANA, 3):
        name = _iana(match["z"])
        if name:
            zones.append(name)
            scan.take(match)
    for pattern, group in (
        (_ZONE_AFTER_TIME, "span"),
        (_ZONE_TIME_WORD, 0),
        (_ZONE_UPPER, 0),
        (_ZONE_ANY, 0),
    ):
        for match in scan.found(pattern, 3):
            zones.append(_ZONE_WORDS[" ".join(match["z"].lower().split())])
            scan.take(match, group)
    if len(set(zones)) > 1:
        raise ParseError(f"I found more than one timezone ({', '.join(dict.fromkeys(zones))})")
    scan.parts.zone = zones[0] if zones else None


def _offset_zone(match: re.Match[str]) -> str:
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    if minutes or hours > 14:
        raise ParseError(
            f'"{match.group().strip()}" is not a whole-hour offset I can name',
            "use an IANA zone like Asia/Kolkata",
        )
    if hours == 0:
        return "UTC"
    # Etc/GMT zones have the POSIX sign: UTC+2 is Etc/GMT-2.
    return f"Etc/GMT{'-' if match['sign'] == '+' else '+'}{hours}"


def _iana(raw: str) -> str | None:
    """The IANA zone `raw` names (any letter case), or None."""
    titled = "/".join(
        "_".join(w[:1].upper() + w[1:] for w in part.split("_")) for part in raw.split("/")
    )
    for candidate in dict.fromkeys((raw, titled, raw.upper())):
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return candidate
    return None


def _scan_cron(scan: _Scanner) -> None:
    for pattern in (_CRON_PREFIXED, _CRON_MACRO, _CRON_BARE):
        for match in scan.found(pattern, 2):
            expr = match["expr"]
            if pattern is _CRON_BARE and "*" not in expr:
                continue  # five numbers in a sentence are not a schedule
            try:
                scan.parts.cron = cron.validate(expr)
            except CronError as exc:
                raise ParseError(str(exc), 'e.g. "0 9 * * 1-5" is 9:00 on weekdays') from exc
            scan.note("cron", match)
            scan.take(match)


# Phrasings we refuse rather than guess: (pattern, message with {}, hint).
_REFUSALS = (
    (_EXCEPT, 'I can\'t leave days out ("{}")', 'list the days instead: "mon-fri"'),
    (_TWICE, '"{}" needs the times spelled out', 'e.g. "every day at 9am and 5pm"'),
    (
        _WINDOW,
        'I can\'t limit a schedule to a window ("{}") yet',
        'write it as cron, e.g. "*/30 9-16 * * 1-5"',
    ),
    (_QUARTERLY, 'I can\'t repeat "{}" yet', 'try "monthly on the 1st"'),
    (_VAGUE, '"{}" is too vague for a schedule', 'name a day, e.g. "next monday at 9am"'),
    (_AGO, '"{}" is in the past', "schedules can only start later"),
)


def _scan_refusals(scan: _Scanner) -> None:
    for match in scan.found(_NTH_WEEKDAY, 2):
        if match["month"] or match["every"]:
            raise ParseError(
                f'I can\'t schedule "{_phrase(match)}" yet: cron has no portable way to say it',
                'use a weekday ("every monday") or a date ("the 1st of every month")',
            )
    for pattern, message, hint in _REFUSALS:
        if match := pattern.search(scan.work):
            raise ParseError(message.format(_phrase(match)), hint)


def _phrase(match: re.Match[str]) -> str:
    return " ".join(match.group().split())


def _scan_iso(scan: _Scanner) -> None:
    for match in scan.found(_ISO, 2):
        scan.note("date", match)
        scan.parts.date = (int(match["y"]), int(match["mo"]), int(match["d"]))
        if match["h"] is not None:
            scan.note("time", match)
            scan.parts.times.append(
                (*_checked_time(int(match["h"]), int(match["mi"]), match), False)
            )
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


def _scan_relative(scan: _Scanner) -> None:
    for match in scan.found(_RELATIVE, 2):
        scan.note("relative", match)
        scan.parts.relative = _relative(match["body"] or match["body2"])
        scan.take(match)


def _relative(body: str) -> _Relative:
    rel = _Relative()
    for piece in islice(_REL_ITEM.finditer(body), 4):
        amount = _amount(piece["n"]) + (0.5 if piece["half"] else 0)
        unit = _unit(piece["unit"])
        if unit in ("months", "years"):
            if amount != int(amount):
                raise ParseError(f'"{piece.group()}" needs a whole number of {unit}')
            rel.months += int(amount) * (12 if unit == "years" else 1)
        elif unit in ("days", "weeks") and amount == int(amount):
            rel.days += int(amount) * (7 if unit == "weeks" else 1)
        else:
            rel.seconds += amount * _SECONDS[unit]
    if rel.months > 1200 or rel.days > 36600 or rel.seconds > 3.2e9:
        raise ParseError("that is more than a hundred years away")
    return rel


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def _amount(raw: str | None) -> float:
    if raw is None:
        return 1
    text = " ".join(raw.lower().split())
    if text[:1].isdigit():
        return float(text.rstrip("stndrh"))
    return _NUMBER_WORDS[text]


def _unit(raw: str) -> str:
    word = raw.lower()
    return _UNIT_NAMES.get(word) or _UNIT_NAMES.get(word.rstrip("s")) or word


def _scan_named_dates(scan: _Scanner) -> None:
    for pattern in (_DATE_MD, _DATE_DM):
        for match in scan.found(pattern, 2):
            if match["every"]:
                scan.note("yearly", match)
            scan.note("date", match)
            year = int(match["y"]) if match["y"] else None
            scan.parts.date = (year, _month_number(match["mon"]), int(match["d"]))
            scan.take(match)


def _month_number(name: str) -> int:
    return _MONTH_INDEX[name[:3].lower()]


_MONTH_INDEX = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def _scan_numeric_dates(scan: _Scanner) -> None:
    for match in scan.found(_DATE_DOTTED, 2):
        scan.note("date", match)
        scan.parts.date = (int(match["y"]), int(match["m"]), int(match["d"]))
        scan.take(match)
    for match in scan.found(_DATE_NUMERIC, 2):
        if match["y"] is None and (match["a"], match["b"]) == ("24", "7"):
            continue  # "24/7" means always, not July 24
        month_day = _month_day(int(match["a"]), int(match["b"]), match)
        if month_day is None:
            continue  # "50/50" is not a date
        scan.note("date", match)
        scan.parts.date = (_full_year(match["y"]), *month_day)
        scan.take(match)


def _full_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return int(raw) + (2000 if len(raw) == 2 else 0)


def _month_day(a: int, b: int, match: re.Match[str]) -> tuple[int, int] | None:
    """Read a/b as month/day or day/month, whichever alone is valid."""
    readings = {(m, d) for m, d in ((a, b), (b, a)) if 1 <= m <= 12 and 1 <= d <= 31}
    if len(readings) <= 1:
        return readings.pop() if readings else None
    text = match.group().strip()
    first, second = (_month_day_name(m, d) for m, d in ((a, b), (b, a)))
    raise ParseError(f'"{text}" could be {first} or {second}', "write the month name")


def _month_day_name(month: int, day: int) -> str:
    return f"{calendar.month_name[month]} {day}"


def _scan_monthly(scan: _Scanner) -> None:
    for match in scan.found(_MONTH_END, 2):
        _monthly(scan, match, ("L",), match.end())
    for match in islice(_ORD_RUN.finditer(scan.work), 2000):
        if suffix := _OF_MONTH.match(scan.work, match.end()):
            _monthly(scan, match, _ordinals(match["list"]), suffix.end())
    for pattern in (_MONTHLY_ON, _EVERY_ORD):
        for match in scan.found(pattern, 2):
            _monthly(scan, match, _ordinals(match["list"]), match.end())


def _monthly(scan: _Scanner, match: re.Match[str], days: tuple[int | str, ...], end: int) -> None:
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
        elif word in _ORD_WORDS:
            days.append(_ORD_WORDS[word])
        else:
            days.append(int(word.rstrip("stndrh")))
    return tuple(dict.fromkeys(days))


def _scan_every(scan: _Scanner) -> None:
    for match in scan.found(_EVERY, 3):
        amount, unit = _amount(match["n"]), _unit(match["unit"])
        end = match.end()
        # "every 1h30m", "every 2 hours and 15 minutes": sum into minutes.
        while unit in ("minutes", "hours") and (more := _EVERY_MORE.match(scan.work, end)):
            extra = _unit(more["unit"])
            if extra not in ("minutes", "hours"):
                break
            amount = _minutes(amount, unit) + _minutes(_amount(more["n"]), extra)
            unit, end = "minutes", more.end()
        _every(scan, match, amount, unit)
        scan.take_span(match.start(), end)
    for match in scan.found(_ADVERB, 3):
        _adverb(scan, match, match["w"].lower().replace("-", ""))
        scan.take(match)


def _minutes(amount: float, unit: str) -> float:
    return amount * 60 if unit == "hours" else amount


def _every(scan: _Scanner, match: re.Match[str], amount: float, unit: str) -> None:
    phrase = _phrase(match)
    if unit == "seconds" or (unit == "minutes" and 0 < amount < 1):
        raise ParseError(
            f'"{phrase}" is more often than once a minute', 'the most is "every minute"'
        )
    if amount == 0:
        raise ParseError(f'"{phrase}": the interval must be at least 1', 'e.g. "every minute"')
    if unit in ("minutes", "hours"):
        _every_step(scan, match, amount * (60 if unit == "hours" else 1))
        return
    if amount != int(amount):
        raise ParseError(f'"{phrase}" needs a whole number of {unit}', 'e.g. "every 2 days"')
    _every_calendar(scan, match, int(amount), unit)


def _every_step(scan: _Scanner, match: re.Match[str], minutes: float) -> None:
    if minutes != int(minutes):
        raise ParseError(f'"{_phrase(match)}" is not a whole number of minutes')
    if minutes > 525600:
        raise ParseError(f'"{_phrase(match)}" is longer than a year')
    scan.note("step", match)
    scan.parts.step = int(minutes)


def _every_calendar(scan: _Scanner, match: re.Match[str], amount: int, unit: str) -> None:
    phrase = _phrase(match)
    if unit in ("months", "years") and amount != 1:
        hint = "monthly on the 1st" if unit == "months" else "every year on march 3"
        raise ParseError(f'I can\'t repeat "{phrase}" yet', f'try "{hint}"')
    if amount > 3650:
        raise ParseError(f'"{phrase}" is too far apart')
    if unit == "days":
        scan.note("daily" if amount == 1 else "days", match)
        scan.parts.days = amount
    elif unit == "weeks":
        scan.note("weeks", match)
        scan.parts.weeks = amount
    else:
        scan.note("monthly" if unit == "months" else "yearly", match)


def _adverb(scan: _Scanner, match: re.Match[str], word: str) -> None:
    if word == "hourly":
        _every_step(scan, match, 60)
    elif word in ("daily", "everyday", "nightly"):
        scan.note("daily", match)
        scan.parts.days = 1
        if word == "nightly":
            scan.parts.period = "night"
    elif word in ("weekly", "biweekly", "fortnightly"):
        scan.note("weeks", match)
        scan.parts.weeks = 1 if word == "weekly" else 2
    else:
        scan.note("monthly" if word == "monthly" else "yearly", match)


def _scan_periods(scan: _Scanner) -> None:
    for match in scan.found(_PERIOD, 3):
        pre = " ".join((match["pre"] or "").lower().split())
        if not (pre or match["night"]):
            continue  # "post good morning" is message text
        scan.note("period", match)
        scan.parts.period = match["p"].lower() if match["p"] else "night"
        if pre in ("every", "each") or match["pl"]:
            scan.parts.plural_period = True
        if pre in ("every", "each"):
            scan.note("daily", match)
        if pre == "this":
            scan.note("date", match)
            scan.parts.day_offset = 0
        if pre in ("in the", "this", "every", "each") or match["night"]:
            scan.take_span(match.start(), match.end())
        else:
            scan.take_span(match.start("p"), match.end())


_RELDAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}


def _scan_reldays(scan: _Scanner) -> None:
    for match in scan.found(_RELDAY, 2):
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


def _scan_ordinal_once(scan: _Scanner) -> None:
    for match in scan.found(_ORD_ONCE, 2):
        scan.note("monthdays", match)
        scan.parts.month_days = _ordinals(match["list"])
        scan.take(match)


def _scan_daysets(scan: _Scanner) -> None:
    for match in scan.found(_DAYSET, 3):
        if scan.work.startswith("'", match.end()):
            continue  # "friday's numbers" names a thing, not a time
        pre = " ".join((match["pre"] or "").lower().split())
        days, single, short = _dayset(match["days"])
        if pre == "last":
            raise ParseError(f'"{_phrase(match)}" is in the past', "schedules can only start later")
        if single and not pre and short and not _near_time(scan.work, match):
            continue  # "sat", "wed", "sun" alone are too often ordinary words
        if single and pre in ("", "on", "next", "this", "coming"):
            scan.note("weekday", match)
            scan.parts.once_dow = (next(iter(days)), pre == "next")
        elif pre in ("next", "this", "coming"):
            raise ParseError(f'"{_phrase(match)}" names more than one day', "pick one day")
        else:
            _recurring_days(scan, match, days, pre)
        scan.take(match)


def _near_time(work: str, match: re.Match[str]) -> bool:
    """Whether a time sits right before or after: "sat at 9", "9am tue"."""
    before = work[max(0, match.start() - 16) : match.start()]
    return bool(_AT_NEXT.match(work, match.end()) or _TIME_BEFORE.search(before))


def _recurring_days(scan: _Scanner, match: re.Match[str], days: frozenset[int], pre: str) -> None:
    scan.note("dows", match)
    scan.parts.dows = days
    if pre == "every other":
        scan.note("weeks", match)
        scan.parts.weeks = 2


def _dayset(text: str) -> tuple[frozenset[int], bool, bool]:
    """(cron weekdays, whether it is one singular day, whether that day is abbreviated)."""
    days: set[int] = set()
    parts = list(islice(_DAY_PART.finditer(text), 14))
    for part in parts:
        if part["wp"]:
            days |= {0, 6} if "weekend" in part["wp"].lower() else {1, 2, 3, 4, 5}
        elif part["b"]:
            days |= _day_range(_day_number(part["a"]), _day_number(part["b"]))
        else:
            days.add(_day_number(part["a"]))
    first = parts[0]
    word = first["a"] or ""
    single = len(parts) == 1 and not first["wp"] and not first["b"] and not _plural(word)
    return frozenset(days), single, len(word.rstrip(".")) <= 3


def _day_number(word: str) -> int:
    return _DAY_INDEX[word[:3].lower()]


_DAY_INDEX = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


def _plural(word: str) -> bool:
    return word.lower().rstrip(".").endswith("days")


def _day_range(first: int, last: int) -> set[int]:
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


def _scan_times(scan: _Scanner) -> None:
    for match in scan.found(_TIME_HALF, 3):
        _add_time(scan, match, _half_past(match), not match["mer"])
    for match in scan.found(_TIME_AMPM, 3):
        _add_time(scan, match, _meridiem_time(match), False)
    for match in scan.found(_TIME_OCLOCK, 3):
        hour = _HOUR_WORDS.get(match["h"].lower()) or int(match["h"])
        _add_time(scan, match, _checked_time(hour, 0, match), True)
    for match in scan.found(_TIME_NOON, 3):
        _add_time(scan, match, (0, 0) if match["w"].lower() == "midnight" else (12, 0), False)
    _scan_minute_of_hour(scan)  # before "at 15", which would read "at 15 past" as 15:00
    for match in scan.found(_TIME_AT, 3):
        hm = _checked_time(int(match["h"]), int(match["m"] or 0), match)
        _add_time(scan, match, hm, True)
    if "time" not in scan.parts.seen:
        for match in scan.found(_TIME_COLON, 3):
            hm = _checked_time(int(match["h"]), int(match["m"]), match)
            _add_time(scan, match, hm, True)


def _add_time(scan: _Scanner, match: re.Match[str], hm: tuple[int, int], flexible: bool) -> None:
    scan.note("time", match)
    scan.parts.times.append((*hm, flexible))
    scan.take(match)
    end = match.end()
    # "at 9am, 1pm and 5pm": later items need no "at" of their own.
    for _ in range(12):
        if not (more := _TIME_MORE.match(scan.work, end)):
            break
        if more["mer"]:
            scan.parts.times.append((*_meridiem_time(more), False))
        else:
            scan.parts.times.append(
                (*_checked_time(int(more["h"]), int(more["m"] or 0), more), True)
            )
        scan.take(more)
        end = more.end()


def _checked_time(hour: int, minute: int, match: re.Match[str]) -> tuple[int, int]:
    if hour > 23 or minute > 59:
        hint = 'say "midnight"' if (hour, minute) == (24, 0) else "times run from 0:00 to 23:59"
        raise ParseError(f'"{_phrase(match)}" is not a time of day', hint)
    return hour, minute


def _meridiem_time(match: re.Match[str]) -> tuple[int, int]:
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if not 1 <= hour <= 12:
        raise ParseError(
            f'"{_phrase(match)}" is not a time: with am/pm the hour runs from 1 to 12',
            f'try "{hour}:{minute:02d}"' if hour <= 23 else None,
        )
    if minute > 59:
        raise ParseError(f'"{_phrase(match)}" is not a time: minutes run from 00 to 59')
    pm = match["mer"].lower().startswith("p")
    return hour % 12 + (12 if pm else 0), minute


def _half_past(match: re.Match[str]) -> tuple[int, int]:
    quantity = match["q"].lower()
    minutes = {"half": 30, "quarter": 15}.get(quantity) or int(quantity)
    hour = int(match["h"])
    if minutes > 59 or hour > 23 or (match["mer"] and not 1 <= hour <= 12):
        raise ParseError(f'"{_phrase(match)}" is not a time of day')
    if match["mer"]:
        hour = hour % 12 + (12 if match["mer"].lower().startswith("p") else 0)
    if match["dir"].lower() in ("to", "before"):
        return (hour - 1) % 24, 60 - minutes
    return hour, minutes


def _scan_minute_of_hour(scan: _Scanner) -> None:
    for match in scan.found(_HOURMIN, 2):
        raw = (match["m"] or match["m2"] or "0").lower()
        minute = {"quarter": 15, "half": 30}.get(raw)
        minute = int(raw) if minute is None else minute
        if minute > 59:
            raise ParseError(f'"{_phrase(match)}": minutes run from 00 to 59')
        scan.note("hourmin", match)
        scan.parts.minute_of_hour = minute
        scan.take(match)


_RECOGNIZERS = (
    _scan_zone,
    _scan_cron,
    _scan_refusals,
    _scan_iso,
    _scan_relative,
    _scan_named_dates,
    _scan_numeric_dates,
    _scan_monthly,
    _scan_every,
    _scan_periods,
    _scan_reldays,
    _scan_ordinal_once,
    _scan_daysets,
    _scan_times,
)


# --------------------------------------------------------------------------- dateparser fallback

_dateparser_parse: Any = None


def _dateparse(text: str, now: datetime, tz: str) -> datetime | None:
    global _dateparser_parse
    if _dateparser_parse is None:
        # Imported lazily: it costs ~0.1 s and most requests never need it.
        import dateparser

        _dateparser_parse = dateparser.parse
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": tz,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "REQUIRE_PARTS": ["day", "month"],
    }
    try:
        return _dateparser_parse(text, languages=["en"], settings=settings)
    except Exception:  # third-party and permissive: any failure just means "no date"
        return None


def _scan_fallback_date(scan: _Scanner, now: datetime, tz: str) -> None:
    """Let dateparser read a few words around a month name, and trust it only
    if it agrees on that month (it happily invents dates from other text)."""
    anchor = _MONTH_WORD.search(scan.work)
    if anchor is None:
        return
    month = _month_number(anchor.group())
    lo = max(0, anchor.start() - 24)
    tokens = list(islice(_TOKEN.finditer(scan.work, lo, anchor.end() + 24), 50))
    index = next((i for i, t in enumerate(tokens) if t.start() <= anchor.start() < t.end()), None)
    if index is None:
        return
    for before, after in ((0, 1), (1, 0), (1, 1)):
        window = tokens[max(0, index - before) : index + after + 1]
        start, end = window[0].start(), window[-1].end()
        if end - start > 40:
            continue
        found = _dateparse(scan.work[start:end], now, tz)
        if found is not None and found.month == month:
            year = found.year if re.search(r"[0-9]{4}", scan.work[start:end]) else None
            scan.parts.seen["date"] = " ".join(scan.work[start:end].split())
            scan.parts.date = (year, month, found.day)
            scan.parts.spans.append((start, end))
            return


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Clock:
    """The times of day to use, and a note when they were assumed."""

    times: tuple[tuple[int, int], ...]
    note: str | None = None


def _build(parts: _Parts, zone_name: str, now: datetime, today: date) -> tuple[AnyTrigger, str]:
    """`now` is in the trigger's zone; `today` is the caller's date."""
    _promote_weekday(parts)
    seen = frozenset(parts.seen)
    _check_combination(parts, seen)
    if "cron" in seen:
        trigger = CronTrigger(parts.cron or "", zone_name)
        return trigger, trigger.describe()
    for category, builder in _BUILDERS:
        if category in seen:
            return builder(parts, zone_name, now)
    return _build_once(parts, zone_name, now, today)


def _promote_weekday(parts: _Parts) -> None:
    """ "monday mornings" and "weekly on monday" are every Monday, though
    "monday" alone is one-off."""
    repeats = parts.plural_period or "weeks" in parts.seen
    if repeats and parts.once_dow and "weekday" in parts.seen:
        parts.dows = frozenset({parts.once_dow[0]})
        parts.seen["dows"] = parts.seen.pop("weekday")
        parts.once_dow = None


def _check_combination(parts: _Parts, seen: frozenset[str]) -> None:
    if any(seen <= combo for combo in _COMBOS):
        return
    names = list(parts.seen)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if not any({first, second} <= combo for combo in _COMBOS):
                raise ParseError(
                    f'"{parts.seen[first]}" and "{parts.seen[second]}" don\'t go together',
                    'keep one; e.g. "every weekday at 9am" or "tomorrow at 3pm"',
                )
    raise ParseError(f"I can't combine {', '.join(map(repr, names))} in one schedule")


def _clock(parts: _Parts) -> _Clock:
    if parts.times:
        late = parts.period in ("afternoon", "evening", "night")
        times = [(h + 12 if late and flex and 1 <= h <= 11 else h, m) for h, m, flex in parts.times]
        return _Clock(tuple(sorted(set(times))))
    if parts.period:
        hm = PERIODS[parts.period]
        return _Clock((hm,), f'"{parts.period}" taken as {_clock_text(hm)}')
    return _Clock((DEFAULT_TIME,), f"no time given, so {_clock_text(DEFAULT_TIME)}")


def _one_time(parts: _Parts, clock: _Clock, what: str) -> tuple[int, int]:
    if len(clock.times) > 1:
        shown = " and ".join(_clock_text(t) for t in clock.times)
        raise ParseError(f"{what} takes one time of day, not {shown}", "make two schedules")
    return clock.times[0]


def _cron_time_fields(clock: _Clock) -> tuple[str, str]:
    minutes = {m for _, m in clock.times}
    if len(minutes) > 1:
        shown = " and ".join(_clock_text(t) for t in clock.times)
        raise ParseError(
            f"one schedule can't fire at {shown}: the minutes differ", "make two schedules"
        )
    return str(minutes.pop()), ",".join(str(h) for h, _ in clock.times)


def _describe(text: str, zone_name: str, note: str | None) -> str:
    described = f"{text} ({zone_name})"
    return f"{described} — {note}" if note else described


def _build_daily(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    clock = _clock(parts)
    minute, hours = _cron_time_fields(clock)
    days = parts.dows or frozenset(range(7))
    trigger = CronTrigger(f"{minute} {hours} * * {_dow_field(days)}", zone_name)
    text = f"{_days_phrase(days)} at {_times_phrase(clock)}"
    return trigger, _describe(text, zone_name, clock.note)


def _build_weeks(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    every = parts.weeks or 1
    example = "every other monday at 9am" if every == 2 else "every monday at 9am"
    if not parts.dows:
        raise ParseError(f'"{parts.seen["weeks"]}" on which day?', f'e.g. "{example}"')
    if every == 1:
        return _build_daily(parts, zone_name, now)
    if len(parts.dows) > 1:
        raise ParseError(
            f'every {every} weeks works with one day, not "{parts.seen["dows"]}"',
            "make one schedule per day",
        )
    clock = _clock(parts)
    hm = _one_time(parts, clock, f"every {every} weeks")
    first = _next_weekday_at(now, next(iter(parts.dows)), hm, False)
    anchor = _phase_anchor(first, hm, every * 7, now)
    trigger = IntervalTrigger(every, "weeks", anchor, zone_name)
    count = "other week" if every == 2 else f"{every} weeks"
    text = f"Every {count} on {first:%A} at {_clock_text(hm)}, starting {_short_date(first)}"
    return trigger, _describe(text, zone_name, clock.note)


def _build_days(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    every = parts.days or 2
    clock = _clock(parts)
    hm = _one_time(parts, clock, f"every {every} days")
    first = _next_at(now, hm)
    anchor = _phase_anchor(first, hm, every, now)
    trigger = IntervalTrigger(every, "days", anchor, zone_name)
    text = f"Every {every} days at {_clock_text(hm)}, starting {_short_date(first)}"
    return trigger, _describe(text, zone_name, clock.note)


def _build_monthly(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    if not parts.month_days:
        raise ParseError(f'"{parts.seen["monthly"]}" on which day?', 'e.g. "monthly on the 1st"')
    for day in parts.month_days:
        if isinstance(day, int) and not 1 <= day <= 31:
            raise ParseError(f"a month has no day {day}", "days run from the 1st to the 31st")
    clock = _clock(parts)
    minute, hours = _cron_time_fields(clock)
    days_field = ",".join(str(d) for d in parts.month_days)
    trigger = CronTrigger(f"{minute} {hours} {days_field} * *", zone_name)
    text = f"On {_month_days_phrase(parts.month_days)} of every month at {_times_phrase(clock)}"
    notes = [n for n in (clock.note, _short_month_note(parts.month_days)) if n]
    return trigger, _describe(text, zone_name, "; ".join(notes) or None)


def _short_month_note(days: tuple[int | str, ...]) -> str | None:
    late = [d for d in days if isinstance(d, int) and d > 28]
    if not late:
        return None
    return f"months without a {_ordinal(max(late))} are skipped"


def _build_yearly(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    if parts.date is None:
        raise ParseError(f'"{parts.seen["yearly"]}" on which date?', 'e.g. "every year on march 3"')
    year, month, day = parts.date
    if year is not None:
        raise ParseError("a yearly schedule can't have a year", "leave the year out")
    _check_month_day(month, day, None)
    clock = _clock(parts)
    minute, hours = _cron_time_fields(clock)
    trigger = CronTrigger(f"{minute} {hours} {day} {month} *", zone_name)
    text = f"Every year on {_month_day_name(month, day)} at {_times_phrase(clock)}"
    leap = "only in leap years" if (month, day) == (2, 29) else None
    notes = [n for n in (clock.note, leap) if n]
    return trigger, _describe(text, zone_name, "; ".join(notes) or None)


def _build_step(parts: _Parts, zone_name: str, now: datetime) -> tuple[AnyTrigger, str]:
    minutes = parts.step or 1
    if minutes % 60 == 0:
        return _build_hours(parts, zone_name, now, minutes // 60)
    if parts.minute_of_hour is not None:
        raise ParseError(
            f'"{parts.seen["hourmin"]}" only goes with every hour', 'e.g. "every hour at :15"'
        )
    if 60 % minutes == 0:
        step = "*" if minutes == 1 else f"*/{minutes}"
        return _step_cron(parts, zone_name, f"{step} * * * ", _every_text(minutes, "minute"))
    return _step_interval(parts, zone_name, now, minutes, "minutes")


def _build_hours(
    parts: _Parts, zone_name: str, now: datetime, hours: int
) -> tuple[AnyTrigger, str]:
    minute = parts.minute_of_hour or 0
    if 24 % hours == 0 and hours < 24:
        step = "*" if hours == 1 else f"*/{hours}"
        text = f"{_every_text(hours, 'hour')} at :{minute:02d}"
        return _step_cron(parts, zone_name, f"{minute} {step} * * ", text)
    return _step_interval(parts, zone_name, now, hours, "hours")


def _step_cron(parts: _Parts, zone_name: str, head: str, text: str) -> tuple[AnyTrigger, str]:
    days = parts.dows or frozenset(range(7))
    trigger = CronTrigger(head + _dow_field(days), zone_name)
    if len(days) < 7:
        text += f" on {_days_plural(days)}"
    return trigger, _describe(text, zone_name, None)


def _step_interval(
    parts: _Parts, zone_name: str, now: datetime, every: int, unit: str
) -> tuple[AnyTrigger, str]:
    if parts.dows:
        divisor = "an hour" if unit == "minutes" else "a day"
        raise ParseError(
            f"every {every} {unit} can't be limited to some days: it doesn't divide {divisor}",
            'use a step that does, e.g. "every 10 minutes on weekdays"',
        )
    anchor = _next_minute(now)
    if parts.minute_of_hour is not None:
        anchor = _next_minute_of_hour(now, parts.minute_of_hour)
    # UTC anchor: minute/hour intervals are elapsed time, and aware arithmetic
    # in a ZoneInfo zone would be wall-clock arithmetic across DST.
    trigger = IntervalTrigger(every, unit, anchor.astimezone(UTC), zone_name)  # type: ignore[arg-type]
    text = f"{_every_text(every, unit[:-1])}, starting {_clock_text((anchor.hour, anchor.minute))}"
    return trigger, _describe(f"{text} {_short_date(anchor)}", zone_name, None)


def _build_once(
    parts: _Parts, zone_name: str, now: datetime, today: date
) -> tuple[AnyTrigger, str]:
    if "hourmin" in parts.seen:
        raise ParseError(
            f'"{parts.seen["hourmin"]}" only goes with every hour', 'e.g. "every hour at :15"'
        )
    at, note = _once_instant(parts, now, today)
    if at <= now:
        raise ParseError(f"{_when_text(at)} is in the past", _past_hint(parts, at))
    if at.year > now.year + 100:
        raise ParseError("that is more than a hundred years away")
    at = at.replace(microsecond=0)
    trigger = OnceTrigger(at, zone_name)
    return trigger, _describe(f"Once, {_when_text(at)}", zone_name, note)


def _past_hint(parts: _Parts, at: datetime) -> str:
    if parts.day_offset == 0:
        return f'did you mean "tomorrow at {_clock_text((at.hour, at.minute))}"?'
    return "schedules can only start later"


def _once_instant(parts: _Parts, now: datetime, today: date) -> tuple[datetime, str | None]:
    if parts.relative is not None:
        return _relative_instant(parts, now)
    clock = _clock(parts)
    hm = _one_time(parts, clock, "a one-off")
    if parts.date is not None:
        return _date_instant(parts, now, hm), clock.note
    if parts.day_offset is not None:
        # "tomorrow" is the caller's tomorrow, even at 9am in another zone.
        day = today + timedelta(days=parts.day_offset)
        return _check_weekday(parts, _at(day, hm, now)), clock.note
    if parts.once_dow is not None:
        dow, strictly_later = parts.once_dow
        return _next_weekday_at(now, dow, hm, strictly_later), clock.note
    if parts.month_days:
        return _next_month_day(parts, now, hm), clock.note
    return _next_at(now, hm), clock.note


def _relative_instant(parts: _Parts, now: datetime) -> tuple[datetime, str | None]:
    rel = parts.relative or _Relative()
    if parts.times or parts.period:
        if rel.seconds:
            raise ParseError(
                f'"{parts.seen["relative"]}" already says the time',
                'drop the time of day, or say "in 2 days at 9am"',
            )
        day = _add_months(now.date(), rel.months) + timedelta(days=rel.days)
        clock = _clock(parts)
        return _at(day, _one_time(parts, clock, "a one-off"), now), clock.note
    if rel.months or rel.days:
        day = _add_months(now.date(), rel.months) + timedelta(days=rel.days)
        wall = datetime.combine(day, now.time().replace(microsecond=0))
        base = wall_to_instant(wall, now.tzinfo)  # type: ignore[arg-type]
        return (base.astimezone(UTC) + timedelta(seconds=rel.seconds)).astimezone(now.tzinfo), None
    return (now.astimezone(UTC) + timedelta(seconds=rel.seconds)).astimezone(now.tzinfo), None


def _date_instant(parts: _Parts, now: datetime, hm: tuple[int, int]) -> datetime:
    year, month, day = parts.date or (None, 1, 1)
    _check_month_day(month, day, year)
    if parts.offset is not None:
        fixed = datetime(year or now.year, month, day, *hm, tzinfo=parts.offset)
        return _check_weekday(parts, fixed.astimezone(now.tzinfo))
    if year is not None:
        return _check_weekday(parts, _at(date(year, month, day), hm, now))
    for candidate in range(now.year, now.year + 9):
        if day <= calendar.monthrange(candidate, month)[1]:
            at = _at(date(candidate, month, day), hm, now)
            if at > now:
                return _check_weekday(parts, at)
    raise ParseError(f"{_month_day_name(month, day)} never comes round")


def _check_weekday(parts: _Parts, at: datetime) -> datetime:
    """ "friday december 24" must agree with the calendar."""
    if parts.once_dow is not None and (at.weekday() + 1) % 7 != parts.once_dow[0]:
        raise ParseError(
            f"{at:%B} {at.day}, {at.year} is a {at:%A}, not a {_DAY_NAMES[parts.once_dow[0]]}",
            "check the date",
        )
    return at


def _check_month_day(month: int, day: int, year: int | None) -> None:
    if not 1 <= month <= 12:
        raise ParseError(f"there is no month {month}", "months run from 1 to 12")
    name = calendar.month_name[month]
    longest = calendar.monthrange(year or 2000, month)[1]  # 2000 was a leap year
    if day < 1 or day > longest:
        within = f"{name} {year}" if year and month == 2 else name
        raise ParseError(f"{within} has only {longest} days, so there is no {name} {day}")


def _next_month_day(parts: _Parts, now: datetime, hm: tuple[int, int]) -> datetime:
    if len(parts.month_days) > 1:
        raise ParseError(
            f'"{parts.seen["monthdays"]}" names several days', 'add "of every month" to repeat'
        )
    wanted = parts.month_days[0]
    if isinstance(wanted, int) and not 1 <= wanted <= 31:
        raise ParseError(f"a month has no day {wanted}")
    first = now.date().replace(day=1)
    for offset in range(14):
        month_start = _add_months(first, offset)
        last = calendar.monthrange(month_start.year, month_start.month)[1]
        day = last if wanted == "L" else int(wanted)
        if day <= last:
            at = _at(month_start.replace(day=day), hm, now)
            if at > now:
                return at
    raise ParseError("that day never comes round")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _at(day: date, hm: tuple[int, int], now: datetime) -> datetime:
    """The instant of wall time `hm` on `day` in now's zone (DST gaps move forward)."""
    return wall_to_instant(datetime.combine(day, time(*hm)), now.tzinfo)  # type: ignore[arg-type]


def _next_at(now: datetime, hm: tuple[int, int]) -> datetime:
    today = _at(now.date(), hm, now)
    return today if today > now else _at(now.date() + timedelta(days=1), hm, now)


def _next_weekday_at(now: datetime, dow: int, hm: tuple[int, int], after_today: bool) -> datetime:
    ahead = (dow - (now.weekday() + 1) % 7) % 7
    if ahead == 0 and after_today:
        ahead = 7
    at = _at(now.date() + timedelta(days=ahead), hm, now)
    return at if at > now else _at(now.date() + timedelta(days=ahead + 7), hm, now)


def _phase_anchor(first: datetime, hm: tuple[int, int], days: int, now: datetime) -> datetime:
    """The anchor for a days/weeks interval whose first run is `first`.

    IntervalTrigger repeats its anchor's wall-clock time, so when `first` was
    moved out of a spring-forward gap (2:30 -> 3:00) we anchor one period
    earlier, where 2:30 exists, and keep 2:30 for the later runs.
    """
    if (first.hour, first.minute) == hm:
        return first
    return _at(first.date() - timedelta(days=days), hm, now)


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _next_minute_of_hour(now: datetime, minute: int) -> datetime:
    at = now.replace(minute=minute, second=0, microsecond=0)
    return at if at > now else at + timedelta(hours=1)


_BUILDERS = (
    ("step", _build_step),
    ("weeks", _build_weeks),
    ("days", _build_days),
    ("monthly", _build_monthly),
    ("yearly", _build_yearly),
    ("dows", _build_daily),
    ("daily", _build_daily),
)


def _upcoming(trigger: AnyTrigger, now: datetime, caller: tzinfo) -> list[datetime]:
    """The next fire times, in the caller's zone."""
    if isinstance(trigger, CronTrigger):
        runs = cron.next_runs(trigger.expr, trigger.timezone, now, RUN_COUNT)
        return [run.astimezone(caller) for run in runs]
    found: list[datetime] = []
    cursor: datetime | None = now
    while cursor is not None and len(found) < RUN_COUNT:
        cursor = trigger.next_after(cursor)
        if cursor is not None:
            found.append(cursor.astimezone(caller))
    return found


# --------------------------------------------------------------------------- English

_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _clock_text(hm: tuple[int, int]) -> str:
    hour, minute = hm
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _times_phrase(clock: _Clock) -> str:
    return _join([_clock_text(t) for t in clock.times])


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _days_phrase(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "Every day"
    if days == frozenset({1, 2, 3, 4, 5}):
        return "Every weekday"
    ordered = sorted(days, key=lambda d: (d - 1) % 7)  # Monday first
    return "Every " + _join([_DAY_NAMES[d] for d in ordered])


def _days_plural(days: frozenset[int]) -> str:
    if days == frozenset({1, 2, 3, 4, 5}):
        return "weekdays"
    return _join([_DAY_NAMES[d] + "s" for d in sorted(days, key=lambda d: (d - 1) % 7)])


def _dow_field(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "*"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def _every_text(every: int, unit: str) -> str:
    return f"Every {unit}" if every == 1 else f"Every {every} {unit}s"


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month_days_phrase(days: tuple[int | str, ...]) -> str:
    names = ["the last day" if d == "L" else f"the {_ordinal(int(d))}" for d in days]
    return _join(names)


def _short_date(at: datetime) -> str:
    return f"{at:%a %b} {at.day}"


def _when_text(at: datetime) -> str:
    return f"on {at:%A, %B} {at.day}, {at.year} at {_clock_text((at.hour, at.minute))}"


# --------------------------------------------------------------------------- hints

_VOCABULARY = (
    "every daily hourly weekly monthly yearly weekday weekdays weekend weekends tomorrow "
    "today tonight noon midnight minute minutes hour hours day days week weeks month "
    "morning evening afternoon monday tuesday wednesday thursday friday saturday sunday "
    "mondays tuesdays wednesdays thursdays fridays saturdays sundays january february "
    "march april june july august september october november december"
).split()
_KNOWN = frozenset(_VOCABULARY)


_BY_INITIAL: dict[str, list[str]] = {}
for _word in _VOCABULARY:
    _BY_INITIAL.setdefault(_word[0], []).append(_word)
# Common words one letter away from a keyword ("very" ~ "every") are not typos.
_NOT_TYPOS = frozenset("ever very even never ours mouth week weak".split())


def _typo_fixes(work: str) -> dict[str, str]:
    """Misspelt keywords in the unread text, e.g. {"evry": "every"}."""
    fixes: dict[str, str] = {}
    for word in islice(_ASCII_WORD.finditer(work), 40):
        lower = word.group().lower()
        if len(lower) < 4 or lower in _KNOWN or lower in _NOT_TYPOS or lower in fixes:
            continue
        # Same first letter only: keeps this cheap, and typos rarely hit it.
        close = difflib.get_close_matches(lower, _BY_INITIAL.get(lower[0], ()), n=1, cutoff=0.8)
        if close:
            fixes[lower] = close[0]
    return fixes


def _typo_hint(scan: _Scanner, now: datetime, tz: str) -> tuple[str, str] | None:
    """(typo, 'did you mean "every day at 9am"?') when fixing a typo adds meaning."""
    fixes = _typo_fixes(scan.work)
    if not fixes:
        return None
    fixed = _ASCII_WORD.sub(lambda m: fixes.get(m.group().lower(), m.group()), scan.text)
    try:
        better = _scan(fixed, now, tz)
    except ParseError:
        return None
    if not better.parts.seen.keys() > scan.parts.seen.keys():
        return None
    phrase = " ".join(" ".join(better.text[a:b].split()) for a, b in sorted(better.parts.spans))
    return next(iter(fixes)), f'did you mean "{phrase}"?'


def _check_typos(scan: _Scanner, now: datetime, tz: str) -> None:
    """Refuse "evry day at 9am": the typo would silently turn it into a one-off."""
    found = _typo_hint(scan, now, tz)
    if found:
        raise ParseError(f'"{found[0]}" looks like a typo', found[1])


# --------------------------------------------------------------------------- remainder


def _remainder(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        keep[start:end] = [False] * (end - start)
    rest = "".join(c if k else " " for c, k in zip(_plain(text), keep, strict=True))
    rest = " ".join(rest.split())
    rest = re.sub(r"\s+([,.;:!?])", r"\1", rest)
    rest = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", rest)
    rest = " ".join(re.sub(r"`\s*`", " ", rest).split())  # an emptied `cron`
    rest = rest.strip(" ,;:-–—")
    # A connective stranded by the cut: "every day at 9am and post ..." -> "post ...".
    return re.sub(r"^(?:and|then)\s+|\s+(?:and|then)$", "", rest, flags=re.I)
