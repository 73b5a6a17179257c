"""Writes under a lease, many runs at a time, on SQLite and Postgres alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.planning import plan_slots
from scheduler.records import Outcome, Run, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import OnceTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
LATER = T0 + timedelta(seconds=2)


async def claimed(store: Store, n: int, owner: str = "me") -> list[Run]:
    """`n` runs due at T0, leased to `owner`."""
    specs = [ScheduleSpec("T1", f"s{i}", OnceTrigger(T0, "UTC"), "log") for i in range(n)]
    await store.create_schedules(specs, T0 - timedelta(minutes=1))
    await store.materialize_due(T0, plan_slots)
    return [c.run for c in await store.claim_runs(owner, T0, LEASE, n)]


async def test_one_call_writes_every_outcome_whose_lease_is_ours(store: Store) -> None:
    a, b, c, d = await claimed(store, 4)
    await store.release_runs("me", [c.id], T0)  # c is given back and taken by another worker
    [theirs] = await store.claim_runs("other", T0, LEASE, 5)
    assert theirs.run.id == c.id
    outcomes = [
        Outcome(a, "succeeded", LATER, output="ok"),
        Outcome(b, "failed", LATER, error="boom", retry_at=LATER + timedelta(seconds=10)),
        Outcome(c, "failed", LATER, error="not mine", retry_at=LATER),
        Outcome(d, "failed", LATER, error="final"),
    ]
    assert await store.finish_runs("me", outcomes) == {a.id, b.id, d.id}
    rows = {r.id: r for r, _ in await store.list_runs(limit=100)}
    done_a, done_b, left_c = rows[a.id], rows[b.id], rows[c.id]
    assert (done_a.status, done_a.output, done_a.duration_ms) == ("succeeded", "ok", 2000)
    assert (done_b.status, done_b.error, done_b.finished_at) == ("failed", "boom", LATER)
    assert (left_c.status, left_c.lease_owner) == ("running", "other")  # untouched
    [retry] = [r for r in rows.values() if r.trigger == "retry"]  # b's only: not c's, not d's
    assert (retry.retry_of, retry.attempt, retry.due_at) == (b.id, 2, LATER + timedelta(seconds=10))


async def test_writing_the_same_outcomes_again_writes_nothing_twice(store: Store) -> None:
    a, b = await claimed(store, 2)
    outcomes = [
        Outcome(a, "succeeded", LATER),
        Outcome(b, "failed", LATER, error="boom", retry_at=LATER),
    ]
    assert await store.finish_runs("me", outcomes) == {a.id, b.id}
    # As after a commit whose answer was lost: recorded already, so nothing new.
    assert await store.finish_runs("me", outcomes) == {a.id, b.id}
    assert await store.count_runs() == {"succeeded": 1, "failed": 1, "pending": 1}
    # An outcome that differs from what was recorded is not ours to claim.
    assert await store.finish_runs("me", [Outcome(a, "failed", LATER, error="x")]) == set()


async def test_a_run_reclaimed_meanwhile_is_not_recorded(store: Store) -> None:
    [a] = await claimed(store, 1)
    assert await store.reclaim_expired(T0 + LEASE, T0 + LEASE) == 1  # "worker lost"
    # Even an outcome that happens to match the reclaim's status and instant.
    late = Outcome(
        a, "failed", T0 + LEASE, error="worker lost: lease expired before the run finished"
    )
    assert await store.finish_runs("me", [late]) == set()
    assert await store.count_runs() == {"failed": 1, "pending": 1}  # its retry, once
