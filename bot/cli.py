"""`tock`: the command line. Bad input gets one line on stderr and exit code 2;
an unreachable database one line and exit code 1."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.setup.errors import SetupError
from scheduler import cron
from scheduler.clock import SystemClock
from scheduler.errors import SchedulerError, StoreUnavailable

if TYPE_CHECKING:
    from bot.config import Settings


class UsageError(Exception):
    """Input the user can fix; printed as one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SetupError as exc:  # the operator's setup: one line per problem, no traceback
        for problem in exc.problems:
            print(f"tock: {problem}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:  # not the user's input: the database does not answer
        print(f"tock: {exc}", file=sys.stderr)
        return 1
    except (UsageError, SchedulerError, ValueError) as exc:
        print(f"tock: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tock", description="Tock: schedules from Slack, fired on time."
    )
    sub = p.add_subparsers(metavar="COMMAND")

    c = sub.add_parser("cron", help="cron helpers").add_subparsers(metavar="ACTION")
    nxt = c.add_parser("next", help="next fire times of a cron expression")
    nxt.add_argument("expr")
    nxt.add_argument("--tz", default="UTC")
    nxt.add_argument("--from", dest="start", help="ISO-8601 instant (default: now)")
    nxt.add_argument("--count", type=int, default=5)
    nxt.add_argument("--json", action="store_true")
    nxt.set_defaults(func=cmd_cron_next)
    exp = c.add_parser("explain", help="describe a cron expression in English")
    exp.add_argument("expr")
    exp.set_defaults(func=cmd_cron_explain)

    db = sub.add_parser("db", help="database").add_subparsers(metavar="ACTION")
    up = db.add_parser("upgrade", help="apply migrations")
    _db_arg(up)
    up.set_defaults(func=cmd_db_upgrade)

    sch = sub.add_parser("schedules", help="schedules").add_subparsers(metavar="ACTION")
    ls = sch.add_parser("list", help="list schedules")
    _db_arg(ls)
    ls.add_argument("--team")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_schedules_list)
    sync = sch.add_parser("sync", help="apply schedules.yml (and the setup hook's) now")
    _db_arg(sync)
    sync.add_argument("--file", type=Path, help="default: $TOCK_SCHEDULES_FILE or ./schedules.yml")
    sync.set_defaults(func=cmd_schedules_sync)

    wf = sub.add_parser("workflows", help="workflows").add_subparsers(metavar="ACTION")
    wf.add_parser("list", help="the workflows, one per line").set_defaults(func=cmd_workflows_list)
    wrun = wf.add_parser("run", help="run a workflow now (without Slack: print, not post)")
    wrun.add_argument("name")
    wrun.add_argument("--input", help="the workflow's input text")
    wrun.add_argument("--channel", help="where it posts (a channel or user id)")
    _db_arg(wrun)
    wrun.set_defaults(func=cmd_workflows_run)

    runs = sub.add_parser("runs", help="recent runs (newest first), or one run in full")
    _db_arg(runs)
    runs.add_argument("--since", default="24h", help="e.g. 30m, 24h, 7d")
    runs.add_argument("--status", help="pending, running, succeeded, failed, missed, ...")
    runs.add_argument("--schedule", metavar="NAME", help="only this schedule's runs")
    runs.add_argument("--limit", type=int, default=100)
    runs.add_argument("--json", action="store_true", help="one JSON array; rows carry steps")
    runs.set_defaults(func=cmd_runs)
    show = runs.add_subparsers(metavar="ACTION").add_parser(
        "show", help="one run: attempts, steps, error, output, Slack permalink"
    )
    show.add_argument("id", metavar="ID")
    # SUPPRESS: unset here must not overwrite what was given before `show`.
    show.add_argument("--db", default=argparse.SUPPRESS, help="database URL")
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    show.set_defaults(func=cmd_runs_show)

    parse = sub.add_parser("parse", help="turn what a person says into a schedule")
    parse.add_argument("text")
    parse.add_argument("--tz", default="UTC")
    parse.add_argument("--now", help="ISO-8601 instant (default: now)")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_parse)

    for name, func, text in (
        ("start", cmd_start, "the default: Slack when tokens are set, else the local console"),
        ("demo", cmd_demo, "run the scheduler alone with a demo schedule, printing runs"),
    ):
        sp = sub.add_parser(name, help=text)
        sp.set_defaults(func=func)
    run = sub.add_parser("run", help="run the bot against Slack (Socket Mode or HTTP)")
    run.add_argument(
        "--no-slack",
        action="store_true",
        help="the scheduler only: no Slack listener (still posts: needs SLACK_BOT_TOKEN)",
    )
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="the Slack listener only: another replica's scheduler fires the runs",
    )
    run.set_defaults(func=cmd_run)
    con = sub.add_parser("console", help="local Slack emulator + bot + a prompt")
    con.add_argument("--script", type=Path, help="run lines from FILE, then exit")
    con.set_defaults(func=cmd_console)
    doc = sub.add_parser("doctor", help="check tokens, scopes, database and LLM settings")
    doc.set_defaults(func=cmd_doctor)
    return p


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database URL (default: $TOCK_DATABASE_URL or ./tock.db)")


def _db_url(args: argparse.Namespace) -> str:
    return args.db or _settings().database_url


def _settings() -> Settings:
    """The settings (environment and `.env`), read where a command needs them."""
    from bot.config import Settings

    return Settings()


def _instant(text: str | None) -> datetime:
    if text is None:
        return SystemClock().now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"not an ISO-8601 instant: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(text: str) -> timedelta:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise UsageError(f"not a duration like 30m, 24h or 7d: {text!r}")
    return timedelta(**{units[unit]: int(number)})


