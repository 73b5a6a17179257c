"""What the fuzz tests share: a deterministic profile and the inputs people (and LLMs) send.

`fuzz(n)` is hypothesis settings that are the same on every run
(`derandomize`, no example database), with `n` examples and no per-example
deadline: the suite stays a few seconds long and a failure reproduces
exactly. The strategies build text near what the parsers accept (command
words, times, channels, quotes, typos) rather than only random noise, which
they refuse at the first character.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Markers of an exception that reached a person, in any text shown to them.
LEAKS = ("Traceback", 'File "', "Exception", "Error(", "KeyError", "TypeError", "ValueError")


def fuzz(examples: int) -> settings:
    """The fuzz profile: deterministic, `examples` of them, no deadline."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def leaked(text: str) -> list[str]:
    """The exception markers found in `text`."""
    return [marker for marker in LEAKS if marker in text]


# ---- words --------------------------------------------------------------------------------

COMMAND_WORDS = (
    "list ls schedules help ? usage tz timezone zone edit update change modify reschedule "
    "when run-workflow workflow digest summary summarize recap show get info describe "
    "pause stop disable mute resume unpause enable delete remove rm cancel drop kill "
    "run trigger fire history runs log remind ask: post say send"
).split()
TIME_WORDS = (
    "every day daily weekday weekdays weekend monday mon tuesday wed friday fri sunday "
    "at 9 9am 9:30am 17:00 noon midnight 4 half past quarter to o'clock tomorrow today "
    "tonight morning evening in 5 10 minutes hours days weeks other the 1st 15th 31st "
    "last first second of month year march dec 12/24 24/12 3/4 2027-02-30 until from to "
    "starting between and for times once twice a an ET PST UTC GMT Europe/Berlin Tokyo "
    "cron: 0 9 * * 1-5 @daily @hourly L LW 5L 1#1 */15 weekly monthly quarterly yearly"
).split()
NEAR_MISSES = (
    "evry eveyr dayly tomorow tommorrow mondy fridya 25:00 13pm 9:75 0th 32nd 31st-feb "
    "feb 30 2026-13-01 at at every every in in -5 minutes 0 minutes every 0 hours "
    "every 1 seconds 1e9 minutes 99999999999 days Europe/Nowhere America/new_york utc+25 "
    "UTC+14 @weekly @reboot 61 * * * * 0 25 * * * * * * * * * cron: nonsense"
).split()
NAMES = ("standup", "standup-2", "Standup Reminder", "weekly-report-ceng", "x" * 101, "ünï", "")
CHANNELS = (
    "<#CENG|eng>",
    "<#CENG>",
    "#eng",
    "#general",
    "<#C0>",
    "<#bad|x>",
    "<@UALICE>",
    "<@UBOB|bob>",
    "<@W123ABC>",
    "@bob",
    "me",
    "here",
    "this channel",
    "<!channel>",
    "<!here>",
)
QUOTES = ('"', "“", "”", "'", "‘", "’", "`", '""', "“”")
ODD = (
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\r\n",
    "\t",
    "🤖",
    "漢字",
    "<script>",
    "'; DROP TABLE schedules; --",
    "{date}",
    "{__class__}",
    "%s%n",
    "*bold*",
    "```",
)

_word = st.sampled_from(COMMAND_WORDS + TIME_WORDS + NEAR_MISSES)
_piece = st.one_of(
    _word,
    _word,
    st.sampled_from(NAMES),
    st.sampled_from(CHANNELS),
    st.sampled_from(QUOTES),
    st.sampled_from(ODD),
    st.integers(-10, 100_000).map(str),
    st.text(alphabet=string.ascii_letters + string.digits + ":/-#@<>|*", max_size=8),
)


def typo(word: str) -> str:
    """`word` with its first two letters swapped (a cheap, deterministic typo)."""
    return word[1] + word[0] + word[2:] if len(word) > 2 else word


