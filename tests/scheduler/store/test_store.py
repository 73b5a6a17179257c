"""The storage contract, on SQLite and Postgres alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scheduler.clock import VirtualClock
from scheduler.errors import Conflict, NotFound
from scheduler.planning import plan_slots
from scheduler.records import ScheduleSpec
from scheduler.registration import register_schedule
from scheduler.store import AuditEntry, Store
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def spec(name: str = "s", cron: str = "* * * * *", **kw: object) -> ScheduleSpec:
    return ScheduleSpec("T1", name, CronTrigger(cron, "UTC"), "log", **kw)  # type: ignore[arg-type]


async def test_migrations_are_idempotent_and_sqlite_uses_wal(db_url: str) -> None:
    first = await Store.open(db_url)
    second = await Store.open(db_url)  # upgrading an up-to-date database is a no-op
    try:
        if first.dialect == "sqlite":
            async with first.engine.connect() as conn:
                mode = (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar_one()
            assert mode == "wal"
    finally:
        await first.close()
        await second.close()


async def test_register_is_an_idempotent_upsert(store: Store) -> None:
    clock = VirtualClock(T0)
    a = await register_schedule(store, clock, "nightly", cron="0 2 * * *")
    await clock.advance(hours=1)
    b = await register_schedule(store, clock, "nightly", cron="0 2 * * *")
    assert (a.id, a.next_run_at) == (b.id, b.next_run_at)  # a restart does not shift it
    c = await register_schedule(store, clock, "nightly", cron="0 3 * * *")
    assert c.id == a.id and c.next_run_at == datetime(2026, 1, 6, 3, tzinfo=UTC)
    assert len(await store.list_schedules("default")) == 1


async def test_replicas_registering_at_once_create_one_row(db_url: str) -> None:
    stores = [await Store.open(db_url) for _ in range(4)]
    clock = VirtualClock(T0)
    try:
        results = await asyncio.gather(
            *(register_schedule(s, clock, "boot", cron="*/5 * * * *") for s in stores)
        )
        assert len({r.id for r in results}) == 1
        assert len(await stores[0].list_schedules("default")) == 1
    finally:
        for s in stores:
            await s.close()


async def test_racing_materializers_insert_each_slot_once(db_url: str) -> None:
    stores = [await Store.open(db_url) for _ in range(3)]
    try:
        await stores[0].create_schedules([spec(f"s{i}") for i in range(50)], T0)
        now = T0 + timedelta(minutes=3)
        await asyncio.gather(*(s.materialize_due(now, plan_slots) for s in stores))
        await asyncio.gather(*(s.materialize_due(now, plan_slots) for s in stores))
        runs = await stores[0].list_runs(limit=10_000)
        keys = [(r.schedule_id, r.scheduled_for) for r, _ in runs]
        assert len(keys) == len(set(keys)) == 50 * 3
    finally:
        for s in stores:
            await s.close()


async def test_racing_claimers_lease_each_run_once(db_url: str) -> None:
    stores = [await Store.open(db_url) for _ in range(3)]
    try:
        await stores[0].create_schedules([spec(f"s{i}", overlap="allow") for i in range(60)], T0)
        now = T0 + timedelta(minutes=1)
        await stores[0].materialize_due(now, plan_slots)
        ids: list[int] = []
        for _ in range(3):  # rows locked by one claimer are skipped, not waited for
            batches = await asyncio.gather(
                *(
                    s.claim_runs(f"o{i}", now, timedelta(seconds=30), 15)
                    for i, s in enumerate(stores)
                )
            )
            ids += [c.run.id for batch in batches for c in batch]
        assert len(ids) == len(set(ids)) == 60
    finally:
        for s in stores:
            await s.close()


async def test_names_are_unique_per_team(store: Store) -> None:
    await store.create_schedule(spec("dup"), T0)
    with pytest.raises(Conflict, match="already exists"):
        await store.create_schedule(spec("dup"), T0)
    other = ScheduleSpec("T2", "dup", CronTrigger("* * * * *", "UTC"), "log")
    assert (await store.create_schedule(other, T0)).team_id == "T2"


async def test_stale_updates_are_refused(store: Store) -> None:
    s = await store.create_schedule(spec("v"), T0)
    await store.update_schedule(s, {"enabled": False}, T0)
    with pytest.raises(Conflict, match="changed meanwhile"):
        await store.update_schedule(s, {"enabled": False}, T0)


async def test_changes_write_audit_rows_in_the_same_transaction(store: Store) -> None:
    entry = AuditEntry(team_id="T1", actor="U1", action="create")
    s = await store.create_schedule(spec("a"), T0, audit=entry)
    await store.update_schedule(
        s, {"enabled": False}, T0, audit=AuditEntry(team_id="T1", actor="U2", action="pause")
    )
    rows = await store.list_audit("T1")
    assert [(r["actor"], r["action"]) for r in rows] == [("U2", "pause"), ("U1", "create")]
    assert rows[0]["before"]["status"] == "active" and rows[0]["after"]["status"] == "paused"


async def test_delete_removes_the_schedule_and_its_runs(store: Store) -> None:
    s = await store.create_schedule(spec("gone"), T0)
    await store.add_manual_run(s, T0)
    await store.delete_schedule(s, T0)
    with pytest.raises(NotFound):
        await store.get_schedule("T1", "gone")
    assert await store.count_runs() == {}


async def test_a_finish_with_someone_elses_lease_writes_nothing(store: Store) -> None:
    s = await store.create_schedule(spec("f"), T0)
    await store.add_manual_run(s, T0)
    [claimed] = await store.claim_runs("me", T0, timedelta(seconds=30), 5)
    assert not await store.finish_run(claimed.run, "intruder", T0, "succeeded")
    assert await store.finish_run(claimed.run, "me", T0, "succeeded", output="ok")
    assert (await store.get_run(claimed.run.id)).output == "ok"


async def test_seen_keys_dedupe_redeliveries(store: Store) -> None:
    assert await store.first_time_seen("event:Ev1", T0)
    assert not await store.first_time_seen("event:Ev1", T0)


async def test_conversations_and_user_timezones_round_trip(store: Store) -> None:
    await store.save_conversation("k", "T1", [{"role": "user", "content": "hi"}], T0)
    await store.save_conversation("k", "T1", [{"role": "user", "content": "again"}], T0)
    assert await store.load_conversation("k") == [{"role": "user", "content": "again"}]
    assert await store.get_user_timezone("T1", "U1") is None
    await store.set_user_timezone("T1", "U1", "Asia/Tokyo", T0)
    assert await store.get_user_timezone("T1", "U1") == "Asia/Tokyo"
