"""The Web API over real HTTP, driven by the real SDK: auth, scopes, chat.*, users.info, views.*."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import doctor
from bot.emulator import MANIFEST_BOT_SCOPES, SlackEmulator
from tests.bot.emulator.support import ManualClock, error_of, section
from tests.bot.harness import bot_settings
from tests.slack_fixtures import EmulatorFactory

MANIFEST = Path(__file__).parents[3] / "manifest.yml"


async def test_auth_test_names_the_bot(slack_client: AsyncWebClient, emulator: SlackEmulator):
    response = await slack_client.auth_test()
    assert response["user_id"] == emulator.bot_user_id
    assert response["bot_id"] == emulator.bot_id
    assert response["team_id"] == emulator.team.id


async def test_api_test_answers_without_a_token(
    http: aiohttp.ClientSession, emulator: SlackEmulator
):
    """As Slack's: it checks the connection (the bot's warm-up uses it), not the caller."""
    async with http.get(f"{emulator.api_url}api.test", params={"hello": "x"}) as response:
        assert await response.json() == {"ok": True, "args": {"hello": "x"}}


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


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.teleport"])
async def test_the_calls_log_keeps_every_argument_but_the_token(
    method: str, emulator: SlackEmulator, http: aiohttp.ClientSession
):
    form = {"token": emulator.bot_token, "channel": "general", "text": "logged"}
    async with http.post(emulator.api_url + method, data=form) as response:
        await response.read()
    assert emulator.calls[-1] == (method, {"channel": "general", "text": "logged"})


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


async def test_users_info_carries_the_timezone(
    slack_client: AsyncWebClient, emulator: SlackEmulator
):
    user = (await slack_client.users_info(user=emulator.user("alice").id))["user"]
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["is_admin"] is True


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
