"""Fixtures for the reliability suite: real processes, real Postgres, nothing left behind.

- The multi-process tests (replica kills, a Postgres restart, Slack faults, a
  rolling restart, one replica cut off from Postgres) are marked `slow` and
  `postgres`; they run in CI (`.ci/run`) and never skip there. The last two
  began as strict xfails reproducing duplicate-post bugs, now fixed.
- `shared_postgres`: a fresh database on the test Postgres (TOCK_TEST_POSTGRES_URL),
  dropped after; it fails (not skips) with TOCK_REQUIRE_POSTGRES=1.
- `private_postgres`: a cluster of the test's own (`private_postgres.py`), so it
  can be restarted mid-burst; always stopped and removed.
- After every test, every process group the benchmark launcher started and did
  not reap is SIGKILLed, even when the test failed or timed out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import tests.conftest as shared
from benchmarks.processes import kill_all
from tests.conftest import REQUIRE_PG, fresh_postgres
from tests.reliability.private_postgres import PrivatePostgres, find_bindir, why_unusable


@pytest.fixture(autouse=True)
def _no_processes_left() -> Iterator[None]:
    yield
    kill_all()


@pytest.fixture
async def shared_postgres() -> AsyncIterator[str]:
    """A fresh, migrated database on the shared test Postgres."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A running cluster of this test's own; stopped and removed after."""
    bindir = find_bindir()
    if problem := why_unusable(bindir):
        if REQUIRE_PG:
            pytest.fail(f"TOCK_REQUIRE_POSTGRES=1 but no private Postgres can be made: {problem}")
        pytest.skip(problem)
    assert bindir is not None
    cluster = PrivatePostgres(bindir)
    try:
        await cluster.create()
        shared._postgres_databases += 1  # a Postgres test ran (the session's check counts them)
        yield cluster
    finally:
        await cluster.destroy()