def _run(coro_fn: Callable[[], Coroutine[Any, Any, int | None]]) -> int:
    return int(asyncio.run(coro_fn()) or 0)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=False)).rstrip() for r in lines
    )


# -- commands ---------------------------------------------------------------


def cmd_cron_next(args: argparse.Namespace) -> int:
    if args.count < 1 or args.count > 1000:
        raise UsageError("--count must be between 1 and 1000")
    from scheduler.triggers import CronTrigger, upcoming

    times = upcoming(CronTrigger(args.expr, args.tz), _instant(args.start), args.count)
    if args.json:
        print(json.dumps([t.isoformat() for t in times]))
    else:
        print("\n".join(f"{t:%a %Y-%m-%d %H:%M %Z}" for t in times))
    return 0


def cmd_cron_explain(args: argparse.Namespace) -> int:
    print(cron.describe(args.expr))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from scheduler.store import Store

    async def go() -> int:
        store = await Store.open(_db_url(args))
        await store.close()
        print("database is up to date")
        return 0

    return _run(go)


def cmd_schedules_list(args: argparse.Namespace) -> int:
    from scheduler.store import Store

    async def go() -> int:
        store = await Store.open(_db_url(args))
        try:
            schedules = await store.list_schedules(args.team, limit=10_000)
        finally:
            await store.close()
        if args.json:
            print(json.dumps([s.to_dict() for s in schedules]))
            return 0
        rows = [
            [
                s.team_id,
                s.name,
                s.trigger.describe(),
                s.status,
                s.next_run_at.isoformat(timespec="seconds") if s.next_run_at else "-",
            ]
            for s in schedules
        ]
        print(_table(rows, ["TEAM", "NAME", "WHEN", "STATUS", "NEXT RUN (UTC)"]))
        return 0

    return _run(go)


def cmd_runs(args: argparse.Namespace) -> int:
    """Runs newest first; `--json` prints one JSON array whose rows carry their `steps`."""
    from bot.history import RUN_HEADER, recent_runs
    from scheduler.store import Store

    since = SystemClock().now() - _duration(args.since)

    async def go() -> int:
        store = await Store.open(_db_url(args))
        try:
            rows = await recent_runs(
                store, since=since, status=args.status, schedule=args.schedule, limit=args.limit
            )
        finally:
            await store.close()
        if args.json:
            print(json.dumps([row.to_dict() for row in rows]))
        else:
            print(_table([row.cells() for row in rows], RUN_HEADER))
        return 0

    return _run(go)


def cmd_runs_show(args: argparse.Namespace) -> int:
    """One run in full; an unknown id is one line on stderr and exit 2."""
    from bot.history import ATTEMPT_HEADER, STEP_HEADER, run_story
    from scheduler.store import Store

    if not args.id.isdigit():
        raise UsageError(f"not a run id: {args.id!r}")

    async def go() -> int:
        store = await Store.open(_db_url(args))
        try:
            story = await run_story(store, int(args.id))
        finally:
            await store.close()
        if args.json:
            print(json.dumps(story.to_dict()))
            return 0
        print("\n".join(story.summary()))
        print(f"\nAttempts\n{_table(story.attempt_cells(), ATTEMPT_HEADER)}")
        if story.steps:
            print(f"\nSteps\n{_table(story.step_cells(), STEP_HEADER)}")
        return 0

    return _run(go)


def cmd_parse(args: argparse.Namespace) -> int:
    from tools.timeparse import parse_when_json

    result = parse_when_json(args.text, args.tz, _instant(args.now))
    if args.json:
        print(json.dumps(result))
    elif "error" in result:
        hint = f" ({result['hint']})" if result.get("hint") else ""
        print(f"tock: {result['error']}{hint}", file=sys.stderr)
    else:
        print(result["description"])
        for t in result["next_runs"]:
            print(f"  {t}")
    return 2 if "error" in result else 0


def cmd_demo(_: argparse.Namespace) -> int:
    from scheduler.demo import main as demo_main

    return _run(lambda: demo_main(_settings().database_url))


def cmd_start(args: argparse.Namespace) -> int:
    if _settings().slack_bot_token is None:
        args.script = None
        return cmd_console(args)
    return cmd_run(args)


def cmd_run(args: argparse.Namespace) -> int:
    """`tock run [--no-slack | --no-scheduler]`: both roles unless one is turned off."""
    from bot.runtime import serve

    no_slack, no_scheduler = getattr(args, "no_slack", False), getattr(args, "no_scheduler", False)
    if no_slack and no_scheduler:
        raise UsageError("--no-slack and --no-scheduler exclude each other: that runs nothing")
    return _run(lambda: serve(_settings(), slack=not no_slack, scheduler=not no_scheduler))


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import main as console_main

    return _run(lambda: console_main(args.script, _settings()))


def cmd_doctor(_: argparse.Namespace) -> int:
    from bot.doctor import main as doctor_main

    return _run(lambda: doctor_main(_settings()))


def cmd_schedules_sync(args: argparse.Namespace) -> int:
    from bot.setup.commands import schedules_sync

    return _run(lambda: schedules_sync(_settings(), _db_url(args), args.file, sys.stdout))


def cmd_workflows_list(_: argparse.Namespace) -> int:
    from bot.setup.commands import workflows_list

    return _run(lambda: workflows_list(_settings(), sys.stdout))


def cmd_workflows_run(args: argparse.Namespace) -> int:
    from bot.setup.commands import workflows_run

    return _run(
        lambda: workflows_run(
            _settings(),
            _db_url(args),
            args.name,
            input_text=args.input,
            channel=args.channel,
            out=sys.stdout,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
