"""What `tock doctor` says about the setup hook and the schedules file."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot import doctor
from bot.config import Settings
from bot.emulator import SlackEmulator
from bot.setup.checkup import check_operator
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.bot.harness import bot_settings
from tests.bot.setup.support import REVIEW, STANDUP, from_file, sync

ROOT = Path(__file__).parents[3]


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples/ importable; no ./schedules.yml here
    monkeypatch.setattr(sys, "path", list(sys.path))


def settings(tmp_path: Path, **values: object) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}"
    return Settings(_env_file=None, database_url=url, **values)  # type: ignore[call-arg]


def lines(findings: list) -> list[tuple[str, str]]:
    return [(f.level, f.text) for f in findings]


async def test_nothing_set_up_is_fine(tmp_path: Path) -> None:
    assert lines(await check_operator(settings(tmp_path))) == [
        ("ok", "setup hook: none (TOCK_APP is not set)"),
        ("ok", "schedules file: none (no TOCK_SCHEDULES_FILE, no ./schedules.yml)"),
    ]


async def test_the_examples_load_and_are_valid(tmp_path: Path) -> None:
    found = await check_operator(
        settings(
            tmp_path,
            tock_app="examples.tock_setup",
            schedules_file=ROOT / "examples" / "schedules.yml",
        )
    )
    assert lines(found) == [
        ("ok", "setup hook examples.tock_setup: loads; 1 workflow, 1 job kind, 2 schedules"),
        ("ok", f"{ROOT / 'examples' / 'schedules.yml'}: valid, 4 entries"),
    ]


async def test_each_problem_is_a_line(tmp_path: Path) -> None:
    file = tmp_path / "schedules.yml"
    file.write_text(
        "schedules:\n"
        "  - {name: a, when: at 4 every day, channel: C0ENG, text: x}\n"
        "  - {name: b, cron: '0 9 * * *', action: workflow, workflow: nope, channel: C0ENG}\n"
    )
    found = lines(
        await check_operator(settings(tmp_path, tock_app="nope_nope", schedules_file=file))
    )
    assert found[0][0] == "fail" and "there is no module named 'nope_nope'" in found[0][1]
    assert found[1] == ("note", f"{file}: not checked further, the setup hook fails")

    found = lines(await check_operator(settings(tmp_path, schedules_file=file)))
    assert [level for level, _ in found] == ["ok", "fail", "fail"]
    assert found[1][1].startswith(f"{file} entry 1 (a), `when`:")
    assert "there is no workflow 'nope'" in found[2][1]


async def test_what_was_removed_from_the_file_is_listed(
    tmp_path: Path, clock: VirtualClock
) -> None:
    file = tmp_path / "schedules.yml"
    file.write_text("schedules:\n  - {name: standup, cron: '0 9 * * *', channel: C0ENG, text: x}\n")
    config = settings(tmp_path, schedules_file=file)
    store = await Store.open(config.database_url)
    try:
        await sync(store, clock, from_file(STANDUP, REVIEW, REVIEW | {"name": "gone"}))
        await sync(store, clock, from_file(STANDUP, REVIEW))  # "gone" retired
    finally:
        await store.close()
    found = lines(await check_operator(config))
    assert found[-2:] == [
        (
            "note",
            "removed from the schedules file, paused: gone (T0TEAM) (an admin may delete them)",
        ),
        ("note", f"no longer in {file}, paused at the next sync: review (T0TEAM)"),
    ]


async def test_doctor_prints_them_and_fails_on_a_broken_hook(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    await (await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}")).close()
    out = io.StringIO()
    code = await doctor.main(bot_settings(emulator, tmp_path, tock_app="examples.tock_setup"), out)
    assert code == 0, out.getvalue()
    assert "✓ setup hook examples.tock_setup: loads; 1 workflow, 1 job kind, 2 schedules" in (
        out.getvalue()
    )
    out = io.StringIO()
    assert await doctor.main(bot_settings(emulator, tmp_path, tock_app="nope_nope"), out) == 1
    assert "✗ setup hook: TOCK_APP=nope_nope: there is no module named" in out.getvalue()
