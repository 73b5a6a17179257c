"""The daily maintenance schedule and its job: retention, on SQLite and Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.errors import PermanentJobError
from scheduler.jobs import RunContext
from scheduler.maintenance import (
    DEFAULT_RETENTION_DAYS,
    MAINTENANCE,
    SYSTEM_TEAM,
    maintenance_job,
    register_maintenance,
)
from scheduler.records import Run, Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from tests.scheduler.harness import Harness, build

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday
NEXT_MAINTENANCE = datetime(2026, 1, 6, 3, 17, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def finished_run(store: Store, schedule: Schedule, at: datetime, steps: int = 0) -> Run:
    """A run of `schedule` that ran at `at` (with `steps` workflow steps) and succeeded."""
    await store.add_manual_run(schedule, at)
    [item] = await store.claim_runs("w", at, LEASE, 1)
    for n in range(steps):
        step = await store.start_step(item.run, f"step-{n}", at)
        await store.finish_step(step, at, "succeeded")
    assert await store.finish_run(item.run, "w", at, "succeeded")
    return item.run


async def people_schedule(store: Store) -> Schedule:
    spec = ScheduleSpec("T1", "standup", CronTrigger("0 9 * * 1-5", "UTC"), "log")
    return await store.create_schedule(spec, T0)  # next at Tuesday 09:00: never due here


async def context(store: Store, schedule: Schedule, now: datetime) -> RunContext:
    run = await store.add_manual_run(schedule, now)
    return RunContext(run=run, schedule=schedule, now=now)


# ---- registration --------------------------------------------------------------------


async def test_registering_twice_leaves_one_daily_schedule(store: Store) -> None:
    clock = VirtualClock(T0)
    first = await register_maintenance(store, clock)
    await clock.advance(hours=1)
    again = await register_maintenance(store, clock)
    [only] = await store.list_schedules(SYSTEM_TEAM)
    assert first.id == again.id == only.id
    assert (only.name, only.action_kind, only.team_id) == (MAINTENANCE, MAINTENANCE, "_tock")
    assert only.action == {"retention_days": DEFAULT_RETENTION_DAYS}
    assert only.next_run_at == NEXT_MAINTENANCE  # 03:17 UTC, off the busy hours
    assert again.version == first.version  # an unchanged declaration changes nothing
    assert await store.list_schedules("T1") == []  # no workspace sees it


async def test_a_new_retention_is_taken_and_a_pause_is_kept(store: Store) -> None:
    clock = VirtualClock(T0)
    schedule = await register_maintenance(store, clock)
    await store.update_schedule(schedule, {"enabled": False}, T0)  # an admin pauses it
    again = await register_maintenance(store, clock, retention_days=30)
    assert again.action == {"retention_days": 30}
    assert (again.enabled, again.status) == (False, "paused")


# ---- the job -------------------------------------------------------------------------


async def test_the_job_prunes_old_finished_runs_and_their_steps_in_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    standup = await people_schedule(store)
    now = T0
    old = [
        await finished_run(store, standup, now - timedelta(days=91 + n), steps=2) for n in range(5)
    ]
    recent = await finished_run(store, standup, now - timedelta(days=89), steps=1)
    waiting = await store.add_manual_run(standup, now - timedelta(days=200))  # never ran: kept
    batches: list[dict[str, int]] = []
    prune = store.prune

    async def recorded(before: datetime, *, limit: int = 10_000) -> dict[str, int]:
        batches.append(result := await prune(before, limit=limit))
        return result

    monkeypatch.setattr(store, "prune", recorded)
    maintenance = await register_maintenance(store, VirtualClock(now))
    output = await maintenance_job(store, batch=2)(await context(store, maintenance, now))

    assert output == "pruned 5 runs and 10 steps finished before 2025-10-07 12:00 UTC"
    assert [b["runs"] for b in batches] == [2, 2, 1]  # until a batch comes back short
    left = {run.id for run, _ in await store.list_runs(limit=100)}
    assert not left & {run.id for run in old}
    assert {recent.id, waiting.id} <= left
    assert len(await store.list_steps(run_id=recent.id)) == 1
    for run in old:
        assert await store.list_steps(run_id=run.id) == []


async def test_nothing_to_prune_is_a_success_that_says_so(store: Store) -> None:
    maintenance = await register_maintenance(store, VirtualClock(T0), retention_days=7)
    output = await maintenance_job(store)(await context(store, maintenance, T0))
    assert output == "pruned 0 runs and 0 steps finished before 2025-12-29 12:00 UTC"


async def test_the_job_forgets_delivery_ids_older_than_a_week(store: Store) -> None:
    """Slack never redelivers that late; keeping them would grow the table forever."""
    assert await store.first_time_seen("Ev-old", T0 - timedelta(days=8))
    assert await store.first_time_seen("Ev-recent", T0 - timedelta(days=6))
    maintenance = await register_maintenance(store, VirtualClock(T0), retention_days=7)
    output = await maintenance_job(store)(await context(store, maintenance, T0))
    assert output.endswith(", and 1 delivery ids seen over 7 days ago")
    assert await store.first_time_seen("Ev-old", T0)  # forgotten: new again
    assert not await store.first_time_seen("Ev-recent", T0)  # still answered once


@pytest.mark.parametrize("days", [0, -1, "90", True, 1.5, None])
async def test_a_bad_retention_fails_for_good(store: Store, days: Any) -> None:
    standup = await people_schedule(store)
    kept = await finished_run(store, standup, T0 - timedelta(days=1000))
    maintenance = await register_maintenance(store, VirtualClock(T0), retention_days=days)
    with pytest.raises(PermanentJobError, match="retention_days must be a whole number"):
        await maintenance_job(store)(await context(store, maintenance, T0))
    assert kept.id in {run.id for run, _ in await store.list_runs()}


# ---- on the engine ----------------------------------------------------------------


@pytest.fixture
async def h(store: Store) -> AsyncIterator[Harness]:
    harness = build(store, VirtualClock(T0))
    harness.engine.registry.register(MAINTENANCE, maintenance_job(store))
    yield harness
    await harness.engine.stop()


async def maintenance_runs(h: Harness) -> list[Run]:
    rows = await h.store.list_runs(team_id=SYSTEM_TEAM, limit=100)
    return sorted((run for run, _ in rows), key=lambda run: run.id)


async def test_the_engine_runs_it_daily_at_0317_utc(h: Harness) -> None:
    standup = await people_schedule(h.store)
    old = await finished_run(h.store, standup, T0 - timedelta(days=95))
    kept = await finished_run(h.store, standup, T0 - timedelta(days=5))
    await register_maintenance(h.store, h.clock)
    await h.engine.start()
    await h.advance(hours=15, minutes=16)  # 03:16: not yet
    assert await maintenance_runs(h) == []
    await h.advance(minutes=1)
    [run] = await maintenance_runs(h)
    assert (run.status, run.scheduled_for) == ("succeeded", NEXT_MAINTENANCE)
    assert run.output == "pruned 1 runs and 0 steps finished before 2025-10-08 03:17 UTC"
    left = {r.id for r, _ in await h.store.list_runs(team_id="T1")}
    assert old.id not in left and kept.id in left


async def test_a_day_missed_while_down_is_caught_up_once(h: Harness) -> None:
    await register_maintenance(h.store, h.clock)
    await h.clock.advance(days=3)  # Tock is down over three maintenance slots
    await h.engine.start()
    await h.settle()
    runs = await maintenance_runs(h)
    assert sorted(run.status for run in runs).count("succeeded") == 1  # one catch-up run
    assert {run.status for run in runs} <= {"missed", "succeeded"}
