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


async def test_a_slash_command_over_the_socket_is_answered_in_its_ack(
    bot: Bot, emulator: SlackEmulator
):
    create = 'every day at 9am "Hi"'
    payload = emulator.command_payload(text=create, user="alice", channel="general")
    ack = await emulator.socket_send("slash_commands", payload)
    assert ack["payload"]["response_type"] == "ephemeral"
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.name in ack["payload"]["text"]

    listing = await emulator.socket_send(
        "slash_commands", emulator.command_payload(text="list", user="alice", channel="general")
    )
    assert schedule.name in all_text(_Ack(listing["payload"]))


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
