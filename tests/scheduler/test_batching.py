"""The engine's batches on a virtual clock, on SQLite and Postgres alike.

Claims lease many runs in one statement and the outcome writer records many
outcomes in one transaction; these check that batching keeps every run's
exactly-once outcome: all start and finish once, a lost lease inside a batch
is not written, and a database outage in the middle of a batch neither loses
nor doubles anything.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.clock import VirtualClock
from scheduler.errors import StoreUnavailable, TransientJobError
from scheduler.observe import Observer
from scheduler.outcomes import FIRST_RETRY_S
from scheduler.records import Outcome, Run, Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import OnceTrigger
from tests.scheduler.harness import Harness, build

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
AT = T0 + timedelta(seconds=1)
LEASE = timedelta(seconds=30)


@dataclass
class Finished(Observer):
    """Which runs the engine reported as recorded."""

    runs: list[int] = field(default_factory=list)

    def run_finished(self, run: Run, schedule: Schedule, status: str, seconds: float) -> None:
        self.runs.append(run.id)


FinishRuns = Callable[[str, Sequence[Outcome]], Awaitable[set[int]]]


def batches(h: Harness, monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the run ids of every `finish_runs` call the writer makes."""
    seen: list[list[int]] = []
    real: FinishRuns = h.store.finish_runs

    async def recording(owner: str, outcomes: Sequence[Outcome]) -> set[int]:
        seen.append([o.run.id for o in outcomes])
        return await real(owner, outcomes)

    monkeypatch.setattr(h.store, "finish_runs", recording)
    return seen


