"""PostMessage sends what slack_sdk's chat_postMessage sends, and fails as it does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from bot.serving import listen
from bot.slack.api import ObservedWebClient, PermanentDeliveryError, PostMessage, classify
from bot.slack.delivery import Limits, Sender

FIELDS: dict[str, Any] = {
    "channel": "C123",
    "text": "Standup in 5 minutes",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Standup*"}}],
    "thread_ts": None,  # dropped, as slack_sdk drops it
    "metadata": {"event_type": "tock_run", "event_payload": {"run_key": "r-1", "part": 0}},
}


class Recorder:
    """A Web API that records each request and answers ``answer``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.answer: dict[str, Any] = {"ok": True, "channel": "C123", "ts": "1.000100"}
        self.status = 200

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.path, dict(request.headers), json.loads(body or b"null")))
        return web.json_response(self.answer, status=self.status)


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/api/{method}", recorder.handle)
    runner, url = await listen(app, "127.0.0.1", 0)
    try:
        yield recorder, f"{url}/api/"
    finally:
        await runner.cleanup()


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    """What the client chose (not what aiohttp adds per request, like Content-Length)."""
    return {k: v for k, v in headers.items() if k not in ("Content-Length", "Host")}


async def test_the_request_is_the_one_chat_post_message_sends(
    recorder: tuple[Recorder, str], http: aiohttp.ClientSession
):
    server, url = recorder
    client = AsyncWebClient(
        token="xoxb-1", base_url=url, session=http, team_id="T9", headers={"X-Extra": "1"}
    )
    await client.chat_postMessage(**FIELDS)
    answer = await PostMessage(client)(**FIELDS)
    (sdk_path, sdk_headers, sdk_body), (path, headers, body) = server.requests
    assert path == sdk_path == "/api/chat.postMessage"
    assert _comparable(headers) == _comparable(sdk_headers)
    assert headers["Authorization"] == "Bearer xoxb-1" and headers["X-Extra"] == "1"
    assert body == sdk_body and body["team_id"] == "T9" and "thread_ts" not in body
    assert answer == server.answer


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (200, {"ok": False, "error": "not_in_channel"}),
        (429, {"ok": False, "error": "ratelimited"}),
        (503, {"ok": False, "error": "service_unavailable"}),
    ],
)
async def test_a_refusal_raises_what_slack_sdk_raises(
    recorder: tuple[Recorder, str],
    http: aiohttp.ClientSession,
    status: int,
    answer: dict[str, Any],
):
    server, url = recorder
    server.status, server.answer = status, answer
    client = AsyncWebClient(token="xoxb-1", base_url=url, session=http)
    with pytest.raises(SlackApiError) as sdk:
        await client.chat_postMessage(channel="C1", text="hi")
    with pytest.raises(SlackApiError) as ours:
        await PostMessage(client)(channel="C1", text="hi")
    assert ours.value.response.status_code == sdk.value.response.status_code == status
    assert ours.value.response.data == sdk.value.response.data == answer
    mine, theirs = classify("p", "C1", ours.value), classify("p", "C1", sdk.value)
    assert (type(mine), mine.code) == (type(theirs), theirs.code)


async def test_the_observed_client_counts_the_senders_posts(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    calls: list[tuple[str, int | None, str | None]] = []
    client = ObservedWebClient(
        token=emulator.bot_token,
        base_url=emulator.api_url,
        session=http,
        on_call=lambda *call: calls.append(call),
    )
    sender = Sender(client, permalinks=False)
    await sender.post("general", "counted")
    with pytest.raises(PermanentDeliveryError):
        await sender.post("C0NOSUCH", "refused")
    assert calls == [
        ("chat.postMessage", 200, None),
        ("chat.postMessage", 200, "channel_not_found"),
    ]


async def test_take_peak_tells_the_most_posts_in_flight_at_once(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    emulator.inject_fault("chat.postMessage", error=None, delay=0.05, times=3)
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    sender = Sender(client, limits=Limits(workspace_burst=50), permalinks=False)
    channels = ["general", "random", emulator.add_channel("ops").id]
    assert sender.take_peak() == 0
    await asyncio.gather(*(sender.post(channel, "at once") for channel in channels))
    assert sender.take_peak() == 3
    assert sender.take_peak() == 0  # nothing was sent since
    await sender.post("general", "alone")
    assert sender.take_peak() == 1
