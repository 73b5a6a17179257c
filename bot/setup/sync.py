"""Syncing declared schedules into the store: added or updated by name, retired when gone.

Rules:
- Everything is checked before anything is written: each declaration's
  fields (`plans`, before the workspace is asked for), its workspace, and
  its name, which must be free or already the operator's: a schedule made
  in chat (or by Tock itself) is never taken over, and one name is
  declared once per workspace. Any
  problem is a SetupError listing them all, and nothing is written.
- Each declaration is an upsert by (team, name) with `source="startup"`
  and `created_by` saying where it is declared (`schedules.yml` or
  `setup`), so a restart, or several replicas starting at once, leaves one
  schedule each; an unchanged declaration keeps its version and next slot.
- A re-sync keeps what an admin paused paused (`register_schedule`); a schedule
  that comes back into the file after it was retired is resumed.
- Retiring (only when a file was read): a schedule the file declared
  (`created_by="schedules.yml"`) that is no longer in it is paused and
  marked `created_by="schedules.yml (removed)"`, never deleted; it is
  logged. A setup-hook schedule is never retired by the file.
- The workspace of a declaration that names none is asked for once, and
  only when needed (`teams`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.setup.declared import Declared
from bot.setup.errors import SetupError
from bot.setup.plans import Catalog, EntryProblems, Plan, plan
from scheduler.clock import Clock
from scheduler.records import Schedule
from scheduler.registration import (
    DECLARED_IN_FILE,
    DECLARED_IN_SETUP,
    RETIRED,
    STARTUP,
    register_schedule,
    stored_schedule,
)
from scheduler.store import Store

log = logging.getLogger(__name__)
OPERATORS = frozenset({DECLARED_IN_FILE, DECLARED_IN_SETUP, RETIRED})
MAX_DECLARED = 10_000  # file-declared schedules looked at when retiring

TeamSource = Callable[[], Awaitable[str]]
Key = tuple[str, str]  # (team, name)


@dataclass(frozen=True)
class Declaration:
    """One declared schedule, where it is declared (`created_by`), and how to name it."""

    entry: Declared
    created_by: str  # DECLARED_IN_FILE or DECLARED_IN_SETUP
    where: str  # "schedules.yml entry 2 (standup)", for messages


@dataclass
class SyncReport:
    """What a sync did, by schedule name (`name`, or `name (team)` beyond one workspace)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)  # retired by this sync

    def summary(self) -> str:
        parts = [(self.added, "added"), (self.updated, "updated"), (self.unchanged, "unchanged")]
        parts.append((self.paused, "paused (removed from the file)"))
        return ", ".join(f"{len(names)} {what}" for names, what in parts)

    def lines(self) -> list[str]:
        """`added: a, b` and so on, for the command line; the empty ones left out."""
        rows = [("added", self.added), ("updated", self.updated), ("paused", self.paused)]
        rows.append(("unchanged", self.unchanged))
        return [f"{what}: {', '.join(names)}" for what, names in rows if names]


async def sync_declared(
    store: Store,
    clock: Clock,
    declarations: Sequence[Declaration],
    *,
    catalog: Catalog,
    team: TeamSource,
    retire: bool,
) -> SyncReport:
    """Check every declaration, then upsert each and (if `retire`) retire the file's gone ones."""
    now = clock.now()
    # Checked before asking Slack for the workspace, so a bad file needs no Slack to say so.
    _check_alone(declarations, catalog, await _first_declared(store), now)
    default = await team() if any(d.entry.team is None for d in declarations) else ""
    keyed = [((d.entry.team or default, d.entry.name), d) for d in declarations]
    stored = {key: await stored_schedule(store, *key) for key, _ in keyed}
    plans = _checked_plans(keyed, stored, catalog, now)
    report = SyncReport()
    shown = _shown({key[0] for key, _ in keyed})
    for key, declaration, found in plans:
        await _apply(store, clock, key, declaration, found, stored[key], report, shown)
    if retire:
        kept = {key for key, d in keyed if d.created_by == DECLARED_IN_FILE}
        await _retire(store, clock, kept, report, shown)
    log.info("declared schedules synced: %s", report.summary(), extra={"action": "setup.synced"})
    return report


def _checked_plans(
    keyed: list[tuple[Key, Declaration]],
    stored: dict[Key, Schedule | None],
    catalog: Catalog,
    now: datetime,
) -> list[tuple[Key, Declaration, Plan]]:
    """Each declaration's plan, read as of its stored schedule's creation; SetupError
    listing every problem (a duplicate, a name taken, a field) when there is one."""
    problems = _duplicates(keyed)
    plans: list[tuple[Key, Declaration, Plan]] = []
    for key, declaration in keyed:
        current = stored[key]
        if (taken := _taken(declaration, key, current)) is not None:
            problems.append(taken)
            continue
        read_at = current.created_at if current is not None else now
        try:
            found = plan(declaration.entry, catalog, read_at, new_after=None if current else now)
        except EntryProblems as exc:
            problems.extend(exc.sentences(declaration.where))
            continue
        plans.append((key, declaration, found))
    if problems:
        raise SetupError(problems)
    return plans


