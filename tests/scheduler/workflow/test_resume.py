"""A workflow is one engine run: a crashed, failed or released run resumes where it stopped.

On a virtual clock, on SQLite and Postgres. Side effects are counted: a step
that succeeded never runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.engine import Engine, EngineConfig
from scheduler.errors import PermanentJobError, TransientJobError
from scheduler.jobs import JobRegistry, RunContext
from scheduler.planning import plan_slots
from scheduler.store import Store
from scheduler.store.leases import STOPPED
from scheduler.store.steps import ABANDONED
from scheduler.triggers import OnceTrigger
from scheduler.workflow import Step, StepInput, StepOutput, Workflow, WorkflowRegistry
from scheduler.workflow import workflow_handler as make_handler
from scheduler.workflow.runner import CANCELLED
from tests.scheduler.harness import Harness, build
from tests.scheduler.workflow.support import T0, Effects, new_run, trace


class Four:
    """A workflow of four counted steps whose third can be held or made to fail once."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.fx = Effects()
        self.hold_third = False
        self.entered = asyncio.Event()
        names = ("one", "two", "three", "four")
        steps = [Step(n, fn=self._third if n == "three" else self.fx.step(n)) for n in names]
        self.workflow = Workflow("four", steps=steps)
        self.registry = WorkflowRegistry([self.workflow])
        self.handler = make_handler(self.registry, h.store, h.clock)
        h.engine.registry.register("workflow", self.handler)

    async def _third(self, step_input: StepInput) -> StepOutput:
        self.fx.calls["three"] += 1
        if queued := self.fx.failures.get("three"):
            raise queued.pop(0)
        if self.hold_third:
            self.hold_third = False
            self.h.blocked += 1
            self.entered.set()
            self.h.engine.wake()  # let settle() see this run is parked on purpose
            try:
                await asyncio.Event().wait()  # until the run is cancelled
            finally:
                self.h.blocked -= 1
        return StepOutput("three")

    async def schedule(self, **options: Any) -> None:
        action = {"workflow": "four", "text": "go"}
        trigger = OnceTrigger(T0 + timedelta(seconds=1), "UTC")
        await self.h.add("nightly", trigger, kind="workflow", action=action, **options)


@pytest.fixture
async def h(store: Store) -> AsyncIterator[Harness]:
    harness = build(store, VirtualClock(T0), shutdown_grace_s=10)
    yield harness
    await harness.engine.stop()


async def test_a_crash_after_step_two_resumes_at_step_three(h: Harness) -> None:
    four = Four(h)
    await four.schedule()
    await h.clock.advance(1)
    # Another replica claims the run, gets through steps one and two, and dies in three.
    await h.store.materialize_due(h.clock.now(), plan_slots)
    [claimed] = await h.store.claim_runs("dead", h.clock.now(), timedelta(seconds=30), 10)
    four.hold_third = True
    ctx = RunContext(run=claimed.run, schedule=claimed.schedule, now=h.clock.now())
    dying = asyncio.create_task(four.handler(ctx))
    await asyncio.wait_for(four.entered.wait(), 5)
    dying.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dying
    await h.engine.start()
    await h.advance(31)  # its lease runs out: "worker lost", and a retry row
    await h.advance(10)  # the retry runs
    first, retry = await h.runs("nightly")
    assert (first.status, retry.status, retry.attempt) == ("failed", "succeeded", 2)
    assert retry.retry_of == first.id and retry.output == "four"
    assert four.fx.calls == {"one": 1, "two": 1, "three": 2, "four": 1}
    steps = await h.store.list_steps(root_run_id=first.id)
    assert trace(steps) == [
        ("one", "succeeded", 1),
        ("two", "succeeded", 1),
        ("three", "failed", 1),
        ("three", "succeeded", 2),
        ("four", "succeeded", 1),
    ]
    assert [s.run_id for s in steps] == [first.id] * 3 + [retry.id] * 2
    assert steps[2].error == CANCELLED


