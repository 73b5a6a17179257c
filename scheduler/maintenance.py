"""Retention as a schedule: the `maintenance` job kind and the daily schedule that runs it.

- The kind deletes finished runs, with their workflow steps, older than the
  schedule's `retention_days` (`Store.prune`, whose rules say what is kept),
  batch after batch until one comes back short, and the delivery ids kept
  to answer a redelivery once (`seen_keys`) after `SEEN_KEYS_DAYS`: Slack
  redelivers within the hour and refuses a signature older than 5 minutes.
  The run's output says how many went.
- `register_maintenance` declares the schedule at start: `maintenance` in the
  reserved team `SYSTEM_TEAM` (no Slack workspace id looks like it), daily
  at 03:17 UTC, off the hour when people's schedules crowd the engine. It is
  an upsert by name, so every restart and every replica starting at once
  leaves one schedule; its slots run once across replicas like any other's,
  and a slot missed while Tock was down is caught up once at the next start.
  Pruning twice is harmless: what is gone stays gone. Paused by an admin,
  it stays paused (registration keeps a pause).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from scheduler.clock import Clock
from scheduler.errors import PermanentJobError
from scheduler.jobs import Handler, RunContext
from scheduler.records import Schedule
from scheduler.registration import register_schedule
from scheduler.store import Store

log = logging.getLogger(__name__)

MAINTENANCE = "maintenance"  # the job kind, and the schedule's name
SYSTEM_TEAM = "_tock"  # Tock's own schedules; Slack team ids are T… or E…
MAINTENANCE_CRON = "17 3 * * *"
DEFAULT_RETENTION_DAYS = 90
PRUNE_BATCH = 10_000  # runs per transaction: SQLite's one writer is never held long
SEEN_KEYS_DAYS = 7
TIMEOUT_S = 1800  # a first prune of years of history; each batch is kept if it times out


def maintenance_job(store: Store, *, batch: int = PRUNE_BATCH) -> Handler:
    """The `maintenance` kind for `store`: prune what is older than the retention."""

    async def maintain(ctx: RunContext) -> str:
        days = ctx.schedule.action.get("retention_days", DEFAULT_RETENTION_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise PermanentJobError(f"retention_days must be a whole number of days, not {days!r}")
        cutoff = ctx.now - timedelta(days=days)
        runs = steps = 0
        while True:
            pruned = await store.prune(cutoff, limit=batch)
            runs, steps = runs + pruned["runs"], steps + pruned["steps"]
            if pruned["runs"] < batch:
                break
        keys = await store.forget_seen(ctx.now - timedelta(days=SEEN_KEYS_DAYS))
        log.info(
            "pruned %d runs and %d steps finished before %s, and %d delivery ids",
            runs,
            steps,
            f"{cutoff:%Y-%m-%d %H:%M} UTC",
            keys,
            extra={"action": "maintenance.pruned", "runs": runs, "steps": steps, "keys": keys},
        )
        output = f"pruned {runs} runs and {steps} steps finished before {cutoff:%Y-%m-%d %H:%M} UTC"
        return output + (
            f", and {keys} delivery ids seen over {SEEN_KEYS_DAYS} days ago" if keys else ""
        )

    return maintain


async def register_maintenance(
    store: Store, clock: Clock, retention_days: int = DEFAULT_RETENTION_DAYS
) -> Schedule:
    """Declare the daily maintenance schedule (idempotent; see the module docstring)."""
    return await register_schedule(
        store,
        clock,
        MAINTENANCE,
        cron=MAINTENANCE_CRON,
        timezone="UTC",
        action=MAINTENANCE,
        args={"retention_days": retention_days},
        team_id=SYSTEM_TEAM,
        timeout_s=TIMEOUT_S,
    )
