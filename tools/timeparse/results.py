"""What `parse_when` hands back: `ParsedWhen` on success, `ParseError` on refusal.

Both carry their JSON shape (`to_json`), which the CLI and the LLM tools pass
on as is: a trigger's kind and fields ("cron", "at" or "interval"), its zone,
the description, the next runs as ISO strings and the remainder; or
`{"error", "hint"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.triggers import AnyTrigger, CronTrigger, OnceTrigger

# How many upcoming fire times every answer shows: a parsed time, a schedule, a preview.
NEXT_RUNS = 5


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
