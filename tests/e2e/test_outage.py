"""The database goes away under a running bot (emulator, engine, web server) and comes back.

On SQLite and Postgres the outage is injected at the driver edge
(`tests.fakes.database.DatabaseOutage`: every statement fails as on a dropped
connection); on Postgres it is also real (`postgres_down`: the server ends
every connection and refuses new ones). Engine time is the VirtualClock;
waits are on events and state, never sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import Message, SlackEmulator
from bot.listeners.failures import DATABASE_DOWN
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from scheduler.records import FINAL_STATUSES
from tests.bot.harness import (
    all_text,
    bot_posts,
    bot_settings,
    click,
    reply_to,
    settle,
    slash_answer,
)
from tests.fakes.database import DatabaseOutage, postgres_down

TOLD = "can't reach my database"


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, db_url: str
) -> AsyncIterator[Bot]:
    settings = bot_settings(emulator, tmp_path, database_url=db_url)
    async with running_bot(settings, clock=clock) as running:
        clock.on_wake = running.engine.settle  # work due at one instant ends before the next
        yield running


async def mention(emulator: SlackEmulator, bot: Bot, text: str) -> Message:
    message, event = emulator.mention_event("general", "alice", text)
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    return message


async def ready(http: aiohttp.ClientSession, bot: Bot) -> tuple[int, dict[str, object]]:
    async with http.get(f"{bot.url}/readyz") as response:
        return response.status, await response.json()


async def standup(emulator: SlackEmulator, bot: Bot) -> Message:
    """A schedule posting "Standup" in #general at 09:00 New York (14:00 UTC); its card."""
    card = await reply_to(emulator, await mention(emulator, bot, 'post "Standup" every day at 9am'))
    await settle(bot)
    return card


# -- a person talking to the bot ------------------------------------------------------


async def test_a_mention_is_told_the_database_is_unavailable(bot: Bot, emulator: SlackEmulator):
    with DatabaseOutage(bot.store) as outage:
        answer = await reply_to(emulator, await mention(emulator, bot, "list"))
    assert outage.refused >= 1 and answer.text == DATABASE_DOWN.text
    answer = await reply_to(emulator, await mention(emulator, bot, "list"))  # back: answered
    assert TOLD not in all_text(answer)


async def test_the_slash_command_is_told_the_database_is_unavailable(
    bot: Bot, emulator: SlackEmulator
):
    with DatabaseOutage(bot.store):
        body = await slash_answer(emulator, bot, "list")
    assert body["response_type"] == "ephemeral" and body["text"] == DATABASE_DOWN.text
    assert TOLD not in str(await slash_answer(emulator, bot, "list"))


async def test_a_click_is_told_the_database_is_unavailable_and_changes_nothing(
    bot: Bot, emulator: SlackEmulator
):
    card = await standup(emulator, bot)
    before = len(emulator.responses)
    with DatabaseOutage(bot.store):
        await click(emulator, bot, card, "tock_pause")
    [answer] = emulator.responses[before:]
    assert answer.body["text"] == DATABASE_DOWN.text
    assert answer.body.get("replace_original") is not True  # the card stays as it was
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.status == "active"


async def test_a_failure_mid_tool_is_the_same_answer_not_a_tool_error(
    bot: Bot, emulator: SlackEmulator
):
    await standup(emulator, bot)
    # The caller's zone and the dedupe key are read; the tool's own statement is refused.
    with DatabaseOutage(bot.store, from_statement=lambda sql: "FROM schedules" in sql):
        body = await slash_answer(emulator, bot, "list")
    assert body["text"] == DATABASE_DOWN.text


# -- the engine and readiness -----------------------------------------------------------


async def test_readyz_is_503_while_the_database_is_down(bot: Bot, http: aiohttp.ClientSession):
    assert await ready(http, bot) == (200, {"ok": True, "engine": True, "database": True})
    with DatabaseOutage(bot.store):
        assert await ready(http, bot) == (503, {"ok": False, "engine": True, "database": False})
    assert (await ready(http, bot))[0] == 200


async def test_the_engine_waits_out_an_outage_and_then_fires_the_slot_once(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    await standup(emulator, bot)
    await clock.advance(hours=1, minutes=59)
    with DatabaseOutage(bot.store) as outage:
        await clock.advance(minutes=3)  # 14:02 UTC: 14:00 fell due meanwhile
        assert outage.refused > 0 and bot.engine.alive
        assert bot_posts(emulator, "general") == []
    await clock.advance(seconds=30)  # the longest backoff: the loop has tried again
    await settle(bot)
    assert [m.text for m in bot_posts(emulator, "general")] == ["Standup"]
    [(run, _)] = await bot.store.list_runs(team_id=emulator.team.id)
    assert (run.status, run.scheduled_for.hour, run.trigger) == ("succeeded", 14, "schedule")


def _finishing_a_run(sql: str) -> bool:
    """The UPDATE that records a run's outcome (only `finish_run` sets duration_ms)."""
    return sql.lstrip().startswith("UPDATE schedule_runs") and "duration_ms" in sql


async def test_a_connection_lost_while_recording_a_run_neither_loses_nor_repeats_it(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    await standup(emulator, bot)
    with DatabaseOutage(bot.store, from_statement=_finishing_a_run) as outage:
        await clock.advance(hours=2)  # 14:00: the post lands, then its outcome cannot be written
        await outage.wait_refused()
        await bot.engine.settle()
        assert [m.text for m in bot_posts(emulator, "general")] == ["Standup"]
    # Back: the engine writes the outcome late, or reclaims the run when its
    # lease ends and retries it; either way the post is not sent again.
    await clock.advance(minutes=1)
    await settle(bot)
    assert [m.text for m in bot_posts(emulator, "general")] == ["Standup"]
    chain = [run for run, _ in reversed(await bot.store.list_runs(team_id=emulator.team.id))]
    assert chain[-1].status == "succeeded"
    assert all(r.status in FINAL_STATUSES for r in chain)  # nothing left running or pending


# -- a real Postgres outage ---------------------------------------------------------------


@pytest.mark.postgres
async def test_postgres_going_down_and_up_again(
    emulator: SlackEmulator,
    tmp_path: Path,
    clock: VirtualClock,
    http: aiohttp.ClientSession,
    pg_url: str,
):
    settings = bot_settings(emulator, tmp_path, database_url=pg_url)
    async with running_bot(settings, clock=clock) as bot:
        clock.on_wake = bot.engine.settle
        await standup(emulator, bot)
        await clock.advance(hours=1, minutes=59)
        async with postgres_down(pg_url):
            assert (await ready(http, bot))[0] == 503
            answer = await reply_to(emulator, await mention(emulator, bot, "list"))
            assert answer.text == DATABASE_DOWN.text
            await clock.advance(minutes=2)  # 14:00 fell due; the engine keeps trying
            assert bot.engine.alive
        await clock.advance(seconds=30)
        await settle(bot)
        assert (await ready(http, bot))[0] == 200
        assert [m.text for m in bot_posts(emulator, "general")] == ["Standup"]
