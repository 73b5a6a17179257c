"""Plain records the store hands out: no SQLAlchemy objects leak past it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scheduler.triggers import AnyTrigger, trigger_from_dict

Overlap = Literal["skip", "queue", "allow"]
RunStatus = Literal["pending", "running", "succeeded", "failed", "missed", "skipped", "cancelled"]
RunTrigger = Literal["schedule", "manual", "retry", "catch-up"]
FINAL_STATUSES = ("succeeded", "failed", "missed", "skipped", "cancelled")


@dataclass(frozen=True)
class ScheduleSpec:
    """What a caller asks for; the store fills in ids, versions and times."""

    team_id: str
    name: str
    trigger: AnyTrigger
    action_kind: str
    action: dict[str, Any] = field(default_factory=dict)
    channel_id: str | None = None
    created_by: str = "system"
    source: str = "startup"
    enabled: bool = True
    misfire_grace_s: int = 300
    catch_up: bool = True
    overlap: Overlap = "skip"
    max_retries: int = 3
    timeout_s: int = 300


@dataclass(frozen=True)
class Schedule:
    id: int
    team_id: str
    name: str
    trigger: AnyTrigger
    timezone: str
    action_kind: str
    action: dict[str, Any]
    channel_id: str | None
    enabled: bool
    next_run_at: datetime | None
    misfire_grace_s: int
    catch_up: bool
    overlap: Overlap
    max_retries: int
    timeout_s: int
    created_by: str
    source: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Schedule:
        data = dict(row._mapping)
        data["trigger"] = trigger_from_dict(data["trigger"])
        return cls(**data)

    @property
    def status(self) -> str:
        if not self.enabled:
            return "paused"
        return "active" if self.next_run_at is not None else "completed"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (instants as ISO strings)."""
        return {
            "id": self.id,
            "name": self.name,
            "team_id": self.team_id,
            "trigger": self.trigger.to_dict(),
            "timezone": self.timezone,
            "action_kind": self.action_kind,
            "action": self.action,
            "channel_id": self.channel_id,
            "status": self.status,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "created_by": self.created_by,
            "source": self.source,
            "version": self.version,
        }


@dataclass(frozen=True)
class Run:
    id: int
    schedule_id: int
    slot: datetime | None
    scheduled_for: datetime
    trigger: RunTrigger
    status: RunStatus
    attempt: int
    retry_of: int | None
    due_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    error: str | None
    output: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Run:
        return cls(**{k: v for k, v in row._mapping.items() if k in cls.__dataclass_fields__})

    @property
    def root_id(self) -> int:
        """The first attempt's id: stable across retries, for idempotency keys."""
        return self.retry_of or self.id

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "schedule_id": self.schedule_id,
            "scheduled_for": iso(self.scheduled_for),
            "trigger": self.trigger,
            "status": self.status,
            "attempt": self.attempt,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "duration_ms": self.duration_ms,
            "error": self.error,
            "output": self.output,
        }


@dataclass(frozen=True)
class NewRun:
    """A run row to insert while materializing a schedule's due slots."""

    scheduled_for: datetime
    trigger: RunTrigger
    status: RunStatus
    slot: datetime | None
    note: str | None = None


@dataclass(frozen=True)
class SlotPlan:
    """The outcome of looking at one due schedule: rows to add, where to go next."""

    runs: list[NewRun]
    next_run_at: datetime | None


@dataclass(frozen=True)
class ClaimedRun:
    run: Run
    schedule: Schedule


@dataclass(frozen=True)
class Outcome:
    """How one leased run ended, to be written under its lease (`Store.finish_runs`).

    `finished_at` is when the handler ended, not when the row is written: the
    engine writes outcomes in batches. `retry_at` queues the next attempt.
    """

    run: Run
    status: RunStatus
    finished_at: datetime
    error: str | None = None
    output: str | None = None
    retry_at: datetime | None = None
