"""What a declared schedule becomes: its trigger and its action, checked against this Tock.

Rules:
- `when` is read as chat reads it (`tools.timeparse.parse_when`) in the
  entry's timezone, as of `read_at`: the moment the schedule was first
  declared (the stored schedule's `created_at`), or now for a new one. So a
  phrase that depends on the day it is read ("every other tuesday", "every
  90 minutes", "on march 3") means the same at every restart, and an
  unchanged entry never moves its schedule.
- `when` must be a time and nothing else (no words left over), must have one
  reading (an ambiguous "at 4" lists both), and a new schedule must still
  fire after now.
- The action's fields must fit its kind: `text` for a message or an agent
  prompt (which needs an LLM), `workflow` (registered) and `input` only with
  `workflow`, `source_channel` and `window_hours` only with `digest`, `args`
  only with a setup-hook job kind. The Slack kinds need a `channel`; a digest
  summarizes a channel, not a person's DM.
- The stored action has the same keys chat gives it, so a declared schedule
  shows and runs like one made in chat.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.jobs.slack_jobs import KINDS as SLACK_KINDS
from bot.setup.declared import Declared
from scheduler.errors import SchedulerError
from scheduler.triggers import AnyTrigger, CronTrigger
from tools.refs import USER_ID
from tools.timeparse import ParseError, parse_when

DEFAULT_WINDOW_HOURS = 24


@dataclass(frozen=True)
class Catalog:
    """What this Tock can run: its job kinds and workflows, and whether it has an LLM."""

    kinds: Collection[str]
    workflows: Collection[str]
    llm: bool


@dataclass(frozen=True)
class Plan:
    """A declared schedule, ready to register."""

    trigger: AnyTrigger
    action_kind: str
    action: dict[str, Any]


class EntryProblems(Exception):
    """What is wrong with one entry: `(field, sentence)` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {text}" for field, text in problems))
        self.problems = problems

    def sentences(self, where: str) -> list[str]:
        return [f"{where}, `{field}`: {text}" for field, text in self.problems]


def plan(
    entry: Declared, catalog: Catalog, read_at: datetime, *, new_after: datetime | None = None
) -> Plan:
    """The trigger and action `entry` declares; EntryProblems listing every fault.

    `new_after`: the schedule is new, so it must fire after this instant.
    """
    problems: list[tuple[str, str]] = []
    trigger = _trigger(entry, read_at, problems)
    if trigger is not None and new_after is not None and trigger.next_after(new_after) is None:
        field = "cron" if entry.cron is not None else "when"
        problems.append((field, "that never fires again: give a time still ahead"))
    action = _action(entry, catalog, problems)
    if problems or trigger is None:
        raise EntryProblems(problems)
    return Plan(trigger, entry.action, action)


def _trigger(entry: Declared, read_at: datetime, problems: list[tuple[str, str]]) -> Any:
    if entry.cron is not None:
        try:
            return CronTrigger(entry.cron, entry.timezone)
        except SchedulerError as exc:
            problems.append(("cron", str(exc)))
            return None
    when = str(entry.when)
    try:
        parsed = parse_when(when, entry.timezone, read_at)
    except ParseError as exc:
        problems.append(("when", _parse_refusal(exc)))
        return None
    if parsed.remainder.strip():
        problems.append(
            ("when", f"{parsed.remainder.strip()!r} is not part of a time: put only the time here")
        )
        return None
    return parsed.trigger


def _parse_refusal(exc: ParseError) -> str:
    if options := getattr(exc, "options", ()):
        readings = " or ".join(repr(option.when) for option in options)
        return f"{exc.message} Write {readings}"
    return f"{exc.message} ({exc.hint})" if exc.hint else exc.message


def _action(entry: Declared, catalog: Catalog, problems: list[tuple[str, str]]) -> dict[str, Any]:
    kind = entry.action
    _misplaced(entry, problems)
    if kind not in catalog.kinds:
        known = ", ".join(sorted(catalog.kinds))
        problems.append(("action", f"there is no job kind {kind!r} (known: {known})"))
        return {}
    if kind not in SLACK_KINDS:  # the setup hook's kinds (and Tock's own) take `args`
        return dict(entry.args) | ({"text": entry.text} if entry.text else {})
    if entry.channel is None:
        problems.append(("channel", f"a {kind} schedule needs a channel (or a user id) to post in"))
    action: dict[str, Any] = {"text": entry.text, "window_hours": None, "workflow": None}
    if kind in ("message", "agent") and not entry.text:
        problems.append(("text", f"a {kind} schedule needs text to post or ask"))
    if kind == "agent" and not catalog.llm:
        problems.append(("action", "an agent schedule needs an LLM: set OPENAI_API_KEY"))
    if kind == "workflow":
        action["workflow"] = _workflow(entry, catalog, problems)
        if entry.input is not None:
            action["input"] = entry.input
    if kind == "digest":
        action["window_hours"] = entry.window_hours or DEFAULT_WINDOW_HOURS
        action["source_channel"] = _source(entry, problems)
    return action


def _misplaced(entry: Declared, problems: list[tuple[str, str]]) -> None:
    """Fields that only go with another kind of action."""
    only = {
        "workflow": ("workflow", entry.workflow is not None),
        "input": ("workflow", entry.input is not None),
        "source_channel": ("digest", entry.source_channel is not None),
        "window_hours": ("digest", entry.window_hours is not None),
    }
    for field, (kind, given) in only.items():
        if given and entry.action != kind:
            problems.append((field, f"only goes with action {kind}, not {entry.action}"))
    if entry.args and entry.action in SLACK_KINDS:
        problems.append(("args", f"only goes with a setup-hook job kind, not {entry.action}"))


def _workflow(entry: Declared, catalog: Catalog, problems: list[tuple[str, str]]) -> str | None:
    known = ", ".join(sorted(catalog.workflows)) or "none"
    if entry.workflow is None:
        problems.append(("workflow", f"say which workflow to run (registered: {known})"))
    elif entry.workflow not in catalog.workflows:
        problems.append(
            ("workflow", f"there is no workflow {entry.workflow!r} (registered: {known})")
        )
    return entry.workflow


def _source(entry: Declared, problems: list[tuple[str, str]]) -> str | None:
    source = entry.source_channel or entry.channel
    if source is not None and USER_ID.fullmatch(source):
        field = "source_channel" if entry.source_channel else "channel"
        problems.append((field, "a digest summarizes a channel: give source_channel as its id"))
    return source
