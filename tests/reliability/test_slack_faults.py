"""Slack misbehaves during a burst to three replicas: no post lost, none doubled.

The emulator (its own process) is told over `POST /_emulator/faults` to fail
chat.postMessage calls in turn, spread over the burst: a 429 storm, 500s,
500s after the post landed, dropped connections before and after the post
landed, and answers slower than the bot's 30 s client timeout (landing, or
not). Posts whose outcome is unknown are retried by the engine, and the
retry asks Slack whether the post is already there (bot/slack/delivery.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.replicas import Burst, Cluster, run_burst
from bot.runtime import SLACK_HTTP_TIMEOUT_S
from tests.reliability.checks import assert_each_slot_once

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

POST = "chat.postMessage"
GAP = 25  # posts let through between two kinds of fault
SLOW = SLACK_HTTP_TIMEOUT_S + 1.0  # the client gives up a second before Slack answers

FAULTS: list[dict[str, Any]] = [
    {"times": 40, "status": 429, "error": "ratelimited", "retry_after": 1},  # a 429 storm
    {"times": 15, "status": 500, "error": "internal_error"},
    {"times": 15, "status": 500, "error": "internal_error", "after_effect": True},
    {"times": 10, "drop": True},
    {"times": 10, "drop": True, "after_effect": True},
    {"times": 3, "error": None, "delay": SLOW},  # lands after the client timed out
    {"times": 2, "status": 500, "error": "internal_error", "delay": SLOW},  # never lands
]


async def test_slack_faults_during_a_burst_lose_and_double_nothing(shared_postgres: str):
    async def inject(cluster: Cluster) -> None:
        faults = [{"method": POST, "after": GAP, **fault} for fault in FAULTS]
        url = f"{cluster.settings['base_url']}/_emulator/faults"
        async with cluster.http.post(url, json=faults) as response:
            assert response.status == 200, await response.text()

    burst = Burst(replicas=3, slots=600, kill_every=0, window_s=15.0, deadline_s=75.0)
    result = await run_burst(burst, shared_postgres, during=inject)
    assert_each_slot_once(result)
    assert result["faults_pending"] == {}, "the burst ended before every fault was served"
    assert result["faults"] == {POST: sum(f["times"] for f in FAULTS)}
    assert result["succeeded"] == 600, result["errors"]  # each fault is transient
    assert result["posts"] == 600
    assert result["ratelimited"] >= 40
    # Every fault but a 429 fails its attempt (a 429 is waited out and re-sent in it) ...
    assert result["retried"] >= sum(f["times"] for f in FAULTS if f.get("status") != 429)
    # ... and the retries of posts that had landed found them instead of posting again.
    assert result["found_landed"] > 0
