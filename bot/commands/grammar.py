"""The `/tock` command: a small grammar (`parse_slash`) and its handler.

    /tock every weekday at 9:30am "Standup in 5 minutes" in #eng
    /tock tomorrow at 3pm remind us to ship          (no quotes: the words left
                                                      after the time are the message)
    /tock list [mine|all|here|#channel]
    /tock pause|resume|delete|run|history|show NAME
    /tock tz America/New_York                        (no zone: show the current one)
    /tock help                                       (also: empty text)

Decisions:
- Quoted text ("…", “…”, or 'single' quotes around words) is the message and
  never read as a time or a channel. One quoted message per command.
- The channel is `<#C123|eng>` (what Slack sends when the command escapes
  channels) or a plain `#eng`, optionally after in/to/into/on/for. A plain
  name is resolved by the host's `resolve_channel`; no channel means the
  channel the command was typed in.
- `/tock list` with no scope lists the whole team's schedules, like the tool.
- `/tock delete NAME` deletes at once: typing the command is the confirmation.
  (Agents, which may misread a request, ask with a button instead.)
- Parsing is pure: `now` is a parameter. Without one, a fixed instant in the
  past is used only to split the time from the message; the tools parse the
  time again against the real clock when the schedule is created.
- Nothing but `SlashError` escapes `parse_slash`, whatever the input.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.commands.verbs import (
    BY_COMMAND,
    BY_WORD,
    HELP_WORDS,
    LIST_WORDS,
    TZ_WORDS,
    VERBS,
    Command,
)
from bot.slack.blocks import EXAMPLE
from bot.slack.ids import CHANNEL_MENTION, USER_MENTION
from tools.timeparse import ParseError, canonical_zone, closest_zone, parse_when

Kind = Literal["create", "list", "tz", "help"] | Command
Scope = Literal["mine", "channel", "all"]
ChannelResolver = Callable[[str], Awaitable[str | None]]

MAX_INPUT = 4000
MAX_NAME = 100
REFERENCE_NOW = datetime(2000, 1, 3, 12, 0, tzinfo=UTC)  # see "Decisions" above

HELP = "\n".join(
    [
        "*Tock* posts messages on a schedule. For example:",
        f"• `{EXAMPLE}`",
        '• `/tock tomorrow at 3pm "Deploy freeze starts"`',
        "• `/tock every friday at 4pm remind us to fill in timesheets`",
        "• `/tock list` · `/tock list mine` · `/tock list #eng`",
        "• `/tock pause NAME` · `resume` · `run` · `history` · `show` · `delete`",
        "• `/tock tz America/New_York`: times you write are read in your timezone",
        "You can also mention me and ask in plain words.",
    ]
)

_SCOPES: dict[str, Scope] = {
    "": "all", "all": "all", "everything": "all", "team": "all",
    "mine": "mine", "my": "mine", "me": "mine",
    "here": "channel", "channel": "channel", "this": "channel",
}  # fmt: skip
_EXAMPLES = {
    "list": "/tock list mine",
    "tz": "/tock tz America/New_York",
    "help": "/tock help",
    "every": EXAMPLE,
    "daily": '/tock daily at 9am "Good morning"',
    "tomorrow": '/tock tomorrow at 3pm "Deploy freeze starts"',
    "today": '/tock today at 5pm "Wrap up"',
    "weekly": '/tock weekly on monday at 10am "Planning"',
    "at": '/tock at 5pm "Wrap up"',
    "in": '/tock in 10 minutes "Coffee break"',
    "on": '/tock on friday at 4pm "Timesheets"',
} | {verb.command: f"/tock {verb.command} standup" for verb in VERBS}
_COMMANDS = frozenset({"list", "tz", "help", *BY_COMMAND})

# Double quotes of either kind; single quotes only around words, so "don't" stays.
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|‘([^’]*)’|(?<![\w’\'])\'([^\']+)\'(?![\w\'])')
_STRAY_QUOTE = re.compile(r'["“”]')
_PREP = r"(?:(?i:in|to|into|on|for)\s+)?"
_CHANNEL_LINK = re.compile(_PREP + CHANNEL_MENTION.pattern)
_CHANNEL_NAME = re.compile(rf"{_PREP}(?<![\w&#<])#([\w-]{{1,80}})")
_NAME_OK = re.compile(r"^[\w][\w .:/+'’-]*$")
_REMIND = re.compile(
    rf"^remind(?:\s+(?P<person>{USER_MENTION.pattern})"
    r"|\s+(?:me|us|everyone|everybody|people|them|the\s+team|all))?"
    r"(?:\s+(?:to|that|about|of))?\b[\s:,-]*",
    re.IGNORECASE,
)
_SAY = re.compile(
    r"^(?:post|say|send|announce|message|tell\s+(?:us|everyone|everybody))\b[\s:,-]*", re.I
)


@dataclass(frozen=True)
class ChannelRef:
    """A channel as typed: a Slack link carries its id, a plain `#name` does not."""

    id: str | None = None
    name: str | None = None

    def typed(self) -> str:
        return f"#{self.name}" if self.name else f"<#{self.id}>"


@dataclass(frozen=True)
class SlashCommand:
    kind: Kind
    name: str | None = None  # show/pause/resume/delete/run/history
    when: str | None = None  # create: the text the time is parsed from
    text: str | None = None  # create: the message
    channel: ChannelRef | None = None  # create: target; list: scope=channel
    scope: Scope | None = None  # list
    timezone: str | None = None  # tz: the zone to set; None shows the current one


class SlashError(Exception):
    """The text is not a command we can run: `message` says why, `example` what works."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


