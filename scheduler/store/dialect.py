"""Every difference between SQLite and Postgres, and the transaction plumbing.

`Database` is the base of every table family in this package: it holds the
engine and offers `_tx` (one transaction; `NOTIFY` on Postgres and the local
change listeners when asked), `_lock` (`FOR UPDATE [SKIP LOCKED]` on Postgres),
`_insert` (the dialect's insert with ON CONFLICT), `listen` (LISTEN/NOTIFY)
and statement counting. Engine creation lives here too: SQLite gets one
pooled connection, WAL, `synchronous=NORMAL`, a busy timeout, foreign keys and
`BEGIN IMMEDIATE`; Postgres a pre-pinged pool. `_as_utc` normalizes instants
that a dialect returned without their column type.

Driver errors enter here, and only here: `_tx`, `listen` and `open` (with its
migrations) turn them into `StoreUnavailable`, the driver's exception kept as
`__cause__`. `IntegrityError` passes untouched, for the table families to
report as `Conflict`.

LISTEN survives a lost connection (Postgres restarted, a proxy dropped it):
the subscription notices at once, calls the callback (so the engine takes a
pass), and the next transaction subscribes again before it runs; failing
that, the one after it (the engine's loop brings those, with its backoff).
Once back it calls the callback again, because NOTIFYs sent meanwhile are lost.
No sleeping and no clock here: the retries ride on the store's own use.

Presence (Postgres): an engine listens with its owner id, and the LISTEN
connection also holds a session-level advisory lock named for that id and
lists the owner in `replicas`. The lock lives exactly as long as the
session: when the process dies, Postgres drops the connection and the lock
with it, and another replica that can take the lock knows the owner is gone
(`leases.LeaseTables.free_owners`). While the connection is lost the owner
is not present, and `present` says so (the engine claims nothing then).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any, Self

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scheduler.errors import NotFound, StoreUnavailable
from scheduler.store import migrate
from scheduler.store.models import UTCDateTime, replicas

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "tock_changes"
# What a failing database raises on its way in: SQLAlchemy's wrapped driver
# errors, socket errors (OSError covers ConnectionError and TimeoutError) from
# connecting, and asyncpg's own on the raw LISTEN connection.
_DRIVER_ERRORS = (DBAPIError, OSError, asyncpg.PostgresConnectionError)


class Database:
    """The engine, its dialect, and the plumbing every table family shares."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_postgres = self.dialect == "postgresql"
        self.queries = 0  # statements executed, for benchmarks and idle checks
        self._listeners: list[Callable[[], None]] = []
        self._subscriptions: list[_Subscription] = []  # LISTENs to renew once lost
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, upgrade: bool = True, pool_size: int = 10) -> Self:
        """Connect, configure the dialect, and apply migrations."""
        engine = _make_engine(url, pool_size)
        try:
            if upgrade:
                with _unavailable_on_driver_errors():
                    await migrate.upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def _one(self, stmt: sa.Select[Any], missing: str) -> Any:
        """The one row `stmt` selects, in its own transaction; NotFound(missing) if none."""
        async with self._tx() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            raise NotFound(missing)
        return row

    async def ping(self) -> None:
        """`SELECT 1`; raise StoreUnavailable when the database does not answer."""
        async with self._tx() as conn:
            await conn.execute(sa.text("SELECT 1"))

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is no query
            self.queries += 1

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any commit that may move the next wake-up."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    @asynccontextmanager
    async def _tx(self, notify: bool = False) -> AsyncIterator[AsyncConnection]:
        for subscription in self._subscriptions:
            if subscription.lost:  # one attribute read on the hot path while all is well
                await subscription.renew()
        with _unavailable_on_driver_errors():
            async with self.engine.begin() as conn:
                yield conn
                if notify and self.is_postgres:
                    await self._notify(conn)
        if notify:
            self._changed()

    async def _notify(self, conn: AsyncConnection) -> None:
        """NOTIFY the other replicas when `conn`'s transaction commits (Postgres)."""
        await conn.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))

    def _lock(self, stmt: sa.Select[Any], *of: sa.Table, skip: bool = True) -> sa.Select[Any]:
        """Row locks (Postgres only) that skip rows another replica holds, or
        with `skip=False` wait for them: for rows that are ours to write."""
        if self.is_postgres:
            return stmt.with_for_update(skip_locked=skip, of=list(of) or None)
        return stmt  # SQLite: BEGIN IMMEDIATE already holds the database

    def _insert(self, table: sa.Table) -> Any:
        return pg_insert(table) if self.is_postgres else sqlite_insert(table)

    def _differs(
        self, column: sa.ColumnElement[Any], other: sa.ColumnElement[Any]
    ) -> sa.ColumnElement[bool]:
        """`column IS DISTINCT FROM other`, NULL-safe, for JSON columns too."""
        if self.is_postgres and isinstance(column.type, sa.JSON):
            # json has no equality operator in Postgres: compare the text.
            column, other = sa.cast(column, sa.Text), sa.cast(other, sa.Text)
        return column.is_distinct_from(other)

    async def listen(
        self, callback: Callable[[], None], *, presence: str | None = None
    ) -> Callable[[], Any] | None:
        """Subscribe to other replicas' changes (Postgres); returns an unsubscriber.

        Also calls `callback` when the subscription was lost and when it is back.
        With `presence` (an owner id) the subscription's session also holds
        that owner's presence lock and lists it in `replicas` until unsubscribed.
        """
        if not self.is_postgres:
            return None
        subscription = _Subscription(self.engine, callback, presence)
        await subscription.connect()
        self._subscriptions.append(subscription)

        async def stop() -> None:
            self._subscriptions.remove(subscription)
            await subscription.stop()

        return stop

    def present(self, owner: str) -> bool | None:
        """Whether `owner`'s presence lock is held now; None if it never asked for one."""
        held = [not s.lost for s in self._subscriptions if s.presence == owner]
        return any(held) if held else None

    def presence_epoch(self, owner: str) -> int | None:
        """How often `owner`'s presence lock was taken (it moves when taken back
        after a loss: meanwhile another replica may have taken its runs over)."""
        epochs = [s.epoch for s in self._subscriptions if s.presence == owner]
        return max(epochs) if epochs else None


