"""Registering schedules at startup (the upsert), on SQLite and Postgres."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.registration import register_schedule
from scheduler.store import Store
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_re_registering_keeps_a_pause_unless_told_to_resume(store: Store) -> None:
    clock = VirtualClock(T0)
    off = await register_schedule(store, clock, "nightly", cron="0 2 * * *", enabled=False)
    assert off.next_run_at is None
    again = await register_schedule(store, clock, "nightly", cron="0 2 * * *")
    assert (again.status, again.next_run_at) == ("paused", None)  # an admin's pause holds
    on = await register_schedule(store, clock, "nightly", cron="0 2 * * *", resume=True)
    assert on.status == "active"
    assert on.next_run_at == datetime(2026, 1, 6, 2, tzinfo=UTC)


async def test_a_pause_made_while_a_replica_starts_is_kept(store: Store) -> None:
    """The pause lands after the declaration was read and before it is written:
    the upsert itself keeps it (there is no read to be outdated)."""
    clock = VirtualClock(T0)
    on = await register_schedule(store, clock, "nightly", cron="0 2 * * *")
    paused = await store.update_schedule(on, {"enabled": False}, clock.now())
    spec = ScheduleSpec("default", "nightly", CronTrigger("0 2 * * *", "UTC"), "log")
    again = await store.register_schedule(replace(spec, source="startup"), clock.now())
    assert again.status == "paused"
    assert again.version == paused.version  # nothing changed: the pause is what is stored


async def test_re_registering_as_disabled_keeps_the_slot(store: Store) -> None:
    clock = VirtualClock(T0)
    on = await register_schedule(store, clock, "nightly", cron="0 2 * * *")
    off = await register_schedule(store, clock, "nightly", cron="0 2 * * *", enabled=False)
    assert (off.status, off.next_run_at) == ("paused", on.next_run_at)


async def test_an_unchanged_re_register_leaves_the_version_alone(store: Store) -> None:
    clock = VirtualClock(T0)
    first = await register_schedule(store, clock, "nightly", cron="0 2 * * *", args={"a": 1})
    await clock.advance(hours=1)  # a restart
    again = await register_schedule(store, clock, "nightly", cron="0 2 * * *", args={"a": 1})
    assert (again.version, again.updated_at) == (first.version, first.updated_at)
    # An edit begun before the restart still applies.
    edited = await store.update_schedule(first, {"channel_id": "C1"}, clock.now())
    assert edited.version == first.version + 1


async def test_a_changed_re_register_bumps_the_version(store: Store) -> None:
    clock = VirtualClock(T0)
    first = await register_schedule(store, clock, "nightly", cron="0 2 * * *", args={"a": 1})
    await clock.advance(hours=1)
    changes = [
        {"cron": "0 2 * * *", "args": {"a": 2}},
        {"cron": "0 2 * * *", "args": {"a": 2}, "channel_id": "C1"},
        {"cron": "0 2 * * *", "args": {"a": 2}, "channel_id": "C1", "max_retries": 0},
        {"cron": "0 3 * * *", "args": {"a": 2}, "channel_id": "C1", "max_retries": 0},
    ]
    versions = [first.version]
    for change in changes:
        changed = await register_schedule(store, clock, "nightly", **change)  # type: ignore[arg-type]
        assert changed.updated_at == clock.now()
        versions.append(changed.version)
    assert versions == [1, 2, 3, 4, 5]
