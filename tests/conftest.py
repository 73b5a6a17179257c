"""Shared fixtures: a fresh store per test on SQLite and on Postgres.

Postgres tests use TOCK_TEST_POSTGRES_URL, else the local default
postgresql+asyncpg://postgres@127.0.0.1:5432/test (`postgres_url`). The
server is probed once per session; each test gets its own database cloned
from a migrated template. When it does not answer they skip with a reason,
unless TOCK_REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.clock import VirtualClock
from scheduler.store import Store, migrate

pytest_plugins = ["tests.slack_fixtures"]

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PROBE_TIMEOUT_S = 3.0


def postgres_url(environ: Mapping[str, str]) -> str:
    """The server the Postgres tests use: TOCK_TEST_POSTGRES_URL, else the local default."""
    return environ.get("TOCK_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


PG_URL = postgres_url(os.environ)
REQUIRE_PG = os.environ.get("TOCK_REQUIRE_POSTGRES") == "1"
TEMPLATE = f"tock_template_{os.getpid()}"  # one per test session
_template_ready = False
_probe: str | None = None  # "" once Postgres answered, else why it did not
_postgres_databases = 0  # how many Postgres databases tests used this session


def pg_admin_url() -> str:
    return PG_URL


async def _unreachable() -> str:
    """Why Postgres at PG_URL does not answer ("" when it does); asked once per session."""
    global _probe
    if _probe is None:
        engine = create_async_engine(PG_URL, connect_args={"timeout": PROBE_TIMEOUT_S})
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S * 2), engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            _probe = ""
        except (OSError, sa.exc.SQLAlchemyError) as exc:
            _probe = str(exc).partition("\n")[0] or type(exc).__name__
        finally:
            await engine.dispose()
    return _probe


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
    if problem := await _unreachable():
        where = sa.make_url(PG_URL).render_as_string(hide_password=True)
        if REQUIRE_PG:
            pytest.fail(f"TOCK_REQUIRE_POSTGRES=1 but no Postgres at {where} ({problem})")
        pytest.skip(
            f"no Postgres at {where} ({problem}): start one there or set TOCK_TEST_POSTGRES_URL"
        )
    await _ensure_template()
    global _postgres_databases
    name = f"tock_t_{uuid.uuid4().hex[:12]}"
    await _admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    _postgres_databases += 1
    return _with_db(PG_URL, name)


async def drop_postgres(url: str) -> None:
    await _admin(f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)")


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """`fresh_postgres_url`, dropped on the way out."""
    url = await fresh_postgres_url()
    try:
        yield url
    finally:
        await drop_postgres(url)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A URL to a fresh, migrated Postgres database of this test's own."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty, migrated database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}"
        return
    async with fresh_postgres() as url:
        yield url


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
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
    selected_pg = any(item.get_closest_marker("postgres") for item in session.items)
    if REQUIRE_PG and selected_pg and _postgres_databases == 0:
        print("\nTOCK_REQUIRE_POSTGRES=1 but no Postgres test ran", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
