"""The schedule table: create, bulk-create, register (upsert), get, list, count,
update and delete schedules.

Writes are optimistic (`version`) where a person edits, and notify the
scheduler (`_tx(notify=True)`) because `next_run_at` may move.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.errors import Conflict, NotFound
from scheduler.records import Schedule, ScheduleSpec
from scheduler.store.audit import AuditEntry, AuditTables
from scheduler.store.models import run_steps, schedule_runs, schedules

runs = schedule_runs


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


def _new_schedule_values(spec: ScheduleSpec, now: datetime) -> dict[str, Any]:
    """A new row for `spec`: version 1, first slot after `now` unless disabled."""
    return _spec_values(spec) | {
        "next_run_at": spec.trigger.next_after(now) if spec.enabled else None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


class ScheduleTables(AuditTables):
    """Rows of `schedules`; deleting one deletes its runs and their steps."""

    async def create_schedule(
        self, spec: ScheduleSpec, now: datetime, audit: AuditEntry | None = None
    ) -> Schedule:
        """Insert a new schedule; raise Conflict when the name is taken."""
        values = _new_schedule_values(spec, now)
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
        rows = [_new_schedule_values(spec, now) for spec in specs]
        try:
            async with self._tx(notify=True) as conn:
                await conn.execute(schedules.insert(), rows)
        except IntegrityError as exc:
            raise Conflict("a schedule name in the batch is already taken") from exc
        return len(rows)

    async def register_schedule(
        self, spec: ScheduleSpec, now: datetime, *, keep_pause: bool = True
    ) -> Schedule:
        """Insert or update by (team, name) in one statement; safe across replicas.

        The definition is replaced; `next_run_at` is recomputed from `now` only
        when the trigger changed or the schedule becomes enabled, and
        `version`/`updated_at` move only when some field changed, so a restart
        neither duplicates nor shifts a schedule nor spoils an edit in flight.
        With `keep_pause` a stored pause stays, decided in the same statement
        (a pause committed just before it is never undone).
        """
        stmt = self._insert(schedules).values(_new_schedule_values(spec, now))
        new = stmt.excluded
        definition = [k for k in _spec_values(spec) if k not in ("team_id", "name")]
        enabled = sa.and_(new.enabled, schedules.c.enabled) if keep_pause else new.enabled
        wanted = {k: new[k] for k in definition} | {"enabled": enabled}
        changed = sa.or_(*(self._differs(schedules.c[k], wanted[k]) for k in definition))
        trigger_changed = self._differs(schedules.c.trigger, new.trigger)
        enabling = sa.and_(enabled, sa.not_(schedules.c.enabled))
        update = wanted | {
            "next_run_at": sa.case(
                (sa.or_(trigger_changed, enabling), new.next_run_at),
                else_=schedules.c.next_run_at,
            ),
            "version": sa.case((changed, schedules.c.version + 1), else_=schedules.c.version),
            "updated_at": sa.case((changed, new.updated_at), else_=schedules.c.updated_at),
        }
        stmt = stmt.on_conflict_do_update(index_elements=["team_id", "name"], set_=update)
        async with self._tx(notify=True) as conn:
            row = (await conn.execute(stmt.returning(schedules))).one()
        return Schedule.from_row(row)

    async def get_schedule(self, team_id: str, name: str) -> Schedule:
        by_name = sa.select(schedules).where(
            schedules.c.team_id == team_id, schedules.c.name == name
        )
        return Schedule.from_row(await self._one(by_name, f"no schedule named {name!r}"))

    async def get_schedule_by_id(self, schedule_id: int) -> Schedule:
        by_id = sa.select(schedules).where(schedules.c.id == schedule_id)
        return Schedule.from_row(await self._one(by_id, f"no schedule with id {schedule_id}"))

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
            await conn.execute(run_steps.delete().where(run_steps.c.schedule_id == schedule.id))
            await conn.execute(runs.delete().where(runs.c.schedule_id == schedule.id))
            result = await conn.execute(schedules.delete().where(schedules.c.id == schedule.id))
            if result.rowcount == 0:
                raise NotFound(f"no schedule named {schedule.name!r}")
            if audit:
                await self._audit(conn, audit, now, schedule, before=schedule.to_dict())
