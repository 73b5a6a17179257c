"""Workflow step rows and retention, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scheduler.errors import Conflict
from scheduler.records import Run, Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.store.models import metadata
from scheduler.store.steps import ABANDONED, SUMMARY_CHARS
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def schedule(store: Store, name: str = "s") -> Schedule:
    spec = ScheduleSpec("T1", name, CronTrigger("0 0 1 1 *", "UTC"), "workflow")
    return await store.create_schedule(spec, T0)


async def claimed(store: Store, s: Schedule, now: datetime = T0) -> Run:
    """Run `s` now under a lease, as the engine would."""
    await store.add_manual_run(s, now)
    [item] = await store.claim_runs("w", now, LEASE, 1)
    return item.run


async def fail_and_retry(store: Store, run: Run, now: datetime) -> Run:
    """Fail `run` with a retry due now, and claim that retry."""
    assert await store.finish_run(run, "w", now, "failed", error="x", retry_at=now)
    [item] = await store.claim_runs("w", now, LEASE, 1)
    assert item.run.retry_of == run.root_id
    return item.run


async def test_tries_are_numbered_per_path_across_attempts(store: Store) -> None:
    first = await claimed(store, await schedule(store))
    a1 = await store.start_step(first, "a", T0)
    assert await store.finish_step(a1, T0 + timedelta(seconds=2), "failed", error="boom")
    retry = await fail_and_retry(store, first, T0 + timedelta(seconds=3))
    a2 = await store.start_step(retry, "a", T0 + timedelta(seconds=3))
    b1 = await store.start_step(retry, "b", T0 + timedelta(seconds=3))
    assert (a1.attempt, a2.attempt, b1.attempt) == (1, 2, 1)
    assert (a2.run_id, a2.root_run_id, a2.schedule_id) == (retry.id, first.id, first.schedule_id)
    rows = await store.list_steps(root_run_id=first.id)
    assert [(r.path, r.attempt, r.status) for r in rows] == [
        ("a", 1, "failed"),
        ("a", 2, "running"),
        ("b", 1, "running"),
    ]
    assert rows[0].duration_ms == 2000 and rows[0].error == "boom"
    assert [r.path for r in await store.list_steps(run_id=first.id)] == ["a"]
    with pytest.raises(ValueError, match="exactly one"):
        await store.list_steps()


async def test_completed_steps_are_the_done_paths_with_their_outputs(store: Store) -> None:
    run = await claimed(store, await schedule(store))
    output = {"text": "a", "data": [1, {"k": None}], "stop": False}
    for path, status, kept in (
        ("a", "succeeded", output),
        ("b", "skipped", None),
        ("c", "failed", None),
    ):
        step = await store.start_step(run, path, T0)
        await store.finish_step(step, T0, status, output=kept)  # type: ignore[arg-type]
    await store.start_step(run, "d", T0)
    assert await store.completed_steps(run.root_id) == {"a": output, "b": None}


async def test_a_path_is_done_at_most_once(store: Store) -> None:
    run = await claimed(store, await schedule(store))
    first = await store.start_step(run, "post", T0)
    second = await store.start_step(run, "post", T0)
    assert await store.finish_step(first, T0, "succeeded", output={"text": "ok"})
    with pytest.raises(Conflict, match="is done already"):
        await store.finish_step(second, T0, "succeeded", output={"text": "again"})
    assert not await store.finish_step(first, T0, "failed")  # finished already: untouched
    assert (await store.list_steps(run_id=run.id))[0].status == "succeeded"


async def test_abandoning_fails_what_a_vanished_attempt_left_running(store: Store) -> None:
    run = await claimed(store, await schedule(store))
    left = await store.start_step(run, "a", T0)
    other = await claimed(store, await schedule(store, "other"))
    await store.start_step(other, "a", T0)
    assert await store.abandon_steps(run.root_id, T0 + timedelta(minutes=1)) == 1
    [row] = await store.list_steps(run_id=run.id)
    assert (row.status, row.error, row.finished_at) == (
        "failed",
        ABANDONED,
        T0 + timedelta(minutes=1),
    )
    assert not await store.finish_step(left, T0, "succeeded")  # the vanished attempt's late word
    assert [r.status for r in await store.list_steps(run_id=other.id)] == ["running"]


async def test_summaries_and_errors_are_clipped_outputs_kept_whole(store: Store) -> None:
    run = await claimed(store, await schedule(store))
    step = await store.start_step(run, "a", T0)
    text = "word " * 1000
    await store.finish_step(step, T0, "failed", summary=text, output={"text": text}, error=text)
    [row] = await store.list_steps(run_id=run.id)
    assert len(row.summary or "") == SUMMARY_CHARS and len(row.error or "") == 2000
    assert row.output == {"text": text}
    assert row.to_dict()["started_at"] == T0.isoformat()


async def test_deleting_a_schedule_deletes_its_steps(store: Store) -> None:
    gone, kept = await schedule(store, "gone"), await schedule(store, "kept")
    for s in (gone, kept):
        run = await claimed(store, s)
        await store.start_step(run, "a", T0)
    await store.delete_schedule(gone, T0)
    runs = [r for r, _ in await store.list_runs()]
    assert [r.schedule_id for r in runs] == [kept.id]
    assert len(await store.list_steps(root_run_id=runs[0].id)) == 1
    async with store.engine.begin() as conn:  # the foreign key cascades on its own too
        await conn.execute(sa.text("DELETE FROM schedule_runs WHERE id = :id"), {"id": runs[0].id})
    assert await store.list_steps(root_run_id=runs[0].id) == []


async def test_prune_deletes_old_finished_runs_and_their_steps(store: Store) -> None:
    s = await schedule(store)
    old = await claimed(store, s)
    await store.start_step(old, "a", T0)
    await store.finish_run(old, "w", T0 + timedelta(minutes=1), "succeeded")
    # A chain whose retry is still pending is kept whole, however old its first attempt.
    chain = await claimed(store, s, T0 + timedelta(minutes=2))
    await store.start_step(chain, "a", T0 + timedelta(minutes=2))
    await store.finish_run(
        chain, "w", T0 + timedelta(minutes=3), "failed", retry_at=T0 + timedelta(days=9)
    )
    recent = await claimed(store, s, T0 + timedelta(days=2))
    await store.finish_run(recent, "w", T0 + timedelta(days=2), "succeeded")
    cutoff = T0 + timedelta(days=1)
    assert await store.prune(cutoff) == {"runs": 1, "steps": 1}
    left = sorted(r.id for r, _ in await store.list_runs())
    assert old.id not in left and chain.id in left and recent.id in left
    assert await store.list_steps(run_id=old.id) == []
    assert len(await store.list_steps(root_run_id=chain.id)) == 1
    assert await store.prune(cutoff) == {"runs": 0, "steps": 0}


async def test_prune_works_in_batches(store: Store) -> None:
    s = await schedule(store)
    for minute in range(5):
        run = await claimed(store, s, T0 + timedelta(minutes=minute))
        await store.finish_run(run, "w", T0 + timedelta(minutes=minute), "succeeded")
    cutoff = T0 + timedelta(days=1)
    assert [await store.prune(cutoff, limit=2) for _ in range(4)] == [
        {"runs": 2, "steps": 0},
        {"runs": 2, "steps": 0},
        {"runs": 1, "steps": 0},
        {"runs": 0, "steps": 0},
    ]


async def test_the_migrations_build_what_the_models_describe(store: Store) -> None:
    def differences(connection: object) -> list[object]:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        return compare_metadata(context, metadata)

    async with store.engine.connect() as conn:
        assert await conn.run_sync(differences) == []
