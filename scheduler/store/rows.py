"""The `schedule_runs` row every insert starts from (slots, manual runs, retries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.records import FINAL_STATUSES, NewRun

# What a new row of a slot may hold; the lease and result columns start NULL.
SLOT_COLUMNS = (
    "schedule_id",
    "slot",
    "scheduled_for",
    "trigger",
    "status",
    "attempt",
    "retry_of",
    "due_at",
    "finished_at",
    "error",
    "created_at",
)


def run_row(
    schedule_id: int,
    new: NewRun,
    now: datetime,
    *,
    due_at: datetime | None = None,
    attempt: int = 1,
    retry_of: int | None = None,
) -> dict[str, Any]:
    """A `schedule_runs` row to insert; a final one is finished now, its note the error."""
    return {
        "schedule_id": schedule_id,
        "slot": new.slot,
        "scheduled_for": new.scheduled_for,
        "trigger": new.trigger,
        "status": new.status,
        "attempt": attempt,
        "retry_of": retry_of,
        "due_at": new.scheduled_for if due_at is None else due_at,
        "lease_owner": None,
        "lease_expires_at": None,
        "started_at": None,
        "finished_at": now if new.status in FINAL_STATUSES else None,
        "duration_ms": None,
        "error": new.note,
        "output": None,
        "created_at": now,
    }
