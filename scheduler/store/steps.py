"""Workflow steps: one `run_steps` row per try of one step of one run.

Rules:
- A row belongs to the run attempt that tried the step (`run_id`) and to the
  run's first attempt (`root_run_id`, `Run.root_id`): every attempt of one
  run shares the root, so a retried run reads back what its earlier attempts
  finished (`completed_steps`) and reuses it instead of running it again.
- `attempt` counts the tries of one path across all attempts of the run; the
  store numbers them (`start_step`), and the unique (root_run_id, path,
  attempt) key makes two writers racing for one try end in `Conflict`.
- A path is *done* once a try `succeeded` or was `skipped`; a partial unique
  index lets at most one try of a path be done, so a step is never recorded
  as done twice however attempts race.
- A try still `running` when a new attempt begins belongs to an attempt that
  ended without finishing it (crash, lost lease, shutdown): `abandon_steps`
  fails it, so the trace never shows a step running forever.
- Rows leave with their run (foreign-key cascade); `delete_schedule` and
  `prune` also delete them explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.errors import Conflict
from scheduler.records import Run
from scheduler.store.dialect import Database
from scheduler.store.models import STEP_DONE, run_steps

StepStatus = Literal["running", "succeeded", "failed", "skipped"]
MAX_PATH: int = run_steps.c.path.type.length  # type: ignore[attr-defined]
SUMMARY_CHARS = 500
ERROR_CHARS = 2000
ABANDONED = "abandoned: the run attempt ended before this step finished"


@dataclass(frozen=True)
class StepRecord:
    """One try of one workflow step, as the store hands it out."""

    id: int
    run_id: int
    root_run_id: int
    schedule_id: int
    path: str
    status: StepStatus
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    summary: str | None
    output: dict[str, Any] | None
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> StepRecord:
        return cls(**row._mapping)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (instants as ISO strings)."""
        data = dict(self.__dict__)
        for key in ("started_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


class StepTables(Database):
    """Rows of `run_steps`: starting and finishing tries, reading them back."""

    async def start_step(self, run: Run, path: str, now: datetime) -> StepRecord:
        """Insert a `running` try of `path` for `run`, numbered after every earlier try.

        Raise Conflict when another writer took that try number meanwhile.
        """
        root = run.root_id
        tried = sa.select(sa.func.max(run_steps.c.attempt)).where(
            run_steps.c.root_run_id == root, run_steps.c.path == path
        )
        try:
            async with self._tx() as conn:
                last = (await conn.execute(tried)).scalar_one_or_none() or 0
                values = {
                    "run_id": run.id,
                    "root_run_id": root,
                    "schedule_id": run.schedule_id,
                    "path": path,
                    "status": "running",
                    "attempt": last + 1,
                    "started_at": now,
                }
                insert = run_steps.insert().values(values).returning(run_steps)
                row = (await conn.execute(insert)).one()
        except IntegrityError as exc:
            raise Conflict(f"step {path!r} of run {root} was started meanwhile") from exc
        return StepRecord.from_row(row)

    async def finish_step(
        self,
        step: StepRecord,
        now: datetime,
        status: StepStatus,
        *,
        summary: str | None = None,
        output: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Record how a running try ended; False when it no longer runs (abandoned).

        `summary` is clipped to SUMMARY_CHARS, `error` to ERROR_CHARS;
        `output` (JSON) is kept whole, for reuse. Raise Conflict when `status`
        is done and another try of the path is already done.
        """
        stmt = (
            run_steps.update()
            .where(run_steps.c.id == step.id, run_steps.c.status == "running")
            .values(
                status=status,
                finished_at=now,
                duration_ms=int((now - step.started_at).total_seconds() * 1000),
                summary=_clip(summary, SUMMARY_CHARS),
                output=output,
                error=_clip(error, ERROR_CHARS),
            )
        )
        try:
            async with self._tx() as conn:
                return (await conn.execute(stmt)).rowcount == 1
        except IntegrityError as exc:
            raise Conflict(f"step {step.path!r} of run {step.root_run_id} is done already") from exc

    async def abandon_steps(self, root_run_id: int, now: datetime) -> int:
        """Fail the tries of this run still `running`; returns how many.

        Called as an attempt begins: no try of the run is legitimately running
        then, so these were left by an attempt that ended without finishing them.
        """
        stmt = (
            run_steps.update()
            .where(run_steps.c.root_run_id == root_run_id, run_steps.c.status == "running")
            .values(status="failed", finished_at=now, error=ABANDONED)
        )
        async with self._tx() as conn:
            return (await conn.execute(stmt)).rowcount

    async def completed_steps(self, root_run_id: int) -> dict[str, dict[str, Any] | None]:
        """The done paths of a run (all attempts) and their output JSON (None: skipped)."""
        stmt = sa.select(run_steps.c.path, run_steps.c.output).where(
            run_steps.c.root_run_id == root_run_id, run_steps.c.status.in_(STEP_DONE)
        )
        async with self._tx() as conn:
            return {path: output for path, output in (await conn.execute(stmt)).all()}

    async def list_steps(
        self, *, run_id: int | None = None, root_run_id: int | None = None, limit: int = 1000
    ) -> list[StepRecord]:
        """The tries of one attempt (`run_id`) or of all attempts (`root_run_id`), oldest first."""
        if (run_id is None) == (root_run_id is None):
            raise ValueError("give exactly one of run_id and root_run_id")
        column = run_steps.c.run_id if run_id is not None else run_steps.c.root_run_id
        stmt = (
            sa.select(run_steps)
            .where(column == (run_id if run_id is not None else root_run_id))
            .order_by(run_steps.c.started_at, run_steps.c.id)
            .limit(limit)
        )
        async with self._tx() as conn:
            return [StepRecord.from_row(r) for r in (await conn.execute(stmt)).all()]


def _clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
