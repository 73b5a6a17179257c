"""The operator's setup in the running bot: examples/ loaded via TOCK_APP, fired, protected.

The bot runs against the emulator on a VirtualClock from Monday 2026-01-05
08:00 UTC (09:00 in Berlin), with examples/tock_setup.py as TOCK_APP and
examples/schedules.yml as the schedules file; the channels the examples name
exist in the emulator under those ids.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.emulator import SlackEmulator
from bot.runtime import Bot, running_bot
from bot.setup.errors import SetupError
from bot.slack.ids import PAUSE
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.bot.harness import all_text, bot_posts, bot_settings, idle, settle, slash_answer

ROOT = Path(__file__).parents[3]
EXAMPLES = ROOT / "examples"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Berlin


@pytest.fixture
def beat_file(tmp_path: Path) -> Path:
    return tmp_path / "heartbeat"


@pytest.fixture
def settings(
    emulator: SlackEmulator, tmp_path: Path, beat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    people = [emulator.user("alice").id, emulator.user("bob").id]
    for channel in ("C0123ONCALL", "C0123ENG"):
        emulator.add_channel(channel.lower(), members=people, channel_id=channel)
    monkeypatch.setenv("ONCALL_ROTATION", ",".join(people))
    monkeypatch.setenv("TOCK_HEARTBEAT_FILE", str(beat_file))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the loader adds the current directory
    monkeypatch.chdir(ROOT)  # examples/ is imported from here, as an operator's package
    return bot_settings(
        emulator,
        tmp_path,
        tock_app="examples.tock_setup",
        schedules_file=EXAMPLES / "schedules.yml",
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=VirtualClock(START)) as running:
        yield running


async def declared(bot: Bot, emulator: SlackEmulator) -> dict[str, Any]:
    return {s.name: s for s in await bot.store.list_schedules(emulator.team.id)}


async def test_the_hooks_schedules_and_job_kinds_fire(
    bot: Bot, emulator: SlackEmulator, beat_file: Path
) -> None:
    schedules = await declared(bot, emulator)  # the team is the bot token's (auth.test)
    assert sorted(schedules) == [
        "heartbeat-file",
        "invoices",
        "oncall-handoff",
        "standup",
        "support-digest",
        "weekly-review",
    ]
    assert {s.source for s in schedules.values()} == {"startup"}
    assert schedules["oncall-handoff"].created_by == "setup"
    assert schedules["standup"].created_by == "schedules.yml"
    clock = bot.engine.clock
    assert isinstance(clock, VirtualClock)

    await clock.advance(minutes=5)
    await settle(bot)
    beat = await asyncio.to_thread(beat_file.read_text, encoding="utf-8")
    assert beat == "2026-01-05T08:05:00+00:00\n"

    await clock.advance(minutes=25)  # 09:30 in Berlin, a Monday
    await settle(bot)
    alice, bob = emulator.user("alice").id, emulator.user("bob").id
    [handoff] = bot_posts(emulator, "C0123ONCALL")
    assert handoff.text == (f":pager: Week 2: <@{alice}> is on call, taking over from <@{bob}>.")
    [standup] = bot_posts(emulator, "C0123ENG")
    assert standup.text == "Standup in 5 minutes :coffee:"
    runs = await bot.store.list_runs(team_id=emulator.team.id, status="succeeded", limit=50)
    assert {name for _, name in runs} == {"heartbeat-file", "oncall-handoff", "standup"}


async def test_a_restart_syncs_again_without_duplicating(
    settings: Settings, emulator: SlackEmulator
) -> None:
    async with running_bot(settings, clock=VirtualClock(START)) as first:
        before = {s.name: s.version for s in await first.store.list_schedules(None)}
    async with running_bot(settings, clock=VirtualClock(START)) as again:
        after = {s.name: s.version for s in await again.store.list_schedules(None)}
    assert after == before and len(after) == 7  # six declared, and Tock's maintenance


async def test_tock_cannot_edit_or_delete_what_the_operator_declared(
    bot: Bot, emulator: SlackEmulator
) -> None:
    edit = all_text_of(await slash_answer(emulator, bot, "edit standup 10am"))
    assert "declared by the operator in schedules.yml, so it can't be changed here" in edit
    assert "tock schedules sync" in edit
    delete = all_text_of(await slash_answer(emulator, bot, "delete standup"))
    assert "so it can't be deleted here" in delete
    by_bob = all_text_of(await slash_answer(emulator, bot, "pause standup", user="bob"))
    assert "only an admin can pause" in by_bob

    shown = await slash_answer(emulator, bot, "show standup")  # alice is an admin
    buttons = [
        e["action_id"] for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "tock_delete" not in " ".join(buttons) and PAUSE in buttons
    assert "Declared by the operator in schedules.yml" in all_text_of(shown)

    await click_as(emulator, bot, "bob", PAUSE, "standup")
    assert "only an admin can pause" in str(emulator.responses[-1].body)
    paused = all_text_of(await slash_answer(emulator, bot, "pause standup"))
    assert "Paused" in paused
    assert (await declared(bot, emulator))["standup"].enabled is False


async def test_an_admins_pause_survives_a_restart(settings: Settings, emulator: SlackEmulator):
    async with running_bot(settings, clock=VirtualClock(START)) as bot:
        assert "Paused" in all_text_of(await slash_answer(emulator, bot, "pause standup"))
    async with running_bot(settings, clock=VirtualClock(START)) as bot:
        assert (await declared(bot, emulator))["standup"].enabled is False


async def test_a_bad_setup_stops_the_bot_before_anything_is_written(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    bad = tmp_path / "schedules.yml"
    bad.write_text("schedules:\n  - {name: a, when: every day at 9am, text: hi}\n", "utf-8")
    settings = bot_settings(emulator, tmp_path, schedules_file=bad)
    with pytest.raises(SetupError) as raised:
        async with running_bot(settings, clock=VirtualClock(START)):
            pytest.fail("the bot started")
    [problem] = raised.value.problems
    assert problem == f"{bad} entry 1 (a), `channel`: " + (
        "a message schedule needs a channel (or a user id) to post in"
    )
    store = await Store.open(settings.database_url)
    try:
        assert [s.team_id for s in await store.list_schedules(None)] == ["_tock"]  # maintenance
    finally:
        await store.close()


async def test_tock_run_prints_each_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "schedules.yml"
    bad.write_text(
        "schedules:\n"
        "  - {name: A B, cron: '0 9 * * *'}\n"
        "  - {name: c, cron: '0 9 * * *', chanel: C1}\n",
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))}
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-not-used",
        "SLACK_SIGNING_SECRET": "not-used",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never reached: the setup fails first
        "TOCK_TEAM_ID": "T0TEAM",
        "TOCK_PORT": "0",
        "TOCK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "PYTHONPATH": str(ROOT),
    }
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.cli", "run"),
        env=env,
        cwd=tmp_path,  # ./schedules.yml, the default file
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        _, err = await child.communicate()
    lines = [line for line in err.decode().splitlines() if line.startswith("tock: ")]
    assert child.returncode == 2
    assert b"Traceback" not in err
    assert len(lines) == 2, err.decode()
    assert lines[0].startswith("tock: schedules.yml entry 1 (A B), `name`: use lower-case")
    assert lines[1].startswith("tock: schedules.yml entry 2 (c): unknown field `chanel`")


def all_text_of(body: dict[str, Any]) -> str:
    class Shown:
        text = body.get("text", "")
        blocks = body.get("blocks")

    return all_text(Shown())


async def click_as(
    emulator: SlackEmulator, bot: Bot, user: str, action_id: str, value: str
) -> None:
    payload = emulator.action_payload(
        user=user, channel="general", action_id=action_id, value=value
    )
    assert (await emulator.send_action(bot.events_url, payload)).status == 200
    await idle(bot)
