"""Fixtures for the emulator tests: a real Bolt app served over HTTP against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp

from bot.emulator import SlackEmulator
from tests.bot.emulator.support import bolt_app, serve


@pytest.fixture
async def bolt_http(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> AsyncIterator[tuple[AsyncApp, str]]:
    app = bolt_app(emulator, http)
    async for base in serve(app.web_app()):
        yield app, f"{base}/slack/events"