async def test_a_failed_step_fails_the_run_and_the_retry_resumes_there(h: Harness) -> None:
    h.engine.rng = random.Random(7)
    four = Four(h)
    four.fx.fail("three", TransientJobError("upstream 503"))
    await four.schedule()
    await h.engine.start()
    await h.advance(1)
    [first, retry] = await h.runs("nightly")
    assert (first.status, first.error) == ("failed", "step 'three' failed: upstream 503")
    assert retry.status == "pending"
    await h.advance(h.engine.config.backoff_base_s)
    [_, retry] = await h.runs("nightly")
    assert retry.status == "succeeded"
    assert four.fx.calls == {"one": 1, "two": 1, "three": 2, "four": 1}


async def test_the_runs_timeout_covers_the_whole_workflow(h: Harness) -> None:
    h.engine.rng = random.Random(7)
    four = Four(h)
    four.hold_third = True
    await four.schedule(timeout_s=30)
    await h.engine.start()
    await h.clock.advance(1)
    await asyncio.wait_for(four.entered.wait(), 5)
    await h.advance(30)  # steps one and two took no time; three is cut off at 30 s
    await h.advance(h.engine.config.backoff_base_s)
    first, retry = await h.runs("nightly")
    assert (first.status, first.error, retry.status) == (
        "failed",
        "timed out after 30s",
        "succeeded",
    )
    assert four.fx.calls == {"one": 1, "two": 1, "three": 2, "four": 1}
    three = [s for s in await h.store.list_steps(root_run_id=first.id) if s.path == "three"]
    assert [(s.status, s.error, s.duration_ms) for s in three] == [
        ("failed", CANCELLED, 30_000),
        ("succeeded", None, 0),
    ]


async def test_a_permanent_step_failure_fails_the_run_without_retry(h: Harness) -> None:
    four = Four(h)
    four.fx.fail("three", PermanentJobError("channel_not_found"))
    await four.schedule()
    await h.engine.start()
    await h.advance(1)
    await h.advance(hours=1)
    runs = await h.runs("nightly")
    assert [(r.status, r.error) for r in runs] == [
        ("failed", "step 'three' failed: channel_not_found")
    ]
    assert four.fx.calls == {"one": 1, "two": 1, "three": 1}


async def test_a_run_stopped_at_shutdown_resumes_on_the_next_start(h: Harness) -> None:
    four = Four(h)
    four.hold_third = True
    await four.schedule()
    await h.engine.start()
    await h.clock.advance(1)
    await asyncio.wait_for(four.entered.wait(), 5)
    stopping = asyncio.create_task(h.engine.stop())
    await h.clock.advance(0)  # the engine starts waiting out its grace
    await h.clock.advance(10)  # the grace passes: the run is cancelled and given back
    await asyncio.wait_for(stopping, 5)
    [stopped, retry] = await h.runs("nightly")
    assert (stopped.status, stopped.error) == ("failed", STOPPED)
    assert (retry.status, retry.retry_of, retry.attempt) == ("pending", stopped.id, 2)
    registry = JobRegistry()
    registry.register("workflow", four.handler)
    h.engine = Engine(h.store, registry, h.clock, EngineConfig(owner="engine-b"))
    await h.engine.start()
    await h.settle()
    [_, run] = await h.runs("nightly")
    assert (run.id, run.status, run.attempt) == (retry.id, "succeeded", 2)
    assert four.fx.calls == {"one": 1, "two": 1, "three": 2, "four": 1}
    assert trace(await h.store.list_steps(root_run_id=stopped.id))[2:4] == [
        ("three", "failed", 1),
        ("three", "succeeded", 2),
    ]


async def test_a_try_left_running_by_a_vanished_attempt_is_abandoned(store: Store) -> None:
    ctx = await new_run(store, {"workflow": "four"})
    await store.start_step(ctx.run, "three", T0)  # a process died inside it, writing nothing
    fx = Effects()
    flow = Workflow("four", steps=[Step("three", fn=fx.step("three"))])
    handler = make_handler(WorkflowRegistry([flow]), store, VirtualClock(T0))
    assert await handler(ctx) == "three"
    steps = await store.list_steps(run_id=ctx.run.id)
    assert [(s.status, s.attempt, s.error) for s in steps] == [
        ("failed", 1, ABANDONED),
        ("succeeded", 2, None),
    ]
    assert fx.seen["three"][0].outcome_unknown  # it may have had its effect the first time
