"""Counts for monitoring (`StatsTables`): schedules by status, and the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import AnyTrigger, CronTrigger, OnceTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def spec(name: str, trigger: AnyTrigger | None = None, **kw: Any) -> ScheduleSpec:
    kw.setdefault("team_id", "T1")
    return ScheduleSpec(
        name=name, trigger=trigger or CronTrigger("0 9 * * *", "UTC"), action_kind="log", **kw
    )


async def test_an_empty_store_counts_zero_of_everything(store: Store) -> None:
    assert await store.count_schedules_by_status() == {"active": 0, "paused": 0, "completed": 0}
    assert await store.queue_depth(T0) == {"pending": 0, "running": 0}


async def test_schedules_are_counted_as_their_status_says(store: Store) -> None:
    await store.create_schedule(spec("a"), T0)
    await store.create_schedule(spec("b", team_id="T2"), T0)  # every team counts
    await store.create_schedule(spec("off", enabled=False), T0)
    await store.create_schedule(spec("once", OnceTrigger(T0 - timedelta(hours=1), "UTC")), T0)
    schedules = {s.name: s.status for s in await store.list_schedules()}
    counts = await store.count_schedules_by_status()
    assert counts == {"active": 2, "paused": 1, "completed": 1}
    assert sorted(schedules.values()) == sorted(
        ["active", "active", "paused", "completed"]
    )  # the same rule as Schedule.status


async def test_the_queue_is_due_pending_runs_and_leased_runs(store: Store) -> None:
    schedule = await store.create_schedule(spec("a", overlap="allow"), T0)
    for _ in range(3):
        await store.add_manual_run(schedule, T0)
    await store.add_manual_run(schedule, T0 + timedelta(hours=1))  # not due yet
    assert await store.queue_depth(T0) == {"pending": 3, "running": 0}

    claimed = await store.claim_runs("worker", T0, LEASE, limit=2)
    assert len(claimed) == 2
    assert await store.queue_depth(T0) == {"pending": 1, "running": 2}

    first = claimed[0].run
    assert await store.finish_run(first, "worker", T0, "succeeded")
    assert await store.queue_depth(T0) == {"pending": 1, "running": 1}
    assert await store.queue_depth(T0 + timedelta(hours=1)) == {"pending": 2, "running": 1}
