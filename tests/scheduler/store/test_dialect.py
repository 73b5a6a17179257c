"""Driver failures enter the store once, as `StoreUnavailable`; constraint errors stay typed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from scheduler.errors import Conflict, StoreUnavailable
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from tests.fakes.database import drop_connections, postgres_down

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# A closed port. (Not an SQLite file that cannot be opened: aiosqlite's worker
# thread may then report the failure to an event loop the test already closed.)
UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/test"
SPEC = ScheduleSpec("T1", "nightly", CronTrigger("0 2 * * *", "UTC"), "log")


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


# -- LISTEN after a lost connection (Postgres) -----------------------------------


class Wakes:
    """A listen callback that can be waited on (an event, not a sleep)."""

    def __init__(self) -> None:
        self.count = 0
        self._event = asyncio.Event()

    def __call__(self) -> None:
        self.count += 1
        self._event.set()

    async def next(self) -> None:
        async with asyncio.timeout(10):
            await self._event.wait()
        self._event.clear()


@pytest.mark.postgres
async def test_listen_is_renewed_after_the_server_drops_every_connection(pg_url: str) -> None:
    listener, other = await Store.open(pg_url), await Store.open(pg_url, upgrade=False)
    wakes = Wakes()
    stop = await listener.listen(wakes)
    try:
        await other.create_schedule(SPEC, T0)  # a NOTIFY from another replica
        await wakes.next()
        assert await drop_connections(pg_url) >= 1  # as a Postgres restart would
        await wakes.next()  # told at once that the subscription was lost
        await listener.ping()  # the next transaction subscribes again...
        await wakes.next()  # ...and says so: NOTIFYs sent meanwhile are lost
        before = wakes.count
        await other.create_schedule(ScheduleSpec("T1", "again", SPEC.trigger, "log"), T0)
        await wakes.next()
        assert wakes.count == before + 1
    finally:
        assert stop is not None
        await stop()
        await listener.close()
        await other.close()
    assert listener.engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_listen_is_renewed_once_the_database_is_back(pg_url: str) -> None:
    listener = await Store.open(pg_url)
    wakes = Wakes()
    stop = await listener.listen(wakes)
    try:
        async with postgres_down(pg_url):
            await wakes.next()  # lost
            for _ in range(2):  # each transaction tries again, and fails like the statement
                with pytest.raises(StoreUnavailable):
                    await listener.ping()
        before = wakes.count
        await listener.ping()  # back: subscribed again on the way in
        await wakes.next()
        assert wakes.count == before + 1
    finally:
        assert stop is not None
        await stop()
        await listener.close()
