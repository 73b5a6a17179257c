"""Fuzzing what Slack sends: events, slash commands, clicks and view payloads, with odd fields.

Each example starts from a request that, as sent, would change alice's
schedule (pause it, delete it, move it) and breaks who is asking: the user
is missing, of the wrong type, unknown, or the team is another one; other
fields get odd values too. Signed correctly and sent to the running bot
over HTTP, it must be answered without a server error, show no exception
text to anyone, and write nothing. Payloads of kinds Tock has no listener
for (view submissions, shortcuts) must be refused the same way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from bot.slack.ids import CANCEL, CHOOSE, CONFIRM, DELETE, PAUSE, RESUME, RUN
from scheduler.clock import VirtualClock
from tests.bot.harness import bot_settings, idle
from tests.fuzz.strategies import fuzz, leaked
from tests.security.support import (
    OTHER_TEAM,
    Raw,
    action_body,
    add_schedule,
    bot_state,
    command_body,
    event_body,
    shown,
    signed,
)

pytestmark = pytest.mark.slow  # a running bot, and an HTTP round trip per example

NAME = "standup"
GARBAGE = st.one_of(
    st.sampled_from([None, "", 0, -1, True, [], {}, [1], {"id": None}, "U0NOBODY", "W0NOBODY"]),
    st.sampled_from(["x" * 5000, "<@UALICE>", "UALICE ", "ualice", "\x00", "../..", "🤖"]),
    st.text(max_size=12).filter(lambda t: not t.startswith("U0")),
)
MISSING = object()  # a mutation that removes the field


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, db_url: str
) -> AsyncIterator[Bot]:
    settings = bot_settings(emulator, tmp_path, database_url=db_url)
    async with running_bot(settings, clock=clock) as running:
        await add_schedule(running, emulator, NAME)
        yield running


def set_path(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set (or, with MISSING, remove) `payload[path]`, making the dicts on the way."""
    node = payload
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def click(
    emulator: SlackEmulator, action_id: str, value: str, user: str = "alice"
) -> dict[str, Any]:
    return emulator.action_payload(user=user, channel="general", action_id=action_id, value=value)


def requests(emulator: SlackEmulator) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    """Each base request (as alice, it would change `standup`) and where it says who asks."""
    delete = json.dumps({"tool": "delete_schedule", "arguments": {"name": NAME}})
    move = json.dumps({"tool": "update_schedule", "arguments": {"name": NAME, "when": "at 10am"}})
    _, mention = emulator.mention_event("general", "alice", f"pause {NAME}")
    on_home = {"type": "block_actions", "container": {"type": "view", "view_id": "V1"}}
    user = ("user", "id")
    return {
        "mention": (mention, ("event", "user")),
        "command": (
            emulator.command_payload(text=f"delete {NAME}", user="alice", channel="general"),
            ("user_id",),
        ),
        PAUSE: (click(emulator, PAUSE, NAME), user),
        RUN: (click(emulator, RUN, NAME), user),
        DELETE: (click(emulator, DELETE, NAME), user),
        CONFIRM: (click(emulator, CONFIRM, delete), user),
        f"{CHOOSE}_0": (click(emulator, f"{CHOOSE}_0", move), user),
        "home-delete": (click(emulator, DELETE, NAME) | on_home, user),
    }


ODD_FIELDS = [
    ("channel",),
    ("channel", "id"),
    ("container",),
    ("container", "channel_id"),
    ("message",),
    ("response_url",),
    ("trigger_id",),
    ("team_id",),
    ("channel_id",),
    ("text",),
    ("event", "channel"),
    ("event", "ts"),
    ("event", "thread_ts"),
    ("event", "text"),
    ("event", "subtype"),
]


IDENTITY_BREAKS = st.sampled_from(
    [MISSING, None, "", "U0NOBODY", "W0NOBODY", "ualice", "<@UALICE>", "x" * 5000, "\x00", "🤖"]
) | st.text(max_size=12).filter(lambda t: not t.startswith(("U0", "W0")))
"""A user that is nobody, or none. Strings only: Bolt reads these ids itself before any
listener runs, and fails on other types (tests/security/test_signatures.py)."""


