"""Oversized input gets a clear answer, and oversized output is never sent.

Huge text in a command, a mention or a tool argument is refused with its
length and the limit, before anything is parsed, stored or sent to a model;
a body over the web server's limit is refused outright. And what the bot
sends stays within Slack's limits however big what it shows: many long
schedules in a list or on App Home, a click on a message of many blocks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from bot.slack.ids import (
    CONFIRM,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_TEXT,
    MAX_SECTION_TEXT,
    MAX_TEXT,
    MAX_VALUE,
    PAUSE,
)
from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from tests.bot.harness import all_text, bot_settings, idle, reply_to
from tests.fakes.llm import FakeOpenAI, content
from tests.security.support import (
    JSON,
    Raw,
    action_body,
    add_schedule,
    bot_state,
    command_body,
    signed,
)
from tests.tools.scheduler_tools.support import ALICE, snapshot, workspace_membership
from tools.scheduler_tools import Quotas, SchedulerTools


def within_slack_limits(message: dict[str, Any]) -> None:
    """What Slack would accept: blocks, section and context text, buttons."""
    assert len(str(message.get("text") or "")) <= MAX_TEXT
    blocks = message.get("blocks") or []
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block.get("type") == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["value"]) <= MAX_VALUE
                assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
            elif isinstance(element.get("text"), str):
                assert len(element["text"]) <= MAX_CONTEXT_TEXT


# ---- tool arguments, on each backend ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("create_schedule", {"when": "every day at 9", "text": "x" * 1_000_000}, "limit is 4000"),
        ("create_schedule", {"when": "every day at 9 " + "x" * 1_000_000, "text": "hi"}, "when"),
        ("create_schedule", {"when": "every day at 9", "text": "hi", "name": "n" * 10_000}, "name"),
        ("update_schedule", {"name": "x" * 1_000_000, "when": "at 10am"}, "name"),
        ("preview_when", {"when": "at 9 " * 250_000}, "when"),
        ("set_timezone", {"timezone": "Europe/" + "x" * 100_000}, "timezone"),
        (
            "create_schedule",
            json.dumps({"when": "every day at 9", "text": "hi", "x": ["y"] * 200_000}),
            "x",
        ),
    ],
    ids=["text", "when", "name", "update-name", "preview", "zone", "many-fields"],
)
async def test_huge_tool_arguments_are_refused_with_the_limit_and_write_nothing(
    store: Store, clock: VirtualClock, tool: str, arguments: Any, says: str
) -> None:
    tools = SchedulerTools(store, clock, workspace_membership(), Quotas())
    before = await snapshot(store)
    result = await tools.call(tool, ALICE, arguments)
    assert set(result) == {"error", "hint"} and says in result["error"], result
    assert len(result["error"]) + len(result["hint"]) < 1000  # not an echo of the input
    assert await snapshot(store) == before


# ---- through the app --------------------------------------------------------------------------


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, db_url: str
) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path, database_url=db_url), clock=clock) as b:
        yield b


async def test_a_huge_command_is_refused_with_its_length(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    for size in (4_001, 40_000, 500_000):
        text = 'every day at 9am "' + "x" * size + '"'
        fields = emulator.command_payload(text=text, user="alice", channel="general")
        status, body = await signed(http, emulator, bot, command_body(fields))
        await idle(bot)
        answer = json.loads(body)
        assert status == 200 and f"{len(text):,} characters" in answer["text"], size
        assert "at most 4,000" in answer["text"]
        within_slack_limits(answer)
    assert await bot.store.list_schedules(emulator.team.id) == []


async def test_a_body_over_the_server_limit_is_refused(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    _, event = emulator.mention_event("general", "alice", "every day at 9am " + "x" * 2_000_000)
    raw = Raw(json.dumps(emulator.event_envelope(event)).encode(), JSON)
    status, _ = await signed(http, emulator, bot, raw)
    await idle(bot)
    assert status == 413
    assert await bot.store.list_schedules(emulator.team.id) == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize("with_llm", [False, True], ids=["offline", "llm"])
async def test_a_huge_mention_is_answered_with_its_length_and_never_reaches_the_model(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, fake: FakeOpenAI, with_llm: bool
) -> None:
    """SQLite only: the refusal comes before the store is asked anything."""
    llm = {"openai_api_key": "sk-test-" + "0" * 8, "openai_base_url": fake.base_url}
    settings = bot_settings(emulator, tmp_path, **(llm if with_llm else {}))
    async with running_bot(settings, clock=clock) as bot:
        fake.script(content("I read all of it!"))
        for size in (5_000, 39_000):  # Slack's own limit for a message is 40,000
            asked, event = emulator.mention_event(
                "general", "alice", "every day at 9am " + "x" * size
            )
            assert (await emulator.send_event(bot.events_url, event)).status == 200
            answer = await reply_to(emulator, asked)
            shown = all_text(answer)
            assert "characters" in shown and "at most 4,000" in shown, shown
            await idle(bot)
            thread = f"{emulator.team.id}:{asked.channel}:{asked.ts}"
            assert await bot.store.load_conversation(thread) == []  # nothing to remember
        assert fake.requests == []  # no tokens spent on it
        assert await bot.store.list_schedules(emulator.team.id) == []


async def test_a_click_on_a_message_of_many_blocks_is_handled_and_answered_within_limits(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    await add_schedule(bot, emulator, "standup")
    payload = emulator.action_payload(
        user="alice", channel="general", action_id=PAUSE, value="standup"
    )
    payload["message"] = {
        "ts": "1.000001",
        "text": "x" * 40_000,
        "blocks": [{"type": "actions", "elements": []}] * 5_000,
    }
    payload["state"] = {"values": {f"b{i}": {"a": {"value": "x" * 100}} for i in range(2_000)}}
    status, _ = await signed(http, emulator, bot, action_body(payload))
    await idle(bot)
    assert status == 200
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "paused"  # the click itself was fine
    [answer] = emulator.responses
    within_slack_limits(answer.body)


async def test_a_huge_confirm_value_is_refused_and_deletes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    await add_schedule(bot, emulator, "standup")
    value = json.dumps({"tool": "delete_schedule", "arguments": {"name": "standup" * 50_000}})
    payload = emulator.action_payload(
        user="alice", channel="general", action_id=CONFIRM, value=value
    )
    before = await bot_state(bot, emulator.team.id)
    status, _ = await signed(http, emulator, bot, action_body(payload))
    await idle(bot)
    assert status == 200
    assert await bot_state(bot, emulator.team.id) == before
    [answer] = emulator.responses
    within_slack_limits(answer.body)
    assert "name" in answer.body["text"]


async def many_long_schedules(bot: Bot, emulator: SlackEmulator, count: int) -> None:
    alice = emulator.user("alice").id
    specs = [
        ScheduleSpec(
            team_id=emulator.team.id,
            name=f"{i:02d}-" + "n" * 57,
            trigger=CronTrigger("0 9 * * *", "America/New_York"),
            action_kind="message",
            action={"text": "*<!channel>* " + "t" * 3_990, "window_hours": None, "workflow": None},
            channel_id=emulator.channel("general").id,
            created_by=alice,
            source="chat",
        )
        for i in range(count)
    ]
    await bot.store.create_schedules(specs, bot.deps.clock.now())


async def test_a_list_of_many_long_schedules_fits_in_one_answer(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    await many_long_schedules(bot, emulator, 60)
    fields = emulator.command_payload(text="list", user="alice", channel="general")
    status, body = await signed(http, emulator, bot, command_body(fields))
    await idle(bot)
    answer = json.loads(body) if body else emulator.responses[-1].body
    assert status == 200 and "More not shown" in json.dumps(answer)
    within_slack_limits(answer)


async def test_app_home_with_many_long_schedules_is_published(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    await many_long_schedules(bot, emulator, 60)
    alice = emulator.user("alice").id
    event = {"type": "app_home_opened", "user": alice, "channel": "D0HOME", "tab": "home"}
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    view = await emulator.wait_for_home("alice")  # the emulator refuses what Slack would
    within_slack_limits(view)
    assert "more" in json.dumps(view["blocks"][-1])
