"""`tock run` (bot.runtime.serve): starts, serves, stops on SIGTERM; dies loudly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import runtime
from bot.emulator import SlackEmulator
from bot.runtime import _until_stopped, running_bot
from scheduler.clock import VirtualClock
from scheduler.maintenance import MAINTENANCE, SYSTEM_TEAM
from scheduler.records import Run, Schedule, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from tests.bot.harness import all_text, bot_settings, settle, slash_answer, virtual_clock

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def tock_run(
    emulator: SlackEmulator, tmp_path: Path, port: int, *args: str, **settings: str
) -> asyncio.subprocess.Process:
    """`tock run ARGS` in a child process against `emulator`, with only the bot token
    and these `settings` of Slack's, a SQLite database in `tmp_path`, on `port`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))}
    env |= {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_API_URL": emulator.api_url,
        "TOCK_HOST": "127.0.0.1",
        "TOCK_PORT": str(port),
        "TOCK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "PYTHONPATH": str(ROOT),
        **settings,
    }
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.cli", "run", *args),
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_tock_run_serves_slack_and_stops_cleanly_on_sigterm(
    emulator: SlackEmulator, tmp_path: Path, http: aiohttp.ClientSession
):
    port = free_port()
    child = await tock_run(emulator, tmp_path, port, SLACK_SIGNING_SECRET=emulator.signing_secret)
    assert child.stderr is not None
    try:
        async with asyncio.timeout(30):
            while b"tock is running" not in await child.stderr.readline():
                pass
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            assert response.status == 200
        url = f"http://127.0.0.1:{port}/slack/events"
        pushed = await emulator.send_command(url, text="help", user="alice", channel="general")
        assert pushed.status == 200
        if not pushed.body:  # acked empty (slow): the answer went to the response_url
            await emulator.wait_for_response(timeout=10)
        assert "Tock" in (pushed.body or str(emulator.responses[-1].body))
    finally:
        child.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            rest = await child.stderr.read()
            code = await child.wait()
    assert code == 0, rest.decode()
    assert b"tock stopped" in rest
    assert b"Traceback" not in rest


async def test_a_dead_engine_ends_the_wait_for_a_stop_signal(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
):
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as bot:

        async def broken() -> None:
            raise RuntimeError("a bug in the engine's loop")

        monkeypatch.setattr(bot.store, "due_times", broken)
        bot.engine.wake()
        assert await _until_stopped(asyncio.Event(), bot.engine) is True
        assert not bot.engine.alive
    # Leaving running_bot logged the engine's failure and still closed everything.


def test_serve_refuses_to_start_without_slack_settings(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env | {"PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr and "SLACK_SIGNING_SECRET" in done.stderr


async def test_the_bot_registers_daily_maintenance_with_tock_retention_days(
    emulator: SlackEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TOCK_RETENTION_DAYS", "14")
    settings = bot_settings(emulator, tmp_path)
    assert settings.retention_days == 14
    clock = virtual_clock()
    store = await Store.open(settings.database_url)  # history from before this start
    try:
        spec = ScheduleSpec("T0", "yearly", CronTrigger("0 0 1 1 *", "UTC"), "message")
        yearly = await store.create_schedule(spec, clock.now())
        old = await _finished_run(store, yearly, clock.now() - timedelta(days=15))
        recent = await _finished_run(store, yearly, clock.now() - timedelta(days=13))
    finally:
        await store.close()
    async with running_bot(settings, clock=clock) as bot:
        [schedule] = await bot.store.list_schedules(SYSTEM_TEAM)
        assert (schedule.name, schedule.action) == (MAINTENANCE, {"retention_days": 14})
        await clock.advance(hours=15, minutes=17)  # Tuesday 03:17 UTC
        await settle(bot)
        [(run, _)] = await bot.store.list_runs(team_id=SYSTEM_TEAM)
        assert (run.status, run.trigger) == ("succeeded", "schedule")
        assert run.output == "pruned 1 runs and 0 steps finished before 2025-12-23 03:17 UTC"
        left = {r.id for r, _ in await bot.store.list_runs(team_id="T0")}
        assert left == {recent.id} and old.id not in left
    monkeypatch.setenv("TOCK_RETENTION_DAYS", "30")
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as bot:
        [schedule] = await bot.store.list_schedules(SYSTEM_TEAM)  # restarted: still one
        assert schedule.action == {"retention_days": 30}  # with the new retention


async def _finished_run(store: Store, schedule: Schedule, at: datetime) -> Run:
    """A run of `schedule` that another replica ran at `at`."""
    await store.add_manual_run(schedule, at)
    [item] = await store.claim_runs("elsewhere", at, timedelta(minutes=1), 1)
    assert await store.finish_run(item.run, "elsewhere", at, "succeeded")
    return item.run


async def test_tocks_own_schedule_is_not_shown_to_anyone_in_slack(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
):
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as bot:
        assert len(await bot.store.list_schedules(SYSTEM_TEAM)) == 1
        listed = all_text(_Body(await slash_answer(emulator, bot, "list all", user="alice")))
        assert MAINTENANCE not in listed
        alice = emulator.user("alice").id
        event = {"type": "app_home_opened", "user": alice, "channel": "D0HOME", "tab": "home"}
        assert (await emulator.send_event(bot.events_url, event)).status == 200
        home = all_text(_Body(await emulator.wait_for_home("alice")))
        assert MAINTENANCE not in home
        answer = await slash_answer(emulator, bot, f"pause {MAINTENANCE}", user="alice")
        assert "there is no schedule named 'maintenance'" in all_text(_Body(answer))
        [schedule] = await bot.store.list_schedules(SYSTEM_TEAM)
        assert schedule.enabled  # alice (an admin) cannot reach it from her workspace


async def test_run_concurrency_and_the_post_cap_come_from_the_settings(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
):
    settings = bot_settings(emulator, tmp_path, max_concurrent_runs=7, slack_posts_per_s=12.0)
    async with running_bot(settings, clock=clock) as bot:
        assert bot.engine.config.max_concurrency == 7
        assert bot.sender.workspace_rate == 12.0


class _Body:
    def __init__(self, body: dict[str, Any]) -> None:
        self.text = body.get("text", "")
        self.blocks = body.get("blocks")


async def test_a_slack_call_slower_than_the_client_timeout_gives_up_at_that_timeout(
    emulator: SlackEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # slack_sdk ignores its `timeout` when handed a session; the session must carry it,
    # or a hung call holds its run (and the channel's posts behind it) for aiohttp's 5 min.
    monkeypatch.setattr(runtime, "SLACK_HTTP_TIMEOUT_S", 0.5)
    emulator.inject_fault("users.info", error=None, delay=2.0)
    async with running_bot(bot_settings(emulator, tmp_path), clock=virtual_clock()) as bot:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await bot.deps.client.users_info(user=emulator.user("alice").id)
        assert time.monotonic() - started < 1.5
