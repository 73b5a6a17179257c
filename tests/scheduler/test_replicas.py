"""Several engines on one Postgres. The owner watch: a replica whose database
session ended loses its runs within seconds, not after their lease. And an
engine that finds due work locked by another replica looks again soon."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scheduler.clock import VirtualClock
from scheduler.jobs import RunContext
from scheduler.planning import plan_slots
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.store.leases import GONE
from scheduler.store.models import replicas, schedule_runs
from scheduler.triggers import OnceTrigger
from tests.scheduler.harness import Harness, build

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
pytestmark = pytest.mark.postgres


@pytest.fixture
async def h(pg_url: str) -> AsyncIterator[Harness]:
    store = await Store.open(pg_url)
    harness = build(store, VirtualClock(T0))  # started by `ghost_run`
    try:
        yield harness
    finally:
        harness.gate.set()
        await harness.engine.stop()
        await store.close()


async def ghost_run(h: Harness, owner: str, *, listed: bool) -> int:
    """A run leased to `owner`, a replica that holds no presence lock (it died);
    then this replica's engine starts."""
    spec = ScheduleSpec("T1", "report", OnceTrigger(T0, "UTC"), "record")
    await h.store.create_schedule(spec, T0 - timedelta(minutes=1))
    await h.store.materialize_due(T0, plan_slots)
    [claimed] = await h.store.claim_runs(owner, T0, LEASE, 1)
    if listed:
        async with h.store.engine.begin() as conn:
            await conn.execute(replicas.insert().values(owner=owner, started_at=T0))
    await h.engine.start()
    await h.settle()
    return claimed.run.id


async def step(h: Harness) -> None:
    """One second on; then wait (bounded) until the watch asked and sleeps again."""
    await h.advance(1)
    async with asyncio.timeout(10):
        while True:
            if h.clock.next_deadline == h.clock.now() + timedelta(seconds=1):
                break
            await asyncio.sleep(0.005)  # the watch's query is real I/O, not on the clock
    await h.settle()


async def test_a_dead_replicas_run_is_taken_over_after_the_grace_and_run_once(
    h: Harness,
) -> None:
    run_id = await ghost_run(h, "replica-dead", listed=True)
    for _ in range(3):  # check at +1 s (free since now), +2 s, +3 s: free for the 2 s grace
        await step(h)
    lost = await h.store.get_run(run_id)
    taken_at = T0 + timedelta(seconds=3)
    assert (lost.status, lost.error, lost.finished_at) == ("failed", GONE, taken_at)
    [retry] = [r for r in await h.runs() if r.retry_of == run_id]
    assert (retry.status, retry.started_at) == ("succeeded", taken_at)
    assert [c.run.id for c in h.calls] == [retry.id]  # run once, by this replica
    async with h.store.engine.connect() as conn:
        assert list((await conn.execute(sa.select(replicas.c.owner))).scalars()) == ["engine-a"]


async def test_an_unlisted_owner_waits_for_its_lease(h: Harness) -> None:
    """A worker that never took a presence lock (an older replica, a one-off
    command) cannot be told from a live one: only its lease says it is gone."""
    run_id = await ghost_run(h, "one-off", listed=False)
    for _ in range(5):
        await step(h)
    assert (await h.store.get_run(run_id)).status == "running"
    await h.advance(30)
    assert (await h.store.get_run(run_id)).status == "failed"


async def test_due_work_locked_by_another_replica_is_looked_at_again_soon(h: Harness) -> None:
    """The other replica's transaction holds the due run (SKIP LOCKED skips it):
    this engine looks again in a second, not at the 60 s safety poll."""
    spec = ScheduleSpec("T1", "report", OnceTrigger(T0, "UTC"), "record")
    await h.store.create_schedule(spec, T0 - timedelta(minutes=1))
    await h.store.materialize_due(T0, plan_slots)
    async with h.store.engine.connect() as other:  # another replica, mid-claim
        await other.execute(
            sa.select(schedule_runs.c.id)
            .where(schedule_runs.c.status == "pending")
            .with_for_update()
        )
        await h.engine.start()
        await h.settle()
        assert h.calls == []
        assert h.clock.next_deadline == T0 + timedelta(seconds=1)
        await other.rollback()  # it gave the run up (or crashed) without a NOTIFY
    await h.advance(1)
    assert [c.run.scheduled_for for c in h.calls] == [T0]


async def test_a_run_does_not_act_once_its_replica_lost_its_session(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut off from Postgres (its presence lock lost: see test_presence for how
    that is found), a replica's handler stops before its post, because another
    replica may be retrying the run; with the lock back, the retry acts once."""
    acted: list[int] = []

    async def guarded(ctx: RunContext) -> str:
        h.blocked += 1  # held, for settle: at the gate, then in `still_ours`
        try:
            await h.gate.wait()
            await ctx.still_ours()
        finally:
            h.blocked -= 1
        acted.append(ctx.run.attempt)
        return "posted"

    h.engine.registry.register("guarded", guarded)
    spec = ScheduleSpec("T1", "report", OnceTrigger(T0 + timedelta(seconds=1), "UTC"), "guarded")
    await h.store.create_schedule(spec, T0)
    await h.engine.start()
    await h.settle()
    await h.advance(1)
    assert h.blocked == 1
    monkeypatch.setattr(h.store, "present", lambda owner: False)  # the session ended
    h.gate.set()
    for _ in range(5):  # loop turns (no time): the handler reaches the guard, which waits
        await asyncio.sleep(0)
    assert h.blocked == 1 and acted == []
    await h.advance(1)  # half the 2 s grace: the guard gives up
    await until(lambda: h.blocked == 0)  # the guard gave up: the handler returns
    await h.settle()  # and its outcome is written
    [first, retry] = await h.runs("report")
    assert (first.status, first.error) == (
        "failed",
        "NotOurs: this replica lost its database session before acting",
    )
    assert (retry.status, retry.due_at, retry.attempt) == ("pending", h.clock.now(), 2)
    assert acted == []
    monkeypatch.undo()  # the lock is back
    h.engine.wake()
    await h.advance(1)
    assert acted == [2]
    assert (await h.store.get_run(retry.id)).status == "succeeded"


async def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded, in real time) for what real I/O brings about."""
    async with asyncio.timeout(10):
        while True:
            if condition():
                return
            await asyncio.sleep(0.005)
