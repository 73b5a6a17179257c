"""Writes under a lease: renewing, finishing (one run or a batch), reclaiming
expired leases, and releasing runs at shutdown.

The lease fence is `lease_owner = owner AND status = 'running'`: only the
worker that holds a run may write its outcome, and once anything else has
happened to the run (another worker reclaimed it, it was released, its
outcome is written already) the fence writes nothing. That also makes a
finish idempotent: writing the same outcome again, after a commit whose
answer was lost, finds the run no longer running and writes nothing twice
(and `finish_runs` recognizes it as recorded: every column it writes matches).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import NewRun, Outcome, Run
from scheduler.store.bulk import BulkUpdate
from scheduler.store.dialect import Database
from scheduler.store.models import schedule_runs
from scheduler.store.rows import run_row

runs = schedule_runs

_FINISHED = ("status", "finished_at", "duration_ms", "error", "output")  # what a finish writes
# Every outcome of a batch in one statement, fenced row by row (see `bulk`).
_FINISH = BulkUpdate(
    runs,
    "id",
    _FINISHED,
    where=[runs.c.lease_owner == sa.bindparam("owner"), runs.c.status == "running"],
    fixed={"lease_expires_at": None},
)


class LeaseTables(Database):
    """Rows of `schedule_runs` while a worker holds them."""

    async def renew_leases(
        self, owner: str, run_ids: Sequence[int], now: datetime, lease: timedelta
    ) -> set[int]:
        """Extend our leases; returns the ids still ours (others were lost)."""
        if not run_ids:
            return set()
        stmt = (
            runs.update()
            .where(runs.c.id.in_(run_ids), _leased_by(owner))
            .values(lease_expires_at=now + lease)
            .returning(runs.c.id)
        )
        async with self._tx() as conn:
            return set((await conn.execute(stmt)).scalars())

    async def finish_runs(self, owner: str, outcomes: Sequence[Outcome]) -> set[int]:
        """Record many outcomes in one transaction, each only if its lease is ours.

        Returns the ids whose outcome is recorded: written now, or found
        written exactly as given by an earlier call (a retry after a commit
        whose answer was lost). An
        outcome whose lease was lost writes nothing, its retry included; the
        others are written regardless. Retries (`retry_at`) are queued as new
        pending rows in the same transaction, once. One UPDATE for the batch
        on Postgres, fenced per row as it is locked; on SQLite the fenced ids
        are read first (`bulk`).
        """
        if not outcomes:
            return set()
        by_id = {o.run.id: o for o in outcomes}
        retrying = any(o.retry_at is not None for o in outcomes)
        async with self._tx(notify=retrying) as conn:
            rows = [_finish_row(o) for o in by_id.values()]
            ours = await _FINISH.execute(conn, rows, returning=True, owner=owner)
            retries = [
                _retry_row(o.run, o.retry_at, o.finished_at)
                for run_id, o in by_id.items()
                if o.retry_at is not None and run_id in ours
            ]
            if retries:
                await conn.execute(runs.insert(), retries)
            others = [o for run_id, o in by_id.items() if run_id not in ours]
            if others:  # lost leases, or written before: tell them apart
                ours |= await _recorded(conn, owner, others)
        return ours

    async def finish_run(
        self,
        run: Run,
        owner: str,
        now: datetime,
        status: str,
        *,
        error: str | None = None,
        output: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:
        """Record one outcome if the lease is still ours (fencing); maybe queue a retry.

        Returns False when another worker took the run over: then nothing is written.
        """
        outcome = Outcome(run, status, now, error, output, retry_at)  # type: ignore[arg-type]
        return run.id in await self.finish_runs(owner, [outcome])

    async def reclaim_expired(self, now: datetime, retry_at: datetime) -> int:
        """Fail runs whose worker vanished (lease expired) and queue their retry.

        Retries are queued regardless of the retry budget when the run never
        finished: the handler's outcome is unknown, not failed.
        """
        stmt = self._lock(
            sa.select(runs).where(runs.c.status == "running", runs.c.lease_expires_at <= now), runs
        )
        async with self._tx(notify=True) as conn:
            expired = [Run.from_row(r) for r in (await conn.execute(stmt)).all()]
            if not expired:
                return 0
            await conn.execute(
                runs.update()
                .where(runs.c.id.in_([r.id for r in expired]), runs.c.status == "running")
                .values(
                    status="failed",
                    finished_at=now,
                    error="worker lost: lease expired before the run finished",
                    lease_expires_at=None,
                )
            )
            await conn.execute(runs.insert(), [_retry_row(r, retry_at, now) for r in expired])
        return len(expired)

    async def release_runs(self, owner: str, run_ids: Sequence[int], now: datetime) -> int:
        """Give unfinished runs back (shutdown): pending again, due now, same row."""
        if not run_ids:
            return 0
        stmt = (
            runs.update()
            .where(runs.c.id.in_(run_ids), _leased_by(owner))
            .values(
                status="pending",
                lease_owner=None,
                lease_expires_at=None,
                started_at=None,
                due_at=now,
            )
        )
        async with self._tx(notify=True) as conn:
            return (await conn.execute(stmt)).rowcount


async def _recorded(conn: AsyncConnection, owner: str, outcomes: Sequence[Outcome]) -> set[int]:
    """The ids among `outcomes` already finished under `owner` exactly as given.

    Every written column must match: a reclaim (`failed`, no duration) or a
    release (no owner) never passes for one of our outcomes.
    """
    columns = [runs.c[name] for name in _FINISHED]
    stmt = sa.select(runs.c.id, *columns).where(
        runs.c.id.in_([o.run.id for o in outcomes]), runs.c.lease_owner == owner
    )
    found = {row.id: tuple(row[1:]) for row in await conn.execute(stmt)}
    wanted = {o.run.id: _finish_row(o) for o in outcomes}
    return {i for i, row in wanted.items() if found.get(i) == tuple(row[c] for c in _FINISHED)}


def _leased_by(owner: str) -> sa.ColumnElement[bool]:
    """The lease fence: the run is running under `owner`'s lease."""
    return sa.and_(runs.c.lease_owner == owner, runs.c.status == "running")


def _finish_row(outcome: Outcome) -> dict[str, Any]:
    started = outcome.run.started_at or outcome.finished_at
    return {
        "id": outcome.run.id,
        "status": outcome.status,
        "finished_at": outcome.finished_at,
        "duration_ms": int((outcome.finished_at - started).total_seconds() * 1000),
        "error": outcome.error,
        "output": outcome.output,
    }


def _retry_row(run: Run, due_at: datetime, now: datetime) -> dict[str, Any]:
    """The next attempt of `run`, due at `due_at`."""
    again = NewRun(run.scheduled_for, "retry", "pending", None)
    return run_row(
        run.schedule_id, again, now, due_at=due_at, attempt=run.attempt + 1, retry_of=run.root_id
    )
