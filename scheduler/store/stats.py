"""Counts for monitoring: schedules by status, and the queue of runs.

Read at every metrics scrape, so each is one cheap aggregate statement.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from scheduler.store.dialect import Database
from scheduler.store.models import schedule_runs, schedules

runs = schedule_runs


class StatsTables(Database):
    """What the scheduler holds right now, in numbers."""

    async def count_schedules_by_status(self) -> dict[str, int]:
        """{"active": n, "paused": n, "completed": n}, as `Schedule.status` tells them."""
        status = sa.case(
            (schedules.c.enabled.is_(False), "paused"),
            (schedules.c.next_run_at.is_(None), "completed"),
            else_="active",
        ).label("status")
        stmt = sa.select(status, sa.func.count()).group_by(status)
        counts = dict.fromkeys(("active", "paused", "completed"), 0)
        async with self._tx() as conn:
            counts |= {s: int(n) for s, n in (await conn.execute(stmt)).all()}
        return counts

    async def queue_depth(self, now: datetime) -> dict[str, int]:
        """{"pending": runs due by `now` and not started, "running": runs under a lease}."""
        due = sa.and_(runs.c.status == "pending", runs.c.due_at <= now)
        stmt = sa.select(
            sa.func.count().filter(due),
            sa.func.count().filter(runs.c.status == "running"),
        ).where(runs.c.status.in_(("pending", "running")))
        async with self._tx() as conn:
            pending, running = (await conn.execute(stmt)).one()
        return {"pending": int(pending), "running": int(running)}