def parse_slash(text: str, *, tz: str = "UTC", now: datetime | None = None) -> SlashCommand:
    """Read `/tock` text into a command, or raise `SlashError`."""
    text = checked_input(text)
    head, rest = split_head(text)
    word = head.lower()
    if not text or word in HELP_WORDS:
        return SlashCommand("help")
    if word in LIST_WORDS:
        return _parse_list(rest)
    if verb := BY_WORD.get(word):
        return SlashCommand(verb.command, name=_checked_name(rest, verb.command))
    if word in TZ_WORDS:
        return SlashCommand("tz", timezone=_checked_zone(rest) if rest else None)
    return _parse_create(text, tz, now or REFERENCE_NOW)


def checked_input(text: str) -> str:
    """Trimmed text, refusing what no command can contain (too long, control characters)."""
    if len(text) > MAX_INPUT:
        raise SlashError(
            f"That is {len(text):,} characters; a command can be at most {MAX_INPUT:,}.",
            "Shorten the message, or split it across schedules.",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t\r" for ch in text):
        raise SlashError("The text contains control characters I can't store.", EXAMPLE)
    return text.strip()


def split_head(text: str) -> tuple[str, str]:
    """The first word and the rest, both trimmed."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _parse_list(rest: str) -> SlashCommand:
    channel, left = extract_channel(rest)
    if channel is not None and not left.strip():
        return SlashCommand("list", scope="channel", channel=channel)
    scope = _SCOPES.get(rest.lower().removeprefix("in ").strip())
    if scope is None or channel is not None:
        raise SlashError(
            f"I can list `mine`, `all`, `here` or one `#channel`, not “{_shown(rest)}”.",
            "/tock list mine",
        )
    return SlashCommand("list", scope=scope)


def _checked_name(raw: str, verb: str) -> str:
    name = raw.strip().strip("`\"'“”‘’").strip()
    if not name:
        raise SlashError(f"Which schedule should I {verb}?", f"/tock {verb} standup")
    if len(name) > MAX_NAME:
        raise SlashError(f"Schedule names are at most {MAX_NAME} characters.", "/tock list")
    if not _NAME_OK.match(name):
        raise SlashError(
            f"“{_shown(name)}” is not a schedule name: names are letters, digits and "
            "hyphens. `/tock list` shows them.",
            f"/tock {verb} standup",
        )
    return name


def _checked_zone(raw: str) -> str:
    zone = canonical_zone(raw)
    if zone is None:
        example = f"/tock tz {closest_zone(raw) or 'America/New_York'}"
        raise SlashError(f"“{_shown(raw)}” is not a timezone I know.", example)
    return zone


def _parse_create(text: str, tz: str, now: datetime) -> SlashCommand:
    message, rest = extract_message(text)
    channel, rest = extract_channel(rest)
    try:
        parsed = parse_when(rest, tz, now)
    except ParseError as err:
        raise _not_understood(text, err) from None
    if message is None:
        message = clean_message(parsed.remainder)
        if not message:
            raise SlashError("What should I post? Put the message in quotes.", f'/tock {rest} "…"')
    return SlashCommand("create", when=rest, text=message, channel=channel)


def extract_message(text: str) -> tuple[str | None, str]:
    """The quoted message (None without one) and the text around it."""
    found = list(_QUOTED.finditer(text))
    if len(found) > 1:
        raise SlashError("Put the message in one pair of quotes.", EXAMPLE)
    rest = _QUOTED.sub(" ", text) if found else text
    if _STRAY_QUOTE.search(rest):
        raise SlashError("A quote is missing its closing mark.", EXAMPLE)
    if not found:
        return None, _squash(rest)
    message = next(g for g in found[0].groups() if g is not None).strip()
    if not message:
        raise SlashError("The quoted message is empty.", EXAMPLE)
    return message, _squash(rest)


def extract_channel(text: str) -> tuple[ChannelRef | None, str]:
    """The one channel named in `text` (link or `#name`) and the text without it."""
    refs = [
        ChannelRef(id=m.group(1), name=m.group(2) or None) for m in _CHANNEL_LINK.finditer(text)
    ]
    rest = _CHANNEL_LINK.sub(" ", text)
    refs += [ChannelRef(name=m.group(1).lower()) for m in _CHANNEL_NAME.finditer(rest)]
    rest = _CHANNEL_NAME.sub(" ", rest)
    if len({(r.id, r.name) for r in refs}) > 1:
        raise SlashError("A schedule posts into one channel; name just one.", EXAMPLE)
    return (refs[0] if refs else None), _squash(rest)


def clean_message(remainder: str) -> str:
    """The words left after the time, as a message: "remind us to X" → "Reminder: X".

    A person named in Slack's mention form stays in the message, so the post
    mentions them: "remind <@U1> to X" → "Reminder for <@U1>: X".
    """
    text = remainder.strip(" \t\n:,-–—")
    if (remind := _REMIND.match(text)) and remind.end() < len(text):
        whom = f" for {remind['person']}" if remind["person"] else ""
        return f"Reminder{whom}: {text[remind.end() :]}"
    return _SAY.sub("", text, count=1).strip()


def _shown(text: str, limit: int = 80) -> str:
    """User text quoted back in an error: one line, clipped (escaped when rendered)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _squash(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


def _not_understood(text: str, err: ParseError) -> SlashError:
    """Help for text that is neither a command nor a time: the closest example."""
    head, rest = split_head(text)
    close = _closest(head.lower())
    if close in _COMMANDS and head.lower() not in _EXAMPLES:
        takes_name = close in BY_COMMAND and rest
        example = f"/tock {close} {_shown(rest, 60)}" if takes_name else _EXAMPLES[close]
        return SlashError(f"I don't know the command “{_shown(head)}”.", example)
    message = err.message + (f" ({err.hint})" if err.hint else "")
    return SlashError(message, _EXAMPLES[close] if close else EXAMPLE)


def _closest(word: str) -> str | None:
    """The known first word nearest to `word`: a prefix ("hist") wins, else difflib."""
    if len(word) >= 3 and (prefixed := [w for w in _EXAMPLES if w.startswith(word)]):
        return prefixed[0]
    # 0.75: "lsit" and "plause" are typos of commands; "hello" is not a typo of "help".
    close = difflib.get_close_matches(word, list(_EXAMPLES), n=1, cutoff=0.75)
    return close[0] if close else None


def format_command(command: SlashCommand, tz: str = "UTC", now: datetime | None = None) -> str:
    """The canonical `/tock ...` text for a parsed command."""
    if command.kind == "create":
        return _format_create(command, tz, now or REFERENCE_NOW)
    if command.kind == "list":
        scope = command.channel.typed() if command.channel else command.scope
        return "/tock list" + ("" if scope == "all" else f" {scope}")
    if command.kind == "tz":
        return f"/tock tz {command.timezone}" if command.timezone else "/tock tz"
    return f"/tock {command.kind} {command.name}" if command.name else f"/tock {command.kind}"


def _format_create(command: SlashCommand, tz: str, now: datetime) -> str:
    when = _time_words(command.when or "", tz, now)
    text = (command.text or "").replace('"', "'")
    where = f" in {command.channel.typed()}" if command.channel else ""
    return f'/tock {when} "{text}"{where}'


def _time_words(when: str, tz: str, now: datetime) -> str:
    """Just the words of `when` that make up the time, if that reads the same."""
    try:
        full = parse_when(when, tz, now)
        words = when.split()
        left = full.remainder.split()
        matcher = difflib.SequenceMatcher(a=words, b=left, autojunk=False)
        taken = {
            i
            for block in matcher.get_matching_blocks()
            for i in range(block.a, block.a + block.size)
        }
        time_only = " ".join(w for i, w in enumerate(words) if i not in taken)
        if time_only and parse_when(time_only, tz, now).trigger == full.trigger:
            return time_only
    except ParseError:
        pass
    return when  # the whole text still parses to the same time; only less tidy


def suggest_command(text: str, tz: str, now: datetime) -> str | None:
    """The `/tock` command that would do what `text` asks, when the grammar can tell."""
    try:
        command = parse_slash(text, tz=tz, now=now)
    except SlashError:
        return None
    return None if command.kind == "help" else format_command(command, tz, now)
