"""`tock run` (bot.runtime.serve): starts, serves, stops on SIGTERM; dies loudly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import SlackEmulator
from bot.runtime import _until_stopped, running_bot
from scheduler.clock import VirtualClock
from tests.bot.harness import bot_settings

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_tock_run_serves_slack_and_stops_cleanly_on_sigterm(
    emulator: SlackEmulator, tmp_path: Path, http: aiohttp.ClientSession
):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))}
    env |= {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": emulator.signing_secret,
        "SLACK_API_URL": emulator.api_url,
        "TOCK_HOST": "127.0.0.1",
        "TOCK_PORT": str(port),
        "TOCK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "PYTHONPATH": str(ROOT),
    }
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.cli", "run"),
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
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
