"""Run rows in the store: what materializing due slots writes, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.planning import COALESCED, MISSED, plan_slots
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_final_rows_say_why_they_did_not_run(store: Store) -> None:
    minutely = CronTrigger("* * * * *", "UTC")
    await store.create_schedule(
        ScheduleSpec("T1", "m", minutely, "log", misfire_grace_s=300, catch_up=False), T0
    )
    await store.materialize_due(T0 + timedelta(minutes=7), plan_slots)
    rows = sorted((r for r, _ in await store.list_runs()), key=lambda r: r.scheduled_for)
    # 12:01 is beyond the 5-minute grace; 12:02-12:06 coalesce into 12:07.
    assert [(r.status, r.error) for r in rows] == [
        ("missed", MISSED),
        *[("skipped", COALESCED)] * 5,
        ("pending", None),
    ]
    assert all(r.finished_at == T0 + timedelta(minutes=7) for r in rows[:-1])
    assert rows[-1].finished_at is None
