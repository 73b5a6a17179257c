"""The Slack emulator over real HTTP on loopback, driven by the real SDKs."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import doctor
from bot.emulator import MANIFEST_BOT_SCOPES, SlackEmulator
from tests.bot.conftest import EmulatorFactory
from tests.bot.harness import bot_settings

MANIFEST = Path(__file__).parents[2] / "manifest.yml"


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on an ephemeral loopback port; yield its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def bolt_app(emulator: SlackEmulator, http: aiohttp.ClientSession) -> AsyncApp:
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    return AsyncApp(client=client, signing_secret=emulator.signing_secret)


# ---- Web API: auth -----------------------------------------------------------


async def test_auth_test_names_the_bot(slack_client: AsyncWebClient, emulator: SlackEmulator):
    response = await slack_client.auth_test()
    assert response["user_id"] == emulator.bot_user_id
    assert response["bot_id"] == emulator.bot_id
    assert response["team_id"] == emulator.team.id


def test_the_default_scopes_are_the_manifests():
    text = MANIFEST.read_text()
    bot_scopes = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    assert set(re.findall(r"^\s+- (\S+)$", bot_scopes, re.M)) == set(MANIFEST_BOT_SCOPES)


async def test_auth_test_reports_the_granted_scopes(
    slack_client: AsyncWebClient, make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    response = await slack_client.auth_test()
    assert response.headers["x-oauth-scopes"] == ",".join(MANIFEST_BOT_SCOPES)

    narrow = await make_emulator(bot_scopes=["chat:write", "commands"])
    client = AsyncWebClient(token=narrow.bot_token, base_url=narrow.api_url, session=http)
    assert (await client.auth_test()).headers["x-oauth-scopes"] == "chat:write,commands"


@pytest.mark.parametrize(
    ("scopes", "line"),
    [
        (MANIFEST_BOT_SCOPES, f"✓ scopes: all {len(doctor.REQUIRED_SCOPES)} the manifest"),
        (["chat:write", "commands"], "✗ scopes missing: app_mentions:read, channels:history"),
    ],
)
async def test_the_doctor_checks_scopes_against_the_emulator(
    make_emulator: EmulatorFactory,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    scopes: Any,
    line: str,
):
    emulator = await make_emulator(bot_scopes=scopes)
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    report = doctor.Report(io.StringIO())
    await doctor.check_bot_token(bot_settings(emulator, tmp_path), client, report)
    assert any(shown.startswith(line) for shown in report.lines), report.lines


async def test_it_refuses_a_missing_token(emulator: SlackEmulator, http: aiohttp.ClientSession):
    client = AsyncWebClient(base_url=emulator.api_url, session=http)
    error = await error_of(client.auth_test())
    assert error.response["error"] == "not_authed"


async def test_it_refuses_a_wrong_token(emulator: SlackEmulator, http: aiohttp.ClientSession):
    client = AsyncWebClient(token="xoxb-wrong", base_url=emulator.api_url, session=http)
    error = await error_of(client.chat_postMessage(channel="general", text="hi"))
    assert error.response["error"] == "invalid_auth"


async def test_it_accepts_the_token_as_a_form_field(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    form = {"token": emulator.bot_token, "channel": "general", "text": "form post"}
    async with http.post(emulator.api_url + "chat.postMessage", data=form) as response:
        assert (await response.json())["ok"] is True
    assert emulator.history("general")[-1].text == "form post"


async def test_the_app_token_only_opens_connections(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    client = AsyncWebClient(token=emulator.app_token, base_url=emulator.api_url, session=http)
    error = await error_of(client.chat_postMessage(channel="general", text="hi"))
    assert error.response["error"] == "not_allowed_token_type"
    bot = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    error = await error_of(bot.apps_connections_open(app_token=emulator.bot_token))
    assert error.response["error"] == "not_allowed_token_type"


async def test_an_unknown_method_is_named(slack_client: AsyncWebClient):
    error = await error_of(slack_client.api_call("chat.teleport"))
    assert error.response["error"] == "unknown_method"


# ---- Web API: chat.postMessage ---------------------------------------------------


async def test_a_post_is_stored_with_thread_and_metadata(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    metadata = {"event_type": "tock_run", "event_payload": {"run_key": "r1"}}
    parent = await slack_client.chat_postMessage(channel="general", text="parent")
    await slack_client.chat_postMessage(
        channel=emulator.channel("general").id,
        text="reply",
        thread_ts=parent["ts"],
        metadata=metadata,
    )
    reply = await emulator.wait_for_message("general", lambda m: m.text == "reply")
    assert reply.thread_ts == parent["ts"]
    assert reply.metadata == metadata
    assert reply.bot_id == emulator.bot_id
    assert [m.text for m in emulator.history("general")] == ["parent"]
    assert [m.text for m in emulator.replies("general", parent["ts"])] == ["reply"]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize(
    ("channel", "fields", "error"),
    [
        ("C-NOPE", {"text": "hi"}, "channel_not_found"),
        ("outside", {"text": "hi"}, "not_in_channel"),
        ("attic", {"text": "hi"}, "is_archived"),
        ("general", {"text": "x" * 40_001}, "msg_too_long"),
        ("general", {"text": "t", "blocks": [section("b")] * 51}, "invalid_blocks"),
        ("general", {"text": "t", "blocks": [section("b" * 3_001)]}, "invalid_blocks"),
    ],
)
async def test_a_post_is_refused_as_slack_does(
    slack_client: AsyncWebClient,
    emulator: SlackEmulator,
    channel: str,
    fields: dict[str, Any],
    error: str,
):
    emulator.add_channel("outside", bot_member=False)
    emulator.add_channel("attic", is_archived=True)
    refused = await error_of(slack_client.chat_postMessage(channel=channel, **fields))
    assert refused.response["error"] == error
    assert not emulator.history("general")


async def test_a_post_needs_text_or_blocks(emulator: SlackEmulator, http: aiohttp.ClientSession):
    # Through plain HTTP: the SDK itself warns before sending a post without text.
    form = {"token": emulator.bot_token, "channel": "general"}
    async with http.post(emulator.api_url + "chat.postMessage", data=form) as response:
        assert (await response.json())["error"] == "no_text"


async def test_a_section_of_exactly_3000_characters_is_accepted(slack_client: AsyncWebClient):
    blocks = [section("b" * 3_000)] * 50
    assert (await slack_client.chat_postMessage(channel="general", text="t", blocks=blocks))["ok"]


async def test_update_and_permalink(slack_client: AsyncWebClient, emulator: SlackEmulator):
    posted = await slack_client.chat_postMessage(channel="general", text="draft")
    await slack_client.chat_update(channel=posted["channel"], ts=posted["ts"], text="final")
    link = await slack_client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])
    assert emulator.history("general")[0].text == "final"
    assert link["permalink"].endswith(posted["ts"].replace(".", ""))


async def test_an_ephemeral_reaches_only_its_user(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    alice = emulator.user("alice")
    await slack_client.chat_postEphemeral(channel="general", user=alice.id, text="psst")
    ephemeral = await emulator.wait_for_ephemeral(lambda e: e.user == alice.id)
    assert ephemeral.text == "psst"
    assert not emulator.history("general")


async def test_a_post_to_a_user_id_lands_in_their_dm(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    alice = emulator.user("alice")
    posted = await slack_client.chat_postMessage(channel=alice.id, text="your schedule paused")
    dm = emulator.dm_channel(alice.id)
    assert posted["channel"] == dm.id and dm.id.startswith("D")
    assert [m.text for m in emulator.history(dm.id)] == ["your schedule paused"]


async def test_conversations_open_returns_the_same_dm(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    bob = emulator.user("bob")
    opened = await slack_client.conversations_open(users=bob.id)
    assert opened["channel"] == {"id": emulator.dm_channel(bob.id).id}
    assert "already_open" not in opened.data
    again = await slack_client.conversations_open(users=[bob.id], return_im=True)
    assert (again["already_open"], again["channel"]["is_im"]) == (True, True)
    assert again["channel"]["user"] == bob.id
    await slack_client.chat_postMessage(channel=opened["channel"]["id"], text="hi bob")
    assert [m.text for m in emulator.history(emulator.dm_channel(bob.id).id)] == ["hi bob"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"users": ""}, "users_list_not_supplied"),
        ({"users": "U0NOBODY"}, "user_not_found"),
        ({"channel": "general"}, "method_not_supported_for_channel_type"),
    ],
)
async def test_conversations_open_refuses_as_slack_does(
    slack_client: AsyncWebClient, args: dict[str, str], code: str
):
    error = await error_of(slack_client.conversations_open(**args))
    assert error.response["error"] == code


# ---- Web API: reading ------------------------------------------------------------


async def test_users_info_carries_the_timezone(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    user = (await slack_client.users_info(user=emulator.user("alice").id))["user"]
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["is_admin"] is True


async def test_conversations_info_and_members(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    general = emulator.channel("general")
    info = (await slack_client.conversations_info(channel=general.id))["channel"]
    assert (info["name"], info["is_member"], info["is_archived"]) == ("general", True, False)
    first = await slack_client.conversations_members(channel=general.id, limit=2)
    rest = await slack_client.conversations_members(
        channel=general.id, cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == general.members
    assert rest["response_metadata"]["next_cursor"] == ""


async def test_conversations_list_filters_and_pages(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    emulator.add_channel("eng")
    emulator.add_channel("old", is_archived=True)
    emulator.add_channel("secret", is_private=True)
    emulator.add_channel("hidden", is_private=True, bot_member=False)
    emulator.dm_channel("alice")
    names, cursor = [], None
    while True:
        page = await slack_client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=2, cursor=cursor
        )
        assert len(page["channels"]) <= 2
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["general", "random", "eng", "secret"]

    public = (await slack_client.conversations_list())["channels"]
    assert [c["name"] for c in public] == ["general", "random", "eng", "old"]
    old = public[-1]
    assert {k: old[k] for k in ("is_channel", "is_private", "is_archived", "is_member")} == {
        "is_channel": True,
        "is_private": False,
        "is_archived": True,
        "is_member": True,
    }
    [dm] = (await slack_client.conversations_list(types="im"))["channels"]
    assert (dm["id"], dm["is_im"]) == (emulator.dm_channel("alice").id, True)
    error = await error_of(slack_client.conversations_list(types="rooms"))
    assert error.response["error"] == "invalid_types"


async def test_history_summarises_each_thread_on_its_parent(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    parent = emulator.post_as_user("general", "alice", "release today?")
    emulator.post_as_user("general", "bob", "yes", thread_ts=parent.ts)
    emulator.post_as_user("general", "alice", "great", thread_ts=parent.ts)
    last = await slack_client.chat_postMessage(channel="general", text="noted", thread_ts=parent.ts)
    emulator.post_as_user("general", "bob", "unrelated")
    history = await slack_client.conversations_history(channel=parent.channel)
    lone, threaded = history["messages"]
    assert "reply_count" not in lone and "thread_ts" not in lone
    alice, bob = emulator.user("alice").id, emulator.user("bob").id
    assert threaded["thread_ts"] == parent.ts
    assert threaded["reply_count"] == 3
    assert threaded["reply_users"] == [bob, alice, emulator.bot_user_id]
    assert threaded["reply_users_count"] == 3
    assert threaded["latest_reply"] == last["ts"]
    thread = await slack_client.conversations_replies(channel=parent.channel, ts=parent.ts)
    assert thread["messages"][0]["reply_count"] == 3
    assert "reply_count" not in thread["messages"][1]


async def test_history_pages_newest_first(slack_client: AsyncWebClient, emulator: SlackEmulator):
    stamps = [
        (await slack_client.chat_postMessage(channel="general", text=f"m{i}"))["ts"]
        for i in range(7)
    ]
    channel, seen, cursor = emulator.channel("general").id, [], None
    for _ in range(3):
        page = await slack_client.conversations_history(channel=channel, limit=3, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
    assert seen == stamps[::-1]
    newer = await slack_client.conversations_history(channel=channel, oldest=stamps[4])
    assert [m["text"] for m in newer["messages"]] == ["m6", "m5"]


async def test_history_returns_metadata_only_when_asked(slack_client: AsyncWebClient):
    metadata = {"event_type": "tock_run", "event_payload": {"run_key": "k"}}
    posted = await slack_client.chat_postMessage(channel="general", text="x", metadata=metadata)
    plain = await slack_client.conversations_history(channel=posted["channel"])
    full = await slack_client.conversations_history(
        channel=posted["channel"], include_all_metadata=True
    )
    assert "metadata" not in plain["messages"][0]
    assert full["messages"][0]["metadata"] == metadata


async def test_history_needs_the_bot_in_the_channel(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    outside = emulator.add_channel("outside", bot_member=False)
    error = await error_of(slack_client.conversations_history(channel=outside.id))
    assert error.response["error"] == "not_in_channel"


# ---- Web API: views ----------------------------------------------------------------


async def test_home_is_published_per_user(slack_client: AsyncWebClient, emulator: SlackEmulator):
    alice = emulator.user("alice")
    view = {"type": "home", "blocks": [section("Your schedules")]}
    await slack_client.views_publish(user_id=alice.id, view=view)
    home = await emulator.wait_for_home("alice")
    assert home["blocks"] == view["blocks"]


async def test_a_modal_needs_a_live_trigger(make_emulator: EmulatorFactory, http: Any):
    clock = ManualClock()
    emulator = await make_emulator(monotonic=clock)
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "New"}, "blocks": []}
    fields = emulator.command_payload(user="alice", channel="general")
    await client.views_open(trigger_id=fields["trigger_id"], view=view)
    assert (await emulator.wait_for_modal())["trigger_id"] == fields["trigger_id"]
    error = await error_of(client.views_open(trigger_id="1.2.nope", view=view))
    assert error.response["error"] == "invalid_trigger_id"
    clock.now += 3.5
    error = await error_of(client.views_open(trigger_id=fields["trigger_id"], view=view))
    assert error.response["error"] == "expired_trigger_id"


# ---- rate limits and faults ---------------------------------------------------------


async def test_a_channel_over_its_limit_gets_429_with_retry_after(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    clock = ManualClock()
    emulator = await make_emulator(rate_limit_per_channel=1.0, monotonic=clock)
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    await client.chat_postMessage(channel="general", text="one")
    await client.chat_postMessage(channel="random", text="other channel")
    clock.now += 0.25
    refused = await error_of(client.chat_postMessage(channel="general", text="two"))
    assert refused.response.status_code == 429
    assert refused.response.headers["Retry-After"] == "1"
    assert refused.response["error"] == "ratelimited"
    assert emulator.ratelimited == 1
    clock.now += 0.75
    await client.chat_postMessage(channel="general", text="two")
    assert [m.text for m in emulator.history("general")] == ["one", "two"]


async def test_a_burst_allowance_lets_a_few_through(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
):
    emulator = await make_emulator(
        rate_limit_per_channel=1.0, rate_limit_burst=3, monotonic=ManualClock()
    )
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    for i in range(3):
        await client.chat_postMessage(channel="general", text=f"m{i}")
    refused = await error_of(client.chat_postMessage(channel="general", text="m3"))
    assert refused.response.status_code == 429


async def test_a_fault_can_fail_after_the_post_landed(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    emulator.inject_fault("chat.postMessage", status=500, after_effect=True)
    error = await error_of(slack_client.chat_postMessage(channel="general", text="maybe"))
    assert error.response.status_code == 500
    assert [m.text for m in emulator.history("general")] == ["maybe"]


async def test_faults_can_wait_their_turn_and_then_clear(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    emulator.inject_fault("chat.postMessage", error="fatal_error", after=1, times=1)
    await slack_client.chat_postMessage(channel="general", text="first")
    error = await error_of(slack_client.chat_postMessage(channel="general", text="second"))
    assert error.response["error"] == "fatal_error"
    await slack_client.chat_postMessage(channel="general", text="third")
    assert [m.text for m in emulator.history("general")] == ["first", "third"]


# ---- HTTP mode: signed pushes into a real Bolt app ------------------------------------


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


@pytest.fixture
async def bolt_http(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> AsyncIterator[tuple[AsyncApp, str]]:
    app = bolt_app(emulator, http)
    async for base in serve(app.web_app()):
        yield app, f"{base}/slack/events"


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


# ---- Socket Mode -------------------------------------------------------------------------


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


# ---- standalone, for a console or a benchmark -------------------------------------------


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
            assert await response.json() == {"ratelimited": 0, "messages": 2}
    finally:
        child.terminate()
        await child.wait()
