"""`tock doctor` against the emulator, a fake LLM, and things that are wrong."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path
from typing import Any

from bot import doctor
from bot.config import Settings
from bot.emulator import SlackEmulator
from scheduler.store import Store
from tests.bot.harness import bot_settings
from tests.fakes.llm import FakeOpenAI, content

MANIFEST = Path(__file__).parents[2] / "manifest.yml"


async def run(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await doctor.main(settings, out=out)
    return code, out.getvalue()


async def migrated(settings: Settings) -> Settings:
    await (await Store.open(settings.database_url)).close()
    return settings


def test_the_required_scopes_are_exactly_the_manifests():
    text = MANIFEST.read_text()
    bot_scopes = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    assert set(re.findall(r"^\s+- (\S+)$", bot_scopes, re.M)) == doctor.REQUIRED_SCOPES


def test_missing_scopes_are_named():
    assert doctor.missing_scopes(None) is None
    assert doctor.missing_scopes(", ".join(sorted(doctor.REQUIRED_SCOPES))) == []
    assert doctor.missing_scopes("chat:write,commands") == sorted(
        doctor.REQUIRED_SCOPES - {"chat:write", "commands"}
    )


async def test_a_working_setup_passes(emulator: SlackEmulator, tmp_path: Path):
    code, text = await run(await migrated(bot_settings(emulator, tmp_path)))
    assert code == 0, text
    assert "✓ bot token: @tock" in text
    assert "✓ database" in text and "newest migration" in text
    assert "! OPENAI_API_KEY is not set" in text
    assert "All good." in text


async def test_socket_mode_checks_the_app_token(emulator: SlackEmulator, tmp_path: Path):
    good = bot_settings(emulator, tmp_path, slack_app_token=emulator.app_token)
    assert "✓ Socket Mode" in (await run(good))[1]
    bad = bot_settings(emulator, tmp_path, slack_app_token="xapp-wrong")
    code, text = await run(bad)
    assert code == 1 and "✗ Socket Mode refused the app token (invalid_auth)" in text


async def test_what_is_missing_is_said_exactly(emulator: SlackEmulator, tmp_path: Path):
    settings = bot_settings(emulator, tmp_path, slack_bot_token=None, slack_signing_secret=None)
    code, text = await run(settings)
    assert code == 1
    assert "✗ SLACK_BOT_TOKEN is not set" in text
    assert "✗ neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET" in text
    assert "! database" in text and "created at start" in text  # a note, not a failure


async def test_a_revoked_token_is_reported(emulator: SlackEmulator, tmp_path: Path):
    code, text = await run(bot_settings(emulator, tmp_path, slack_bot_token="xoxb-revoked"))
    assert code == 1 and "✗ auth.test refused the bot token (invalid_auth)" in text


async def test_the_llm_endpoint_is_checked_when_configured(emulator: SlackEmulator, tmp_path: Path):
    async with FakeOpenAI() as fake:
        fake.script(content("pong"))  # the fake has no model list: one tiny call instead
        settings: dict[str, Any] = {"openai_api_key": "k", "openai_base_url": fake.base_url}
        code, text = await run(await migrated(bot_settings(emulator, tmp_path, **settings)))
        assert code == 0, text
        assert "✓ LLM at" in text
        assert fake.requests[0]["max_tokens"] == 1

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = {"openai_api_key": "k", "openai_base_url": f"http://127.0.0.1:{port}/v1"}
    code, text = await run(bot_settings(emulator, tmp_path, **unreachable))
    assert code == 1 and "✗ the LLM at" in text and "unreachable" in text
