"""Per-channel rate limits and injected faults, as the SDK sees them."""

from __future__ import annotations

import aiohttp
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
