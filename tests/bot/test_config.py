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


def test_the_log_format_and_retention_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("TOCK_LOG_FORMAT", "TOCK_RETENTION_DAYS"):
        monkeypatch.delenv(key, raising=False)
    default = settings(monkeypatch)
    assert (default.log_format, default.retention_days) == ("keyvalue", 90)
    chosen = settings(monkeypatch, TOCK_LOG_FORMAT=" JSON ", TOCK_RETENTION_DAYS="30")
    assert (chosen.log_format, chosen.retention_days) == ("json", 30)
    for key, bad in (("TOCK_LOG_FORMAT", "xml"), ("TOCK_RETENTION_DAYS", "0")):
        with pytest.raises(ValueError, match=key):
            settings(monkeypatch, **{key: bad})
        monkeypatch.delenv(key)


def test_run_concurrency_and_the_post_cap_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("TOCK_MAX_CONCURRENT_RUNS", "TOCK_SLACK_POSTS_PER_S"):
        monkeypatch.delenv(key, raising=False)
    default = settings(monkeypatch)
    assert (default.max_concurrent_runs, default.slack_posts_per_s) == (200, 50.0)
    chosen = settings(monkeypatch, TOCK_MAX_CONCURRENT_RUNS="500", TOCK_SLACK_POSTS_PER_S="120")
    assert (chosen.max_concurrent_runs, chosen.slack_posts_per_s) == (500, 120.0)
    for key in ("TOCK_MAX_CONCURRENT_RUNS", "TOCK_SLACK_POSTS_PER_S"):
        with pytest.raises(ValueError, match=key):
            settings(monkeypatch, **{key: "0"})
        monkeypatch.delenv(key)
