"""The compiled regexes and word tables the recognizers read the text with.

Compiled once at import, case-insensitive and ASCII-only. They must stay
linear-time on up to 4,000 characters of user input, which is why repeats are
bounded and some phrases are matched in two steps (`ORD_RUN`, then
`OF_MONTH`). Names with a leading underscore are fragments used only here to
build other patterns; zone patterns live with their tables in `zones`.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.ASCII


def rx(pattern: str, flags: int = _FLAGS) -> re.Pattern[str]:
    """Compile ignoring case, with ASCII-only word characters and boundaries."""
    return re.compile(pattern, flags)


def number_of(raw: str | None) -> float:
    """The number an `_AMOUNT` match says: "2", "two", "a couple of", "half an"."""
    if raw is None:
        return 1
    text = " ".join(raw.lower().split())
    if text[:1].isdigit():
        return float(text.rstrip("stndrh"))
    return NUMBER_WORDS[text]


def unit_name(raw: str) -> str:
    """The plural unit a `_UNIT` match names: "h" -> "hours", "wk" -> "weeks"."""
    word = raw.lower()
    return UNIT_NAMES.get(word) or UNIT_NAMES.get(word.rstrip("s")) or word


NUMBER_WORDS = {
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
UNIT_NAMES = {
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
ORD_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORD_ITEM = r"(?:[0-9]{1,2}(?:st|nd|rd|th)?|last(?:\s+day)?|" + "|".join(ORD_WORDS) + ")"
_ORD_SEP = r"\s*(?:,\s*(?:and\s+)?|\band\s+|&\s*)(?:the\s+)?"
_ORD_LIST = rf"{_ORD_ITEM}(?:{_ORD_SEP}{_ORD_ITEM}){{0,30}}"
_NUM_ORD = r"[0-9]{1,2}(?:st|nd|rd|th)"
_MER_RAW = r"(?P<mer>[ap]\.?m\.?)"
_MER = _MER_RAW + r"(?![a-z0-9])"
HOUR_WORDS = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve".split(), 1)}  # fmt: skip

QUOTED = rx(r"\"[^\"\n]{0,400}\"|“[^”\n]{0,400}”|‘[^’\n]{0,400}’|(?<![\w'])'[^'\n]{1,400}'(?!\w)")
_CRON_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)"
_CRON_FIELD = (
    rf"(?:[0-9*?][0-9a-z*?,/#-]*|{_CRON_NAME}(?:[-,/#](?:{_CRON_NAME}|[0-9]+))*|LW?)(?![^\s`])"
)
CRON_PREFIXED = rx(rf"\bcron\s*:?\s*(?P<expr>@[a-z]+|{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{0,6}})")
CRON_BARE = rx(rf"(?<![^\s`])(?P<expr>{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{4,5}})")
CRON_MACRO = rx(r"(?<![\w@])(?P<expr>@(?:yearly|annually|monthly|weekly|daily|midnight|hourly))\b")

EXCEPT = rx(
    rf"\b(?:except|excluding|but\s+not|other\s+than)\s+(?:on\s+)?(?:{_DAY}|{_WEEKPART}|holidays?)"
)
# "twice a day", "three times a week", "once a month", "twice daily".
PER = rx(
    r"\b(?P<n>once|twice|thrice|(?:[0-9]{1,2}|two|three|four|five|six)\s+times)\s+"
    r"(?:a|an|per|each|every)\s+(?P<unit>day|week|month|year|hour)\b"
    r"|\b(?P<n2>once|twice)\s+(?P<adv>daily|weekly|monthly|yearly|hourly)\b"
)
_CLOCK = r"(?:[0-9]{1,2}(?:[:.][0-9]{2})?(?:\s*[ap]\.?m\.?(?![a-z]))?|noon|midnight)"
_WINDOW_TO = r"\s*(?:\band\b|\bto\b|\btill\b|\buntil\b|\bthrough\b|\bthru\b|-|–)\s*"
WINDOW = rx(rf"\b(?:between|from)\s+(?P<a>{_CLOCK}){_WINDOW_TO}(?P<b>{_CLOCK})(?![0-9:])")
WINDOW_MER = rx(  # "9am-5pm", "9am to 5pm": both ends need am/pm without "between"
    r"(?<![0-9:.])\b(?P<a>[0-9]{1,2}(?::[0-9]{2})?\s*[ap]\.?m\.?)\s*(?:-|–|\bto\b)\s*"
    r"(?P<b>[0-9]{1,2}(?::[0-9]{2})?\s*[ap]\.?m\.?)(?![a-z0-9])"
)
CLOCK_END = rx(  # one end of a window, read again for its hour, minute and am/pm
    rf"(?P<h>[0-9]{{1,2}})(?:[:.](?P<m>[0-9]{{2}}))?(?:\s*{_MER_RAW})?|(?P<w>noon|midnight)"
)
HOURS_WORDS = rx(r"\b(?:during\s+|within\s+|in\s+)?(?:business|working|office|work)\s+hours\b")
QUARTERLY = rx(r"\b(?:quarterly|semi-?annually|bi-?annually|bi-?monthly)\b")
VAGUE = rx(r"\b(?:next|this|coming)\s+(?:week|month|year|weekend)\b(?!')")
AGO = rx(rf"(?<![a-z0-9.]){_AMOUNT}{_UNIT}\s+ago\b")

ISO = rx(
    r"(?:\bon\s+)?(?<![0-9])(?P<y>[0-9]{4})[-/](?P<mo>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"
    r"(?:(?:T|\s+(?:at\s+)?)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})"
    r"(?:\.[0-9]{1,6})?)?(?P<off>Z\b|[+-][0-9]{2}(?::?[0-9]{2})?)?)?(?![0-9])"
)
_REL_PIECE = rf"(?P<n>{_AMOUNT}){_UNIT}(?P<half>\s+and\s+a\s+half)?"
_REL_BODY = rf"{_AMOUNT}{_UNIT.replace('?P<unit>', '?:')}(?:\s+and\s+a\s+half)?"
RELATIVE = rx(
    rf"\b(?:in|after)\s+(?P<body>{_REL_BODY}(?:\s*(?:,\s*|and\s+)?{_REL_BODY}){{0,3}})"
    rf"|\b(?P<body2>{_REL_BODY}(?:\s*(?:,\s*|and\s+)?{_REL_BODY}){{0,3}})\s+from\s+now\b"
)
REL_ITEM = rx(_REL_PIECE)

# Bounds: a keyword, then a day read by `bounds` at the match end.
BOUND = rx(
    r"\b(?P<kw>starting|beginning|commencing|effective|as\s+of|from|between|until|till|til"
    r"|through|thru|ending|up\s+to\s+and\s+including)\s+(?:(?:on|with|from)\s+)?"
)
BOUND_TO = rx(r"\s*(?:-|–|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b|\band\b)\s*(?:on\s+)?")
BOUND_DAY = rx(rf"(?:(?P<pre>next|this|coming)\s+)?(?P<day>{_DAY})(?!')")
BOUND_NTH = rx(rf"(?:the\s+)?(?P<d>{_NUM_ORD})\b(?!\s+of\s+(?:{_MONTH_NAMES}))")
BOUND_END_OF = rx(
    r"(?:the\s+)?end\s+of\s+(?:(?P<this>the|this)\s+(?P<unit>month|year)\b"
    rf"|(?P<mon>{_MONTH_NAMES})\b)"
)
BOUND_NOW = rx(r"(?:now|today)\b(?:\s+on\b)?")
BOUND_AFTER_DAY = rx(rf"{_DAY}\s*$")
BOUND_LENGTH = rx(
    rf"\b(?:for|over)\s+(?:the\s+(?:next|coming|following)\s+)?(?P<n>{_AMOUNT})?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b(?!')"
)
BOUND_REST = rx(r"\bfor\s+the\s+rest\s+of\s+(?:the\s+|this\s+)?(?P<unit>week|month|year)\b")
BOUND_COUNT = rx(
    r"(?:\bfor\s+)?(?:\bthe\s+next\s+)?(?:\bonly\s+)?(?<![\w.])(?P<n>[0-9]{1,4}|one|two|three"
    r"|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)\s+(?:more\s+)?"
    r"(?:times|runs|occurrences)\b(?:\s+only\b)?(?!\s+(?:a|an|per|each|every)\b)"
)

DATE_MD = rx(
    rf"(?<![\w#@])(?:(?P<every>every|each)\s+)?(?:on\s+)?(?:the\s+)?{_MONTH}\s+(?:the\s+)?"
    rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b{_NOT_TIME}{_YEAR}"
)
DATE_DM = rx(
    rf"(?<![\w#@/.:-])(?:(?P<every>every|each)\s+)?(?:on\s+)?(?:the\s+)?(?P<d>[0-9]{{1,2}})"
    rf"(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?{_MONTH}{_YEAR}"
)
DATE_NUMERIC = rx(
    r"(?:\bon\s+)?(?<![\w/.:-])(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})(?:/(?P<y>[0-9]{4}|[0-9]{2}))?"
    r"(?![\w/])"
)
DATE_DOTTED = rx(
    r"(?:\bon\s+)?(?<![\w/.:-])(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})(?![\w.])"
)
# Found as a run, then checked for "of every month" after it: a regex that
# demanded the suffix would rescan the run from every start (quadratic).
ORD_RUN = rx(rf"(?<![\w#@])(?:on\s+)?(?:the\s+)?(?P<list>{_ORD_LIST})(?:\s+days?)?\b")
OF_MONTH = rx(r"\s+of\s+(?:every|each|the)\s+month\b")
MONTH_END = rx(r"(?:\bat\s+)?(?:\bthe\s+)?\bend\s+of\s+(?:every|each|the)\s+month\b")
MONTHLY_ON = rx(
    r"\b(?:monthly|every\s+month|each\s+month)\s*,?\s*on\s+(?:the\s+)?"
    rf"(?P<list>{_ORD_LIST})(?:\s+days?)?(?:\s+of\s+the\s+month)?\b"
)
# "the first monday", "2nd and 4th tuesday", "first monday and third friday",
# "the last weekday"; the month part ("of every month", "of march and june")
# is matched after it (`NTH_OF`), as `OF_MONTH` is.
_NTH_ORD = (
    r"(?:(?:second|next)[\s-]+to[\s-]+last|penultimate|first|second|third|fourth|fifth|last"
    r"|1st|2nd|3rd|4th|5th)"
)
_NTH_DAY = rf"(?:{_DAY}|week\s?days?\b|business\s+days?\b|working\s+days?\b|work\s?days?\b)"
_NTH_SEP = r"\s*(?:,\s*(?:and\s+)?|\band\s+|&\s*)(?:the\s+)?"
_NTH_ITEM = rf"{_NTH_ORD}(?:{_NTH_SEP}{_NTH_ORD}){{0,4}}\s+{_NTH_DAY}"
NTH = rx(
    rf"(?<![\w#@])(?:(?P<every>every|each)\s+)?(?:on\s+)?(?:the\s+)?"
    rf"(?P<list>{_NTH_ITEM}(?:{_NTH_SEP}{_NTH_ITEM}){{0,6}})"
)
NTH_ITEM = rx(rf"(?P<ords>{_NTH_ORD}(?:{_NTH_SEP}{_NTH_ORD}){{0,4}})\s+(?P<day>{_NTH_DAY})")
NTH_ORD = rx(_NTH_ORD)
_MONTH_LIST = rf"(?:{_MONTH_NAMES})\b\.?(?:{_NTH_SEP}(?:{_MONTH_NAMES})\b\.?){{0,11}}"
NTH_OF = rx(
    r"\s*,?\s*(?:(?:of|in)\s+(?:(?P<each>every|each|the|a)\s+month\b"
    r"|(?P<rel>next|this|the\s+next|the\s+coming|coming)\s+month\b"
    rf"|(?:(?P<every>every|each)\s+)?(?P<months>{_MONTH_LIST}))|(?:every|each)\s+month\b)"
)
NTH_MONTH = rx(rf"\b(?:{_MONTH_NAMES})\b")
EVERY_ORD = rx(
    rf"\bevery\s+(?:the\s+)?(?P<list>{_NUM_ORD})\b"
    r"(?!\s+(?:days?|weeks?|months?|hours?|minutes?|years?)\b)(?:\s+(?:day\s+)?of\s+the\s+month\b)?"
)
ORD_ONCE = rx(rf"(?<![\w#@])(?:on\s+)?the\s+(?P<list>{_NUM_ORD}(?:{_ORD_SEP}{_NUM_ORD})*)\b")
EVERY_MORE = rx(rf"\s*(?:,\s*|and\s+)?(?P<n>{_AMOUNT}){_UNIT}")
EVERY = rx(rf"\b(?:every|each)\s+(?P<n>{_AMOUNT})?{_UNIT}")
# "daily" is an adjective in "the daily standup": it counts only before a
# time word, a connective or the end, never before another noun.
ADVERB = rx(
    r"\b(?P<w>hourly|daily|nightly|weekly|bi-?weekly|fortnightly|monthly|yearly|annually"
    r"|everyday)\b(?=\s*(?:$|[^\sa-z]|(?:at|on|in|to|into|from|starting|by|around|about|and"
    r"|until|till|for|please|except|between|before|after|noon|midnight|starting|beginning"
    r"|through|thru|would|will|works?|is|are|should|could|might|if|sounds?|suits?|seems?"
    rf"|thanks|then|so|but|or|ok|okay|fine|good|best|too|also|again|{_DAY}|{_WEEKPART})\b))"
    r"|\b(?:on\s+)?an?\s+(?P<b>daily|weekly|monthly|yearly|hourly|nightly)\s+basis\b"
)
PERIOD = rx(
    r"(?P<pre>\b(?:in\s+the|this|every|each|tomorrow|today|tmrw|weekday|weekdays|weekend"
    rf"|weekends|{_DAY})\s+)?\b(?P<p>morning|afternoon|evening|night)(?P<pl>s)?\b"
    r"|\bat\s+(?P<night>night)\b"
)
RELDAY = rx(
    r"\b(?:on\s+)?(?:the\s+)?(?P<w>day\s+after\s+tomorrow|day\s+before\s+yesterday|today"
    r"|tonight|tomorrow|tmrw|tmr|yesterday)\b(?!')"
)
_DAY_ITEM = rf"(?:{_WEEKPART}|{_DAY}(?:{_RANGE}{_DAY})?)"
_DAY_SEP = r"\s*(?:,\s*(?:and\s+|&\s*)?|/|&|\+|\band\b)\s*(?:(?:every|each|on)\s+)?"
DAYSET = rx(
    r"(?<![#@\w])(?:(?P<pre>every\s+other|every\s+single|every|each|on|next|this|coming|last)"
    rf"\s+)?(?P<days>{_DAY_ITEM}(?:{_DAY_SEP}{_DAY_ITEM})*)"
)
AT_NEXT = rx(r"\s*(?:at\b|@|[0-9]|noon\b|midnight\b)")
TIME_BEFORE = rx(r"(?:[0-9]|[ap]\.?m\.?|noon|midnight)\s*(?:on\s+)?$")
DAY_PART = rx(rf"(?P<wp>{_WEEKPART})|(?P<a>{_DAY})(?:{_RANGE}(?P<b>{_DAY}))?")

TIME_HALF = rx(
    r"(?:\bat\s+)?\b(?P<q>half|quarter|[0-9]{1,2})(?:\s+minutes?)?\s+(?P<dir>past|after|to|before)"
    rf"\s+(?P<h>[0-9]{{1,2}})(?![0-9:])(?:\s*{_MER})?"
)
TIME_AMPM = rx(
    r"(?:(?:\bat|@|\bby|\baround)\s*)?(?<![0-9:.])\b(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?"
    rf"\s*{_MER}"
)
TIME_OCLOCK = rx(r"(?:\bat\s+)?\b(?P<h>[0-9]{1,2}|" + "|".join(HOUR_WORDS) + r")\s*o'?\s*clock\b")
TIME_NOON = rx(r"(?:\bat\s+)?(?:\b12\s+)?\b(?P<w>noon|midday|mid-day|midnight)\b")
TIME_AT = rx(
    r"(?:\bat|@)\s*(?P<h>[0-9]{1,2})(?:[:.h](?P<m>[0-9]{2}))?(?:\s*hours\b)?"
    r"(?![0-9]|[:./][0-9])"
)
TIME_COLON = rx(r"(?<![0-9:.])\b(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::00)?(?![0-9]|:[0-9])")
TIME_MORE = rx(
    r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?"
    rf"(?:\s*{_MER})?(?![0-9:/])"
)
HOURMIN = rx(
    r"(?:\bat\s+)?(?<![0-9]):(?P<m>[0-9]{2})\b"
    r"|(?:\bat\s+)?\b(?P<m2>[0-9]{1,2}|quarter|half)\s+(?:minutes?\s+)?(?:past|after)"
    r"(?:\s+(?:the|each|every)\s+hour)?\b(?!\s*[0-9])"
    r"|\bon\s+the\s+hour\b"
)
MONTH_WORD = rx(rf"\b(?:{_MONTH_NAMES})\b")
TOKEN = rx(r"\S+")
ASCII_WORD = rx(r"\b[a-z]{3,12}\b")
