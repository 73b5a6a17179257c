"""Split roles (`tock run --no-slack` / `--no-scheduler`, bot.runtime): what each one runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.emulator import SlackEmulator
from bot.runtime import running_bot
from scheduler.clock import VirtualClock
from tests.bot.harness import bot_posts, bot_settings, idle, settle, slash_answer
from tests.bot.test_runtime import ROOT, free_port, tock_run


async def test_split_roles_a_listener_and_an_engine_share_one_database(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, http: aiohttp.ClientSession
):
    settings = bot_settings(emulator, tmp_path)
    async with (
        running_bot(settings, clock=clock, scheduler=False) as listener,
        running_bot(settings, clock=clock, slack=False) as engine_only,
    ):
        assert listener.scheduler is None and engine_only.slack_app is None
        with pytest.raises(RuntimeError, match="no scheduler"):
            _ = listener.engine
        async with http.get(f"{listener.url}/readyz") as response:
            assert response.status == 200  # no engine to wait for: not a failure
            assert await response.json() == {"ok": True, "engine": None, "database": True}
        async with http.get(f"{engine_only.url}/readyz") as response:
            assert response.status == 200 and (await response.json())["engine"] is True
        no_listener = await emulator.send_command(
            engine_only.events_url, text="help", user="alice", channel="general"
        )
        assert no_listener.status == 404

        answer = await slash_answer(emulator, listener, 'every day at 9am "Standup" in #general')
        assert "Standup" in str(answer)
        await clock.advance(hours=2)  # 09:00 in New York, alice's zone
        await settle(engine_only)
        await idle(listener)
        assert [m.text for m in bot_posts(emulator, "general")] == ["Standup"]


async def test_a_listener_without_an_engine_leaves_run_now_to_another_replica(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
):
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock, scheduler=False) as bot:
        await slash_answer(emulator, bot, 'every day at 9am "Standup" in #general')
        [schedule] = await bot.store.list_schedules(emulator.team.id)
        await slash_answer(emulator, bot, f"run {schedule.name}")
        [(run, _)] = await bot.store.list_runs(schedule_id=schedule.id)
        assert (run.trigger, run.status) == ("manual", "pending")  # recorded, not fired here
        assert bot_posts(emulator, "general") == []


def tock(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`tock ARGV` in a clean environment (no Slack, OpenAI or Tock settings but `env`)."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        env=clean | env | {"PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "env", "needed", "not_needed"),
    [
        (["--no-slack"], {}, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
        (["--no-scheduler"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET", "BOT_TOKEN"),
    ],
)
def test_each_role_asks_only_for_the_settings_it_needs(
    tmp_path: Path, argv: list[str], env: dict[str, str], needed: str, not_needed: str
):
    done = tock(tmp_path, "run", *argv, **env)
    assert done.returncode == 2 and needed in done.stderr and not_needed not in done.stderr


def test_no_slack_and_no_scheduler_exclude_each_other(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "--no-slack", "--no-scheduler"]) == 2  # refused before reading settings
    out, err = capsys.readouterr()
    assert out == "" and "exclude each other" in err and err.count("\n") == 1


async def test_tock_run_no_slack_needs_only_the_bot_token_and_serves_health(
    emulator: SlackEmulator, tmp_path: Path, http: aiohttp.ClientSession
):
    port = free_port()
    child = await tock_run(emulator, tmp_path, port, "--no-slack")  # no secret, no app token
    assert child.stderr is not None
    try:
        async with asyncio.timeout(30):
            while b"tock is running (scheduler only" not in await child.stderr.readline():
                pass
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            assert response.status == 200 and (await response.json())["engine"] is True
        async with http.post(f"http://127.0.0.1:{port}/slack/events") as response:
            assert response.status == 404
    finally:
        child.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            rest = await child.stderr.read()
            code = await child.wait()
    assert code == 0, rest.decode()
    assert b"Traceback" not in rest
