"""The engine on a virtual clock, on SQLite and Postgres alike."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.clock import VirtualClock
from scheduler.engine import Engine, EngineConfig
from scheduler.errors import PermanentJobError, StoreUnavailable, TransientJobError
from scheduler.planning import COALESCED, MISSED, backoff_seconds
from scheduler.store import DueTimes, Store
from scheduler.store.leases import STOPPED
from scheduler.triggers import CronTrigger, IntervalTrigger, OnceTrigger
from tests.scheduler.harness import Harness, build

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
async def h(store: Store) -> AsyncIterator[Harness]:
    harness = build(store, VirtualClock(T0))
    await harness.engine.start()
    await harness.engine.settle()
    yield harness
    harness.gate.set()
    await harness.engine.stop()


def minutely() -> CronTrigger:
    return CronTrigger("* * * * *", "UTC")


async def test_it_fires_each_slot_once_on_time(h: Harness) -> None:
    await h.add("tick", minutely())
    for _ in range(3):
        await h.advance(60)
    assert [c.run.scheduled_for for c in h.calls] == [T0 + timedelta(minutes=m) for m in (1, 2, 3)]
    assert all(c.now == c.run.scheduled_for for c in h.calls), "fired late on a virtual clock"
    schedule = await h.store.get_schedule("T1", "tick")
    assert schedule.next_run_at == T0 + timedelta(minutes=4)


async def test_it_sleeps_until_the_next_due_instant_not_a_short_poll(h: Harness) -> None:
    await h.add("hourly", CronTrigger("0 * * * *", "UTC"))
    await h.settle()
    assert h.clock.next_deadline is not None
    # Parked until the slot or the safety poll, whichever comes first: never sooner.
    assert h.clock.next_deadline >= T0 + timedelta(seconds=60)
    before = h.store.queries
    await h.advance(minutes=59)
    assert h.calls == []
    # One wake-up query per safety poll (60 s) while nothing is due.
    assert h.store.queries - before <= 62


async def test_a_one_off_fires_once_and_completes(h: Harness) -> None:
    schedule = await h.add("once", OnceTrigger(T0 + timedelta(seconds=90), "UTC"))
    assert schedule.status == "active"
    await h.advance(90)
    await h.advance(hours=2)
    assert len(h.calls) == 1
    assert (await h.store.get_schedule("T1", "once")).status == "completed"


async def test_transient_errors_retry_with_backoff_then_succeed(h: Harness) -> None:
    h.engine.rng = random.Random(7)
    await h.add("flaky", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), max_retries=3)
    h.failures["flaky"] = [TransientJobError("503 from upstream"), RuntimeError("boom")]
    await h.advance(1)
    for _ in range(10):
        await h.advance(seconds=h.engine.config.backoff_cap_s / 10)
    runs = await h.runs("flaky")
    assert [(r.attempt, r.trigger, r.status) for r in runs] == [
        (1, "schedule", "failed"),
        (2, "retry", "failed"),
        (3, "retry", "succeeded"),
    ]
    assert runs[0].error == "503 from upstream"
    assert runs[1].error == "RuntimeError: boom"
    assert {r.retry_of for r in runs[1:]} == {runs[0].id}
    rng = random.Random(7)
    for attempt, (failed, retry) in enumerate(itertools.pairwise(runs), start=1):
        expected = backoff_seconds(attempt, rng=rng)
        assert failed.finished_at is not None
        assert retry.due_at - failed.finished_at == pytest.approx(
            timedelta(seconds=expected), abs=timedelta(milliseconds=1)
        )


async def test_retry_after_hint_is_honoured(h: Harness) -> None:
    await h.add("limited", OnceTrigger(T0 + timedelta(seconds=1), "UTC"))
    h.failures["limited"] = [TransientJobError("ratelimited", retry_after=42)]
    await h.advance(1)
    runs = await h.runs("limited")
    assert runs[1].due_at == T0 + timedelta(seconds=43)
    await h.advance(42)
    assert (await h.runs("limited"))[1].status == "succeeded"


async def test_permanent_errors_fail_at_once(h: Harness) -> None:
    await h.add("doomed", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), max_retries=5)
    h.failures["doomed"] = [PermanentJobError("channel_not_found")]
    await h.advance(1)
    await h.advance(hours=2)
    runs = await h.runs("doomed")
    assert [(r.status, r.error) for r in runs] == [("failed", "channel_not_found")]


async def test_retries_stop_at_max_retries(h: Harness) -> None:
    await h.add("broken", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), max_retries=2)
    h.failures["broken"] = [RuntimeError("x")] * 5
    await h.advance(1)
    for _ in range(12):
        await h.advance(seconds=600)
    runs = await h.runs("broken")
    assert [r.attempt for r in runs] == [1, 2, 3]
    assert {r.status for r in runs} == {"failed"}


async def test_a_run_past_its_timeout_is_cancelled_and_recorded(h: Harness) -> None:
    await h.add(
        "slow",
        OnceTrigger(T0 + timedelta(seconds=1), "UTC"),
        kind="blocking",
        timeout_s=30,
        max_retries=0,
    )
    await h.clock.advance(1)
    await h.wait_started()
    await h.advance(30)
    runs = await h.runs("slow")
    assert [(r.status, r.error) for r in runs] == [("failed", "timed out after 30s")]
    assert runs[0].duration_ms == 30_000


async def test_downtime_beyond_grace_becomes_missed_rows_and_one_catch_up(store: Store) -> None:
    h = build(store, VirtualClock(T0))
    await h.add("hourly", CronTrigger("0 * * * *", "UTC"), misfire_grace_s=300)
    await h.clock.advance(hours=3, minutes=30)  # the engine is down meanwhile
    await h.engine.start()
    try:
        await h.settle()
        runs = await h.runs("hourly")
        assert [(r.scheduled_for.hour, r.trigger, r.status) for r in runs] == [
            (13, "schedule", "missed"),
            (14, "schedule", "missed"),
            (15, "schedule", "missed"),
            (15, "catch-up", "succeeded"),
        ]
        assert (await store.get_schedule("T1", "hourly")).next_run_at == T0 + timedelta(hours=4)
    finally:
        await h.engine.stop()


async def test_late_slots_within_grace_coalesce_into_the_newest(store: Store) -> None:
    h = build(store, VirtualClock(T0))
    await h.add("minutely", minutely(), misfire_grace_s=300, catch_up=False)
    await h.clock.advance(minutes=7)
    await h.engine.start()
    try:
        await h.settle()
        runs = await h.runs("minutely")
        # 12:01 is beyond the 5-minute grace; 12:02-12:06 coalesce into 12:07.
        assert [r.status for r in runs] == ["missed"] + ["skipped"] * 5 + ["succeeded"]
        assert [r.error for r in runs[:-1]] == [MISSED] + [COALESCED] * 5
        assert [c.run.scheduled_for for c in h.calls] == [T0 + timedelta(minutes=7)]
    finally:
        await h.engine.stop()


async def test_pause_stops_firing_and_resume_does_not_backfill(h: Harness) -> None:
    schedule = await h.add("tick", minutely())
    await h.advance(60)
    paused = await h.store.update_schedule(schedule, {"enabled": False}, h.clock.now())
    await h.advance(minutes=10)
    assert len(h.calls) == 1
    resumed = await h.store.update_schedule(paused, {"enabled": True}, h.clock.now())
    assert resumed.next_run_at == h.clock.now() + timedelta(minutes=1)
    await h.advance(60)
    assert len(h.calls) == 2
    assert [r.status for r in await h.runs("tick")] == ["succeeded", "succeeded"]


async def test_run_now_while_running_is_queued_not_lost(h: Harness) -> None:
    schedule = await h.add("long", minutely(), kind="blocking")
    await h.clock.advance(60)
    await h.wait_started()
    manual = await h.store.add_manual_run(schedule, h.clock.now())
    await h.clock.advance(60)  # the 12:02 slot comes while 12:01 still runs
    await h.settle()
    runs = {r.id: r for r in await h.runs("long")}
    assert runs[manual.id].status == "pending"
    assert [r.status for r in runs.values() if r.trigger == "schedule"] == ["running", "skipped"]
    await h.release()
    runs = {r.id: r for r in await h.runs("long")}
    assert runs[manual.id].status == "succeeded"
    assert [c.run.trigger for c in h.calls] == ["schedule", "manual"]


async def test_overlap_allow_runs_side_by_side(h: Harness) -> None:
    await h.add("parallel", minutely(), kind="blocking", overlap="allow")
    await h.clock.advance(60)
    await h.wait_started()
    await h.clock.advance(60)
    await h.wait_started()
    assert [r.status for r in await h.runs("parallel")] == ["running", "running"]
    await h.release()
    assert [r.status for r in await h.runs("parallel")] == ["succeeded", "succeeded"]


async def test_long_runs_keep_their_lease_by_heartbeat(h: Harness) -> None:
    await h.add(
        "marathon", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), kind="blocking", timeout_s=3600
    )
    await h.clock.advance(1)
    await h.wait_started()
    for _ in range(20):  # 10 minutes, far past the 30 s lease
        await h.clock.advance(30)
    runs = await h.runs("marathon")
    assert [r.status for r in runs] == ["running"]
    await h.release()
    runs = await h.runs("marathon")
    assert [r.status for r in runs] == ["succeeded"]
    assert len(h.calls) == 1


async def test_runs_left_running_by_a_crash_are_reclaimed_once(store: Store) -> None:
    clock = VirtualClock(T0)
    h = build(store, clock)
    await h.add("job", OnceTrigger(T0 + timedelta(seconds=1), "UTC"))
    await clock.advance(1)
    # A crashed replica materialized and leased the run, then vanished.
    dead = Engine(store, h.engine.registry, clock, EngineConfig(owner="dead"))
    from scheduler.planning import plan_slots

    await store.materialize_due(clock.now(), plan_slots)
    claimed = await store.claim_runs("dead", clock.now(), dead.lease, 10)
    assert len(claimed) == 1
    await h.engine.start()
    try:
        await h.settle()
        assert h.calls == []  # still leased by the dead worker
        await h.advance(31)
        runs = await h.runs("job")
        assert [(r.status, r.trigger, r.attempt) for r in runs] == [
            ("failed", "schedule", 1),
            ("pending", "retry", 2),
        ]
        assert "worker lost" in (runs[0].error or "")
        await h.advance(10)
        runs = await h.runs("job")
        assert runs[-1].status == "succeeded"
        assert len(h.calls) == 1
        # The dead worker's late finish is fenced off.
        assert not await store.finish_run(claimed[0].run, "dead", clock.now(), "succeeded")
    finally:
        await h.engine.stop()


async def test_shutdown_hands_unfinished_runs_back_as_retries(store: Store) -> None:
    """Stopped midway, a run's effect is unknown: its retry is told so (and looks first)."""
    clock = VirtualClock(T0)
    h = build(store, clock, shutdown_grace_s=10)
    await h.add("stuck", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), kind="blocking")
    await h.engine.start()
    await clock.advance(1)
    await h.wait_started()
    stopping = asyncio.create_task(h.engine.stop())
    await clock.advance(0)
    assert not stopping.done()  # waiting for the in-flight run, within the grace
    await clock.advance(10)
    await asyncio.wait_for(stopping, 5)
    stopped, retry = await h.runs("stuck")
    assert (stopped.status, stopped.error) == ("failed", STOPPED)
    assert (retry.status, retry.attempt, retry.due_at) == ("pending", 2, clock.now())
    assert await store.count_runs(status="running") == {}


