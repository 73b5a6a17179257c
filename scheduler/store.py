"""Every SQL statement Tock runs, and every difference between dialects.

Postgres: rows are claimed with `FOR UPDATE SKIP LOCKED`, replicas are woken
with `NOTIFY`. SQLite: WAL mode, and every transaction is `BEGIN IMMEDIATE`
so writers queue on the file lock instead of failing mid-transaction.

Contract: methods take and return aware UTC datetimes and plain records
(`scheduler.records`); they raise `NotFound` or `Conflict` from
`scheduler.errors`; each public method is one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scheduler import migrate
from scheduler.errors import Conflict, NotFound
from scheduler.models import (
    UTCDateTime,
    audit_log,
    conversations,
    schedule_runs,
    schedules,
    seen_keys,
    user_settings,
)
from scheduler.records import ClaimedRun, Run, Schedule, ScheduleSpec, SlotPlan
from scheduler.triggers import trigger_from_dict

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "tock_changes"
runs = schedule_runs


@dataclass(frozen=True)
class AuditEntry:
    team_id: str
    actor: str
    action: str
    schedule_id: int | None = None
    schedule_name: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class Claim:
    runs: list[ClaimedRun]
    waiting: set[int]  # schedules with runnable runs held back by a running one


@dataclass(frozen=True)
class DueTimes:
    schedules: datetime | None
    runs: datetime | None
    leases: datetime | None

    @property
    def earliest(self) -> datetime | None:
        return min((t for t in (self.schedules, self.runs, self.leases) if t), default=None)


def _spec_values(spec: ScheduleSpec) -> dict[str, Any]:
    return {
        "team_id": spec.team_id,
        "name": spec.name,
        "trigger": spec.trigger.to_dict(),
        "timezone": spec.trigger.timezone,
        "action_kind": spec.action_kind,
        "action": spec.action,
        "channel_id": spec.channel_id,
        "enabled": spec.enabled,
        "misfire_grace_s": spec.misfire_grace_s,
        "catch_up": spec.catch_up,
        "overlap": spec.overlap,
        "max_retries": spec.max_retries,
        "timeout_s": spec.timeout_s,
        "created_by": spec.created_by,
        "source": spec.source,
    }


class Store:
    """Async storage over SQLite or Postgres (SQLAlchemy Core)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_postgres = self.dialect == "postgresql"
        self.queries = 0  # statements executed, for benchmarks and idle checks
        self._listeners: list[Callable[[], None]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, upgrade: bool = True, pool_size: int = 10) -> Store:
        """Connect, configure the dialect, and apply migrations."""
        engine = _make_engine(url, pool_size)
        if upgrade:
            await migrate.upgrade(engine)
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is no query
            self.queries += 1

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any commit that may move the next wake-up."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    @asynccontextmanager
    async def _tx(self, notify: bool = False) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn
            if notify and self.is_postgres:
                await conn.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))
        if notify:
            self._changed()

    def _lock(self, stmt: sa.Select[Any], *of: sa.Table) -> sa.Select[Any]:
        """Row locks that skip rows another replica holds (Postgres only)."""
        if self.is_postgres:
            return stmt.with_for_update(skip_locked=True, of=list(of) or None)
        return stmt  # SQLite: BEGIN IMMEDIATE already holds the database

    def _insert(self, table: sa.Table) -> Any:
        return pg_insert(table) if self.is_postgres else sqlite_insert(table)

    async def listen(self, callback: Callable[[], None]) -> Callable[[], Any] | None:
        """Subscribe to other replicas' changes (Postgres); returns an unsubscriber."""
        if not self.is_postgres:
            return None
        conn = await self.engine.connect()
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None

        def on_notify(*_: Any) -> None:
            callback()

        await driver.add_listener(NOTIFY_CHANNEL, on_notify)

        async def stop() -> None:
            await driver.remove_listener(NOTIFY_CHANNEL, on_notify)
            await conn.close()

        return stop

    # -- schedules ----------------------------------------------------------

    async def create_schedule(
        self, spec: ScheduleSpec, now: datetime, audit: AuditEntry | None = None
    ) -> Schedule:
        """Insert a new schedule; raise Conflict when the name is taken."""
        values = _spec_values(spec) | {
            "next_run_at": spec.trigger.next_after(now) if spec.enabled else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self._tx(notify=True) as conn:
                row = (
                    await conn.execute(schedules.insert().values(values).returning(schedules))
                ).one()
                created = Schedule.from_row(row)
                if audit:
                    await self._audit(conn, audit, now, created, after=created.to_dict())
        except IntegrityError as exc:
            raise Conflict(f"a schedule named {spec.name!r} already exists") from exc
        return created

    async def create_schedules(self, specs: Sequence[ScheduleSpec], now: datetime) -> int:
        """Insert many new schedules in one transaction (imports, benchmarks)."""
        rows = [
            _spec_values(spec)
            | {
                "next_run_at": spec.trigger.next_after(now) if spec.enabled else None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for spec in specs
        ]
        try:
            async with self._tx(notify=True) as conn:
                await conn.execute(schedules.insert(), rows)
        except IntegrityError as exc:
            raise Conflict("a schedule name in the batch is already taken") from exc
        return len(rows)

    async def register_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        """Insert or update by (team, name) in one statement; safe across replicas.

        The definition is replaced and `next_run_at` recomputed only when the
        trigger changed, so a restart neither duplicates nor shifts a schedule.
        """
        values = _spec_values(spec) | {
            "next_run_at": spec.trigger.next_after(now) if spec.enabled else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        stmt = self._insert(schedules).values(values)
        changed = schedules.c.trigger != stmt.excluded.trigger
        if self.is_postgres:  # json has no equality operator in Postgres
            changed = sa.cast(schedules.c.trigger, sa.Text) != sa.cast(
                stmt.excluded.trigger, sa.Text
            )
        update = {
            k: stmt.excluded[k] for k in values if k not in ("created_at", "version", "next_run_at")
        }
        update["next_run_at"] = sa.case(
            (changed, stmt.excluded.next_run_at), else_=schedules.c.next_run_at
        )
        update["version"] = schedules.c.version + 1
        stmt = stmt.on_conflict_do_update(index_elements=["team_id", "name"], set_=update)
        async with self._tx(notify=True) as conn:
            row = (await conn.execute(stmt.returning(schedules))).one()
        return Schedule.from_row(row)

    async def get_schedule(self, team_id: str, name: str) -> Schedule:
        async with self._tx() as conn:
            row = (
                await conn.execute(
                    sa.select(schedules).where(
                        schedules.c.team_id == team_id, schedules.c.name == name
                    )
                )
            ).one_or_none()
        if row is None:
            raise NotFound(f"no schedule named {name!r}")
        return Schedule.from_row(row)

    async def get_schedule_by_id(self, schedule_id: int) -> Schedule:
        async with self._tx() as conn:
            row = (
                await conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id))
            ).one_or_none()
        if row is None:
            raise NotFound(f"no schedule with id {schedule_id}")
        return Schedule.from_row(row)

    async def list_schedules(
        self,
        team_id: str | None = None,
        *,
        created_by: str | None = None,
        channel_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Schedule]:
        stmt = sa.select(schedules).order_by(schedules.c.name).limit(limit).offset(offset)
        if team_id is not None:
            stmt = stmt.where(schedules.c.team_id == team_id)
        if created_by is not None:
            stmt = stmt.where(schedules.c.created_by == created_by)
        if channel_id is not None:
            stmt = stmt.where(schedules.c.channel_id == channel_id)
        async with self._tx() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Schedule.from_row(r) for r in rows]

    async def count_schedules(
        self, team_id: str, *, created_by: str | None = None, channel_id: str | None = None
    ) -> int:
        stmt = (
            sa.select(sa.func.count()).select_from(schedules).where(schedules.c.team_id == team_id)
        )
        if created_by is not None:
            stmt = stmt.where(schedules.c.created_by == created_by)
        if channel_id is not None:
            stmt = stmt.where(schedules.c.channel_id == channel_id)
        async with self._tx() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def update_schedule(
        self,
        schedule: Schedule,
        changes: dict[str, Any],
        now: datetime,
        audit: AuditEntry | None = None,
    ) -> Schedule:
        """Apply `changes` if the row is still at `schedule.version`.

        A `trigger` change recomputes `next_run_at` from `now`, as does
        enabling; disabling keeps the slot so a paused schedule shows it.
        Raise Conflict on a concurrent change or a taken name.
        """
        values = dict(changes)
        trigger = values.get("trigger", schedule.trigger)
        enabled = values.get("enabled", schedule.enabled)
        if "trigger" in values:
            values["timezone"] = trigger.timezone
            values["trigger"] = trigger.to_dict()
        if "trigger" in values or (enabled and not schedule.enabled):
            values["next_run_at"] = trigger.next_after(now)
        values |= {"version": schedule.version + 1, "updated_at": now}
        stmt = (
            schedules.update()
            .where(schedules.c.id == schedule.id, schedules.c.version == schedule.version)
            .values(values)
            .returning(schedules)
        )
        try:
            async with self._tx(notify=True) as conn:
                row = (await conn.execute(stmt)).one_or_none()
                if row is None:
                    raise Conflict(f"schedule {schedule.name!r} changed meanwhile; try again")
                updated = Schedule.from_row(row)
                if audit:
                    await self._audit(
                        conn,
                        audit,
                        now,
                        updated,
                        before=schedule.to_dict(),
                        after=updated.to_dict(),
                    )
        except IntegrityError as exc:
            raise Conflict(f"a schedule named {values.get('name')!r} already exists") from exc
        return updated

    async def delete_schedule(
        self, schedule: Schedule, now: datetime, audit: AuditEntry | None = None
    ) -> None:
        async with self._tx(notify=True) as conn:
            await conn.execute(runs.delete().where(runs.c.schedule_id == schedule.id))
            result = await conn.execute(schedules.delete().where(schedules.c.id == schedule.id))
            if result.rowcount == 0:
                raise NotFound(f"no schedule named {schedule.name!r}")
            if audit:
                await self._audit(conn, audit, now, schedule, before=schedule.to_dict())

    async def _audit(
        self,
        conn: AsyncConnection,
        entry: AuditEntry,
        now: datetime,
        schedule: Schedule,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        await conn.execute(
            audit_log.insert().values(
                team_id=entry.team_id,
                actor=entry.actor,
                action=entry.action,
                schedule_id=schedule.id,
                schedule_name=schedule.name,
                before=before if before is not None else entry.before,
                after=after if after is not None else entry.after,
                at=now,
            )
        )

    async def write_audit(self, entry: AuditEntry, now: datetime) -> None:
        async with self._tx() as conn:
            await conn.execute(audit_log.insert().values(**entry.__dict__, at=now))

    async def list_audit(self, team_id: str, limit: int = 100) -> list[dict[str, Any]]:
        stmt = (
            sa.select(audit_log)
            .where(audit_log.c.team_id == team_id)
            .order_by(audit_log.c.id.desc())
            .limit(limit)
        )
        async with self._tx() as conn:
            return [dict(r._mapping) for r in (await conn.execute(stmt)).all()]

    # -- materializing due slots ---------------------------------------------

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
            new_rows += [_run_values(schedule.id, r, now) for r in slot_plan.runs]
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

    # -- runs ---------------------------------------------------------------

    async def add_manual_run(
        self, schedule: Schedule, now: datetime, audit: AuditEntry | None = None
    ) -> Run:
        """A run-now request: its own row, so it is never merged or lost."""
        values = {
            "schedule_id": schedule.id,
            "slot": None,
            "scheduled_for": now,
            "trigger": "manual",
            "status": "pending",
            "attempt": 1,
            "due_at": now,
            "created_at": now,
        }
        async with self._tx(notify=True) as conn:
            row = (await conn.execute(runs.insert().values(values).returning(runs))).one()
            if audit:
                await self._audit(conn, audit, now, schedule, after={"run_id": row.id})
        return Run.from_row(row)

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
        other = runs.alias("other")
        busy = (
            sa.select(other.c.id)
            .where(other.c.schedule_id == runs.c.schedule_id, other.c.status == "running")
            .exists()
            .label("busy")
        )
        candidates = self._lock(
            sa.select(runs, busy, *_SCHEDULE_COLUMNS)
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

    async def renew_leases(
        self, owner: str, run_ids: Sequence[int], now: datetime, lease: timedelta
    ) -> set[int]:
        """Extend our leases; returns the ids still ours (others were lost)."""
        if not run_ids:
            return set()
        stmt = (
            runs.update()
            .where(runs.c.id.in_(run_ids), runs.c.lease_owner == owner, runs.c.status == "running")
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
            .where(runs.c.id == run.id, runs.c.lease_owner == owner, runs.c.status == "running")
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
                await conn.execute(runs.insert().values(_retry_values(run, retry_at, now)))
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
            await conn.execute(runs.insert(), [_retry_values(r, retry_at, now) for r in expired])
        return len(expired)

    async def release_runs(self, owner: str, run_ids: Sequence[int], now: datetime) -> int:
        """Give unfinished runs back (shutdown): pending again, due now, same row."""
        if not run_ids:
            return 0
        stmt = (
            runs.update()
            .where(runs.c.id.in_(run_ids), runs.c.lease_owner == owner, runs.c.status == "running")
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
        other = runs.alias("other")
        blocked = (
            sa.select(other.c.id)
            .where(other.c.schedule_id == runs.c.schedule_id, other.c.status == "running")
            .exists()
        )
        parts = [
            sa.select(sa.func.min(schedules.c.next_run_at)).where(schedules.c.enabled.is_(True)),
            sa.select(sa.func.min(runs.c.due_at)).where(runs.c.status == "pending", ~blocked),
            sa.select(sa.func.min(runs.c.lease_expires_at)).where(runs.c.status == "running"),
        ]
        stmt = sa.select(*(p.scalar_subquery() for p in parts))
        async with self._tx() as conn:
            row = (await conn.execute(stmt)).one()
        # min() over subqueries loses the column type on SQLite: normalize here.
        return DueTimes(*(_as_utc(v) if v is not None else None for v in row))

    async def get_run(self, run_id: int) -> Run:
        async with self._tx() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.id == run_id))).one_or_none()
        if row is None:
            raise NotFound(f"no run with id {run_id}")
        return Run.from_row(row)

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

    # -- small key/value helpers for the host ----------------------------------

    async def first_time_seen(self, key: str, now: datetime) -> bool:
        """Record `key`; True only for the first caller (dedupes redeliveries)."""
        stmt = self._insert(seen_keys).values(key=key, seen_at=now).on_conflict_do_nothing()
        async with self._tx() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def load_conversation(self, key: str) -> list[dict[str, Any]]:
        stmt = sa.select(conversations.c.messages).where(conversations.c.key == key)
        async with self._tx() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return list(value or [])

    async def save_conversation(
        self, key: str, team_id: str, messages: list[dict[str, Any]], now: datetime
    ) -> None:
        stmt = self._insert(conversations).values(
            key=key, team_id=team_id, messages=messages, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"messages": messages, "updated_at": now}
        )
        async with self._tx() as conn:
            await conn.execute(stmt)

    async def get_user_timezone(self, team_id: str, user_id: str) -> str | None:
        stmt = sa.select(user_settings.c.timezone).where(
            user_settings.c.team_id == team_id, user_settings.c.user_id == user_id
        )
        async with self._tx() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none()

    async def set_user_timezone(
        self, team_id: str, user_id: str, timezone: str | None, now: datetime
    ) -> None:
        values = {"team_id": team_id, "user_id": user_id, "timezone": timezone, "updated_at": now}
        stmt = self._insert(user_settings).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["team_id", "user_id"], set_={"timezone": timezone, "updated_at": now}
        )
        async with self._tx() as conn:
            await conn.execute(stmt)


