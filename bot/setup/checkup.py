"""What `tock doctor` says about the operator's setup: the hook, the file, what was retired.

Checks, changing nothing: the setup hook loads (and how many workflows,
job kinds and schedules it registers); the schedules file is valid (every
entry, against the hook's workflows and kinds, read as a sync reads it);
and, when the database answers, which schedules were removed from the file
(paused) and which the file no longer declares, so the next sync pauses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from bot.config import Settings
from bot.jobs.workflows import builtin_workflows
from bot.setup.errors import SetupError
from bot.setup.hook import Tock, load_app
from bot.setup.plans import Catalog, EntryProblems, plan
from bot.setup.schedules_file import SchedulesFile, read_schedules_file, schedules_path
from bot.setup.startup import Declarations
from bot.setup.sync import MAX_DECLARED, retired_schedules
from bot.setup.trial import OfflineSteps
from scheduler.clock import Clock, SystemClock
from scheduler.errors import SchedulerError
from scheduler.records import Schedule
from scheduler.registration import DECLARED_IN_FILE, RETIRED
from scheduler.store import Store

Level = Literal["ok", "note", "fail"]
SHOWN = 10  # schedules named in one line


@dataclass(frozen=True)
class Finding:
    level: Level
    text: str


async def check_operator(settings: Settings, clock: Clock | None = None) -> list[Finding]:
    """The hook's line(s), the file's line(s), and the retired schedules' line."""
    findings: list[Finding] = []
    stored = await _declared_schedules(settings.database_url)
    app, known = await _check_hook(settings, findings)
    now = (clock or SystemClock()).now()
    file = _check_file(settings, app, known, _read_at(stored, now), findings)
    return findings + _retired(stored, file)


async def _check_hook(settings: Settings, findings: list[Finding]) -> tuple[Tock, Catalog | None]:
    builtin = [w.name for w in builtin_workflows(OfflineSteps())]
    try:
        app = await load_app(settings.tock_app)
        known = Declarations(app, None).catalog(builtin, llm=settings.llm_enabled)
    except SetupError as exc:
        findings += [Finding("fail", f"setup hook: {problem}") for problem in exc.problems]
        return Tock(), None
    if settings.tock_app is None:
        findings.append(Finding("ok", "setup hook: none (TOCK_APP is not set)"))
    else:
        counts = _counts(app)
        findings.append(Finding("ok", f"setup hook {settings.tock_app}: loads; {counts}"))
    return app, known


def _counts(app: Tock) -> str:
    parts = [(len(app.workflows), "workflow"), (len(app.job_kinds), "job kind")]
    parts.append((len(app.schedules), "schedule"))
    return ", ".join(f"{n} {what}{'' if n == 1 else 's'}" for n, what in parts)


def _check_file(
    settings: Settings,
    app: Tock,
    known: Catalog | None,
    read_at: Callable[[str], datetime],
    findings: list[Finding],
) -> SchedulesFile | None:
    path = schedules_path(settings.schedules_file)
    if path is None:
        findings.append(
            Finding("ok", "schedules file: none (no TOCK_SCHEDULES_FILE, no ./schedules.yml)")
        )
        return None
    try:
        file = read_schedules_file(path)
    except SetupError as exc:
        findings += [Finding("fail", problem) for problem in exc.problems]
        return None
    if known is None:
        findings.append(Finding("note", f"{path}: not checked further, the setup hook fails"))
        return file
    problems = _entry_problems(file, app, known, read_at)
    findings += [Finding("fail", problem) for problem in problems]
    if not problems:
        count = len(file.entries)
        findings.append(Finding("ok", f"{path}: valid, {count} entr{'y' if count == 1 else 'ies'}"))
    return file


def _entry_problems(
    file: SchedulesFile, app: Tock, known: Catalog, read_at: Callable[[str], datetime]
) -> list[str]:
    problems = []
    hooked = {(s.team, s.name) for s in app.schedules}
    for index, entry in enumerate(file.entries):
        if (entry.team, entry.name) in hooked:
            problems.append(f"{file.where(index)}: the setup hook declares {entry.name!r} too")
        try:
            plan(entry, known, read_at(entry.name))  # as a sync reads it (`plans`)
        except EntryProblems as exc:
            problems += exc.sentences(file.where(index))
    return problems


def _read_at(stored: list[Schedule], now: datetime) -> Callable[[str], datetime]:
    """When a sync reads an entry's `when`: as of its stored schedule's creation, else now."""
    created = {s.name: s.created_at for s in stored if s.created_by != RETIRED}
    return lambda name: created.get(name, now)


async def _declared_schedules(database_url: str) -> list[Schedule]:
    """What the file declared (and retired) as stored; [] when the database does not answer."""
    url = sa.make_url(database_url)
    sqlite_file = Path(url.database or "") if url.get_backend_name() == "sqlite" else None
    if sqlite_file is not None and not await asyncio.to_thread(sqlite_file.is_file):
        return []  # opening it would create it: the doctor creates nothing
    try:
        store = await Store.open(database_url, upgrade=False)
    except (SchedulerError, sa.exc.SQLAlchemyError, OSError):
        return []  # the database check says why
    try:
        declared = await store.list_schedules(None, created_by=DECLARED_IN_FILE, limit=MAX_DECLARED)
        return declared + await retired_schedules(store)
    except (SchedulerError, sa.exc.SQLAlchemyError, OSError):
        return []
    finally:
        await store.close()


def _retired(stored: list[Schedule], file: SchedulesFile | None) -> list[Finding]:
    """Retired schedules, and those the next sync retires."""
    findings = []
    if retired := [(s.name, s.team_id) for s in stored if s.created_by == RETIRED]:
        findings.append(
            Finding(
                "note",
                f"removed from the schedules file, paused: {_names(retired)} "
                "(an admin may delete them)",
            )
        )
    if file is not None:
        listed = {entry.name for entry in file.entries}
        going = [
            (s.name, s.team_id)
            for s in stored
            if s.created_by == DECLARED_IN_FILE and s.name not in listed
        ]
        if going:
            findings.append(
                Finding(
                    "note", f"no longer in {file.path}, paused at the next sync: {_names(going)}"
                )
            )
    return findings


def _names(pairs: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{name} ({team})" for name, team in pairs[:SHOWN])
    return shown + (f" and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else "")
