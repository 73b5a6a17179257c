"""Postgres goes down for a few seconds in the middle of a burst, and comes back.

A private cluster (the shared one serves every other test), restarted with
`pg_ctl stop -m fast`, a few seconds down, then `start`, while two replicas
are firing: every connection is cut, outcomes being written fail, new
connections are refused. Nothing may be lost or posted twice, and the
replicas ride it out (they exit 0 at the end, never having died).
"""

from __future__ import annotations

import pytest

from benchmarks.fire_latency import Database
from benchmarks.replicas import Burst, Cluster, run_burst
from tests.reliability.checks import assert_each_slot_once
from tests.reliability.private_postgres import PrivatePostgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOWN_S = 4.0


async def test_a_postgres_restart_mid_burst_loses_and_doubles_nothing(
    private_postgres: PrivatePostgres,
):
    async def restart_postgres(cluster: Cluster) -> None:
        await cluster.until(cluster.at(0.3))
        await private_postgres.restart(DOWN_S)

    burst = Burst(
        replicas=2,
        slots=600,
        kill_every=0,
        window_s=15.0,
        channels=120,
        slack_latency_s=0.2,
        deadline_s=60.0,
    )
    async with Database("postgres", private_postgres.admin_url) as url:
        result = await run_burst(burst, url, during=restart_postgres)
    assert private_postgres.restarts == 1
    # Slots fell due while it was down: nothing can be claimed then, so some ran late.
    assert result["max_lateness_ms"] >= 1_000, result
    assert_each_slot_once(result)
    assert result["succeeded"] == 600, result["errors"]  # an outage is retried, not a failure
    assert result["posts"] == 600
