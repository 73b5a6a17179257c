"""Replicas across one Postgres: presence locks, taking over a dead owner's runs,
one running exclusive run per schedule, and a NOTIFY when a queued run may start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.planning import plan_slots
from scheduler.records import Outcome, Run, ScheduleSpec
from scheduler.store import Store
from scheduler.store.dialect import NOTIFY_CHANNEL, presence_lock
from scheduler.store.leases import GONE
from scheduler.store.models import replicas, schedule_runs
from scheduler.triggers import OnceTrigger
from tests.fakes.database import drop_connections
from tests.scheduler.store.test_dialect import Wakes

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ONCE = OnceTrigger(T0, "UTC")
LEASE = timedelta(seconds=30)


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two replicas' stores on one fresh Postgres database."""
    a, b = await Store.open(pg_url), await Store.open(pg_url, upgrade=False)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def leased(store: Store, owner: str, n: int = 1, overlap: str = "skip") -> list[Run]:
    specs = [
        ScheduleSpec("T1", f"{owner}{i}", OnceTrigger(T0, "UTC"), "log", overlap=overlap)
        for i in range(n)
    ]
    await store.create_schedules(specs, T0 - timedelta(minutes=1))
    await store.materialize_due(T0, plan_slots)
    return [c.run for c in await store.claim_runs(owner, T0, LEASE, n)]


async def lost(store: Store, wakes: Wakes) -> None:
    """Until the end of replica-a's session has reached it (its listen callback)."""
    while store.present("replica-a") is not False:
        await wakes.next()


