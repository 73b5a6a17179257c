"""Three `tock run` replicas fire 2,000 slots while one of them is SIGKILLed every few seconds.

The same run as `python -m benchmarks.replicas` (its `run_burst`), with kills
closer together, each of the replica running the most runs at that moment.
Each post takes 300 ms to land in the emulator, so a kill catches posts in
flight: some land with nobody left to record them, and the attempt that takes
the run over must find them instead of posting again.
"""

from __future__ import annotations

import pytest

from benchmarks.replicas import Burst, run_burst
from tests.reliability.checks import assert_each_slot_once

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def test_every_slot_fires_once_while_replicas_are_killed(shared_postgres: str):
    burst = Burst(
        replicas=3,
        slots=2_000,
        kill_every=2.5,
        victim="busiest",  # the replica running the most runs: the worst one to lose
        window_s=20.0,
        slack_latency_s=0.3,
        deadline_s=60.0,
        seed=7,
    )
    result = await run_burst(burst, shared_postgres)
    assert_each_slot_once(result)
    assert result["succeeded"] == 2_000, result["errors"]  # a kill is no reason to fail a run
    assert result["posts"] == 2_000
    assert result["kills"] >= 5
    # The kills hit runs in flight, and posts that landed unrecorded were found, not re-sent.
    assert result["retried"] > 0
    assert result["found_landed"] > 0
