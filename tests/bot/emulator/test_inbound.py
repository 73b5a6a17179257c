"""Signed HTTP pushes of events to a bare endpoint and into a real Bolt app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.emulator import SlackEmulator
from tests.bot.emulator.support import serve


@pytest.fixture
async def capture() -> AsyncIterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A bare endpoint that records the raw requests it receives."""
    seen: list[tuple[bytes, dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((await request.read(), dict(request.headers)))
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", record)
    async for base in serve(app):
        yield f"{base}/slack/events", seen


async def test_a_pushed_event_is_signed_as_slack_signs(
    emulator: SlackEmulator, capture: tuple[str, list[tuple[bytes, dict[str, str]]]]
):
    url, seen = capture
    await emulator.send_event(url, {"type": "app_home_opened", "user": "U1"}, retry_num=1)
    body, headers = seen[0]
    verifier = SignatureVerifier(emulator.signing_secret)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("another-secret").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == emulator.team.id
    assert envelope["event_id"].startswith("Ev")
    assert envelope["event"]["type"] == "app_home_opened"


async def test_a_mention_reaches_bolt_and_the_reply_lands(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str]
):
    app, url = bolt_http

    @app.event("app_mention")
    async def reply(event: dict[str, Any], say: Any) -> None:
        await say(text=f"heard: {event['text']}", thread_ts=event["ts"])

    asked = await emulator.mention("general", "alice", "hello", url=url)
    answer = await emulator.wait_for_message("general", lambda m: m.text.startswith("heard"))
    assert answer.thread_ts == asked.ts
    assert answer.text == f"heard: <@{emulator.bot_user_id}> hello"


async def test_bolt_rejects_a_push_with_a_bad_signature(
    emulator: SlackEmulator, bolt_http: tuple[AsyncApp, str]
):
    _, url = bolt_http
    emulator.signing_secret = "not-the-apps-secret"
    result = await emulator.send_event(url, {"type": "app_mention", "text": "hi"})
    assert result.status == 401