sentences = st.lists(_piece, max_size=14).map(" ".join)
"""Words of the grammars, times, names, channels, quotes and odd characters, jumbled."""

typoed = st.lists(st.sampled_from(COMMAND_WORDS + TIME_WORDS).map(typo), max_size=8).map(" ".join)
"""Command and time words each with a typo."""

anything = st.text(max_size=300)
"""Any text at all (hypothesis' full alphabet)."""

TIMES = (
    "every weekday at 9:30am",
    "every day at 9",
    "tomorrow at 3pm",
    "in 20 minutes",
    "every other tuesday at 4pm",
    "on the last day of every month at noon",
    "every hour between 9am and 5pm on weekdays",
    "at 4",
    "every friday at 4pm until march 1",
    "0 9 * * 1-5",
    "cron: */15 9-17 * * 1-5",
    "every 5 seconds",
    "daily",
    "next week",
    "the 15th at 9",
    "every monday at 9 in Tokyo",
)
TEMPLATES = (
    '{time} "{text}" {where}',
    "{time} remind {whom} to {text}",
    "{time} {text}",
    "digest {channel} {time} {where}",
    "a digest of {channel} of the last {n} days {time}",
    "{time} ask: {text}",
    "{time} run the {name} workflow",
    "{verb} {name}",
    'edit {name} {time} "{text}" {where}',
    "when {name}",
    "list {scope}",
    "tz {zone}",
    "run-workflow {name} {where}",
)
_slots = st.fixed_dictionaries(
    {
        "time": st.sampled_from(TIMES) | st.sampled_from(TIMES).map(typo) | sentences,
        "text": st.sampled_from(("Standup", "ship it", "the report"))
        | st.sampled_from(("", "x" * 3990, *ODD))
        | st.text(max_size=20),
        "where": st.sampled_from(("", "in #eng", "in <#CENG|eng>", "to <@UBOB>", "in #nope")),
        "whom": st.sampled_from(("me", "us", "<@UBOB>", "<@UGONE>", "#eng")),
        "channel": st.sampled_from(CHANNELS),
        "n": st.integers(-1, 30).map(str),
        "name": st.sampled_from(NAMES) | st.text(max_size=12),
        "verb": st.sampled_from(COMMAND_WORDS),
        "scope": st.sampled_from(("", "mine", "all", "here", "#eng", "<#CENG>", "everything else")),
        "zone": st.sampled_from(("Europe/Berlin", "europe/berlin", "Mars/Olympus", "ET", "")),
    }
)
commands = st.tuples(st.sampled_from(TEMPLATES), _slots).map(lambda t: t[0].format(**t[1]))
"""Commands as people type them, right or nearly: each template with plausible or odd slots."""

glued = st.tuples(
    st.sampled_from(TIMES), st.text(string.ascii_lowercase, min_size=1, max_size=3)
).map("".join)
"""A time glued to what follows it: "at 4pmx", "at 2p", "every day at 3r"."""

slash_text = st.one_of(commands, commands, sentences, typoed, glued, anything)

# ---- JSON, as an LLM sends it ------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(NAMES + CHANNELS + ODD),
    st.sampled_from(TIME_WORDS).map(str),
    st.integers(4001, 6000).map(lambda n: "x" * n),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_objects(
    keys: list[str], plausible: dict[str, Any], required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the `required` keys and some of the others: each value mostly a
    plausible one for its key, else any JSON at all."""

    def value(key: str) -> st.SearchStrategy[Any]:
        options = plausible.get(key)
        if not options:
            return json_values
        likely = st.sampled_from(options)
        return st.one_of(likely, likely, likely, json_values)

    optional = [key for key in keys if key not in required]
    some = st.lists(st.sampled_from(optional), max_size=3, unique=True) if optional else st.just([])
    return some.flatmap(
        lambda chosen: st.fixed_dictionaries({key: value(key) for key in [*required, *chosen]})
    )
