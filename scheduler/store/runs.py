"""Runs: materializing due slots, leases (renew, reclaim), finishing,
releasing, manual runs, when the next thing falls due, and reading runs back.
Claiming is in `claims`; `advance` does both in one transaction.

Exactly-once rests on two things here: the unique (schedule_id, slot) key,
which makes a slot materialize once however many replicas race, and the
lease fence (`lease_owner`), which makes only the current owner's outcome count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import FINAL_STATUSES, NewRun, Run, Schedule, SlotPlan
from scheduler.store.audit import AuditEntry, AuditTables
from scheduler.store.claims import Claim, ClaimTables, _schedule_busy
from scheduler.store.dialect import _as_utc
from scheduler.store.models import schedule_runs, schedules

runs = schedule_runs


@dataclass(frozen=True)
class DueTimes:
    schedules: datetime | None
    runs: datetime | None
    leases: datetime | None

    @property
    def earliest(self) -> datetime | None:
        return min((t for t in (self.schedules, self.runs, self.leases) if t), default=None)


class RunTables(ClaimTables, AuditTables):
    """Rows of `schedule_runs`, and advancing `schedules.next_run_at` as slots materialize."""

    async def materialize_due(
        self, now: datetime, plan: Callable[[Schedule, datetime], SlotPlan], limit: int = 500
    ) -> int:
        """Insert run rows for due schedules and advance them, in one transaction.

        Returns how many schedules were handled (== limit means: call again).
        The unique (schedule_id, slot) key makes a slot materialize once even
        if two replicas race; the row lock makes the loser skip, not wait.
        """
        async with self._tx() as conn:
            return await self._materialize(conn, now, plan, limit)

    async def advance(
        self,
        now: datetime,
        plan: Callable[[Schedule, datetime], SlotPlan],
        owner: str,
        lease: timedelta,
        limit: int,
        batch: int = 500,
    ) -> tuple[int, Claim]:
        """Materialize due slots and claim runnable runs in one transaction.

        The engine's hot path: one round of locking instead of two.
        """
        async with self._tx() as conn:
            materialized = await self._materialize(conn, now, plan, batch)
            claimed = await self._claim(conn, owner, now, lease, limit)
        return materialized, claimed

    async def _materialize(
        self,
        conn: AsyncConnection,
        now: datetime,
        plan: Callable[[Schedule, datetime], SlotPlan],
        limit: int,
    ) -> int:
        due = self._lock(
            sa.select(schedules)
            .where(schedules.c.enabled.is_(True), schedules.c.next_run_at <= now)
            .order_by(schedules.c.next_run_at)
            .limit(limit),
            schedules,
        )
        rows = (await conn.execute(due)).all()
        new_rows: list[dict[str, Any]] = []
        advances: list[dict[str, Any]] = []
        for row in rows:
            schedule = Schedule.from_row(row)
            slot_plan = plan(schedule, now)
            advances.append({"sid": schedule.id, "nra": slot_plan.next_run_at})
            new_rows += [_run_row(schedule.id, new, now) for new in slot_plan.runs]
        if new_rows:
            stmt = self._insert(runs).on_conflict_do_nothing(index_elements=["schedule_id", "slot"])
            await conn.execute(stmt, new_rows)
        if advances:
            await conn.execute(
                schedules.update()
                .where(schedules.c.id == sa.bindparam("sid"))
                .values(next_run_at=sa.bindparam("nra")),
                advances,
            )
        return len(rows)

    async def add_manual_run(
        self, schedule: Schedule, now: datetime, audit: AuditEntry | None = None
    ) -> Run:
        """A run-now request: its own row, so it is never merged or lost."""
        values = _run_row(schedule.id, NewRun(now, "manual", "pending", None), now)
        async with self._tx(notify=True) as conn:
            row = (await conn.execute(runs.insert().values(values).returning(runs))).one()
            if audit:
                await self._audit(conn, audit, now, schedule, after={"run_id": row.id})
        return Run.from_row(row)

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
        """Record the outcome if the lease is still ours (fencing); maybe queue a retry.

        Returns False when another worker took the run over: then nothing is written.
        """
        started = run.started_at or now
        stmt = (
            runs.update()
            .where(runs.c.id == run.id, _leased_by(owner))
            .values(
                status=status,
                finished_at=now,
                duration_ms=int((now - started).total_seconds() * 1000),
                error=error,
                output=output,
                lease_expires_at=None,
            )
        )
        async with self._tx(notify=retry_at is not None) as conn:
            if (await conn.execute(stmt)).rowcount != 1:
                return False
            if retry_at is not None:
                await conn.execute(runs.insert().values(_retry_row(run, retry_at, now)))
        return True

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

    async def next_wakeup(self) -> datetime | None:
        """The earliest instant anything is due: a schedule, a runnable run, a lease expiry."""
        return (await self.due_times()).earliest

    async def due_times(self) -> DueTimes:
        """When the next schedule, runnable pending run and lease expiry fall due (one query)."""
        parts = [
            sa.select(sa.func.min(schedules.c.next_run_at)).where(schedules.c.enabled.is_(True)),
            sa.select(sa.func.min(runs.c.due_at)).where(
                runs.c.status == "pending", ~_schedule_busy()
            ),
            sa.select(sa.func.min(runs.c.lease_expires_at)).where(runs.c.status == "running"),
        ]
        stmt = sa.select(*(p.scalar_subquery() for p in parts))
        async with self._tx() as conn:
            row = (await conn.execute(stmt)).one()
        # min() over subqueries loses the column type on SQLite: normalize here.
        return DueTimes(*(_as_utc(v) if v is not None else None for v in row))

    async def get_run(self, run_id: int) -> Run:
        by_id = sa.select(runs).where(runs.c.id == run_id)
        return Run.from_row(await self._one(by_id, f"no run with id {run_id}"))

    async def list_runs(
        self,
        *,
        team_id: str | None = None,
        schedule_id: int | None = None,
        since: datetime | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[tuple[Run, str]]:
        """Runs newest first, each with its schedule's name."""
        stmt = (
            sa.select(runs, schedules.c.name.label("schedule_name"))
            .join(schedules, schedules.c.id == runs.c.schedule_id)
            .order_by(runs.c.scheduled_for.desc(), runs.c.id.desc())
            .limit(limit)
        )
        if team_id is not None:
            stmt = stmt.where(schedules.c.team_id == team_id)
        if schedule_id is not None:
            stmt = stmt.where(runs.c.schedule_id == schedule_id)
        if since is not None:
            stmt = stmt.where(runs.c.scheduled_for >= since)
        if status is not None:
            stmt = stmt.where(runs.c.status == status)
        async with self._tx() as conn:
            rows = (await conn.execute(stmt)).all()
        return [(Run.from_row(r), r.schedule_name) for r in rows]

    async def count_runs(self, **where: Any) -> dict[str, int]:
        """Run counts by status, optionally filtered by column equality."""
        stmt = sa.select(runs.c.status, sa.func.count()).group_by(runs.c.status)
        for column, value in where.items():
            stmt = stmt.where(runs.c[column] == value)
        async with self._tx() as conn:
            return {s: int(n) for s, n in (await conn.execute(stmt)).all()}


def _leased_by(owner: str) -> sa.ColumnElement[bool]:
    """The lease fence: the run is running under `owner`'s lease."""
    return sa.and_(runs.c.lease_owner == owner, runs.c.status == "running")


def _run_row(
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


def _retry_row(run: Run, due_at: datetime, now: datetime) -> dict[str, Any]:
    """The next attempt of `run`, due at `due_at`."""
    again = NewRun(run.scheduled_for, "retry", "pending", None)
    return _run_row(
        run.schedule_id, again, now, due_at=due_at, attempt=run.attempt + 1, retry_of=run.root_id
    )
