"""The `/tock` command equivalent to something said in chat.

When the LLM is down or gives up, the person still gets a way to do it
themselves: the offline agent's reading of their words first, then the
slash grammar's.
"""

from __future__ import annotations

from datetime import datetime

from bot.agents.reading import normalize, read_intent
from bot.commands.command import SlashError
from bot.commands.format import format_command, suggest_command
from bot.commands.verbs import BY_TOOL


def suggest(text: str, tz: str, now: datetime) -> str | None:
    """The `/tock` command for a request this agent understands (None if it doesn't)."""
    try:
        intent = read_intent(normalize(text), tz, now)
    except SlashError:
        return None
    if intent.command is not None and intent.tool != "unknown":
        return format_command(intent.command, tz, now)
    if (verb := BY_TOOL.get(intent.tool)) and intent.name:
        return f"/tock {verb.command} {intent.name}"
    return None


def equivalent_command(text: str, tz: str, now: datetime) -> str | None:
    """The `/tock` command doing what `text` asks: plain phrasing first, then the grammar."""
    return suggest(text, tz, now) or suggest_command(text, tz, now)
