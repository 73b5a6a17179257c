"""`tock` commands: output shapes, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cron_next_prints_json_instants_with_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "cron",
        "next",
        "30 1 * * *",
        "--tz",
        "America/New_York",
        "--from",
        "2026-10-31T12:00:00+00:00",
        "--count",
        "3",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [
        "2026-11-01T01:30:00-04:00",  # once on the fall-back night, not twice
        "2026-11-02T01:30:00-05:00",
        "2026-11-03T01:30:00-05:00",
    ]


def test_cron_explain_speaks_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cron", "explain", "30 9 * * 1-5")
    assert code == 0 and out.strip() == "At 09:30 AM, Monday through Friday"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cron", "next", "61 * * * *"], "minute 61 is outside 0-59"),
        (["cron", "next", "* * * * * *"], "6-field cron"),
        (["cron", "next", "0 9 * * *", "--tz", "Mars/Base"], "unknown timezone"),
        (["cron", "next", "0 9 * * *", "--from", "yesterday"], "not an ISO-8601 instant"),
        (["cron", "next", "0 9 * * *", "--count", "0"], "--count must be between"),
        (["runs", "--since", "forever"], "not a duration"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_parse_prints_the_trigger_or_a_structured_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "parse",
        "every weekday at 9:30am",
        "--tz",
        "Europe/Berlin",
        "--now",
        "2026-11-25T12:00:00+00:00",
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["kind"] == "cron" and data["timezone"] == "Europe/Berlin"
    assert data["next_runs"][0] == "2026-11-26T09:30:00+01:00"
    code, out, _ = run(capsys, "parse", "every 10 seconds", "--json")
    assert code == 2 and set(json.loads(out)) == {"error", "hint"}


def test_schedules_and_runs_read_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    assert run(capsys, "db", "upgrade", "--db", url)[0] == 0
    code, out, _ = run(capsys, "schedules", "list", "--db", url, "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "runs", "--db", url, "--since", "7d")
    assert code == 0 and out.startswith("RUN")
