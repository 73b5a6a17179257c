"""The standalone emulator, ``python -m bot.emulator``, as a console or a benchmark runs it."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


async def test_the_standalone_emulator_serves_and_can_be_seeded(http: aiohttp.ClientSession):
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", "--demo", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        settings = json.loads(await asyncio.wait_for(child.stdout.readline(), 10))
        seed = {"channels": [{"name": "ops"}]}
        async with http.post(f"{settings['base_url']}/_emulator/seed", json=seed) as response:
            [ops] = (await response.json())["channels"]
        client = AsyncWebClient(
            token=settings["bot_token"], base_url=settings["api_url"], session=http
        )
        await client.chat_postMessage(channel=ops, text="hello")
        await client.chat_postMessage(channel=settings["general"], text="hello")
        async with http.get(f"{settings['base_url']}/_emulator/stats") as response:
            assert await response.json() == {"ratelimited": 0, "messages": 2, "in_flight": 0}
    finally:
        child.terminate()
        await child.wait()
