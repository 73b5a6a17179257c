"""The audit log: `AuditEntry`, the in-transaction audit write, and listing.

Schedule changes and run-now requests write their audit row with `_audit`
inside their own transaction, so a change and its audit row commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import Schedule
from scheduler.store.dialect import Database
from scheduler.store.models import audit_log


@dataclass(frozen=True)
class AuditEntry:
    team_id: str
    actor: str
    action: str
    schedule_id: int | None = None
    schedule_name: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class AuditTables(Database):
    """Rows of `audit_log`: who changed which schedule, before and after."""

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
