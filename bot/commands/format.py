"""Writing a command back as `/tock …` text: the canonical form of what was read.

Used to tell people the slash command equivalent to what they asked in chat
(when the LLM is down, or the offline agent is sure), and to offer the
readings of an ambiguous time as commands.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from bot.commands.command import SlashCommand, SlashError
from bot.commands.grammar import REFERENCE_NOW, parse_slash
from tools.timeparse import ParseError, parse_when


def format_command(command: SlashCommand, tz: str = "UTC", now: datetime | None = None) -> str:
    """The canonical `/tock ...` text for a parsed command."""
    if command.kind == "create":
        return _format_create(command, tz, now or REFERENCE_NOW)
    if command.kind == "list":
        scope = command.channel.typed() if command.channel else command.scope
        return "/tock list" + ("" if scope == "all" else f" {scope}")
    if command.kind == "tz":
        return f"/tock tz {command.timezone}" if command.timezone else "/tock tz"
    if command.kind == "edit":
        return _format_edit(command)
    if command.kind == "run-workflow":
        where = f" in {command.channel.typed()}" if command.channel else ""
        return f"/tock run-workflow {command.workflow}{where}"
    return f"/tock {command.kind} {command.name}" if command.name else f"/tock {command.kind}"


def _format_create(command: SlashCommand, tz: str, now: datetime) -> str:
    when = _time_words(command.when or "", tz, now)
    text = _quoted(command.text)
    target = command.channel
    where = f" in {target.typed()}" if target and not target.user else ""
    if command.action == "digest":
        source = command.source
        source = source.typed() if source and (source.id or source.name) else "here"
        window = f" of the last {command.window_hours} hours" if command.window_hours else ""
        return f"/tock digest {source}{window} {when}{where}"
    if command.action == "agent":
        return f"/tock {when}{where} ask: {command.text or ''}"
    if command.action == "workflow":
        return f"/tock {when} run the {command.workflow} workflow{where}"
    if target and target.user:
        return f"/tock {when} remind {target.typed()} {text}"
    return f"/tock {when} {text}{where}"


def _format_edit(command: SlashCommand) -> str:
    parts = [f"/tock edit {command.name}"]
    if command.when:
        parts.append(command.when)
    if command.text:
        parts.append(_quoted(command.text))
    if command.channel:
        parts.append(f"in {command.channel.typed()}")
    return " ".join(parts)


def _quoted(text: str | None) -> str:
    return '"' + (text or "").replace('"', "'") + '"'


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
