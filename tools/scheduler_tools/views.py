"""What the tools say about a schedule and a run: plain dicts for the LLM and the UI.

`schedule_view` is part of every tool's result: name, description (the time,
in English), zone, the next runs as ISO strings in the schedule's zone,
status, channel and `target` ("channel", or "dm" when `channel` is the id of
the person it is sent to), action; a digest adds its `source_channel` and
`window_hours`, a workflow its `workflow`.
`run_view` is one row of a schedule's history, `step_view` one try of a
workflow step; `took` is how a run's or a step's duration reads, wherever
it is shown (Slack, `tock runs`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.records import Run, Schedule
from scheduler.triggers import upcoming
from tools.scheduler_tools.names import is_person_id
from tools.timeparse import NEXT_RUNS

# A tool's JSON-ready answer: a view, often with a few extra keys.
ToolResult = dict[str, Any]


def schedule_view(schedule: Schedule) -> ToolResult:
    """What every tool says about a schedule."""
    view: ToolResult = {
        "name": schedule.name,
        "description": schedule.trigger.describe(),
        "timezone": schedule.timezone,
        "next_runs": iso(_schedule_runs(schedule), schedule.timezone),
        "status": schedule.status,
        "channel": schedule.channel_id,
        "target": "dm" if is_person_id(schedule.channel_id) else "channel",
        "action": schedule.action_kind,
        "text": schedule.action.get("text") or "",
        "created_by": schedule.created_by,
        "source": schedule.source,
    }
    if schedule.action_kind == "digest":
        view["window_hours"] = schedule.action.get("window_hours")
        view["source_channel"] = schedule.action.get("source_channel") or schedule.channel_id
    if schedule.action_kind == "workflow":
        view["workflow"] = schedule.action.get("workflow")
    return view


def run_view(run: Run, zone: tzinfo) -> ToolResult:
    def local(instant: datetime | None) -> str | None:
        return instant.astimezone(zone).isoformat() if instant else None

    return {
        "run_id": run.id,
        "scheduled_for": local(run.scheduled_for),
        "trigger": run.trigger,
        "status": run.status,
        "attempt": run.attempt,
        "finished_at": local(run.finished_at),
        "duration_ms": run.duration_ms,
        "error": run.error,
        "output": run.output,
    }


def step_view(step: Any) -> ToolResult:
    """One try of a workflow step, as history shows it."""
    return {
        "path": step.path,
        "status": step.status,
        "attempt": step.attempt,
        "duration_ms": step.duration_ms,
        "error": step.error,
    }


def took(duration_ms: int) -> str:
    """A duration as people read it in history: tenths of a second ("1.2s")."""
    return f"{duration_ms / 1000:.1f}s"


def _schedule_runs(schedule: Schedule) -> list[datetime]:
    """The stored next slot and the ones after it; none unless active."""
    if schedule.status != "active" or schedule.next_run_at is None:
        return []
    first = schedule.next_run_at
    return [first, *upcoming(schedule.trigger, first, NEXT_RUNS - 1)]


def iso(instants: list[datetime], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [instant.astimezone(tz).isoformat() for instant in instants]
