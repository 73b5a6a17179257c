"""The `/tock` command's grammar: `parse_slash(text) -> SlashCommand`. Pure.

    /tock every weekday at 9:30am "Standup in 5 minutes" in #eng
    /tock tomorrow at 3pm remind us to ship          (no quotes: the words left
                                                      after the time are the message)
    /tock in 20 minutes remind me to stretch         (a DM to you)
    /tock digest #support every weekday at 9am [in #leads]
    /tock edit NAME <new time> ["new text"] [in #channel]   (also: update, change)
    /tock when NAME                                  (its next runs)
    /tock run-workflow NAME [in #channel]            (once, now)
    /tock list [mine|all|here|#channel]
    /tock pause|resume|delete|run|history|show NAME
    /tock tz America/New_York                        (no zone: show the current one)
    /tock help                                       (also: empty text)

Decisions:
- Creating follows `bot.commands.requests` (messages, DMs, digests, agent
  prompts, workflows); an edit reads its new time, text and channel the same
  way.
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
from datetime import UTC, datetime

from bot.commands.command import Scope, SlashCommand, SlashError
from bot.commands.requests import (
    UnreadTime,
    extract_channel,
    extract_message,
    looks_like_request,
    parse_request,
)
from bot.commands.verbs import (
    BY_COMMAND,
    BY_WORD,
    DIGEST_WORDS,
    EDIT_WORDS,
    HELP_WORDS,
    LIST_WORDS,
    RUN_WORKFLOW_WORDS,
    TZ_WORDS,
    VERBS,
    WHEN_WORDS,
)
from bot.slack.blocks import EXAMPLE
from tools.timeparse import ParseError, canonical_zone, closest_zone

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
        "• `/tock digest #support every weekday at 9am`",
        "• `/tock in 20 minutes remind me to stretch` (a DM to you)",
        '• `/tock edit NAME 9:30am` · `/tock edit NAME "New text"` · `/tock when NAME`',
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
    "edit": "/tock edit standup 9:30am",
    "when": "/tock when standup",
    "run-workflow": "/tock run-workflow heartbeat",
    "digest": "/tock digest #support every weekday at 9am",
} | {verb.command: f"/tock {verb.command} standup" for verb in VERBS}
_COMMANDS = frozenset({"list", "tz", "help", "edit", "when", "digest", "run-workflow", *BY_COMMAND})

_NAME_OK = re.compile(r"^[\w][\w .:/+'’-]*$")


def parse_slash(text: str, *, tz: str = "UTC", now: datetime | None = None) -> SlashCommand:
    """Read `/tock` text into a command, or raise `SlashError`."""
    text = checked_input(text)
    head, rest = split_head(text)
    word = head.lower()
    if not text or word in HELP_WORDS:
        return SlashCommand("help")
    if word in LIST_WORDS:
        return _parse_list(rest)
    if (verb := BY_WORD.get(word)) and not looks_like_request(text):
        return SlashCommand(verb.command, name=_checked_name(rest, verb.command))
    if word in TZ_WORDS:
        return SlashCommand("tz", timezone=_checked_zone(rest) if rest else None)
    if word in WHEN_WORDS:
        return SlashCommand("when", name=_checked_name(rest, "show the next runs of"))
    if word in EDIT_WORDS:
        return _parse_edit(rest)
    if word in RUN_WORKFLOW_WORDS:
        return _parse_run_workflow(rest)
    now = now or REFERENCE_NOW
    if word in DIGEST_WORDS:
        text = "digest of " + re.sub(r"^(?:of|for)\s+", "", rest, flags=re.IGNORECASE)
    try:
        return parse_request(text, tz, now)
    except UnreadTime as err:
        raise _not_understood(text, err.cause) from None


def _parse_run_workflow(rest: str) -> SlashCommand:
    """`run-workflow NAME [in #channel]`: run a registered workflow once, now."""
    channel, name = extract_channel(rest)
    name = name.strip().strip("`\"'“”‘’").strip().lower()
    if not re.fullmatch(r"[\w-]{1,60}", name):
        raise SlashError(
            "Which workflow? `/tock run-workflow NAME`.", "/tock run-workflow heartbeat"
        )
    return SlashCommand("run-workflow", workflow=name, channel=channel)


def _parse_edit(rest: str) -> SlashCommand:
    """`edit NAME [new time] ["new text"] [in #channel]`: at least one change."""
    name, _, changes = rest.partition(" ")
    name = _checked_name(name, "edit")
    text, changes = extract_message(changes)
    channel, when = extract_channel(changes)
    if not (text or channel or when):
        raise SlashError(
            f'What should change in {name}? A new time, "new text" in quotes, or a channel.',
            f"/tock edit {name} 9:30am",
        )
    return SlashCommand("edit", name=name, when=when or None, text=text, channel=channel)


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


def _shown(text: str, limit: int = 80) -> str:
    """User text quoted back in an error: one line, clipped (escaped when rendered)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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
