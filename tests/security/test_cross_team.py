"""Another workspace's people cannot see or touch this one's schedules, by any door.

Eve belongs to team T2 (and is an admin there). Alice's schedules are in
T1. Through every SchedulerTools method, every button (on a message and
on App Home), App Home itself, `/tock` and a mention, Eve gets "not found"
or an empty list, and T1's rows, runs and audit stay exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.commands.verbs import BY_BUTTON
from bot.emulator import SlackEmulator, User
from bot.runtime import Bot, running_bot
from bot.slack.ids import CANCEL, CHOOSE, CONFIRM, DELETE, PAUSE, RESUME, RUN
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.bot.harness import bot_settings, idle
from tests.fuzz.strategies import leaked
from tests.security.support import (
    OTHER_TEAM,
    action_body,
    add_schedule,
    bot_state,
    command_body,
    event_body,
    shown,
    signed,
)
from tests.tools.scheduler_tools.support import ALICE, NY, create, workspace_membership
from tools.scheduler_tools import Caller, NameArgs, RunWorkflowArgs, SchedulerTools

EVE = Caller("T2", "UEVE", "CENG", NY)
EVE_ADMIN = Caller("T2", "UEVEADMIN", "CENG", NY, is_admin=True)
NAME = "standup"


# ---- SchedulerTools ---------------------------------------------------------------------------

# Each tool, called by Eve with arguments naming T1's schedules and channels.
CALLS: dict[str, list[dict[str, Any]]] = {
    "get_schedule": [{"name": NAME}, {"name": "Standup"}, {"name": "standu"}],
    "update_schedule": [
        {"name": NAME, "when": "at 10am"},
        {"name": NAME, "new_name": "mine-now"},
        {"name": NAME, "channel": "CRANDOM"},
        {"name": "digest", "source_channel": "CENG"},
    ],
    "delete_schedule": [{"name": NAME}, {"name": "digest"}],
    "pause_schedule": [{"name": NAME}],
    "resume_schedule": [{"name": "digest"}],
    "run_schedule_now": [{"name": NAME}, {"name": "weekly-report-ceng"}],
    "schedule_history": [{"name": NAME}, {"name": "weekly-report-ceng"}],
    "list_schedules": [
        {},
        {"scope": "all"},
        {"scope": "mine"},
        {"scope": "channel"},
        {"scope": "channel", "channel": "CENG"},
        {"channel": "<@UALICE>"},
    ],
    "create_schedule": [{"when": "every day at 9", "text": "Eve's", "name": NAME}],
    "run_workflow": [{"workflow": "weekly-report"}],
    "preview_when": [{"when": "every day at 9"}],
    "set_timezone": [{"timezone": "Europe/Berlin"}],
}

# The tools that look a schedule up by its name: for Eve, T1's are not there.
NAMED = {
    "get_schedule",
    "update_schedule",
    "delete_schedule",
    "pause_schedule",
    "resume_schedule",
    "run_schedule_now",
    "schedule_history",
}


async def t1(store: Store) -> list[Any]:
    """Everything of T1's that a call could change (and Eve's zone there, never set)."""
    schedules = [s.to_dict() for s in await store.list_schedules("T1")]
    runs = [r.to_dict() for r, _ in await store.list_runs(team_id="T1")]
    return [
        schedules,
        runs,
        await store.list_audit("T1"),
        await store.get_user_timezone("T1", "UEVE"),
    ]


@pytest.fixture
async def tools(store: Store, clock: VirtualClock) -> SchedulerTools:
    tools = SchedulerTools(store, clock, workspace_membership(), workflows=("weekly-report",))
    await create(tools, ALICE, name=NAME)
    await create(tools, ALICE, name="digest", action="digest", text="", source_channel="CSUPPORT")
    await tools.pause_schedule(ALICE, NameArgs(name="digest"))
    await tools.run_workflow(ALICE, RunWorkflowArgs(workflow="weekly-report"))
    return tools


def test_every_tool_has_a_cross_team_case(tools: SchedulerTools) -> None:
    """A new tool must say here what another team may do with it."""
    assert {s["function"]["name"] for s in tools.tool_schemas()} == set(CALLS)


@pytest.mark.parametrize("caller", [EVE, EVE_ADMIN], ids=["eve", "eve-admin"])
async def test_another_team_sees_and_changes_nothing_through_any_tool(
    tools: SchedulerTools, caller: Caller
) -> None:
    before = await t1(tools.store)
    t1_names = {s["name"] for s in before[0]}
    for name, calls in CALLS.items():
        for args in calls:
            result = await tools.call(name, caller, args)
            shown_to_eve = str(result)
            if name in NAMED:
                assert "no schedule named" in result.get("error", ""), (name, args, result)
                # Not even a "did you mean" that names one of T1's schedules.
                assert not any(f"'{t}'" in result["hint"] for t in t1_names), result
            if name == "list_schedules":
                assert result["schedules"] == [], (args, result)
            assert "UALICE" not in shown_to_eve and "Standup time" not in shown_to_eve
    assert await t1(tools.store) == before


# ---- through the app --------------------------------------------------------------------------


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, db_url: str
) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path, database_url=db_url), clock=clock) as b:
        await add_schedule(b, emulator, NAME)
        yield b


def eve(emulator: SlackEmulator, *, home_team: str = OTHER_TEAM) -> User:
    """A person of another workspace, an admin there (a Slack Connect guest, say)."""
    person = emulator.add_user("eve", tz="Europe/Berlin", is_admin=True)
    person.team_id = home_team
    emulator.join("general", person.id)  # a channel shared between the workspaces
    return person


def clicks(emulator: SlackEmulator) -> dict[str, dict[str, Any]]:
    """Every button Tock shows, as Eve clicking it on a message in #general."""
    delete = '{"tool":"delete_schedule","arguments":{"name":"standup"}}'
    move = '{"tool":"update_schedule","arguments":{"name":"standup","when":"at 10am"}}'
    values = {
        PAUSE: NAME,
        RESUME: NAME,
        RUN: NAME,
        DELETE: NAME,
        CONFIRM: delete,
        f"{CHOOSE}_0": move,
        CANCEL: "cancel",
    }
    return {
        action_id: emulator.action_payload(
            user="eve", channel="general", action_id=action_id, value=value
        )
        for action_id, value in values.items()
    }


