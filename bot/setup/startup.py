"""The operator's setup at start: the hook loaded, the file read, both applied before the engine.

Order (`start_operator`, called by `bot.runtime` before `engine.start()`):
1. load the setup hook (TOCK_APP) and read the schedules file: every problem
   of either is a SetupError, and nothing is registered or written;
2. add the hook's workflows and job kinds to the bot's registries (a name
   Tock already has is a SetupError);
3. sync the hook's schedules and the file's entries (`sync`); the file's
   removed entries are retired only when a file was read.
`tock schedules sync` runs the same steps without the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.jobs.slack_jobs import KINDS as SLACK_KINDS
from bot.setup.errors import SetupError
from bot.setup.hook import Tock, load_app
from bot.setup.plans import Catalog
from bot.setup.schedules_file import SchedulesFile, read_schedules_file, schedules_path
from bot.setup.sync import Declaration, SyncReport, TeamSource, sync_declared
from scheduler.clock import Clock
from scheduler.jobs import JobRegistry
from scheduler.maintenance import MAINTENANCE
from scheduler.registration import DECLARED_IN_FILE, DECLARED_IN_SETUP
from scheduler.store import Store
from scheduler.workflow import WorkflowRegistry

log = logging.getLogger(__name__)
BUILTIN_KINDS = (*SLACK_KINDS, MAINTENANCE)  # the job kinds the bot registers itself


@dataclass(frozen=True)
class Declarations:
    """The operator's setup: the hook's registrations, and the schedules file if there is one."""

    app: Tock
    file: SchedulesFile | None

    def schedules(self) -> list[Declaration]:
        """The hook's schedules, then the file's entries, each with where it is declared."""
        hook = [
            Declaration(entry, DECLARED_IN_SETUP, f"{self.app.where}, schedule {entry.name!r}")
            for entry in self.app.schedules
        ]
        if self.file is None:
            return hook
        entries = self.file.entries
        return hook + [
            Declaration(entry, DECLARED_IN_FILE, self.file.where(index))
            for index, entry in enumerate(entries)
        ]

    def install(self, workflows: WorkflowRegistry, jobs: JobRegistry) -> None:
        """Add the hook's workflows and job kinds; SetupError (and nothing added) on a clash."""
        self.check_names(workflows, jobs.kinds())
        for workflow in self.app.workflows:
            workflows.register(workflow)
        for kind, handler in self.app.job_kinds.items():
            jobs.register(kind, handler)

    def check_names(self, workflows: Collection[str], kinds: Collection[str]) -> None:
        """SetupError when the hook reuses a workflow or job kind name Tock already has."""
        taken = [
            f"{self.app.where}: Tock already has a workflow named {w.name!r}; name yours otherwise"
            for w in self.app.workflows
            if w.name in workflows
        ]
        taken += [
            f"{self.app.where}: Tock already has a job kind {kind!r}; name yours otherwise"
            for kind in self.app.job_kinds
            if kind in kinds
        ]
        if taken:
            raise SetupError(taken)

    def catalog(self, builtin_workflows: Collection[str], *, llm: bool) -> Catalog:
        """What a Tock with this hook can run, without building the bot (`tock` commands)."""
        self.check_names(builtin_workflows, BUILTIN_KINDS)
        return Catalog(
            kinds=frozenset(BUILTIN_KINDS) | self.app.job_kinds.keys(),
            workflows=frozenset(builtin_workflows) | {w.name for w in self.app.workflows},
            llm=llm,
        )


async def load_declarations(settings: Settings, file: Path | None = None) -> Declarations:
    """The hook (TOCK_APP) and the schedules file (`file`, else the configured or default one)."""
    app = await load_app(settings.tock_app)
    path = file or schedules_path(settings.schedules_file)
    return Declarations(app, read_schedules_file(path) if path is not None else None)


def catalog(workflows: Collection[str], jobs: JobRegistry, *, llm: bool) -> Catalog:
    return Catalog(kinds=frozenset(jobs.kinds()), workflows=frozenset(workflows), llm=llm)


async def start_operator(
    settings: Settings,
    store: Store,
    clock: Clock,
    workflows: WorkflowRegistry,
    jobs: JobRegistry,
    *,
    llm: bool,
    team: TeamSource,
) -> SyncReport:
    """Load, install and sync the operator's setup (see the module docstring)."""
    declared = await load_declarations(settings)
    declared.install(workflows, jobs)
    return await apply(declared, store, clock, catalog(workflows, jobs, llm=llm), team)


async def apply(
    declared: Declarations, store: Store, clock: Clock, known: Catalog, team: TeamSource
) -> SyncReport:
    """Sync the declared schedules; retire the file's removed ones only when there is a file."""
    if declared.file is None:
        await _warn_without_file(store)
    return await sync_declared(
        store,
        clock,
        declared.schedules(),
        catalog=known,
        team=team,
        retire=declared.file is not None,
    )


async def _warn_without_file(store: Store) -> None:
    left = await store.list_schedules(None, created_by=DECLARED_IN_FILE, limit=1)
    if left:
        log.warning(
            "no schedules file found (TOCK_SCHEDULES_FILE, ./schedules.yml): the schedules an "
            "earlier one declared are left as they are",
            extra={"action": "setup.no_file"},
        )
