"""Reading a run's story back (`HistoryTables`), on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.records import Run, Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.store.history import STEPS_BATCH
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def schedule(store: Store, name: str = "s", team: str = "T1") -> Schedule:
    spec = ScheduleSpec(team, name, CronTrigger("0 0 1 1 *", "UTC"), "workflow")
    return await store.create_schedule(spec, T0)


async def claimed(store: Store, s: Schedule, now: datetime = T0) -> Run:
    await store.add_manual_run(s, now)
    [item] = await store.claim_runs("w", now, LEASE, 1)
    return item.run


async def retried(store: Store, run: Run, now: datetime) -> Run:
    assert await store.finish_run(run, "w", now, "failed", error="x", retry_at=now)
    [item] = await store.claim_runs("w", now, LEASE, 1)
    return item.run


async def test_attempts_are_the_whole_retry_chain_oldest_first(store: Store) -> None:
    s = await schedule(store)
    first = await claimed(store, s)
    second = await retried(store, first, T0 + timedelta(seconds=1))
    third = await retried(store, second, T0 + timedelta(seconds=2))
    other = await claimed(store, await schedule(store, "other"))  # a chain of its own
    for asked in (first, second, third):
        chain = await store.run_attempts(asked)
        assert [(r.id, r.attempt) for r in chain] == [(first.id, 1), (second.id, 2), (third.id, 3)]
    assert [r.id for r in await store.run_attempts(other)] == [other.id]


async def test_steps_come_grouped_by_the_attempt_that_tried_them(store: Store) -> None:
    s = await schedule(store)
    first = await claimed(store, s)
    a = await store.start_step(first, "a", T0)
    await store.finish_step(a, T0 + timedelta(milliseconds=1500), "failed", error="boom")
    second = await retried(store, first, T0 + timedelta(seconds=2))
    for path in ("a", "b"):
        await store.start_step(second, path, T0 + timedelta(seconds=2))
    found = await store.steps_by_run([second.id, first.id, 999_999])
    assert [(t.path, t.attempt) for t in found[second.id]] == [("a", 2), ("b", 1)]
    assert [(t.path, t.duration_ms, t.error) for t in found[first.id]] == [("a", 1500, "boom")]
    assert found[999_999] == [] and await store.steps_by_run([]) == {}


async def test_many_runs_steps_are_read_in_batches(store: Store) -> None:
    s = await schedule(store)
    run = await claimed(store, s)
    await store.start_step(run, "only", T0)
    ids = [run.id, *range(10**6, 10**6 + STEPS_BATCH)]  # more ids than one statement holds
    found = await store.steps_by_run(ids)
    assert len(found) == len(ids) and [t.path for t in found[run.id]] == ["only"]


async def test_schedules_by_name_span_teams(store: Store) -> None:
    await schedule(store, "digest", "T2")
    await schedule(store, "digest", "T1")
    await schedule(store, "other", "T1")
    assert [(x.team_id, x.name) for x in await store.schedules_named("digest")] == [
        ("T1", "digest"),
        ("T2", "digest"),
    ]
    assert await store.schedules_named("nope") == []