async def test_shutdown_waits_for_runs_that_finish_within_grace(store: Store) -> None:
    clock = VirtualClock(T0)
    h = build(store, clock, shutdown_grace_s=10)
    await h.add("quick", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), kind="blocking")
    await h.engine.start()
    await clock.advance(1)
    await h.wait_started()
    stopping = asyncio.create_task(h.engine.stop())
    await clock.advance(3)
    h.gate.set()
    await asyncio.wait_for(stopping, 5)
    assert [r.status for r in await h.runs("quick")] == ["succeeded"]


async def test_a_new_schedule_wakes_the_parked_engine(h: Harness) -> None:
    await h.settle()
    await h.add("soon", IntervalTrigger(5, "minutes", T0 + timedelta(seconds=5), "UTC"))
    await h.settle()
    assert h.clock.next_deadline == T0 + timedelta(seconds=5)
    await h.advance(5)
    assert len(h.calls) == 1


async def test_unknown_job_kind_fails_permanently(h: Harness) -> None:
    await h.add("mystery", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), kind="nope")
    await h.advance(1)
    runs = await h.runs("mystery")
    assert [(r.status, r.error) for r in runs] == [
        ("failed", "no handler registered for job kind 'nope'")
    ]


async def test_a_store_outage_is_waited_out_not_fatal(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await h.add("tick", minutely())
    outage = [StoreUnavailable("database unavailable: ConnectionRefusedError")] * 2
    due_times = h.store.due_times

    async def flaky() -> DueTimes:
        if outage:
            raise outage.pop()
        return await due_times()

    monkeypatch.setattr(h.store, "due_times", flaky)
    h.engine.wake()
    await h.settle()
    assert h.engine.alive and h.clock.next_deadline == T0 + timedelta(seconds=1)  # backing off
    await h.advance(60)
    assert not outage
    assert [c.run.scheduled_for for c in h.calls] == [T0 + timedelta(minutes=1)]
