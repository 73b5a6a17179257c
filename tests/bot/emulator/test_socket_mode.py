"""Socket Mode against the SDK's client and Bolt's handler: hello, envelopes, acks."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from tests.bot.emulator.support import bolt_app


async def test_socket_mode_hello_envelope_and_ack(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    web_client = AsyncWebClient(base_url=emulator.api_url, session=http)
    client = SocketModeClient(app_token=emulator.app_token, web_client=web_client)
    hello: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def on_message(_: AsyncBaseSocketModeClient, message: dict[str, Any], raw: Any) -> None:
        if message.get("type") == "hello" and not hello.done():
            hello.set_result(message)

    async def on_request(sm: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        response = SocketModeResponse(request.envelope_id, payload={"text": "got it"})
        await sm.send_socket_mode_response(response)

    client.message_listeners.append(on_message)
    client.socket_mode_request_listeners.append(on_request)
    try:
        await client.connect()
        greeting = await asyncio.wait_for(hello, 2)
        fields = emulator.command_payload(text="help", user="alice", channel="general")
        ack = await emulator.socket_send("slash_commands", fields)
    finally:
        await client.close()
    assert greeting["connection_info"]["app_id"] == emulator.app_id
    assert ack["payload"] == {"text": "got it"}
    assert emulator.acks == [ack]


async def test_bolt_socket_mode_handler_acks_a_mention(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    app = bolt_app(emulator, http)

    @app.event("app_mention")
    async def reply(say: Any) -> None:
        await say(text="on it")

    handler = AsyncSocketModeHandler(app, emulator.app_token)
    try:
        await handler.connect_async()
        await emulator.mention("general", "bob", "remind me")
        await emulator.wait_for_message("general", lambda m: m.text == "on it")
    finally:
        await handler.close_async()
    assert len(emulator.acks) == 1
