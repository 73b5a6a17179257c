"""Commands and clicks pushed to Bolt, answered on their response_url."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator


async def test_a_command_is_acked_and_answered_on_its_response_url(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str]
):
    app, url = bolt_http

    @app.command("/tock")
    async def command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"listing for {command['user_name']}: {command['text']}")

    result = await emulator.send_command(url, text="list", user="alice", channel="general")
    assert result.status == 200
    assert result.elapsed < 3.0
    answer = await emulator.wait_for_response()
    assert answer.body["text"] == "listing for alice: list"
    assert answer.response_type == "ephemeral"
    assert (await emulator.wait_for_ephemeral()).user == emulator.user("alice").id


async def test_a_button_click_reaches_bolt(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str], slack_client: AsyncWebClient
):
    app, url = bolt_http
    clicked: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @app.action("pause")
    async def pause(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        clicked.set_result(body["actions"][0]["value"])
        await respond(text="paused", replace_original=True)

    posted = await slack_client.chat_postMessage(channel="general", text="digest, daily")
    payload = emulator.action_payload(
        user="bob", channel="general", action_id="pause", value="sched-1", message_ts=posted["ts"]
    )
    assert (await emulator.send_action(url, payload)).status == 200
    assert await asyncio.wait_for(clicked, 2) == "sched-1"
    await emulator.wait_for_response()
    assert [m.text for m in emulator.history("general")] == ["paused"]


async def test_replacing_a_threaded_message_keeps_it_in_its_thread(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str], slack_client: AsyncWebClient
):
    app, url = bolt_http

    @app.action("pause")
    async def pause(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="paused", replace_original=True)

    parent = await slack_client.chat_postMessage(channel="general", text="schedules")
    card = await slack_client.chat_postMessage(
        channel="general", text="standup", thread_ts=parent["ts"]
    )
    payload = emulator.action_payload(
        user="alice", channel="general", action_id="pause", message_ts=card["ts"]
    )
    assert (await emulator.send_action(url, payload)).status == 200
    await emulator.wait_for_response()
    [reply] = emulator.replies("general", parent["ts"])
    assert (reply.ts, reply.text) == (card["ts"], "paused")
    assert [m.text for m in emulator.history("general")] == ["schedules"]


async def test_a_response_url_replaces_an_ephemeral_not_the_channel(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str]
):
    app, url = bolt_http

    @app.command("/tock")
    async def command(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="working on it…")
        await respond(text="done", replace_original=True)

    @app.action("pause")
    async def pause(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="paused", replace_original=True)

    @app.action("dismiss")
    async def dismiss(ack: Any, respond: Any) -> None:
        await ack()
        await respond(delete_original=True)

    await emulator.send_command(url, text="list", user="alice", channel="general")
    await emulator.wait_for(lambda: len(emulator.responses) == 2)
    [answer] = emulator.ephemerals
    assert (answer.text, answer.user) == ("done", emulator.user("alice").id)

    for action_id, left in (("pause", ["paused"]), ("dismiss", [])):
        payload = emulator.action_payload(
            user="alice", channel="general", action_id=action_id, ephemeral=emulator.ephemerals[0]
        )
        assert payload["container"]["is_ephemeral"] is True and "message" not in payload
        before = len(emulator.responses)
        assert (await emulator.send_action(url, payload)).status == 200
        await emulator.wait_for(lambda before=before: len(emulator.responses) > before)
        assert [e.text for e in emulator.ephemerals] == left
        if left:
            assert emulator.ephemerals[0].message_ts == answer.message_ts
    assert emulator.history("general") == []
