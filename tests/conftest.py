"""Shared fixtures: a fresh store per test on SQLite and on Postgres.

Postgres tests use TOCK_TEST_POSTGRES_URL (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test). Each test gets its own
database cloned from a migrated template. Without the variable they skip
with a reason, unless TOCK_REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.clock import VirtualClock
from scheduler.store import Store, migrate

pytest_plugins = ["tests.slack_fixtures"]

PG_URL = os.environ.get("TOCK_TEST_POSTGRES_URL", "")
REQUIRE_PG = os.environ.get("TOCK_REQUIRE_POSTGRES") == "1"
TEMPLATE = f"tock_template_{os.getpid()}"  # one per test session
_template_ready = False
_postgres_databases = 0  # how many Postgres databases tests used this session


def pg_admin_url() -> str:
    return PG_URL


async def _admin(sql: str) -> None:
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


def _with_db(url: str, name: str) -> str:
    return str(sa.make_url(url).set(database=name))


async def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    await _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    await _admin(f"CREATE DATABASE {TEMPLATE}")
    engine = create_async_engine(_with_db(PG_URL, TEMPLATE))
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    _template_ready = True


async def fresh_postgres_url() -> str:
    """A new database cloned from the migrated template; caller drops it."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("TOCK_REQUIRE_POSTGRES=1 but TOCK_TEST_POSTGRES_URL is not set")
        pytest.skip("Postgres not configured: set TOCK_TEST_POSTGRES_URL to run these tests")
    try:
        await _ensure_template()
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"Postgres required but unreachable: {exc}")
        pytest.skip(f"Postgres unreachable: {exc}")
    global _postgres_databases
    name = f"tock_t_{uuid.uuid4().hex[:12]}"
    await _admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    _postgres_databases += 1
    return _with_db(PG_URL, name)


async def drop_postgres(url: str) -> None:
    await _admin(f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty, migrated database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}"
        return
    url = await fresh_postgres_url()
    try:
        yield url
    finally:
        await drop_postgres(url)


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    store = await Store.open(db_url)
    try:
        yield store
    finally:
        pool = store.engine.pool
        await store.close()
        assert pool.checkedout() == 0, "a test leaked a database connection"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this session's template; with TOCK_REQUIRE_POSTGRES=1, fail if no Postgres test ran."""
    if _template_ready:
        import asyncio

        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
    selected_pg = any(item.get_closest_marker("postgres") for item in session.items)
    if REQUIRE_PG and selected_pg and _postgres_databases == 0:
        print("\nTOCK_REQUIRE_POSTGRES=1 but no Postgres test ran", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
