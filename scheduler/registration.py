"""Startup registration: declare schedules in code, idempotently by name.

Rules:
- A declared schedule is upserted by (team, name) in one statement
  (`Store.register_schedule`), so a restart or many replicas starting at once
  never duplicate it, and an unchanged declaration changes nothing.
- A re-registration keeps a pause: what an admin paused stays paused, however
  often the declaration is registered again, decided in the upsert itself
  (so a pause landing during a start is kept too); `enabled=False` pauses. Only
  `resume=True` (a declaration that comes back after it was retired) lets the
  declaration decide.
- A declared schedule's `source` is "startup"; `created_by` says who declared
  it: `DECLARED_IN_FILE` (the host's schedules file), `DECLARED_IN_SETUP` (its
  setup hook), `RETIRED` (was in the file, is no longer: paused), else
  whatever code registered it (`SYSTEM`).
"""

from __future__ import annotations

from typing import Any

from scheduler.clock import Clock
from scheduler.errors import NotFound, TriggerError
from scheduler.records import Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import AnyTrigger, CronTrigger

STARTUP = "startup"
SYSTEM = "system"
DECLARED_IN_FILE = "schedules.yml"
DECLARED_IN_SETUP = "setup"
RETIRED = "schedules.yml (removed)"


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
    resume: bool = False,
    **options: Any,
) -> Schedule:
    """Create or update the schedule `name`; safe when many replicas start at once.

    Re-registering with the same trigger keeps its next slot; a changed
    trigger reschedules from now; a paused schedule stays paused unless
    `resume`. Options are
    ScheduleSpec fields (channel_id, enabled, misfire_grace_s, overlap,
    max_retries, timeout_s, ...).
    """
    if (cron is None) == (trigger is None):
        raise TriggerError("register_schedule needs exactly one of cron= or trigger=")
    spec = ScheduleSpec(
        team_id=team_id,
        name=name,
        trigger=trigger or CronTrigger(str(cron), timezone),
        action_kind=action,
        action=args or {},
        source=STARTUP,
        **options,
    )
    return await store.register_schedule(spec, clock.now(), keep_pause=not resume)


async def stored_schedule(store: Store, team_id: str, name: str) -> Schedule | None:
    """The schedule (team, name) as stored, None when there is none."""
    try:
        return await store.get_schedule(team_id, name)
    except NotFound:
        return None