async def due_at_once(h: Harness, n: int, kind: str = "record", **kw: object) -> None:
    specs = [
        ScheduleSpec("T1", f"s{i:04d}", OnceTrigger(AT, "UTC"), kind, **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]
    await h.store.create_schedules(specs, h.clock.now())


async def test_many_due_at_once_all_start_and_finish_exactly_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = build(store, VirtualClock(T0), max_concurrency=200, materialize_batch=150, finish_batch=60)
    h.engine.observer = observer = Finished()
    seen = batches(h, monkeypatch)
    await due_at_once(h, 700)
    await h.engine.start()
    try:
        await h.advance(1)
        assert all(c.now == AT for c in h.calls), "started late on a virtual clock"
        assert Counter(c.schedule.name for c in h.calls) == {f"s{i:04d}": 1 for i in range(700)}
        runs = await store.list_runs(team_id="T1", limit=10_000)
        assert sorted(r.schedule_id for r, _ in runs) == sorted(c.schedule.id for c in h.calls)
        assert {r.status for r, _ in runs} == {"succeeded"}
        assert sorted(observer.runs) == sorted(r.id for r, _ in runs)
        assert max(map(len, seen)) > 1, "outcomes were written one at a time"
        assert all(len(batch) <= 60 for batch in seen)
        assert sorted(i for batch in seen for i in batch) == sorted(observer.runs)
    finally:
        await h.engine.stop()


async def test_a_lost_lease_inside_a_batch_is_not_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = build(store, VirtualClock(T0), max_concurrency=3)  # no slot left to claim it back
    h.engine.observer = observer = Finished()
    seen = batches(h, monkeypatch)
    await due_at_once(h, 3, kind="blocking")
    await h.engine.start()
    try:
        await h.advance(1)
        assert h.blocked == 3
        first, stolen, last = await h.runs()
        # Another worker takes one run over while its handler still runs here.
        assert await store.release_runs("engine-a", [stolen.id], h.clock.now()) == 1
        [taken] = await store.claim_runs("thief", h.clock.now(), LEASE, 10)
        assert taken.run.id == stolen.id
        await h.release()
        assert seen == [[first.id, stolen.id, last.id]]  # one batch, the stolen run in it
        runs = {r.id: r for r in await h.runs()}
        assert (runs[stolen.id].status, runs[stolen.id].lease_owner) == ("running", "thief")
        assert runs[stolen.id].finished_at is None
        assert {runs[first.id].status, runs[last.id].status} == {"succeeded"}
        assert sorted(observer.runs) == [first.id, last.id]
    finally:
        await h.engine.stop()


async def test_a_store_outage_during_a_batched_finish_neither_loses_nor_doubles(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = build(store, VirtualClock(T0))
    h.engine.observer = observer = Finished()
    real: FinishRuns = store.finish_runs
    attempts: list[str] = []

    async def flaky(owner: str, outcomes: Sequence[Outcome]) -> set[int]:
        attempts.append("try")
        if len(attempts) == 1:  # the database is gone: nothing written
            raise StoreUnavailable("database unavailable: ConnectionResetError")
        if len(attempts) == 2:  # it commits, and the answer is lost on the way back
            await real(owner, outcomes)
            raise StoreUnavailable("database unavailable: ConnectionResetError")
        return await real(owner, outcomes)

    monkeypatch.setattr(store, "finish_runs", flaky)
    await due_at_once(h, 6)
    for i in (1, 4):  # two of them fail and ask for a retry
        h.failures[f"s{i:04d}"] = [TransientJobError("503 from upstream")]
    await h.engine.start()
    try:
        await h.advance(1)
        assert attempts == ["try"]
        assert {r.status for r in await h.runs()} == {"running"}  # waiting to try again
        await h.advance(FIRST_RETRY_S)
        assert len(attempts) == 2  # written, but the writer could not know
        await h.advance(2 * FIRST_RETRY_S)
        assert len(attempts) == 3
        runs = await h.runs()
        first = [r for r in runs if r.attempt == 1]
        assert Counter(r.status for r in first) == {"succeeded": 4, "failed": 2}
        assert sorted(observer.runs) == sorted(r.id for r in first)  # each reported once
        retries = [r for r in runs if r.trigger == "retry"]
        assert sorted(r.retry_of or 0 for r in retries) == sorted(
            r.id for r in first if r.status == "failed"
        )
        await h.advance(seconds=h.engine.config.backoff_cap_s)
        assert {r.status for r in await h.runs() if r.trigger == "retry"} == {"succeeded"}
        assert Counter(c.schedule.name for c in h.calls) == Counter(
            {f"s{i:04d}": 2 if i in (1, 4) else 1 for i in range(6)}
        )
    finally:
        await h.engine.stop()


async def test_shutdown_waits_for_the_outcomes_the_writer_holds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = VirtualClock(T0)
    h = build(store, clock, shutdown_grace_s=10)
    clock.on_wake = None  # the writer is held below: nothing would settle
    writing, go_on = asyncio.Event(), asyncio.Event()
    real: FinishRuns = store.finish_runs

    async def held(owner: str, outcomes: Sequence[Outcome]) -> set[int]:
        writing.set()
        await go_on.wait()
        return await real(owner, outcomes)

    monkeypatch.setattr(store, "finish_runs", held)
    await due_at_once(h, 5)
    await h.engine.start()
    await clock.advance(1)
    await asyncio.wait_for(writing.wait(), 5)
    stopping = asyncio.create_task(h.engine.stop())
    await clock.advance(0)  # the engine starts waiting out its grace...
    await clock.advance(10)  # ...which passes: the handlers are done, their outcomes unwritten
    assert not stopping.done()
    go_on.set()
    await asyncio.wait_for(stopping, 5)
    runs = await h.runs()
    assert len(h.calls) == len(runs) == 5
    assert {(r.status, r.finished_at) for r in runs} == {("succeeded", AT)}


async def test_outcomes_unwritten_past_the_lease_are_given_up_and_the_run_retried(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = build(store, VirtualClock(T0))
    real: FinishRuns = store.finish_runs
    back = T0 + timedelta(seconds=50)  # after the writer gave up, before the retry is due

    async def down_for_a_while(owner: str, outcomes: Sequence[Outcome]) -> set[int]:
        if h.clock.now() < back:
            raise StoreUnavailable("database unavailable: ConnectionRefusedError")
        return await real(owner, outcomes)

    monkeypatch.setattr(store, "finish_runs", down_for_a_while)
    await due_at_once(h, 1)
    await h.engine.start()
    try:
        await h.advance(1)
        for _ in range(10):  # the writer tries for a lease's length, then lets go
            await h.advance(5)
        assert h.engine.inflight == 0
        await h.advance(minutes=3)  # the lease ran out: reclaimed, retried, recorded
        runs = await h.runs()
        assert [(r.attempt, r.status) for r in runs] == [(1, "failed"), (2, "succeeded")]
        assert "worker lost" in (runs[0].error or "")
        assert len(h.calls) == 2  # at least once: the first outcome was never recorded
    finally:
        await h.engine.stop()
