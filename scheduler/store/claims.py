"""Claiming runs: lease due pending runs under each schedule's overlap policy.

A claim reads the due pending runs with their schedules, decides which to
start and which to skip (`_choose`), and leases the chosen ones to `owner`,
all in the caller's transaction. On Postgres the run and schedule rows are
locked with `SKIP LOCKED`, so racing replicas split the work instead of
waiting, and two of them cannot both start one exclusive schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import ClaimedRun, Run, Schedule
from scheduler.store.dialect import Database
from scheduler.store.models import schedule_runs, schedules
from scheduler.triggers import trigger_from_dict

runs = schedule_runs
_SCHEDULE_COLUMNS = [c.label(f"s_{c.name}") for c in schedules.c]


@dataclass(frozen=True)
class Claim:
    runs: list[ClaimedRun]
    waiting: set[int]  # schedules with runnable runs held back by a running one


class ClaimTables(Database):
    """Leasing rows of `schedule_runs` to a worker."""

    async def claim_runs(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[ClaimedRun]:
        """Lease up to `limit` due pending runs, honouring each schedule's overlap policy.

        `skip`: a scheduled slot due while its schedule runs becomes `skipped`.
        `queue`, and manual or retry runs under `skip`: wait for the running one.
        `allow`: run side by side. Schedule rows are locked with the runs so
        two replicas cannot both start one exclusive schedule.
        """
        async with self._tx() as conn:
            return (await self._claim(conn, owner, now, lease, limit)).runs

    async def _claim(
        self, conn: AsyncConnection, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> Claim:
        if limit <= 0:
            return Claim([], set())
        candidates = self._lock(
            sa.select(runs, _schedule_busy().label("busy"), *_SCHEDULE_COLUMNS)
            .join(schedules, schedules.c.id == runs.c.schedule_id)
            .where(runs.c.status == "pending", runs.c.due_at <= now)
            .order_by(runs.c.due_at, runs.c.id)
            .limit(limit),
            runs,
            schedules,
        )
        rows = (await conn.execute(candidates)).all()
        take, skip = _choose(rows, {r.schedule_id for r in rows if r.busy}, limit)
        left = set(take) | set(skip)
        waiting = {r.schedule_id for r in rows if r.id not in left}
        if skip:
            await conn.execute(
                runs.update()
                .where(runs.c.id.in_(skip))
                .values(status="skipped", finished_at=now, error="previous run still running")
            )
        if not take:
            return Claim([], waiting)
        leased = {
            "status": "running",
            "lease_owner": owner,
            "lease_expires_at": now + lease,
            "started_at": now,
        }
        await conn.execute(runs.update().where(runs.c.id.in_(take)).values(leased))
        by_id = {r.id: r for r in rows}
        return Claim([_claimed(by_id[run_id], leased) for run_id in take], waiting)


def _schedule_busy() -> sa.Exists:
    """Whether another run of the outer query's run's schedule is running now."""
    other = runs.alias("other")
    return (
        sa.select(other.c.id)
        .where(other.c.schedule_id == runs.c.schedule_id, other.c.status == "running")
        .exists()
    )


def _claimed(row: Any, leased: dict[str, Any]) -> ClaimedRun:
    """A ClaimedRun from a candidate row (run + `s_`-prefixed schedule columns)."""
    data = row._mapping
    run = Run(**{k: leased.get(k, data[k]) for k in Run.__dataclass_fields__})
    schedule_data = {c.name: data[f"s_{c.name}"] for c in schedules.c}
    schedule_data["trigger"] = trigger_from_dict(schedule_data["trigger"])
    return ClaimedRun(run, Schedule(**schedule_data))


def _choose(rows: Sequence[Any], busy: set[int], limit: int) -> tuple[list[int], list[int]]:
    """Pick runs to start and runs to skip under each schedule's overlap policy."""
    take: list[int] = []
    skip: list[int] = []
    for row in rows:
        if len(take) >= limit:
            break
        if row.s_overlap == "allow":
            take.append(row.id)
        elif row.schedule_id in busy:
            if row.s_overlap == "skip" and row.trigger in ("schedule", "catch-up"):
                skip.append(row.id)
        else:
            take.append(row.id)
            busy.add(row.schedule_id)
    return take, skip
