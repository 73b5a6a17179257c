"""Slack fixtures for every test (registered in tests/conftest.py): a running emulator.

- ``emulator``: started, seeded with ``seed_demo()`` (alice, admin in
  America/New_York; bob in Europe/Berlin; #general and #random with both and
  the bot). Look things up with ``emulator.user("alice")`` and
  ``emulator.channel("general")``.
- ``make_emulator(**kwargs)``: more emulators with other settings (rate limits,
  clocks); each is seeded the same way and stopped after the test.
- ``http``: one aiohttp session for the test; ``slack_client``: an
  ``AsyncWebClient`` with the bot token pointed at ``emulator``.
- ``fast_time``: a clock running ``FastTime.speed`` times faster than real
  time, with the matching sleep, for code that paces itself in seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator

EmulatorFactory = Callable[..., Awaitable[SlackEmulator]]


class FastTime:
    """Monotonic time that runs ``speed`` times faster, and its sleep.

    Slack speaks in whole seconds (``Retry-After: 1``); at 20x a test waits
    50 ms for it. Emulator and sender must share one instance.
    """

    def __init__(self, speed: float = 20.0) -> None:
        self.speed = speed
        self._origin = time.monotonic()

    def clock(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)


@pytest.fixture
def fast_time() -> FastTime:
    return FastTime()


@pytest.fixture
async def make_emulator() -> AsyncIterator[EmulatorFactory]:
    started: list[SlackEmulator] = []

    async def make(**kwargs: Any) -> SlackEmulator:
        emulator = SlackEmulator(**kwargs)
        await emulator.start()
        emulator.seed_demo()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        await emulator.stop()


@pytest.fixture
async def emulator(make_emulator: EmulatorFactory) -> SlackEmulator:
    return await make_emulator()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def slack_client(emulator: SlackEmulator, http: aiohttp.ClientSession) -> AsyncWebClient:
    return AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
