"""Per-channel rate limits and injected faults, as the SDK sees them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from tests.bot.emulator.support import ManualClock, error_of
from tests.slack_fixtures import EmulatorFactory


async def test_a_channel_over_its_limit_gets_429_with_retry_after(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    clock = ManualClock()
    emulator = await make_emulator(rate_limit_per_channel=1.0, monotonic=clock)
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    await client.chat_postMessage(channel="general", text="one")
    await client.chat_postMessage(channel="random", text="other channel")
    clock.now += 0.25
    refused = await error_of(client.chat_postMessage(channel="general", text="two"))
    assert refused.response.status_code == 429
    assert refused.response.headers["Retry-After"] == "1"
    assert refused.response["error"] == "ratelimited"
    assert emulator.ratelimited == 1
    clock.now += 0.75
    await client.chat_postMessage(channel="general", text="two")
    assert [m.text for m in emulator.history("general")] == ["one", "two"]


async def test_a_burst_allowance_lets_a_few_through(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    emulator = await make_emulator(
        rate_limit_per_channel=1.0, rate_limit_burst=3, monotonic=ManualClock()
    )
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    for i in range(3):
        await client.chat_postMessage(channel="general", text=f"m{i}")
    refused = await error_of(client.chat_postMessage(channel="general", text="m3"))
    assert refused.response.status_code == 429


async def test_a_fault_can_fail_after_the_post_landed(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    emulator.inject_fault("chat.postMessage", status=500, after_effect=True)
    error = await error_of(slack_client.chat_postMessage(channel="general", text="maybe"))
    assert error.response.status_code == 500
    assert [m.text for m in emulator.history("general")] == ["maybe"]


async def test_faults_can_wait_their_turn_and_then_clear(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    emulator.inject_fault("chat.postMessage", error="fatal_error", after=1, times=1)
    await slack_client.chat_postMessage(channel="general", text="first")
    error = await error_of(slack_client.chat_postMessage(channel="general", text="second"))
    assert error.response["error"] == "fatal_error"
    await slack_client.chat_postMessage(channel="general", text="third")
    assert [m.text for m in emulator.history("general")] == ["first", "third"]


async def post_raw(http: aiohttp.ClientSession, emulator: SlackEmulator, text: str) -> int:
    """One chat.postMessage over plain HTTP, with no client retry to hide a dropped answer."""
    headers = {"Authorization": f"Bearer {emulator.bot_token}"}
    body = {"channel": "general", "text": text}
    async with http.post(
        f"{emulator.api_url}chat.postMessage", json=body, headers=headers
    ) as response:
        await response.read()
        return response.status


async def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds (a test fails after 5 s)."""
    async with asyncio.timeout(5):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("after_effect", [False, True])
async def test_a_dropped_connection_gets_no_answer_and_lands_only_after_effect(
    emulator: SlackEmulator, http: aiohttp.ClientSession, after_effect: bool
):
    emulator.inject_fault("chat.postMessage", drop=True, after_effect=after_effect)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_raw(http, emulator, "lost answer")
    landed = [m.text for m in emulator.history("general")]
    assert landed == (["lost answer"] if after_effect else [])
    assert await post_raw(http, emulator, "next") == 200  # the fault is used up
    assert emulator.faults_served["chat.postMessage"] == 1


async def test_another_process_queues_faults_over_http(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    faults = f"{emulator.base_url}/_emulator/faults"
    storm = {"method": "chat.postMessage", "times": 2, "status": 429, "error": "ratelimited"}
    then_500 = {"method": "chat.postMessage", "after": 1, "status": 500, "retry_after": None}
    async with http.post(faults, json=[storm, then_500]) as response:
        assert response.status == 200
        assert (await response.json())["pending"] == {"chat.postMessage": 3}
    statuses = [await post_raw(http, emulator, f"m{i}") for i in range(5)]
    assert statuses == [429, 429, 200, 500, 200]
    assert [m.text for m in emulator.history("general")] == ["m2", "m4"]
    async with http.get(faults) as response:
        assert await response.json() == {"pending": {}, "served": {"chat.postMessage": 3}}


@pytest.mark.parametrize(
    "body",
    [
        {"times": 1},  # no method
        {"method": "chat.postMessage", "explode": True},
        {"method": "chat.postMessage", "times": "2"},
        {"method": "chat.postMessage", "times": True},
        {"method": "chat.postMessage", "delay": -1},
        {"method": "chat.postMessage", "drop": "yes"},
        [{"method": "chat.postMessage"}, "not a fault"],
    ],
)
async def test_a_malformed_fault_is_refused_and_nothing_is_queued(
    emulator: SlackEmulator, http: aiohttp.ClientSession, body: object
):
    async with http.post(f"{emulator.base_url}/_emulator/faults", json=body) as response:
        assert response.status == 400
    assert emulator.pending_faults() == {}


async def test_stats_count_calls_held_by_a_delay(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    emulator.inject_fault("chat.postMessage", error=None, delay=0.5)
    held = asyncio.create_task(post_raw(http, emulator, "slow"))
    stats = f"{emulator.base_url}/_emulator/stats"
    async with asyncio.timeout(5):
        while True:  # until the slow post is being held
            async with http.get(stats) as response:
                if (await response.json())["in_flight"] == 1:
                    break
            await asyncio.sleep(0.01)
    assert await held == 200
    async with http.get(stats) as response:
        assert (await response.json())["in_flight"] == 0
    assert [m.text for m in emulator.history("general")] == ["slow"]


async def test_post_latency_holds_each_post_before_it_lands(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    emulator = await make_emulator(post_latency=0.3)
    held = asyncio.create_task(post_raw(http, emulator, "slow"))
    await until(lambda: emulator.in_flight == 1)
    assert emulator.history("general") == []  # arrived, not landed yet
    assert await held == 200
    assert [m.text for m in emulator.history("general")] == ["slow"]
