"""HTTP mode: only requests Slack signed, recently, get through, and each one once.

Every request below would, if let through, pause alice's schedule or
create one; the assertions are that the bot refused it (401), wrote
nothing and posted nothing. A replay (the same signed bytes sent again
within the five minutes a signature is good for) is answered once: events
by their `event_id`, commands and clicks by their `trigger_id`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from bot.slack.ids import PAUSE
from scheduler.clock import VirtualClock
from tests.bot.harness import bot_settings, idle
from tests.fuzz.strategies import leaked
from tests.security.support import (
    FORM,
    JSON,
    Raw,
    action_body,
    add_schedule,
    bot_state,
    command_body,
    event_body,
    post,
    shown,
    signed,
)

NAME = "standup"


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, db_url: str
) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path, database_url=db_url), clock=clock) as b:
        await add_schedule(b, emulator, NAME)
        yield b


@pytest.fixture
async def lite_bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as b:
        await add_schedule(b, emulator, NAME)
        yield b


def pause_command(emulator: SlackEmulator) -> Raw:
    return command_body(
        emulator.command_payload(text=f"pause {NAME}", user="alice", channel="general")
    )


def sign_with(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def forgeries(emulator: SlackEmulator, body: bytes) -> dict[str, dict[str, str]]:
    """Headers an attacker without the signing secret (or with an old request) might send."""
    now = int(time.time())
    good = emulator.sign(body)
    wrong_secret = "0" * len(emulator.signing_secret)  # built here, never a real secret
    return {
        "no headers": {},
        "timestamp only": {"X-Slack-Request-Timestamp": str(now)},
        "signature only": {"X-Slack-Signature": good["X-Slack-Signature"]},
        "wrong secret": sign_with(wrong_secret, body, now),
        "empty secret": sign_with("", body, now),
        "stale": emulator.sign(body, timestamp=now - 360),
        "from the future": emulator.sign(body, timestamp=now + 360),
        "old signature, new timestamp": {**good, "X-Slack-Request-Timestamp": str(now - 1)},
        "v1 scheme": {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        "upper-case hex": {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()},
        "truncated": {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-2]},
        "signature of another body": emulator.sign(body + b"&x=1"),
        "empty signature": {**good, "X-Slack-Signature": ""},
    }


def request(emulator: SlackEmulator, kind: str) -> Raw:
    """A request that, signed, would pause alice's schedule (or ask the agent to)."""
    if kind == "command":
        return pause_command(emulator)
    if kind == "click":
        payload = emulator.action_payload(
            user="alice", channel="general", action_id=PAUSE, value=NAME
        )
        return action_body(payload)
    _, event = emulator.mention_event("general", "alice", f"pause {NAME}")
    return event_body(emulator, event)


@pytest.mark.parametrize("kind", ["command", "click", "event"])
async def test_a_forged_or_stale_request_is_refused_and_changes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession, kind: str
) -> None:
    before = await bot_state(bot, emulator.team.id)
    raw = request(emulator, kind)
    for forgery, headers in forgeries(emulator, raw.body).items():
        status, _ = await post(http, bot.events_url, raw, headers)
        await idle(bot)
        assert status == 401, forgery
        assert await bot_state(bot, emulator.team.id) == before, forgery
        assert shown(emulator) == "", forgery  # not even an error message went out


