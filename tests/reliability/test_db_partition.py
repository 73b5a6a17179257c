"""One replica loses Postgres (and only Postgres) while its posts queue.

Twelve slots fall due at once in one channel; Slack takes 1.5 s per post and
the bot posts one at a time per channel, so the replica that claimed them
works through the queue for about 18 s. One second in, its connections to
Postgres are cut (its own `TcpProxy`: reset, then refused, for 8 s), while
it still reaches Slack. The other replica, woken as any schedule change
wakes it, finds the cut one's presence lock free and takes its runs over
after the 2 s grace (`Engine._watch_owners`, `reap_owners`), retrying them
at once. The cut replica must not post them too: before each post a run
asks `still_ours` (bot.jobs -> Sender `before_send`), which refuses while
the presence lock is lost and, once it is back, first checks the leases.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks.replicas import Burst, Cluster, claimed, notify_replicas, run_burst
from tests.reliability.checks import assert_each_slot_once, raise_if_posted_twice

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CUT_S = 8.0


async def test_a_replica_cut_off_from_postgres_posts_nothing_twice(shared_postgres: str):
    async def partition_the_busy_one(cluster: Cluster) -> None:
        proxy = cluster.proxies[await claimed(cluster)]
        cut_at = cluster.start + timedelta(seconds=1)  # a post or so into its queue
        await cluster.until(cut_at)
        await proxy.disconnect()
        await notify_replicas(cluster)
        await cluster.until(cut_at + timedelta(seconds=CUT_S))
        await proxy.start()

    burst = Burst(
        replicas=2,
        slots=12,
        channels=1,
        window_s=0.0,
        kill_every=0,
        slack_latency_s=1.5,
        deadline_s=60.0,
        db_proxies=True,
    )
    result = await run_burst(burst, shared_postgres, during=partition_the_busy_one)
    raise_if_posted_twice(result)
    assert_each_slot_once(result)
    assert result["succeeded"] == 12
