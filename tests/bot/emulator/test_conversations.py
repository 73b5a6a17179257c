"""The conversations.* methods through the real SDK: DMs, info, members, list, history."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from tests.bot.emulator.support import error_of


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