def _check_alone(
    declarations: Sequence[Declaration],
    catalog: Catalog,
    first_declared: dict[str, datetime],
    now: datetime,
) -> None:
    """SetupError for what is wrong in the declarations themselves, in any workspace.

    A `when` is read as of the first declaration of a stored schedule by that
    name, so a one-off date that has passed since it fired is no error.
    """
    problems: list[str] = []
    for declaration in declarations:
        read_at = first_declared.get(declaration.entry.name, now)
        try:
            plan(declaration.entry, catalog, read_at)
        except EntryProblems as exc:
            problems.extend(exc.sentences(declaration.where))
    if problems:
        raise SetupError(problems)


async def _first_declared(store: Store) -> dict[str, datetime]:
    """When each stored operator-declared schedule was first declared, by name."""
    found: dict[str, datetime] = {}
    for created_by in OPERATORS:
        for schedule in await store.list_schedules(None, created_by=created_by, limit=MAX_DECLARED):
            found.setdefault(schedule.name, schedule.created_at)
    return found


def _duplicates(keyed: list[tuple[Key, Declaration]]) -> list[str]:
    seen: dict[Key, Declaration] = {}
    problems = []
    for key, declaration in keyed:
        if (first := seen.get(key)) is not None:
            problems.append(
                f"{declaration.where}: {key[1]!r} is declared twice (also in {first.where})"
            )
        seen.setdefault(key, declaration)
    return problems


def _taken(declaration: Declaration, key: Key, current: Schedule | None) -> str | None:
    """A refusal when the name belongs to a schedule the operator did not declare."""
    if current is None or (current.source == STARTUP and current.created_by in OPERATORS):
        return None
    made = "in chat" if current.source != STARTUP else "by Tock itself"
    return (
        f"{declaration.where}: a schedule named {key[1]!r} already exists in workspace {key[0]}, "
        f"made {made} (by {current.created_by}); give the declared one another name"
    )


async def _apply(
    store: Store,
    clock: Clock,
    key: Key,
    declaration: Declaration,
    found: Plan,
    current: Schedule | None,
    report: SyncReport,
    shown: Callable[[Key], str],
) -> None:
    entry = declaration.entry
    comeback = current is not None and current.created_by == RETIRED
    schedule = await register_schedule(
        store,
        clock,
        entry.name,
        trigger=found.trigger,
        action=found.action_kind,
        args=found.action,
        team_id=key[0],
        resume=comeback,
        channel_id=entry.channel,
        created_by=declaration.created_by,
        enabled=entry.enabled,
        misfire_grace_s=entry.misfire_grace_s,
        catch_up=entry.catch_up,
        overlap=entry.overlap,
        max_retries=entry.max_retries,
        timeout_s=entry.timeout_s,
    )
    if current is None:
        report.added.append(shown(key))
    elif schedule.version != current.version:
        report.updated.append(shown(key))
        if comeback:
            log.info("%s is back in the schedules file: resumed", entry.name)
    else:
        report.unchanged.append(shown(key))


async def _retire(
    store: Store, clock: Clock, kept: set[Key], report: SyncReport, shown: Callable[[Key], str]
) -> None:
    """Pause what the file declared and no longer does (two replicas may both: it is an upsert)."""
    declared = await store.list_schedules(None, created_by=DECLARED_IN_FILE, limit=MAX_DECLARED)
    for schedule in declared:
        key = (schedule.team_id, schedule.name)
        if key in kept:
            continue
        await register_schedule(
            store,
            clock,
            schedule.name,
            trigger=schedule.trigger,
            action=schedule.action_kind,
            args=schedule.action,
            team_id=schedule.team_id,
            channel_id=schedule.channel_id,
            created_by=RETIRED,
            enabled=False,
            misfire_grace_s=schedule.misfire_grace_s,
            catch_up=schedule.catch_up,
            overlap=schedule.overlap,
            max_retries=schedule.max_retries,
            timeout_s=schedule.timeout_s,
        )
        report.paused.append(shown(key))
        log.warning(
            "%s is no longer in the schedules file: paused, not deleted",
            schedule.name,
            extra={"action": "setup.retired", "schedule": schedule.name},
        )


async def retired_schedules(store: Store) -> list[Schedule]:
    """The schedules removed from the file (paused), for `tock doctor` and the log."""
    return await store.list_schedules(None, created_by=RETIRED, limit=MAX_DECLARED)


def _shown(teams: set[str]) -> Callable[[Key], str]:
    """How a report names a schedule: by name, with its team when several are involved."""
    if len(teams) <= 1:
        return lambda key: key[1]
    return lambda key: f"{key[1]} ({key[0]})"