def from_team(payload: dict[str, Any], team: str) -> dict[str, Any]:
    payload["team"] = {"id": team, "domain": "other"}
    payload["user"]["team_id"] = team
    return payload


def on_home(payload: dict[str, Any]) -> dict[str, Any]:
    """The same click on Eve's App Home tab: no channel, no message, no response_url."""
    for key in ("channel", "message", "response_url"):
        payload.pop(key, None)
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"type": "home", "id": "V0HOME", "blocks": []}
    return payload


def test_every_button_is_covered(emulator: SlackEmulator) -> None:
    eve(emulator)
    assert set(BY_BUTTON) | {CONFIRM, CANCEL, f"{CHOOSE}_0"} == set(clicks(emulator))


async def test_every_button_from_another_team_changes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    person = eve(emulator)
    before = await bot_state(bot, emulator.team.id, OTHER_TEAM)
    for where in ("message", "home"):
        for action_id, payload in clicks(emulator).items():
            click = from_team(payload, OTHER_TEAM)
            if where == "home":
                click = on_home(click)
            status, _ = await signed(http, emulator, bot, action_body(click))
            await idle(bot)
            assert status == 200, (where, action_id)
            assert await bot_state(bot, emulator.team.id, OTHER_TEAM) == before, (where, action_id)
    told = shown(emulator)
    assert not leaked(told)
    assert "standup text" not in told  # alice's message never shown to Eve
    answers = [r.body["text"] for r in emulator.responses if r.user == person.id]
    assert sum("no schedule named" in a for a in answers) >= 5  # each refusal said so
    dm = emulator.dm_channel(person.id)  # App Home refusals come by DM
    assert any("no schedule named" in m.text for m in emulator.messages[dm.id])


async def test_app_home_from_another_team_lists_none_of_this_ones(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    person = eve(emulator)
    event = {"type": "app_home_opened", "user": person.id, "channel": "D0HOME", "tab": "home"}
    auth = [{"team_id": OTHER_TEAM, "user_id": emulator.bot_user_id, "is_bot": True}]
    raw = event_body(emulator, event, team_id=OTHER_TEAM, authorizations=auth)
    assert (await signed(http, emulator, bot, raw))[0] == 200
    view = await emulator.wait_for_home("eve")
    shown_on_home = json.dumps(view["blocks"])
    assert NAME not in shown_on_home and "no schedules" in shown_on_home


SLASH = [
    "list",
    "list all",
    "list mine",
    "list here",
    f"show {NAME}",
    f"history {NAME}",
    f"when {NAME}",
    f"pause {NAME}",
    f"resume {NAME}",
    f"run {NAME}",
    f"delete {NAME}",
    f"edit {NAME} 10am",
    f'edit {NAME} "Eve was here"',
]


async def test_slash_from_another_team_changes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    eve(emulator)
    before = await bot_state(bot, emulator.team.id)
    for text in SLASH:
        fields = emulator.command_payload(text=text, user="eve", channel="general")
        raw = command_body(fields | {"team_id": OTHER_TEAM})
        status, body = await signed(http, emulator, bot, raw)
        await idle(bot)
        assert status == 200, text
        assert await bot_state(bot, emulator.team.id) == before, text
        assert "standup text" not in body + shown(emulator), text


async def test_mentions_from_another_team_change_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    eve(emulator)
    before = await bot_state(bot, emulator.team.id)
    auth = [{"team_id": OTHER_TEAM, "user_id": emulator.bot_user_id, "is_bot": True}]
    for text in (f"delete {NAME}", f"pause {NAME}", f"move {NAME} to 10am", "list everything"):
        _, event = emulator.mention_event("general", "eve", text)
        raw = event_body(emulator, event, team_id=OTHER_TEAM, authorizations=auth)
        assert (await signed(http, emulator, bot, raw))[0] == 200
        await idle(bot)
    assert await bot_state(bot, emulator.team.id) == before
    assert "standup text" not in shown(emulator)


async def test_an_admin_of_another_org_in_a_shared_channel_is_no_admin_here(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    """Slack Connect: the click comes from this workspace (team T1), by a person whose home
    team is another one, where they are an admin."""
    eve(emulator)
    click = clicks(emulator)[DELETE]  # team T1: where the shared channel's click happened
    click["user"]["team_id"] = OTHER_TEAM
    before = await bot_state(bot, emulator.team.id)
    assert (await signed(http, emulator, bot, action_body(click)))[0] == 200
    await idle(bot)
    assert await bot_state(bot, emulator.team.id) == before