_SCHEDULE_COLUMNS = [c.label(f"s_{c.name}") for c in schedules.c]


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


def _run_values(schedule_id: int, new: Any, now: datetime) -> dict[str, Any]:
    final = new.status != "pending"
    return {
        "schedule_id": schedule_id,
        "slot": new.slot,
        "scheduled_for": new.scheduled_for,
        "trigger": new.trigger,
        "status": new.status,
        "attempt": 1,
        "retry_of": None,
        "due_at": new.scheduled_for,
        "lease_owner": None,
        "lease_expires_at": None,
        "started_at": None,
        "finished_at": now if final else None,
        "duration_ms": None,
        "error": "missed: the scheduler was not running within the misfire grace"
        if final
        else None,
        "output": None,
        "created_at": now,
    }


def _retry_values(run: Run, due: datetime, now: datetime) -> dict[str, Any]:
    return {
        "schedule_id": run.schedule_id,
        "slot": None,
        "scheduled_for": run.scheduled_for,
        "trigger": "retry",
        "status": "pending",
        "attempt": run.attempt + 1,
        "retry_of": run.root_id,
        "due_at": due,
        "created_at": now,
    }


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    result = UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]
    assert result is not None
    return result


def _make_engine(url: str, pool_size: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and queueing in the
        # pool is event-driven while its busy handler sleeps in steps up to 100 ms.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control from the driver so we can issue BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
