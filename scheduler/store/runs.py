"""Runs: materializing due slots, manual runs, when the next thing falls due,
and reading runs back. Claiming is in `claims` (`advance` materializes and
claims in one transaction); writes under a lease (renew, finish, reclaim,
release) are in `leases`.

Exactly-once rests on two things: the unique (schedule_id, slot) key here,
which makes a slot materialize once however many replicas race, and the
lease fence in `leases`, which makes only the current owner's outcome count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.planning import Plannable
from scheduler.records import NewRun, Run, Schedule, SlotPlan
from scheduler.store.audit import AuditEntry, AuditTables
from scheduler.store.bulk import BulkInsert, BulkUpdate
from scheduler.store.claims import Claim, ClaimTables, _schedule_busy, retry_lost_race
from scheduler.store.dialect import _as_utc
from scheduler.store.models import schedule_runs, schedules
from scheduler.store.rows import SLOT_COLUMNS, run_row
from scheduler.triggers import AnyTrigger, trigger_from_dict

runs = schedule_runs
_ADVANCE = BulkUpdate(schedules, "id", ["next_run_at"])  # each schedule to its next slot
# New slots' rows; a slot another replica inserted first is skipped (the unique key).
_SLOTS = BulkInsert(runs, SLOT_COLUMNS, ["schedule_id", "slot"])
# What materializing reads of a due schedule: what planning needs (`_Due`), no more.
_PLANNED = [
    schedules.c.id,
    schedules.c.trigger,
    schedules.c.next_run_at,
    schedules.c.misfire_grace_s,
    schedules.c.catch_up,
]


@dataclass(frozen=True)
class _Due:
    """A due schedule as `planning.Plannable`."""

    trigger: AnyTrigger
    next_run_at: datetime | None
    misfire_grace_s: int
    catch_up: bool


@dataclass(frozen=True)
class DueTimes:
    schedules: datetime | None
    runs: datetime | None
    leases: datetime | None

    @property
    def earliest(self) -> datetime | None:
        return min((t for t in (self.schedules, self.runs, self.leases) if t), default=None)


@dataclass(frozen=True)
class Advance:
    """What one `advance` did, and what was due when it committed."""

    materialized: int  # schedules handled (== batch means: call again)
    claim: Claim
    due: DueTimes


class RunTables(ClaimTables, AuditTables):
    """Rows of `schedule_runs`, and advancing `schedules.next_run_at` as slots materialize."""

    async def materialize_due(
        self, now: datetime, plan: Callable[[Plannable, datetime], SlotPlan], limit: int = 500
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
        plan: Callable[[Plannable, datetime], SlotPlan],
        owner: str,
        lease: timedelta,
        limit: int,
        batch: int = 500,
    ) -> Advance:
        """Materialize due slots, claim runnable runs and read what is due next,
        in one transaction.

        The engine's hot path: one transaction instead of three. A claim
        that fills `limit` sends NOTIFY (Postgres), so idle replicas take
        what is left instead of waiting for their next wake-up. An owner
        whose presence lock is lost (see `dialect`) claims nothing: other
        replicas may take its runs over any moment.
        """

        async def advance() -> Advance:
            async with self._tx() as conn:  # renews a lost presence first, if it can
                materialized = await self._materialize(conn, now, plan, batch)
                absent = self.present(owner) is False
                claimed = await self._claim(conn, owner, now, lease, 0 if absent else limit)
                due = await _due_times(conn)
                if self.is_postgres and limit > 0 and len(claimed.runs) == limit:
                    await self._notify(conn)  # we are full: more may wait, for the others
            return Advance(materialized, claimed, due)

        return await retry_lost_race(advance)

    async def _materialize(
        self,
        conn: AsyncConnection,
        now: datetime,
        plan: Callable[[Plannable, datetime], SlotPlan],
        limit: int,
    ) -> int:
        rows = (await conn.execute(self._due_schedules, {"now": now, "limit": limit})).all()
        new_rows: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        for row in rows:
            due = _Due(
                trigger_from_dict(row.trigger), row.next_run_at, row.misfire_grace_s, row.catch_up
            )
            slot_plan = plan(due, now)
            moves.append({"id": row.id, "next_run_at": slot_plan.next_run_at})
            new_rows += [run_row(row.id, new, now) for new in slot_plan.runs]
        await _SLOTS.execute(conn, new_rows)
        await _ADVANCE.execute(conn, moves)
        return len(rows)

    @cached_property
    def _due_schedules(self) -> sa.Select[Any]:
        """Enabled schedules due by `now`, locked (built once: see `claims`)."""
        return self._lock(
            sa.select(*_PLANNED)
            .where(schedules.c.enabled.is_(True), schedules.c.next_run_at <= sa.bindparam("now"))
            .order_by(schedules.c.next_run_at)
            .limit(sa.bindparam("limit")),
            schedules,
        )

    async def add_manual_run(
        self, schedule: Schedule, now: datetime, audit: AuditEntry | None = None
    ) -> Run:
        """A run-now request: its own row, so it is never merged or lost."""
        values = run_row(schedule.id, NewRun(now, "manual", "pending", None), now)
        async with self._tx(notify=True) as conn:
            row = (await conn.execute(runs.insert().values(values).returning(runs))).one()
            if audit:
                await self._audit(conn, audit, now, schedule, after={"run_id": row.id})
        return Run.from_row(row)

    async def next_wakeup(self) -> datetime | None:
        """The earliest instant anything is due: a schedule, a runnable run, a lease expiry."""
        return (await self.due_times()).earliest

    async def due_times(self) -> DueTimes:
        """When the next schedule, runnable pending run and lease expiry fall due (one query)."""
        async with self._tx() as conn:
            return await _due_times(conn)

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


# ORDER BY ... LIMIT 1 rather than min() for runs: with the busy check beside
# it, an index scan in due order that stops at the first runnable run.
_DUE_TIMES = sa.select(
    *(
        part.scalar_subquery()
        for part in (
            sa.select(sa.func.min(schedules.c.next_run_at)).where(schedules.c.enabled.is_(True)),
            sa.select(runs.c.due_at)
            .where(runs.c.status == "pending", ~_schedule_busy())
            .order_by(runs.c.due_at)
            .limit(1),
            sa.select(sa.func.min(runs.c.lease_expires_at)).where(runs.c.status == "running"),
        )
    )
)


async def _due_times(conn: AsyncConnection) -> DueTimes:
    row = (await conn.execute(_DUE_TIMES)).one()
    # Values of subqueries lose the column type on SQLite: normalize here.
    return DueTimes(*(_as_utc(v) if v is not None else None for v in row))
