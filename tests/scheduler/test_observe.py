"""What the engine and the workflow runner report: run and step events, scrubbed errors, log scope.

On SQLite and Postgres, on a virtual clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.errors import PermanentJobError
from scheduler.jobs import RunContext
from scheduler.observe import LogScope, Observer, log_scope, running, stepping
from scheduler.records import Run, Schedule
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from scheduler.workflow import Parallel, Step, StepInput, StepOutput, Workflow, run_workflow
from tests.scheduler.harness import Harness, build
from tests.scheduler.workflow.support import JumpClock, new_run

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SECRET = "hunter2-hunter2"


@dataclass
class Recorder(Observer):
    started: list[tuple[str, str, float]] = field(default_factory=list)
    finished: list[tuple[str, str, str]] = field(default_factory=list)
    steps: list[tuple[str, str, str, float]] = field(default_factory=list)

    def run_started(self, run: Run, schedule: Schedule, lateness_s: float) -> None:
        self.started.append((schedule.name, run.trigger, lateness_s))

    def run_finished(self, run: Run, schedule: Schedule, status: str, seconds: float) -> None:
        self.finished.append((schedule.name, schedule.action_kind, status))

    def step_finished(self, workflow: str, path: str, status: str, seconds: float) -> None:
        self.steps.append((workflow, path, status, seconds))

    def scrub(self, text: str) -> str:
        return text.replace(SECRET, "[redacted]")


@pytest.fixture
async def h(store: Store) -> AsyncIterator[Harness]:
    harness = build(store, VirtualClock(T0))
    harness.engine.observer = Recorder()
    yield harness
    harness.gate.set()
    await harness.engine.stop()


def recorder(h: Harness) -> Recorder:
    assert isinstance(h.engine.observer, Recorder)
    return h.engine.observer


async def test_it_reports_how_late_each_run_started_and_how_it_ended(h: Harness) -> None:
    await h.add("tick", CronTrigger("* * * * *", "UTC"))
    await h.clock.advance(90)  # the engine is not running yet: the 12:01 slot waits
    await h.engine.start()
    await h.settle()
    await h.advance(30)  # 12:02, on time
    assert recorder(h).started == [("tick", "schedule", 30.0), ("tick", "schedule", 0.0)]
    assert recorder(h).finished == [("tick", "record", "succeeded")] * 2


async def test_failed_runs_are_reported_and_their_stored_error_is_scrubbed(h: Harness) -> None:
    await h.add("leaky", CronTrigger("* * * * *", "UTC"), max_retries=0)
    h.failures["leaky"] = [PermanentJobError(f"refused with token {SECRET}")]
    await h.engine.start()
    await h.advance(60)
    [run] = await h.runs("leaky")
    assert (run.status, run.error) == ("failed", "refused with token [redacted]")
    assert recorder(h).finished == [("leaky", "record", "failed")]


async def test_the_run_and_its_schedule_are_the_log_scope_of_a_handler(h: Harness) -> None:
    seen: list[LogScope | None] = []

    async def look(ctx: RunContext) -> str:
        seen.append(log_scope())
        return "ok"

    h.engine.registry.register("look", look)
    await h.add("scoped", CronTrigger("* * * * *", "UTC"), kind="look")
    await h.engine.start()
    await h.advance(60)
    [run] = await h.runs("scoped")
    assert seen == [LogScope(run.id, "scoped")]
    assert log_scope() is None  # nothing leaks out of the run's task


async def test_steps_are_reported_with_their_duration_and_scrubbed_errors(store: Store) -> None:
    clock, observer = JumpClock(), Recorder()

    async def slow(step: StepInput) -> StepOutput:
        clock.tick(5)
        return StepOutput(text="slow")

    async def leaky(step: StepInput) -> StepOutput:
        raise PermanentJobError(f"bad key {SECRET}")

    flow = Workflow("wf", steps=[Step("slow", fn=slow), Step("leaky", fn=leaky, optional=True)])
    ctx = with_observer(await new_run(store), observer)
    await run_workflow(flow, ctx, store=store, clock=clock)
    assert observer.steps == [("wf", "slow", "succeeded", 5.0), ("wf", "leaky", "skipped", 0.0)]
    [_, failed] = await store.list_steps(run_id=ctx.run.id)
    assert failed.error == "bad key [redacted]"


async def test_each_parallel_step_logs_under_its_own_path(store: Store) -> None:
    seen: dict[str, Any] = {}

    def look(name: str) -> Any:
        async def run(step: StepInput) -> StepOutput:
            await asyncio.sleep(0)  # let the branches interleave
            seen[name] = log_scope()
            return StepOutput(text=name)

        return run

    flow = Workflow(
        "wf",
        steps=[Parallel("both", Step("a", fn=look("a")), Step("b", fn=look("b")))],
    )
    ctx = await new_run(store)
    with running(ctx.run, ctx.schedule):
        await run_workflow(flow, ctx, store=store, clock=JumpClock())
        assert log_scope() == LogScope(ctx.run.id, "wf")
    assert seen == {
        "a": LogScope(ctx.run.id, "wf", "both/a"),
        "b": LogScope(ctx.run.id, "wf", "both/b"),
    }


def test_a_step_outside_a_run_has_no_log_scope() -> None:
    with stepping("a"):
        assert log_scope() is None


def with_observer(ctx: RunContext, observer: Observer) -> RunContext:
    return RunContext(run=ctx.run, schedule=ctx.schedule, now=ctx.now, observer=observer)