async def listed(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set((await conn.execute(sa.select(replicas.c.owner))).scalars())


@pytest.mark.postgres
async def test_a_present_owner_is_listed_and_not_free_until_its_session_ends(
    stores: tuple[Store, Store],
) -> None:
    a, b = stores
    stop = await a.listen(Wakes(), presence="replica-a")
    assert stop is not None
    try:
        assert a.present("replica-a") is True
        assert a.present("someone-else") is None  # never asked for presence
        assert await listed(b) == {"replica-a"}
        assert await b.free_owners("replica-b") == set()  # alive: its lock is held
        assert await a.free_owners("replica-a") == set()  # never ourselves
    finally:
        await stop()
    assert await listed(b) == set()  # a clean stop unlists at once
    assert a.engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_a_dead_owners_runs_are_taken_over_at_once_and_retried_now(
    stores: tuple[Store, Store],
) -> None:
    a, b = stores
    stop = await a.listen(wakes := Wakes(), presence="replica-a")
    assert stop is not None
    try:
        mine = await leased(a, "replica-a", 2)
        [other] = await leased(b, "replica-b")
        # The process is gone: Postgres ended its sessions (SIGKILL does the same).
        await drop_connections(str(a.engine.url.render_as_string(hide_password=False)))
        await lost(a, wakes)
        assert a.present("replica-a") is False
        free = await b.free_owners("replica-b")
        assert free == {"replica-a"}
        now = T0 + timedelta(seconds=3)  # well before the 30 s lease ends
        assert await b.reap_owners("replica-b", free, now) == 2
        rows = {r.id: r for r, _ in await b.list_runs(limit=100)}
        for run in mine:
            assert (rows[run.id].status, rows[run.id].error) == ("failed", GONE)
        retries = [r for r in rows.values() if r.trigger == "retry"]
        assert sorted(r.retry_of for r in retries) == sorted(r.id for r in mine)
        assert {(r.status, r.due_at, r.attempt) for r in retries} == {("pending", now, 2)}
        assert rows[other.id].status == "running"  # a live owner's run is untouched
        assert await listed(b) == set()  # unlisted: nothing to take over twice
        assert await b.reap_owners("replica-b", free, now) == 0
        # The dead owner's late outcome is fenced out.
        assert await a.finish_runs("replica-a", [Outcome(mine[0], "succeeded", now)]) == set()
    finally:
        await stop()


@pytest.mark.postgres
async def test_an_owner_that_came_back_keeps_its_runs(stores: tuple[Store, Store]) -> None:
    a, b = stores
    stop = await a.listen(wakes := Wakes(), presence="replica-a")
    assert stop is not None
    try:
        [run] = await leased(a, "replica-a")
        await drop_connections(str(a.engine.url.render_as_string(hide_password=False)))
        await lost(a, wakes)
        assert await b.free_owners("replica-b") == {"replica-a"}  # seen free once...
        await a.ping()  # ...but its next transaction takes its lock again
        assert a.present("replica-a") is True
        assert await b.reap_owners("replica-b", {"replica-a"}, T0) == 0
        assert (await b.get_run(run.id)).status == "running"
        assert await listed(b) == {"replica-a"}
    finally:
        await stop()


@pytest.mark.postgres
async def test_an_owner_without_its_lock_claims_nothing(stores: tuple[Store, Store]) -> None:
    a, b = stores
    stop = await a.listen(wakes := Wakes(), presence="replica-a")
    assert stop is not None
    try:
        spec = ScheduleSpec("T1", "x", OnceTrigger(T0, "UTC"), "log")
        await a.create_schedule(spec, T0 - timedelta(minutes=1))
        # Another session holds the lock (as a reaper does for a moment): no presence.
        await drop_connections(str(a.engine.url.render_as_string(hide_password=False)))
        await lost(a, wakes)
        async with b.engine.connect() as conn:
            hold = presence_lock("pg_advisory_lock", sa.literal("replica-a"))
            await conn.execute(sa.select(hold))
            step = await a.advance(T0, plan_slots, "replica-a", LEASE, 10)
            assert (step.materialized, step.claim.runs) == (1, [])
            assert a.present("replica-a") is False
            await conn.rollback()
            await conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
        step = await a.advance(T0, plan_slots, "replica-a", LEASE, 10)
        assert [c.run.lease_owner for c in step.claim.runs] == ["replica-a"]
    finally:
        await stop()


async def test_sqlite_has_no_presence(tmp_path: Path) -> None:
    """One process per SQLite file in practice: leases alone find a lost worker."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}")
    try:
        assert await store.listen(lambda: None, presence="x") is None
        assert store.present("x") is None
        await leased(store, "x")
        assert await store.free_owners("me") == set()
        assert await store.reap_owners("me", {"x"}, T0) == 0
    finally:
        await store.close()


# -- one running exclusive run per schedule ----------------------------------


async def test_a_second_running_run_of_an_exclusive_schedule_is_refused(store: Store) -> None:
    [run] = await leased(store, "me", overlap="queue")
    assert await _is_exclusive(store, run.id)
    manual = await store.add_manual_run(await store.get_schedule_by_id(run.schedule_id), T0)
    with pytest.raises(IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(
                schedule_runs.update()
                .where(schedule_runs.c.id == manual.id)
                .values(status="running", exclusive=True)
            )


async def test_runs_of_an_overlapping_schedule_may_run_side_by_side(store: Store) -> None:
    [run] = await leased(store, "me", overlap="allow")
    schedule = await store.get_schedule_by_id(run.schedule_id)
    await store.add_manual_run(schedule, T0)
    [again] = await store.claim_runs("me", T0, LEASE, 5)
    assert not await _is_exclusive(store, run.id)
    assert (await store.get_run(again.run.id)).status == "running"


async def _is_exclusive(store: Store, run_id: int) -> bool:
    async with store.engine.connect() as conn:
        stmt = sa.select(schedule_runs.c.exclusive).where(schedule_runs.c.id == run_id)
        return bool(await conn.scalar(stmt))


@pytest.mark.postgres
async def test_a_claim_that_lost_the_race_tries_again_and_waits(
    stores: tuple[Store, Store], caplog: pytest.LogCaptureFixture
) -> None:
    """Replica B's read misses A's run of the schedule (not committed yet); the
    index stops B's lease, and B's second try sees the schedule busy."""
    caplog.set_level(logging.INFO, logger="scheduler.store.claims")
    a, b = stores
    spec = ScheduleSpec("T1", "q", OnceTrigger(T0, "UTC"), "log", overlap="queue")
    schedule = await a.create_schedule(spec, T0 - timedelta(minutes=1))
    await a.materialize_due(T0, plan_slots)
    second = await a.add_manual_run(schedule, T0)
    [first] = [r for r, _ in await a.list_runs(limit=10) if r.id != second.id]
    async with a.engine.connect() as conn:  # A leases `first` and has not committed
        await conn.execute(
            schedule_runs.update()
            .where(schedule_runs.c.id == first.id)
            .values(status="running", exclusive=True, lease_owner="replica-a")
        )
        claim = asyncio.create_task(b.claim_runs("replica-b", T0, LEASE, 5))
        await _until_waiting_on_a_lock(a)
        await conn.commit()
    assert await claim == []  # no error, no second running run
    assert "lost a race to start a schedule" in caplog.text  # the index stopped it
    assert (await a.get_run(second.id)).status == "pending"  # queued behind the first


async def _until_waiting_on_a_lock(store: Store) -> None:
    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    async with asyncio.timeout(10):
        while True:
            async with store.engine.connect() as conn:
                if await conn.scalar(waiting):
                    return
            await asyncio.sleep(0.01)


# -- NOTIFY when a queued run may start, or when a claim is full ----------------


@asynccontextmanager
async def notifications(store: Store) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """A listener of our own: `count()` says how many NOTIFYs arrived since the last call.

    It sends a fence NOTIFY and waits for it: transactions' notifications
    arrive in commit order, so everything committed before is in by then.
    """
    url = store.engine.url.set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    heard: list[str] = []
    fenced = asyncio.Event()

    def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        heard.append(payload)
        if payload == "fence":
            fenced.set()

    await conn.add_listener(NOTIFY_CHANNEL, on_notify)

    async def count() -> int:
        await conn.execute("SELECT pg_notify($1, 'fence')", NOTIFY_CHANNEL)
        await asyncio.wait_for(fenced.wait(), 10)
        seen = len(heard) - 1
        heard.clear()
        fenced.clear()
        return seen

    try:
        yield count
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_a_finished_run_with_a_run_queued_behind_it_wakes_other_replicas(
    stores: tuple[Store, Store],
) -> None:
    a, _ = stores
    [alone] = await leased(a, "lone")
    [queued] = await leased(a, "busy", overlap="queue")
    await a.add_manual_run(await a.get_schedule_by_id(queued.schedule_id), T0)
    later = T0 + timedelta(seconds=1)
    async with notifications(a) as count:
        await a.finish_runs("lone", [Outcome(alone, "succeeded", later)])
        assert await count() == 0  # nothing waits behind it
        await a.finish_runs("busy", [Outcome(queued, "succeeded", later)])
        assert await count() == 1  # the run queued behind it may start now


@pytest.mark.postgres
async def test_a_claim_that_fills_its_limit_wakes_other_replicas(
    stores: tuple[Store, Store],
) -> None:
    """More may wait than this replica can take: the others are told."""
    a, _ = stores
    specs = [ScheduleSpec("T1", f"s{i}", ONCE, "log") for i in range(5)]
    await a.create_schedules(specs, T0 - timedelta(minutes=1))
    await a.materialize_due(T0, plan_slots)
    async with notifications(a) as count:
        step = await a.advance(T0, plan_slots, "replica-a", LEASE, 2)
        assert (len(step.claim.runs), await count()) == (2, 1)  # full: more may wait
        step = await a.advance(T0, plan_slots, "replica-a", LEASE, 5)
        assert (len(step.claim.runs), await count()) == (3, 0)  # room left: all taken