def presence_lock(function: str, owner: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """`function(key)` for `owner`'s presence lock (pg_try_advisory_lock and kin).

    The two-int key space is apart from the migrations' one-bigint lock, and
    two hashes of the id make a collision between live owners unlikely.
    """
    return getattr(sa.func, function)(
        sa.func.hashtext(owner), sa.func.hashtext(sa.func.concat(owner, ":tock"))
    )


class _Subscription:
    """LISTEN on a connection of its own; `renew` after the connection was lost."""

    def __init__(
        self, engine: AsyncEngine, callback: Callable[[], None], presence: str | None = None
    ) -> None:
        self._engine = engine
        self._callback = callback
        self.presence = presence
        self.epoch = 0  # connections made: 1 after the first
        self._conn: AsyncConnection | None = None
        self._driver: Any = None
        self._renewing = asyncio.Lock()
        self._stopped = False
        self.lost = False

    async def connect(self) -> None:
        """Subscribe on a new connection; StoreUnavailable if the database does not answer."""
        with _unavailable_on_driver_errors():
            conn = await self._engine.connect()
            try:
                if self.presence is not None:
                    await _announce(conn, self.presence)
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                await driver.add_listener(NOTIFY_CHANNEL, self._notified)
                driver.add_termination_listener(self._terminated)
            except BaseException:
                await conn.invalidate()  # a session lock must not go back to the pool
                await conn.close()
                raise
        self._conn, self._driver, self.lost = conn, driver, False
        self.epoch += 1

    async def renew(self) -> None:
        """Subscribe again if still lost; a failure waits for the next transaction."""
        async with self._renewing:
            if not self.lost or self._stopped:
                return  # another transaction renewed it meanwhile
            await self._discard()
            try:
                await self.connect()
            except StoreUnavailable as error:
                log.debug("LISTEN not renewed yet: %s", error, extra={"action": "db.listen"})
                return
        log.info("LISTEN renewed after a lost connection", extra={"action": "db.listen"})
        self._callback()  # NOTIFYs sent while it was lost are gone: look again

    async def stop(self) -> None:
        self._stopped = True
        if self.lost or self._driver is None or self._conn is None:
            await self._discard()
            return
        with _unavailable_on_driver_errors():
            try:
                await self._driver.remove_listener(NOTIFY_CHANNEL, self._notified)
                if self.presence is not None:  # a clean stop: gone from the list at once
                    await self._conn.execute(
                        replicas.delete().where(replicas.c.owner == self.presence)
                    )
                    await self._conn.commit()
            finally:
                await self._discard()

    def _notified(self, *_: Any) -> None:
        self._callback()

    def _terminated(self, *_: Any) -> None:
        if self._stopped:
            return  # our own close
        log.warning("LISTEN connection lost", extra={"action": "db.listen"})
        self.lost = True
        self._callback()  # a pass now: its first transaction subscribes again

    async def _discard(self) -> None:
        """Give the old connection back (invalidated if it died); never raises."""
        conn, driver = self._conn, self._driver
        self._conn = self._driver = None
        if conn is None:
            return
        driver.remove_termination_listener(self._terminated)  # its end is no news any more
        try:
            if self.lost or self.presence is not None:  # dead, or holding a session lock
                await conn.invalidate()
            await conn.close()
        except Exception as error:  # a dead connection may fail to close: it is gone anyway
            log.debug("closing the old LISTEN connection: %s", error)


async def _announce(conn: AsyncConnection, owner: str) -> None:
    """Take `owner`'s presence lock on `conn`'s session and list the owner.

    Fails (StoreUnavailable) when the lock is taken: a reaper holds it for a
    moment (`free_owners`), or our previous session is not gone yet.
    """
    got = await conn.scalar(sa.select(presence_lock("pg_try_advisory_lock", sa.literal(owner))))
    if not got:
        await conn.rollback()
        raise StoreUnavailable(f"the presence lock of {owner} is held by another session")
    listed = pg_insert(replicas).values(owner=owner, started_at=sa.func.now())
    await conn.execute(listed.on_conflict_do_nothing())
    await conn.commit()  # the session lock outlives the transaction; the row needs it


@contextmanager
def _unavailable_on_driver_errors() -> Iterator[None]:
    """Re-raise a failing database's error as `StoreUnavailable` (not IntegrityError)."""
    try:
        yield
    except IntegrityError:
        raise
    except _DRIVER_ERRORS as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        raise StoreUnavailable(f"database unavailable: {type(cause).__name__}: {cause}") from exc


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    result = UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]
    assert result is not None
    return result


def _make_engine(url: str, pool_size: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and queueing in the
        # pool is event-driven while its busy handler sleeps in steps up to 100 ms.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control from the driver so we can issue BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
