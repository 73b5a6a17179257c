"""Run history for operators: what `tock runs` and `tock runs show ID` print.

Rules:
- `recent_runs` lists runs newest first (slot, then id), filtered by how far
  back the slot is, the status, and the schedule's name (in every team that
  has one by that name). Each row carries its steps: the workflow step tries
  of that attempt, as Slack's history shows them (`step_view`: path, status,
  attempt, duration_ms, error); other kinds have none.
- `run_story` is one run in full: its schedule, every attempt of its retry
  chain, every step try of the chain, the error and output of the run asked
  about, and the Slack permalink when one is known.
- The permalink is what the sender recorded when a post landed: the run's
  output (for a workflow, its post step's output text). The newest attempt
  that has one wins. An output that is no link (`channel/ts`, when Slack gave
  no permalink) is not a permalink.
- Durations read as everywhere else (`took`); an unknown run id is
  `NotFound` ("no run with id N").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from scheduler.errors import NotFound
from scheduler.records import Run, RunStatus, Schedule
from scheduler.store import StepRecord, Store
from tools.scheduler_tools.views import step_view, took

RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
DETAIL_CHARS = 60  # the error or output in a listing's last column
RUN_HEADER = [
    "RUN",
    "SCHEDULE",
    "SLOT (UTC)",
    "TRIGGER",
    "STATUS",
    "TRY",
    "TOOK",
    "STEPS",
    "DETAIL",
]
ATTEMPT_HEADER = ["RUN", "TRY", "TRIGGER", "STATUS", "STARTED (UTC)", "TOOK", "ERROR"]
STEP_HEADER = ["RUN", "PATH", "TRY", "STATUS", "TOOK", "ERROR"]


@dataclass(frozen=True)
class RunRow:
    """One run of a listing, with the step tries of that attempt."""

    run: Run
    schedule: str
    steps: list[StepRecord]

    def to_dict(self) -> dict[str, Any]:
        return self.run.to_dict() | {
            "schedule": self.schedule,
            "steps": [step_view(s) for s in self.steps],
        }

    def cells(self) -> list[str]:
        """The listing's columns (RUN_HEADER; DETAIL is the error, else the output)."""
        r = self.run
        paths = len({s.path for s in self.steps})
        return [
            str(r.id),
            self.schedule,
            _instant(r.scheduled_for),
            r.trigger,
            r.status,
            str(r.attempt),
            _took(r.duration_ms),
            str(paths) if paths else "-",
            _clip(r.error or r.output or "", DETAIL_CHARS),
        ]


@dataclass(frozen=True)
class RunStory:
    """One run in full: its schedule, the attempts of its retry chain, their steps."""

    run: Run
    schedule: Schedule
    attempts: list[Run]
    steps: list[StepRecord]  # every try of every attempt, in start order

    @property
    def permalink(self) -> str | None:
        outputs = {a.id: [a.output] for a in self.attempts}
        for step in self.steps:  # a workflow's post step recorded the link as its text
            outputs.setdefault(step.run_id, []).append(step.summary)
        for attempt in reversed(self.attempts):
            for text in reversed(outputs.get(attempt.id, [])):
                if text and text.startswith(("https://", "http://")):
                    return text
        return None

    def to_dict(self) -> dict[str, Any]:
        by_run: dict[int, list[dict[str, Any]]] = {a.id: [] for a in self.attempts}
        for step in self.steps:
            by_run.setdefault(step.run_id, []).append(step_view(step))
        return self.run.to_dict() | {
            "schedule": self.schedule.name,
            "team_id": self.schedule.team_id,
            "action": self.schedule.action_kind,
            "permalink": self.permalink,
            "attempts": [a.to_dict() | {"steps": by_run.get(a.id, [])} for a in self.attempts],
        }

    def summary(self) -> list[str]:
        """The lines above the tables: what, when, how it ended, where it landed."""
        r, s = self.run, self.schedule
        return [
            f"Run {r.id}: {s.name} (team {s.team_id}, {s.action_kind})",
            f"Slot:      {_instant(r.scheduled_for)} UTC (trigger {r.trigger})",
            f"Status:    {r.status}, attempt {r.attempt} of {len(self.attempts)}"
            + (f", took {took(r.duration_ms)}" if r.duration_ms is not None else ""),
            f"Error:     {r.error or '-'}",
            f"Output:    {r.output or '-'}",
            f"Permalink: {self.permalink or '-'}",
        ]

    def attempt_cells(self) -> list[list[str]]:
        return [
            [
                str(a.id),
                str(a.attempt),
                a.trigger,
                a.status,
                _instant(a.started_at),
                _took(a.duration_ms),
                _clip(a.error or "", DETAIL_CHARS),
            ]
            for a in self.attempts
        ]

    def step_cells(self) -> list[list[str]]:
        return [
            [
                str(t.run_id),
                t.path,
                str(t.attempt),
                t.status,
                _took(t.duration_ms),
                _clip(t.error or "", DETAIL_CHARS),
            ]
            for t in self.steps
        ]


async def recent_runs(
    store: Store,
    *,
    since: datetime,
    status: str | None = None,
    schedule: str | None = None,
    limit: int = 100,
) -> list[RunRow]:
    """Runs whose slot is at or after `since`, newest first, each with its steps."""
    if status is not None and status not in RUN_STATUSES:
        raise ValueError(f"no run status {status!r}: use one of {', '.join(RUN_STATUSES)}")
    found: list[tuple[Run, str]] = []
    if schedule is None:
        found = await store.list_runs(since=since, status=status, limit=limit)
    else:
        named = await store.schedules_named(schedule)
        if not named:
            raise NotFound(f"no schedule named {schedule!r}")
        for one in named:
            found += await store.list_runs(
                schedule_id=one.id, since=since, status=status, limit=limit
            )
        found.sort(key=lambda pair: (pair[0].scheduled_for, pair[0].id), reverse=True)
        found = found[:limit]
    steps = await store.steps_by_run([run.id for run, _ in found])
    return [RunRow(run, name, steps[run.id]) for run, name in found]


async def run_story(store: Store, run_id: int) -> RunStory:
    """Run `run_id` with its schedule, attempts and steps; NotFound if there is none."""
    run = await store.get_run(run_id)
    schedule = await store.get_schedule_by_id(run.schedule_id)
    attempts = await store.run_attempts(run)
    steps = await store.list_steps(root_run_id=run.root_id)
    return RunStory(run, schedule, attempts, steps)


def _instant(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _took(duration_ms: int | None) -> str:
    return took(duration_ms) if duration_ms is not None else "-"


def _clip(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
