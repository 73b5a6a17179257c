"""Writes under a lease: renewing, finishing (one run or a batch), reclaiming
expired leases, and releasing runs at shutdown.

The lease fence is `lease_owner = owner AND status = 'running'`: only the
worker that holds a run may write its outcome, and once anything else has
happened to the run (another worker reclaimed it, it was released, its
outcome is written already) the fence writes nothing. That also makes a
finish idempotent: writing the same outcome again, after a commit whose
answer was lost, finds the run no longer running and writes nothing twice
(and `finish_runs` recognizes it as recorded: every column it writes matches).

A worker that vanished is found two ways. Its leases expire
(`reclaim_expired`, any dialect). Or, on Postgres, it is listed in
`replicas` but its presence lock is free (`free_owners`): its database
session ended, so its process is gone, and `reap_owners` takes its runs over
at once instead of after the lease. Both fail the lost run and queue a retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import NewRun, Outcome, Run
from scheduler.store.bulk import BulkUpdate, among
from scheduler.store.dialect import NOTIFY_CHANNEL, Database, presence_lock
from scheduler.store.models import replicas, schedule_runs
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
EXPIRED = "worker lost: lease expired before the run finished"
GONE = "worker lost: its replica's database session ended before the run finished"
STOPPED = "stopped: the replica shut down before the run finished"


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
            if self.is_postgres and not retrying and ours:
                finished = max(by_id[i].finished_at for i in ours)
                await _notify_if_queued(conn, {by_id[i].run.schedule_id for i in ours}, finished)
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
            return await _take_over(conn, stmt, now, retry_at, EXPIRED)

    async def free_owners(self, me: str) -> set[str]:
        """Owners listed in `replicas`, other than `me`, whose presence lock is free
        (Postgres; empty on SQLite): their session ended, so their process is gone
        or cut off. The locks are taken only for the transaction's moment."""
        if not self.is_postgres:
            return set()
        stmt = sa.select(replicas.c.owner).where(
            replicas.c.owner != me,
            presence_lock("pg_try_advisory_xact_lock", replicas.c.owner),
        )
        async with self._tx() as conn:
            return set((await conn.execute(stmt)).scalars())

    async def reap_owners(self, me: str, owners: set[str], now: datetime) -> int:
        """Take over the runs of `owners` that are still free (see `free_owners`):
        fail their running runs, queue each a retry due now, unlist the owners.

        Their locks are held for the transaction, so an owner coming back
        cannot take its lock (and so claim) until its runs are settled;
        its heartbeat then finds the leases gone. Returns the runs taken over.
        """
        if not self.is_postgres or not owners:
            return 0
        free = sa.select(replicas.c.owner).where(
            replicas.c.owner.in_(sorted(owners - {me})),
            presence_lock("pg_try_advisory_xact_lock", replicas.c.owner),
        )
        async with self._tx(notify=True) as conn:
            gone = list((await conn.execute(free)).scalars())
            if not gone:
                return 0
            await conn.execute(replicas.delete().where(replicas.c.owner.in_(gone)))
            lost = self._lock(
                sa.select(runs).where(runs.c.status == "running", runs.c.lease_owner.in_(gone)),
                runs,
                skip=False,
            )
            return await _take_over(conn, lost, now, now, GONE)

    async def abandon_runs(self, owner: str, run_ids: Sequence[int], now: datetime) -> int:
        """Give back runs whose handler was stopped midway (shutdown): each fails
        with STOPPED and gets a retry due now, so the next attempt knows its
        outcome is unknown (a post may have landed) and looks before acting."""
        if not run_ids:
            return 0
        ours = self._lock(
            sa.select(runs).where(runs.c.id.in_(run_ids), _leased_by(owner)), runs, skip=False
        )
        async with self._tx(notify=True) as conn:
            return await _take_over(conn, ours, now, now, STOPPED)

    async def release_runs(self, owner: str, run_ids: Sequence[int], now: datetime) -> int:
        """Give back runs whose handler never started: pending again, due now, same row."""
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


async def _take_over(
    conn: AsyncConnection, stmt: sa.Select[Any], now: datetime, retry_at: datetime, error: str
) -> int:
    """Fail the running runs `stmt` selects (locked) with `error`; queue each a retry."""
    lost = [Run.from_row(r) for r in (await conn.execute(stmt)).all()]
    if not lost:
        return 0
    await conn.execute(
        runs.update()
        .where(runs.c.id.in_([r.id for r in lost]), runs.c.status == "running")
        .values(status="failed", finished_at=now, error=error, lease_expires_at=None)
    )
    await conn.execute(runs.insert(), [_retry_row(r, retry_at, now) for r in lost])
    return len(lost)


# NOTIFY when a run of the given schedules is due and waiting: one statement.
_WAITING = (
    sa.select(runs.c.id)
    .where(
        among(runs.c.schedule_id, "ids", postgres=True),
        runs.c.status == "pending",
        runs.c.due_at <= sa.bindparam("now"),
    )
    .limit(1)
    .subquery()
)
_NOTIFY_IF_WAITING = sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")).select_from(_WAITING)


async def _notify_if_queued(conn: AsyncConnection, schedule_ids: set[int], now: datetime) -> None:
    """NOTIFY other replicas (Postgres) when a run of these schedules is due and
    pending: one queued behind a run just finished may start now, and the
    replica that saw it waiting will not look again until told."""
    await conn.execute(_NOTIFY_IF_WAITING, {"ids": sorted(schedule_ids), "now": now})


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