def build(
    emulator: SlackEmulator,
    kind: str,
    breaks: Any,
    odd: list[tuple[int, Any]],
    *,
    unbroken: bool = False,
) -> Raw:
    """The `kind` of request with its user broken by `breaks` and the `odd` fields."""
    payload, path = requests(emulator)[kind]
    payload = payload if kind != "mention" else {"event": payload}
    if unbroken:
        pass
    elif kind == "command":  # form fields are strings
        payload[path[0]] = "" if breaks is MISSING else str(breaks)
    else:
        set_path(payload, path, breaks)
    for index, value in odd:
        field = ODD_FIELDS[index % len(ODD_FIELDS)]
        if (kind == "mention") != (field[0] == "event"):
            continue  # keep the request a request of its kind
        if kind == "command":
            payload[field[0]] = "" if value is MISSING else str(value)
        else:
            set_path(payload, field, value)
    if kind == "mention":
        return event_body(emulator, payload["event"])
    if kind == "command":
        return command_body(payload)
    return action_body(payload)


KINDS = ["mention", "command", PAUSE, RUN, DELETE, CONFIRM, f"{CHOOSE}_0", "home-delete"]


@pytest.mark.parametrize("kind", KINDS)
async def test_each_request_unbroken_does_change_the_schedule(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession, kind: str
) -> None:
    """The control: what the fuzz below breaks is a request that works."""
    before = await bot_state(bot, emulator.team.id)
    status, _ = await signed(http, emulator, bot, build(emulator, kind, None, [], unbroken=True))
    await idle(bot)
    assert status == 200
    assert await bot_state(bot, emulator.team.id) != before


@pytest.mark.parametrize("kind", KINDS)
@fuzz(8)
@given(
    breaks=IDENTITY_BREAKS,
    odd=st.lists(st.tuples(st.integers(0, 100), GARBAGE | st.just(MISSING)), max_size=3),
)
async def test_a_request_from_nobody_changes_nothing_and_shows_no_exception(
    bot: Bot,
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    kind: str,
    breaks: Any,
    odd: list[tuple[int, Any]],
) -> None:
    team = emulator.team.id
    before = await bot_state(bot, team)
    status, body = await signed(http, emulator, bot, build(emulator, kind, breaks, odd))
    await idle(bot)
    event(f"{kind}: {status}")
    assert status < 500, body
    assert not leaked(body) and not leaked(shown(emulator))
    assert await bot_state(bot, team) == before


OTHER_KINDS = [
    {
        "type": "view_submission",
        "view": {
            "type": "modal",
            "callback_id": "tock_edit",
            "state": {"values": {"name": {"name": {"value": NAME}}}},
        },
    },
    {"type": "view_closed", "view": {"type": "modal", "callback_id": "tock_edit"}},
    {"type": "shortcut", "callback_id": "tock_delete_all"},
    {"type": "message_action", "callback_id": "tock_pause", "message": {"text": "x"}},
    {"type": "block_suggestion", "action_id": PAUSE, "value": NAME},
    {"type": "interactive_message", "callback_id": "x", "actions": [{"name": "x"}]},
    {"type": "tock_unknown"},
]


@pytest.mark.parametrize("payload", OTHER_KINDS, ids=[p["type"] for p in OTHER_KINDS])
async def test_payload_kinds_without_a_listener_are_refused_and_change_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession, payload: dict[str, Any]
) -> None:
    alice = emulator.user("alice")
    full = payload | {
        "user": {"id": alice.id, "team_id": emulator.team.id},
        "team": {"id": emulator.team.id},
    }
    before = await bot_state(bot, emulator.team.id)
    status, body = await signed(http, emulator, bot, action_body(full))
    await idle(bot)
    assert status in (200, 404), body
    assert not leaked(body) and not leaked(shown(emulator))
    assert await bot_state(bot, emulator.team.id) == before


@fuzz(30)
@given(
    team=st.sampled_from([OTHER_TEAM, "T0", "x" * 300, "🤖"]),
    kind=st.sampled_from(["mention", "command", PAUSE, DELETE, CONFIRM, RESUME, CANCEL]),
)
async def test_alice_from_another_team_changes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession, team: str, kind: str
) -> None:
    """Alice's own id, but the request says another workspace: her schedule is not found."""
    base = {
        **requests(emulator),
        RESUME: (click(emulator, RESUME, NAME), ()),
        CANCEL: (click(emulator, CANCEL, "cancel"), ()),
    }
    payload, _ = base[kind]
    before = await bot_state(bot, emulator.team.id, team)
    if kind == "mention":
        raw = event_body(
            emulator,
            payload,
            team_id=team,
            authorizations=[{"team_id": team, "user_id": emulator.bot_user_id}],
        )
    elif kind == "command":
        raw = command_body(payload | {"team_id": team})
    else:
        payload["team"] = {"id": team}
        payload["user"]["team_id"] = team
        raw = action_body(payload)
    status, body = await signed(http, emulator, bot, raw)
    await idle(bot)
    assert status < 500, body
    assert not leaked(body) and not leaked(shown(emulator))
    assert await bot_state(bot, emulator.team.id, team) == before
