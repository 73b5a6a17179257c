"""`tock` commands: output shapes, and one-line errors with exit code 2."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from scheduler.clock import SystemClock
from scheduler.records import Run, ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger


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


def test_an_unreachable_database_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not bad input (2): the operator's command was fine, the database is down."""
    closed_port = "postgresql+asyncpg://postgres@127.0.0.1:1/test"
    code, out, err = run(capsys, "schedules", "list", "--db", closed_port)
    assert code == 1 and out == ""
    assert "database unavailable" in err and err.count("\n") == 1 and "Traceback" not in err


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


# -- tock runs, on every backend ------------------------------------------------
# The CLI runs its own event loop (asyncio.run), so the tests call it in a
# thread; the store fixture seeds the same database it then reads.

LINK = "https://acme.slack.com/archives/C1/p1767614400000100"
LEASE = timedelta(seconds=30)


@dataclass
class Seeded:
    first: Run  # a workflow run that failed, then succeeded on its retry
    retry: Run
    digest: Run  # another schedule's run, succeeded three days ago


async def seed(store: Store) -> Seeded:
    now = SystemClock().now()  # the CLI filters by the real now
    flow = ScheduleSpec("T1", "nightly", CronTrigger("0 0 1 1 *", "UTC"), "workflow")
    await store.create_schedule(flow, now - timedelta(days=4))
    first = await claim(store, "nightly", now - timedelta(hours=1))
    step = await store.start_step(first, "collect", first.due_at)
    await store.finish_step(step, first.due_at + timedelta(milliseconds=300), "succeeded")
    step = await store.start_step(first, "post", first.due_at)
    await store.finish_step(
        step, first.due_at + timedelta(seconds=1), "failed", error="ratelimited"
    )
    failed_at = first.due_at + timedelta(seconds=2)
    await store.finish_run(
        first, "w", failed_at, "failed", error="post: ratelimited", retry_at=failed_at
    )
    [item] = await store.claim_runs("w", failed_at, LEASE, 1)
    retry = item.run
    step = await store.start_step(retry, "post", failed_at)
    await store.finish_step(
        step, failed_at + timedelta(milliseconds=1200), "succeeded", summary=LINK
    )
    await store.finish_run(retry, "w", failed_at + timedelta(seconds=2), "succeeded", output=LINK)
    other = ScheduleSpec("T1", "digest", CronTrigger("0 9 * * *", "UTC"), "digest")
    await store.create_schedule(other, now - timedelta(days=4))
    digest = await claim(store, "digest", now - timedelta(days=3))
    await store.finish_run(digest, "w", digest.due_at, "succeeded", output="C1/1767614400.000100")
    return Seeded(first, retry, digest)


async def claim(store: Store, name: str, at: datetime) -> Run:
    await store.add_manual_run(await store.get_schedule("T1", name), at)
    [item] = await store.claim_runs("w", at, LEASE, 1)
    return item.run


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def test_runs_json_rows_carry_their_steps(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(store)
    code, out, _ = await cli(capsys, "runs", "--db", db_url, "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == [seeded.retry.id, seeded.first.id]
    assert rows[0]["schedule"] == "nightly" and rows[0]["output"] == LINK
    assert rows[0]["steps"] == [
        {"path": "post", "status": "succeeded", "attempt": 2, "duration_ms": 1200, "error": None}
    ]
    assert [(s["path"], s["status"], s["error"]) for s in rows[1]["steps"]] == [
        ("collect", "succeeded", None),
        ("post", "failed", "ratelimited"),
    ]
    code, out, _ = await cli(capsys, "runs", "--db", db_url, "--since", "7d", "--json")
    digest = json.loads(out)[-1]
    assert digest["id"] == seeded.digest.id and digest["steps"] == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--status", "failed"], ["first"]),
        (["--schedule", "nightly", "--since", "7d"], ["retry", "first"]),
        (["--schedule", "digest", "--since", "7d"], ["digest"]),
        (["--schedule", "digest"], []),  # its one run is older than the default 24h
        (["--schedule", "nightly", "--status", "succeeded"], ["retry"]),
        (["--since", "7d", "--limit", "1"], ["retry"]),
    ],
)
async def test_runs_filters_combine(
    store: Store,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    filters: list[str],
    expected: list[str],
) -> None:
    seeded = await seed(store)
    code, out, _ = await cli(capsys, "runs", "--db", db_url, *filters, "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [
        getattr(seeded, name).id for name in expected
    ]


async def test_runs_table_shows_durations_and_steps(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(store)
    code, out, _ = await cli(capsys, "runs", "--db", db_url, "--schedule", "nightly")
    header, _, newest, oldest = out.splitlines()
    assert code == 0 and header.split() == [
        "RUN", "SCHEDULE", "SLOT", "(UTC)", "TRIGGER", "STATUS", "TRY", "TOOK", "STEPS", "DETAIL"
    ]  # fmt: skip
    assert "succeeded" in newest and " 2.0s " in newest and LINK in newest
    assert "failed" in oldest and " 2.0s " in oldest and " 2 " in oldest  # two steps
    assert "post: ratelimited" in oldest


async def test_runs_show_tells_one_runs_whole_story(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(store)
    code, out, _ = await cli(capsys, "runs", "show", str(seeded.first.id), "--db", db_url)
    assert code == 0
    assert f"Run {seeded.first.id}: nightly (team T1, workflow)" in out
    assert "Status:    failed, attempt 1 of 2, took 2.0s" in out
    assert "Error:     post: ratelimited" in out and f"Permalink: {LINK}" in out
    attempts, steps = out.split("\nAttempts\n")[1].split("\nSteps\n")
    assert [line.split()[:4] for line in attempts.splitlines()[2:]] == [
        [str(seeded.first.id), "1", "manual", "failed"],
        [str(seeded.retry.id), "2", "retry", "succeeded"],
    ]
    assert [line.split()[:5] for line in steps.splitlines()[2:]] == [
        [str(seeded.first.id), "collect", "1", "succeeded", "0.3s"],
        [str(seeded.first.id), "post", "1", "failed", "1.0s"],
        [str(seeded.retry.id), "post", "2", "succeeded", "1.2s"],
    ]


async def test_runs_show_json_nests_steps_under_attempts(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(store)
    code, out, _ = await cli(
        capsys, "runs", "--db", db_url, "show", str(seeded.retry.id), "--json"
    )  # --db before `show` counts too
    story = json.loads(out)
    assert code == 0 and story["id"] == seeded.retry.id and story["permalink"] == LINK
    assert [(a["id"], [s["path"] for s in a["steps"]]) for a in story["attempts"]] == [
        (seeded.first.id, ["collect", "post"]),
        (seeded.retry.id, ["post"]),
    ]


async def test_a_permalink_is_only_a_link(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(store)  # the digest's output is channel/ts: Slack gave no link
    code, out, _ = await cli(capsys, "runs", "show", str(seeded.digest.id), "--db", db_url)
    assert code == 0 and "Permalink: -" in out and "Steps" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "show", "999999"], "no run with id 999999"),
        (["runs", "show", "abc"], "not a run id: 'abc'"),
        (["runs", "--status", "exploded"], "no run status 'exploded'"),
        (["runs", "--schedule", "nope"], "no schedule named 'nope'"),
    ],
)
async def test_runs_bad_input_is_one_line_and_exit_2(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = await cli(capsys, *argv, "--db", db_url)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
