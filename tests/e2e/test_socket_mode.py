"""Socket Mode: the bot dials the emulator's WebSocket, acks envelopes, replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from tests.bot.harness import all_text, bot_settings, reply_to


@pytest.fixture
async def bot(emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Bot]:
    settings = bot_settings(
        emulator, tmp_path, slack_app_token=emulator.app_token, slack_signing_secret=None
    )
    async with running_bot(settings, clock=clock) as running:
        await emulator.wait_for_socket()
        yield running


async def test_a_mention_over_the_socket_is_acked_and_answered(bot: Bot, emulator: SlackEmulator):
    asked = await emulator.mention("general", "alice", 'post "Hi" every day at 9am')
    assert emulator.acks  # socket_send returned: the envelope was acked
    answer = await reply_to(emulator, asked)
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.name in all_text(answer)


async def socket_slash(emulator: SlackEmulator, bot: Bot, text: str) -> dict:
    """The answer: in the ack's payload, or (slow) on the response_url after an empty ack."""
    before = len(emulator.responses)
    payload = emulator.command_payload(text=text, user="alice", channel="general")
    ack = await emulator.socket_send("slash_commands", payload)
    if ack.get("payload"):
        return dict(ack["payload"])
    await bot.background.wait_idle()
    [answer] = emulator.responses[before:]
    return answer.body


async def test_a_slash_command_over_the_socket_is_acked_and_answered(
    bot: Bot, emulator: SlackEmulator
):
    created = await socket_slash(emulator, bot, 'every day at 9am "Hi"')
    assert created["response_type"] == "ephemeral"
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.name in created["text"]

    listing = await socket_slash(emulator, bot, "list")
    assert schedule.name in all_text(_Ack(listing))


async def test_socket_mode_serves_no_http_slack_endpoint(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
):
    async with http.post(bot.events_url, data=b"{}") as response:
        assert response.status in (404, 405)
    async with http.get(f"{bot.url}/healthz") as response:
        assert response.status == 200


class _Ack:
    def __init__(self, payload: dict) -> None:
        self.text = payload.get("text", "")
        self.blocks = payload.get("blocks")
