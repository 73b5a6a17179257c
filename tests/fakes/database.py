"""A database outage on demand, at the driver edge: `DatabaseOutage(store)`.

While it is on, every statement the store sends fails where the driver would
fail on a dropped connection (`ConnectionResetError`, raised as the statement
goes out), so the code under test sees exactly what the store makes of a real
outage: `StoreUnavailable`, from the dialect's one translation. The same on
SQLite and Postgres; Postgres' LISTEN connection sends no statements and is
left alone. `refused` counts the statements turned away; `wait_refused(n)`
waits for the n-th one (an event, never a sleep).

The other outages are Postgres only and real, at the server:
`drop_connections(url)` ends every connection to the database, as a restart
does; `async with postgres_down(url):` also refuses new ones until it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.store import Store
from tests.conftest import pg_admin_url


class DatabaseOutage:
    """`with DatabaseOutage(store):` the database is down; leaving the block brings it back.

    `from_statement`: the outage begins with the first statement it accepts
    (that one is refused too), e.g. the write of a run's outcome, so a
    connection can be lost at one exact point of the work.
    """

    def __init__(
        self, store: Store, *, from_statement: Callable[[str], bool] | None = None
    ) -> None:
        self._engine = store.engine.sync_engine
        self._trigger = from_statement
        self._tripped = from_statement is None
        self.refused = 0
        self._changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def start(self) -> None:
        event.listen(self._engine, "before_cursor_execute", self._refuse)

    def end(self) -> None:
        if event.contains(self._engine, "before_cursor_execute", self._refuse):
            event.remove(self._engine, "before_cursor_execute", self._refuse)

    def __enter__(self) -> DatabaseOutage:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.end()

    async def wait_refused(self, count: int = 1) -> None:
        """Until at least `count` statements were refused."""
        while self.refused < count:
            self._changed.clear()
            await self._changed.wait()

    def _refuse(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not self._tripped:
            if self._trigger is None or not self._trigger(statement):
                return
            self._tripped = True
        self.refused += 1
        # Set from the loop's thread even if a driver calls in from a worker thread.
        self._loop.call_soon_threadsafe(self._changed.set)
        raise ConnectionResetError("connection reset by peer (test outage)")


async def drop_connections(url: str) -> int:
    """What a Postgres restart does to its clients: end every backend of `url`'s database.

    Returns how many were ended. The store's pool and LISTEN connection find
    out the way they would after a real restart.
    """
    ended = await _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid()",
        name=sa.make_url(url).database,
    )
    return len(ended)


@asynccontextmanager
async def postgres_down(url: str) -> AsyncIterator[None]:
    """Postgres is down for `url`'s database: connections refused, open ones ended; back on exit."""
    name = sa.make_url(url).database
    await _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        await drop_connections(url)
        yield
    finally:
        await _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


async def _admin(sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(sa.text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()
