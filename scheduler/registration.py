"""Startup registration: declare schedules in code, idempotently by name."""

from __future__ import annotations

from typing import Any

from scheduler.clock import Clock
from scheduler.errors import TriggerError
from scheduler.records import Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import AnyTrigger, CronTrigger


async def register_schedule(
    store: Store,
    clock: Clock,
    name: str,
    *,
    cron: str | None = None,
    trigger: AnyTrigger | None = None,
    timezone: str = "UTC",
    action: str = "log",
    args: dict[str, Any] | None = None,
    team_id: str = "default",
    **options: Any,
) -> Schedule:
    """Create or update the schedule `name`; safe when many replicas start at once.

    Re-registering with the same trigger keeps its next slot; a changed
    trigger reschedules from now. Options are ScheduleSpec fields
    (channel_id, misfire_grace_s, overlap, max_retries, timeout_s, ...).
    """
    if (cron is None) == (trigger is None):
        raise TriggerError("register_schedule needs exactly one of cron= or trigger=")
    spec = ScheduleSpec(
        team_id=team_id,
        name=name,
        trigger=trigger or CronTrigger(str(cron), timezone),
        action_kind=action,
        action=args or {},
        source="startup",
        **options,
    )
    return await store.register_schedule(spec, clock.now())
