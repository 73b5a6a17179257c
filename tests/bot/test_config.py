"""bot.config: the environment is read in one place, and read right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, Settings

ROOT = Path(__file__).parents[2]


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key in ("TZ", "TOCK_CONSOLE_TZ", "TOCK_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_only_the_settings_read_the_environment() -> None:
    readers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "tools", "scheduler")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\bos\.(?:environ|getenv)\b|\bgetenv\(", path.read_text())
    ]
    assert readers == []


def test_the_default_database_is_defined_once() -> None:
    spelled = [
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "tools", "scheduler")
        for path in (ROOT / folder).rglob("*.py")
        if DEFAULT_DATABASE_URL in path.read_text()
    ]
    assert spelled == ["bot/config.py"]


def test_the_console_zone_comes_from_tock_console_tz_or_tz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings(monkeypatch).console_timezone is None
    assert settings(monkeypatch, TZ=":Europe/Berlin").console_timezone == "Europe/Berlin"
    chosen = settings(monkeypatch, TZ="Europe/Berlin", TOCK_CONSOLE_TZ="Asia/Tokyo")
    assert chosen.console_timezone == "Asia/Tokyo"


def test_the_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch).database_url == DEFAULT_DATABASE_URL
    url = "postgresql+asyncpg://tock@db/tock"
    assert settings(monkeypatch, TOCK_DATABASE_URL=url).database_url == url
