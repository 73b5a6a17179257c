"""Reading a run's story back, for operators (`tock runs`): attempts, steps, names.

Rules:
- A run's attempts are its retry chain: the first attempt and every row whose
  `retry_of` names it (a retry always points at the first attempt,
  `Run.root_id`, never at the attempt before it), oldest first.
- The steps of many runs come back in a few statements (`STEPS_BATCH` run ids
  each), grouped by the attempt that tried them, each group in start order;
  a run without steps maps to an empty list.
- A schedule name is unique only within a team, so `schedules_named` may
  find one per team.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from scheduler.records import Run, Schedule
from scheduler.store.dialect import Database
from scheduler.store.models import run_steps, schedule_runs, schedules
from scheduler.store.steps import StepRecord

runs = schedule_runs
STEPS_BATCH = 500  # run ids per statement: well inside every dialect's bound-parameter limit


class HistoryTables(Database):
    """Read-only views across runs and steps."""

    async def run_attempts(self, run: Run) -> list[Run]:
        """Every attempt of `run`'s retry chain, `run` included, oldest first."""
        root = run.root_id
        stmt = (
            sa.select(runs)
            .where(sa.or_(runs.c.id == root, runs.c.retry_of == root))
            .order_by(runs.c.attempt, runs.c.id)
        )
        async with self._tx() as conn:
            return [Run.from_row(r) for r in (await conn.execute(stmt)).all()]

    async def steps_by_run(self, run_ids: Sequence[int]) -> dict[int, list[StepRecord]]:
        """The step tries of each run in `run_ids` (the attempt that tried them)."""
        found: dict[int, list[StepRecord]] = {run_id: [] for run_id in run_ids}
        ids = list(found)
        for start in range(0, len(ids), STEPS_BATCH):
            stmt = (
                sa.select(run_steps)
                .where(run_steps.c.run_id.in_(ids[start : start + STEPS_BATCH]))
                .order_by(run_steps.c.started_at, run_steps.c.id)
            )
            async with self._tx() as conn:
                for row in (await conn.execute(stmt)).all():
                    found[row.run_id].append(StepRecord.from_row(row))
        return found

    async def schedules_named(self, name: str) -> list[Schedule]:
        """The schedules called `name`, one per team at most, by team."""
        stmt = sa.select(schedules).where(schedules.c.name == name).order_by(schedules.c.team_id)
        async with self._tx() as conn:
            return [Schedule.from_row(r) for r in (await conn.execute(stmt)).all()]
