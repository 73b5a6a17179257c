"""`tock console --script`: in-process, and once through the real CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.console import run_console

SCRIPT = """\
# comments and blank lines are skipped

@tock every weekday at 9am post "Standup on {weekday}"
/tock list
#eng
/tock every day at 5pm "Wrap up" in #eng
/tock run wrap
:wait
/tock pause wrap
hello everyone
#nowhere
"""


def console_settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        openai_api_key=None,
    )


async def test_a_script_runs_line_by_line_and_prints_every_answer(tmp_path: Path):
    out = io.StringIO()
    code = await run_console(
        console_settings(tmp_path), SCRIPT.splitlines(), out=out, timezone="Europe/Berlin"
    )
    lines = out.getvalue().splitlines()
    assert code == 0
    assert lines[0].startswith("tock console: you are @you (Europe/Berlin) in #general")
    assert "comments" not in out.getvalue()
    text = out.getvalue()
    # The mention is answered in its thread, the channel shown by name.
    assert "[#general] tock (in thread): Scheduled" in text
    assert "Monday through Friday (Europe/Berlin) in #general" in text
    # Slash answers are ephemeral; #eng typed in a command became a channel link.
    assert "[#eng] tock (only you): Scheduled *wrap*." in text
    assert "(Europe/Berlin) in #eng" in text
    # Run-now posts into #eng; :wait makes sure it landed before the next line.
    ran, paused = (
        lines.index("[#eng] you: /tock run wrap"),
        lines.index("[#eng] you: /tock pause wrap"),
    )
    assert "[#eng] tock: Wrap up" in lines[ran:paused]
    assert "[#eng] tock (only you): Paused *wrap*." in text
    assert "(tock only hears @tock … and /tock …)" in text
    assert "no channel #nowhere; there are #general, #eng" in text


async def test_a_script_whose_post_never_comes_exits_1(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("bot.console.POST_TIMEOUT_S", 0.2)
    out = io.StringIO()
    code = await run_console(console_settings(tmp_path), [":wait"], out=out, timezone="UTC")
    assert code == 1
    assert "!! no scheduled post" in out.getvalue()


def test_the_cli_runs_a_script_in_a_subprocess(tmp_path: Path):
    script = tmp_path / "script.txt"
    script.write_text('/tock every day at 9am "Hello" in #general\n/tock list\n:quit\n@tock list\n')
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "OPENAI_", "TOCK_"))
    }
    env |= {"TZ": "America/New_York", "TOCK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--script", str(script)],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "(America/New_York)" in done.stdout
    assert done.stdout.count("Hello") >= 2  # created, then listed
    assert "@tock list" not in done.stdout  # nothing after :quit
    assert not (tmp_path / "tock-console.db").exists()  # TOCK_DATABASE_URL was used
