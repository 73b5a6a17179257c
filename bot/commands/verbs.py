"""The one verb table: which words ask for which action on a schedule.

`/tock pause standup`, "@tock mute standup" and the Pause button all mean
the same tool call; this table is where that is decided, for the slash
grammar, the offline agent and the buttons alike. A synonym added here
works everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.slack import ids

Command = Literal["show", "pause", "resume", "delete", "run", "history"]


@dataclass(frozen=True)
class Verb:
    """An action on one named schedule."""

    command: Command  # how `/tock` spells it: `/tock pause NAME`
    tool: str  # the SchedulerTools method it calls
    synonyms: tuple[str, ...] = ()  # other words that ask for it
    button: str | None = None  # the action id of its button, if it has one

    @property
    def words(self) -> tuple[str, ...]:
        return (self.command, *self.synonyms)


VERBS = (
    Verb("show", "get_schedule", ("get", "info", "describe", "details")),
    Verb("pause", "pause_schedule", ("stop", "disable", "mute"), ids.PAUSE),
    Verb("resume", "resume_schedule", ("unpause", "enable", "restart", "continue"), ids.RESUME),
    Verb("delete", "delete_schedule", ("remove", "rm", "cancel", "drop", "kill"), ids.DELETE),
    Verb("run", "run_schedule_now", ("trigger", "fire"), ids.RUN),
    Verb("history", "schedule_history", ("runs", "log")),
)
BY_WORD = {word: verb for verb in VERBS for word in verb.words}
BY_COMMAND: dict[str, Verb] = {verb.command: verb for verb in VERBS}
BY_TOOL = {verb.tool: verb for verb in VERBS}
BY_BUTTON = {verb.button: verb for verb in VERBS if verb.button}

# Words that are commands of their own rather than actions on a schedule.
LIST_WORDS = frozenset({"list", "ls", "schedules"})
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
TZ_WORDS = frozenset({"tz", "timezone", "zone"})
EDIT_WORDS = frozenset({"edit", "update", "change", "modify", "reschedule"})
WHEN_WORDS = frozenset({"when"})
RUN_WORKFLOW_WORDS = frozenset({"run-workflow", "workflow"})
DIGEST_WORDS = frozenset({"digest", "summary", "summarize", "summarise", "recap"})
