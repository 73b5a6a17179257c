"""Retention: deleting old finished runs and their workflow steps.

Rules:
- A run is old when it is final (succeeded, failed, missed, skipped,
  cancelled) and finished (or, lacking a finish, was created) before the cutoff.
- A run whose retry chain (same `Run.root_id`) still has an unfinished
  attempt is kept, whatever its age: that attempt resumes from the steps the
  chain recorded, and must find them.
- Steps go with their run, in the same transaction.
- One call deletes at most `limit` runs (one transaction, so SQLite's single
  writer is not held for long); a result of `limit` runs means: call again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from scheduler.records import FINAL_STATUSES
from scheduler.store.dialect import Database
from scheduler.store.models import run_steps, schedule_runs

runs = schedule_runs


class RetentionTables(Database):
    """Deleting what is older than a cutoff."""

    async def prune(self, before: datetime, *, limit: int = 10_000) -> dict[str, int]:
        """Delete up to `limit` old finished runs and their steps: {"runs": n, "steps": m}."""
        chain = sa.func.coalesce(runs.c.retry_of, runs.c.id)
        live = runs.alias("live")
        live_chain = sa.func.coalesce(live.c.retry_of, live.c.id)
        unfinished = (
            sa.select(live.c.id)
            .where(live_chain == chain, live.c.status.not_in(FINAL_STATUSES))
            .exists()
        )
        old = (
            sa.select(runs.c.id)
            .where(
                runs.c.status.in_(FINAL_STATUSES),
                sa.func.coalesce(runs.c.finished_at, runs.c.created_at) < before,
                ~unfinished,
            )
            .order_by(runs.c.id)
            .limit(limit)
        )
        async with self._tx() as conn:
            ids = list((await conn.execute(old)).scalars())
            if not ids:
                return {"runs": 0, "steps": 0}
            steps = await conn.execute(run_steps.delete().where(run_steps.c.run_id.in_(ids)))
            await conn.execute(runs.delete().where(runs.c.id.in_(ids)))
        return {"runs": len(ids), "steps": steps.rowcount}
