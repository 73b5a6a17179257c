"""`tock schedules sync` and `tock workflows list|run`, through the command line, offline."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from bot.cli import main
from scheduler.store import Store

ROOT = Path(__file__).parents[3]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An operator's directory: the examples, no Slack, a SQLite file, TOCK_APP set."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("SLACK_BOT_TOKEN", "OPENAI_API_KEY", "TOCK_SCHEDULES_FILE", "TOCK_TEAM_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOCK_APP", "examples.tock_setup")
    monkeypatch.setenv("TOCK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}")
    monkeypatch.setenv("ONCALL_ROTATION", "U0ALICE,U0BOB")
    monkeypatch.setenv("TOCK_HEARTBEAT_FILE", str(tmp_path / "beat"))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_workflows_list_is_one_per_line_name_first(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "workflows", "list")
    assert code == 0
    rows = [line.split()[:2] for line in out.splitlines()]
    assert rows == [
        ["channel-digest", "built-in"],
        ["draft-and-review", "built-in"],
        ["heartbeat", "built-in"],
        ["oncall-handoff", "setup"],
    ]
    assert "pick this week's on-call person" in out.splitlines()[3]


def test_a_workflow_runs_offline_prints_its_steps_and_is_recorded(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "workflows", "run", "draft-and-review", "--input", "ship it")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "workflow draft-and-review: run 1 of draft-and-review-local "
        "(not posted: no Slack configured)"
    )
    steps = [line.split()[1] for line in lines[1:-2]]
    assert steps == [
        "draft_review",
        "draft_review/1/draft",
        "draft_review/1/review",
        "draft_review/2/draft",
        "draft_review/2/review",
        "post",
    ]
    assert all(line.lstrip().startswith("✓") for line in lines[1:-2])
    assert lines[-2:] == ["output:", "Ship it."]

    code, out, _ = run(capsys, "runs", "--json")
    assert code == 0 and '"status": "succeeded"' in out and '"trigger": "manual"' in out


def test_the_setup_hooks_workflow_runs_too(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "workflows", "run", "oncall-handoff")
    assert code == 0
    assert "  ✓ pick" in out and "  ✓ announce" in out
    assert out.rstrip().endswith(
        "is on call, taking over from <@U0ALICE>."
    ) or out.rstrip().endswith("is on call, taking over from <@U0BOB>.")


def test_a_failing_workflow_says_which_step_and_exits_1(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / "failing_setup.py").write_text(
        "from scheduler.workflow import Step, StepOutput, Workflow\n"
        "async def fine(step):\n"
        "    return StepOutput(text='fine')\n"
        "async def boom(step):\n"
        "    raise RuntimeError('the API said no')\n"
        "def setup(tock):\n"
        "    steps = [Step('fine', fn=fine), Step('boom', fn=boom)]\n"
        "    tock.workflow(Workflow('flaky', steps=steps))\n"
    )
    monkeypatch.setenv("TOCK_APP", "failing_setup")
    code, out, _ = run(capsys, "workflows", "run", "flaky")
    assert code == 1
    assert "  ✓ fine" in out and "  ✗ boom" in out and "RuntimeError: the API said no" in out
    assert out.splitlines()[-1].startswith("failed: ")
    assert "boom" in out.splitlines()[-1]


def test_bad_workflow_commands_are_one_line(here: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "workflows", "run", "nope")
    assert (code, out) == (2, "")
    assert err.startswith("tock: there is no workflow named 'nope' (registered: channel-digest")
    code, _, err = run(capsys, "workflows", "run", "heartbeat", "--channel", "#eng")
    assert code == 2 and "--channel: I can't look up the channel name '#eng'" in err


def test_schedules_sync_prints_what_it_did(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = here / "examples" / "schedules.yml"
    code, _, err = run(capsys, "schedules", "sync", "--file", str(file))
    assert code == 2
    assert err.startswith("tock: declared schedules need a Slack workspace: set TOCK_TEAM_ID")

    monkeypatch.setenv("TOCK_TEAM_ID", "T0TEAM")
    code, out, _ = run(capsys, "schedules", "sync", "--file", str(file))
    assert code == 0
    assert out.splitlines() == [
        f"{file}: 6 added, 0 updated, 0 unchanged, 0 paused (removed from the file)",
        "  added: oncall-handoff, heartbeat-file, standup, support-digest, weekly-review, invoices",
    ]

    trimmed = file.read_text().split("  - name: weekly-review")[0]
    file.write_text(trimmed.replace("9:30am", "9:45am"))
    code, out, _ = run(capsys, "schedules", "sync", "--file", str(file))
    assert code == 0
    assert out.splitlines()[1:] == [
        "  updated: standup",
        "  paused: invoices, weekly-review",  # by name
        "  unchanged: oncall-handoff, heartbeat-file, support-digest",
    ]


def test_schedules_sync_needs_a_file_and_refuses_a_bad_one_whole(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCK_TEAM_ID", "T0TEAM")
    code, _, err = run(capsys, "schedules", "sync")
    assert code == 2 and "no schedules file: pass --file" in err

    (here / "schedules.yml").write_text(
        "schedules:\n"
        "  - {name: ok, cron: '0 9 * * *', channel: C0ENG, text: hi}\n"
        "  - {name: bad, when: every day at 9, channel: C0ENG, action: workflow, workflow: x}\n"
    )
    code, _, err = run(capsys, "schedules", "sync")  # ./schedules.yml, the default
    assert code == 2
    assert err.startswith("tock: schedules.yml entry 2 (bad), `workflow`: there is no workflow 'x'")


def test_nothing_is_written_by_a_refused_sync(here: Path) -> None:
    (here / "schedules.yml").write_text("schedules:\n  - {name: bad, cron: '0 9 * * *'}\n")
    url = f"sqlite+aiosqlite:///{here / 'other.db'}"
    assert main(["schedules", "sync", "--db", url]) == 2

    async def stored() -> list[object]:
        store = await Store.open(url)
        try:
            return list(await store.list_schedules(None))
        finally:
            await store.close()

    assert asyncio.run(stored()) == []