async def test_a_non_numeric_timestamp_is_refused_like_a_forgery(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    raw = request(emulator, "command")
    headers = {**emulator.sign(raw.body), "X-Slack-Request-Timestamp": "soon"}
    status, _ = await post(http, bot.events_url, raw, headers)
    await idle(bot)
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "active"
    assert status == 401


async def test_the_same_request_signed_properly_gets_through(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    """The control for the test above: the request itself is one that works."""
    status, _ = await signed(http, emulator, bot, pause_command(emulator))
    await idle(bot)
    assert status == 200
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "paused"


# ---- replays --------------------------------------------------------------------------------


async def replay(
    http: aiohttp.ClientSession, emulator: SlackEmulator, bot: Bot, raw: Raw, times: int = 3
) -> list[int]:
    """Send the same signed bytes `times` times, as one captured request replayed."""
    headers = emulator.sign(raw.body)
    statuses = []
    for _ in range(times):
        statuses.append((await post(http, bot.events_url, raw, headers))[0])
        await idle(bot)
    return statuses


async def test_a_replayed_command_is_answered_once(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    fields = emulator.command_payload(text='every day at 9am "Hi"', user="alice", channel="general")
    statuses = await replay(http, emulator, bot, command_body(fields))
    assert all(status < 500 for status in statuses)
    names = sorted(s.name for s in await bot.store.list_schedules(emulator.team.id))
    assert names == ["hi", NAME]  # one new schedule, not hi, hi-2, hi-3


async def test_a_replayed_click_is_answered_once(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    """Alice paused, then resumed; replaying her Pause click must not pause it again."""
    click = action_body(
        emulator.action_payload(user="alice", channel="general", action_id=PAUSE, value=NAME)
    )
    headers = emulator.sign(click.body)
    assert (await post(http, bot.events_url, click, headers))[0] == 200
    await idle(bot)
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "paused"
    resume = command_body(
        emulator.command_payload(text=f"resume {NAME}", user="alice", channel="general")
    )
    assert (await signed(http, emulator, bot, resume))[0] == 200
    await idle(bot)

    status, _ = await post(http, bot.events_url, click, headers)  # the captured click, again
    await idle(bot)
    assert status < 500
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "active"
    pauses = [a for a in await bot.store.list_audit(emulator.team.id) if a["action"] == "pause"]
    assert len(pauses) == 1


async def test_a_replayed_event_is_answered_once(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    message, event = emulator.mention_event("general", "alice", 'post "Hi" every day at 9am')
    statuses = await replay(http, emulator, bot, event_body(emulator, event))
    assert statuses == [200, 200, 200]
    assert len(emulator.replies("general", message.ts)) == 1
    assert [s.name for s in await bot.store.list_schedules(emulator.team.id)] == ["hi", NAME]


# ---- malformed bodies -------------------------------------------------------------------------

HANDLED = [
    (b"", JSON, "empty json body"),
    (b"", FORM, "empty form body"),
    (b"command=%2Ftock", FORM, "command without fields"),
    (b'{"type":"event_callback"}', JSON, "event callback without event"),
    (b'{"type":"event_callback","event":{"type":"app_mention"}}', JSON, "mention without fields"),
    (action_body({"type": "view_submission", "view": {}}).body, FORM, "empty view"),
]


async def test_a_malformed_body_is_answered_without_a_server_error_and_changes_nothing(
    bot: Bot, emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    before = await bot_state(bot, emulator.team.id)
    for body, content_type, what in HANDLED:
        status, text = await post(
            http, bot.events_url, Raw(body, content_type), emulator.sign(body)
        )
        await idle(bot)
        assert status < 500 and "Traceback" not in text, what
        assert await bot_state(bot, emulator.team.id) == before, what
    assert not leaked(shown(emulator))


BOLT_CRASHES = [
    (b"{not json", JSON, True, "bad json, signed"),
    (b"{not json", JSON, False, "bad json, unsigned"),
    (b"[]", JSON, True, "json array"),
    (b'{"type":"event_callback","event":"x"}', JSON, True, "event is a string"),
    (
        b'{"type":"event_callback","event":{"type":"app_mention","user":7}}',
        JSON,
        True,
        "user is a number",
    ),
    (b"\xff\xfe{", JSON, True, "not utf-8"),
    (b"payload=not+json", FORM, True, "payload not json"),
    (action_body({"type": "block_actions", "actions": []}).body, FORM, True, "no actions"),
    (
        action_body({"type": "view_submission", "view": {"callback_id": "x"}}).body,
        FORM,
        True,
        "view without type",
    ),
]


@pytest.mark.parametrize(
    ("body", "content_type", "sign"),
    [case[:3] for case in BOLT_CRASHES],
    ids=[case[3] for case in BOLT_CRASHES],
)
async def test_a_body_bolt_cannot_read_gets_a_client_error(
    lite_bot: Bot,
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    body: bytes,
    content_type: str,
    sign: bool,
) -> None:
    """SQLite only: these fail before any listener, so before the store."""
    headers = emulator.sign(body) if sign else {}
    status, text = await post(http, lite_bot.events_url, Raw(body, content_type), headers)
    await idle(lite_bot)
    assert [s.status for s in await lite_bot.store.list_schedules(emulator.team.id)] == ["active"]
    assert "Traceback" not in text
    assert status < 500, text
