"""/healthz, /readyz and /metrics on a running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from tests.bot.harness import bot_settings, slash_answer


@pytest.fixture
async def bot(emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as running:
        yield running


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with http.get(url) as response:
        return response.status, await response.text()


async def test_healthz_answers_while_the_process_runs(bot: Bot, http: aiohttp.ClientSession):
    assert await get(http, f"{bot.url}/healthz") == (200, '{"ok": true}')


async def test_readyz_needs_the_engine_and_the_database(bot: Bot, http: aiohttp.ClientSession):
    status, body = await get(http, f"{bot.url}/readyz")
    assert status == 200 and '"engine": true' in body and '"database": true' in body

    await bot.engine.stop()
    status, body = await get(http, f"{bot.url}/readyz")
    assert status == 503 and '"engine": false' in body
    assert (await get(http, f"{bot.url}/healthz"))[0] == 200  # alive, just not ready


async def test_metrics_count_acks_runs_and_sender_posts(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
):
    await slash_answer(emulator, bot, "help")
    status, text = await get(http, f"{bot.url}/metrics")
    assert status == 200
    assert 'tock_slack_requests_total{kind="command",status="200"} 1.0' in text
    assert 'tock_slack_ack_seconds_count{kind="command"} 1.0' in text
    assert "tock_engine_alive 1.0" in text
    assert 'tock_sender{counter="sent"} 0.0' in text
