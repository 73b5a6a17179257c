"""Workflow tests' helpers: a run to execute in, a clock that jumps, counted steps."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.clock import VirtualClock
from scheduler.jobs import RunContext
from scheduler.records import ScheduleSpec
from scheduler.store import StepRecord, Store
from scheduler.triggers import OnceTrigger
from scheduler.workflow import StepFn, StepInput, StepOutput

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class JumpClock(VirtualClock):
    """A virtual clock that a sleeper moves: waiting until a deadline jumps time there.

    For running a workflow directly, without an engine to drive the clock:
    backoff waits take no real time and are recorded in `waits` (seconds).
    """

    def __init__(self, start: datetime = T0) -> None:
        super().__init__(start)
        self.waits: list[float] = []

    def sleep_until(self, deadline: datetime) -> asyncio.Future[None]:
        self.waits.append((deadline - self.now()).total_seconds())
        self._now = max(self._now, deadline)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    def tick(self, seconds: float) -> None:
        """Let time pass inside a step (so durations show)."""
        self._now += timedelta(seconds=seconds)


class Effects:
    """Steps that count their calls: `effects.step("a")` is a StepFn returning text "a"."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seen: dict[str, list[StepInput]] = {}
        self.failures: dict[str, list[BaseException]] = {}

    def step(self, name: str, output: StepOutput | None = None, **kw: Any) -> StepFn:
        async def run(step_input: StepInput) -> StepOutput:
            self.calls[name] += 1
            self.seen.setdefault(name, []).append(step_input)
            if queued := self.failures.get(name):
                raise queued.pop(0)
            return output or StepOutput(text=name, **kw)

        run.__name__ = name
        return run

    def fail(self, name: str, *errors: BaseException) -> None:
        self.failures[name] = list(errors)


async def new_run(
    store: Store, action: dict[str, Any] | None = None, *, name: str = "wf", now: datetime = T0
) -> RunContext:
    """A schedule of kind `workflow` and a manual run of it, as a handler would get them."""
    spec = ScheduleSpec(
        "T1",
        name,
        OnceTrigger(now + timedelta(days=1), "UTC"),
        "workflow",
        action=action or {"workflow": name},
    )
    schedule = await store.create_schedule(spec, now)
    run = await store.add_manual_run(schedule, now)
    return RunContext(run=run, schedule=schedule, now=now)


def trace(steps: list[StepRecord]) -> list[tuple[str, str, int]]:
    """(path, status, attempt) of each row, in start order."""
    return [(s.path, s.status, s.attempt) for s in steps]
