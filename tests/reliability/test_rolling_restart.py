"""A replica stopped gracefully (SIGTERM, as a rolling restart does) while its posts queue.

Thirty slots fall due at once in one channel; Slack takes 1.5 s per post and
the bot posts one at a time per channel, so the replica that claimed them is
still working through the queue when it is told to stop. It gets its grace
(30 s), then cancels the runs still in their handler and hands them back as
retries (`abandon_runs`): a run cancelled while its post was in flight may
have posted, so its retry (attempt 2, `outcome_unknown`) looks for the
landed post before posting. Each slot is posted once.
"""

from __future__ import annotations

import pytest

from benchmarks.replicas import Burst, Cluster, claimed, run_burst
from tests.reliability.checks import assert_each_slot_once, raise_if_posted_twice

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

STOP_GRACE_S = 90.0  # the replica's own shutdown (replies 10 s, runs 30 s) must end first


async def test_a_graceful_stop_with_posts_queued_posts_each_once(shared_postgres: str):
    stopped: list[int | None] = []

    async def rolling_restart(cluster: Cluster) -> None:
        bot = cluster.bots[await claimed(cluster)]
        stopped.append(await bot.stop(STOP_GRACE_S))
        await bot.start()
        await bot.wait_ready()

    burst = Burst(
        replicas=2,
        slots=30,
        channels=1,
        window_s=0.0,
        kill_every=0,
        slack_latency_s=1.5,
        deadline_s=80.0,
    )
    result = await run_burst(burst, shared_postgres, during=rolling_restart)
    assert stopped == [0]  # the stopped replica exited cleanly, within its grace
    raise_if_posted_twice(result)
    assert_each_slot_once(result)
