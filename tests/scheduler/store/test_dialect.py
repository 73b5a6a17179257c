"""Driver failures enter the store once, as `StoreUnavailable`; constraint errors stay typed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.errors import Conflict, StoreUnavailable
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# A closed port. (Not an SQLite file that cannot be opened: aiosqlite's worker
# thread may then report the failure to an event loop the test already closed.)
UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/test"


async def test_open_raises_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable) as raised:
        await Store.open(UNREACHABLE)
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)  # the driver's, kept


async def test_a_method_raises_store_unavailable() -> None:
    store = await Store.open(UNREACHABLE, upgrade=False)  # connects lazily: nothing fails yet
    try:
        with pytest.raises(StoreUnavailable) as raised:
            await store.count_runs()
        assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    finally:
        await store.close()


async def test_listen_raises_store_unavailable() -> None:
    store = await Store.open(UNREACHABLE, upgrade=False)
    try:
        with pytest.raises(StoreUnavailable):
            await store.listen(lambda: None)
    finally:
        await store.close()


async def test_a_taken_name_is_still_a_conflict(store: Store) -> None:
    spec = ScheduleSpec("T1", "dup", CronTrigger("* * * * *", "UTC"), "log")
    await store.create_schedule(spec, T0)
    with pytest.raises(Conflict) as raised:
        await store.create_schedule(spec, T0)
    assert not isinstance(raised.value, StoreUnavailable)
    with pytest.raises(Conflict):
        await store.create_schedules([spec], T0)


async def test_ping_answers_or_says_unavailable(store: Store) -> None:
    await store.ping()
    unreachable = await Store.open(UNREACHABLE, upgrade=False)
    try:
        with pytest.raises(StoreUnavailable):
            await unreachable.ping()
    finally:
        await unreachable.close()
