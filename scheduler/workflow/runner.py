"""Running a workflow as one schedule run: steps recorded, a retried run resumed.

Rules:
- A workflow run is one run of the engine: its handler timeout covers every
  step, and a step's retries (`Step.max_retries`) wait on the run's clock
  inside it.
- Every try of every step, and of every group around steps, is a `run_steps`
  row (`scheduler.store.steps`): its path, status, try number, timing, output
  and error.
- Resume: an attempt of a run begins by failing the tries its earlier
  attempts left `running`, then reads every done path of the run (all
  attempts share `Run.root_id`). It walks the workflow again from the top:
  a done step is not run again, its persisted output is used instead (a
  skipped one stays skipped); groups around steps are walked again over
  those outputs, so conditions, which must be pure, take the same ways. A
  step whose success was not recorded (the run died inside it) runs again
  with `StepInput.attempt` above 1, so a step with a side effect can look
  for its own earlier effect (`StepInput.idempotency_key`).
- A step that fails for good fails the run with a StepError (the engine
  retries the run) or, for a PermanentJobError, a bad output or a failing
  condition, a PermanentStepError (it does not); either names the step's path.
- A cancelled run (timeout, lost lease, shutdown) records its running tries
  as failed when it still can; otherwise the next attempt abandons them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from scheduler.clock import Clock
from scheduler.engine import MAX_ERROR_CHARS
from scheduler.engine import _describe as describe_error
from scheduler.errors import PermanentJobError, TransientJobError
from scheduler.jobs import RunContext
from scheduler.observe import stepping
from scheduler.planning import backoff_seconds
from scheduler.store import StepRecord, StepStatus, Store
from scheduler.workflow.agent import Ask, answer_output, echo_agent, render_prompt
from scheduler.workflow.conditions import Check
from scheduler.workflow.errors import ConditionError, PermanentStepError, StepError
from scheduler.workflow.model import Condition, Loop, Node, Parallel, Router, Step, Workflow
from scheduler.workflow.values import StepInput, StepOutput

log = logging.getLogger(__name__)
BACKOFF_CAP_S = 60.0
CANCELLED = "cancelled: the run timed out, lost its lease or is shutting down"

Outputs = dict[str, StepOutput]
Outcome = tuple[StepOutput | None, StepStatus]


async def run_workflow(
    workflow: Workflow,
    ctx: RunContext,
    *,
    store: Store,
    clock: Clock,
    input: Any = None,
    ask: Ask | None = None,
    rng: random.Random | None = None,
) -> StepOutput | None:
    """Run (or resume) `workflow` for the run in `ctx`; its final output, None if none."""
    run = _WorkflowRun(workflow, ctx, store, clock, input, ask or echo_agent, rng)
    return await run.run()


@dataclass(frozen=True)
class _Scope:
    """Where a sequence of steps runs: its path prefix, `previous`, loop iteration."""

    prefix: str
    previous: StepOutput | None
    iteration: int | None = None

    def path(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def at(self, previous: StepOutput | None) -> _Scope:
        return _Scope(self.prefix, previous, self.iteration)


@dataclass
class _WorkflowRun:
    workflow: Workflow
    ctx: RunContext
    store: Store
    clock: Clock
    input: Any
    ask: Ask
    rng: random.Random | None
    done: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # path -> output

    def __post_init__(self) -> None:
        self.bodies: dict[type, Callable[..., Awaitable[Outcome]]] = {
            Parallel: self._parallel,
            Loop: self._loop,
            Router: self._router,
            Condition: self._condition,
        }

    async def run(self) -> StepOutput | None:
        root = self.ctx.run.root_id
        await self.store.abandon_steps(root, self.clock.now())
        self.done = await self.store.completed_steps(root)
        if self.done:
            self._log("workflow resumed", "workflow.resume", done=len(self.done))
        return await self._sequence(self.workflow.steps, _Scope("", None), {})

    # -- walking the tree ------------------------------------------------------

    async def _sequence(
        self, nodes: Sequence[Node], scope: _Scope, outputs: Outputs
    ) -> StepOutput | None:
        """Run `nodes` in order; the last output (or scope's previous if none), ending at a stop."""
        previous = scope.previous
        for node in nodes:
            output = await self._node(node, scope.at(previous), outputs)
            if output is None:
                continue
            previous = output
            if output.stop:
                break
        return previous

    async def _node(self, node: Node, scope: _Scope, outputs: Outputs) -> StepOutput | None:
        path = scope.path(node.name)
        with stepping(path):  # log lines inside carry the step's path
            if isinstance(node, Step):
                output = await self._step(node, path, scope, outputs)
            else:
                output = await self._group(node, path, scope, outputs)
        if output is not None:
            outputs[node.name] = outputs[path] = output
        return output

    async def _group(
        self, node: Node, path: str, scope: _Scope, outputs: Outputs
    ) -> StepOutput | None:
        body = self.bodies[type(node)]
        if path in self.done:  # walk it again: its steps replay from their outputs
            return (await body(node, path, scope, outputs))[0]
        record = await self._start(path)
        try:
            output, status = await body(node, path, scope, outputs)
        except asyncio.CancelledError:
            await self._finish_cancelled(record)
            raise
        except Exception as exc:
            await self._finish(record, "failed", error=describe_error(exc))
            raise
        await self._finish(record, status, output)
        return output

    async def _parallel(
        self, group: Parallel, path: str, scope: _Scope, outputs: Outputs
    ) -> Outcome:
        inner = _Scope(path, scope.previous, scope.iteration)
        views = [dict(outputs) for _ in group.steps]
        results = await asyncio.gather(
            *(self._node(node, inner, view) for node, view in zip(group.steps, views, strict=True)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        for view in views:
            outputs.update({k: v for k, v in view.items() if outputs.get(k) is not v})
        gathered = {
            node.name: result
            for node, result in zip(group.steps, results, strict=True)
            if isinstance(result, StepOutput)
        }
        return (
            StepOutput(
                text="\n\n".join(o.text for o in gathered.values() if o.text),
                data={name: {"text": o.text, "data": o.data} for name, o in gathered.items()},
                stop=any(o.stop for o in gathered.values()),
            ),
            "succeeded",
        )

    async def _loop(self, loop: Loop, path: str, scope: _Scope, outputs: Outputs) -> Outcome:
        last = scope.previous
        for iteration in range(1, loop.max_iterations + 1):
            start = last if loop.forward_output else scope.previous
            last = await self._sequence(
                loop.steps, _Scope(f"{path}/{iteration}", start, iteration), outputs
            )
            if last is not None and last.stop:
                break
            if loop.until_check is not None and self._holds(
                loop.until_check, path, _Scope(path, last, iteration), outputs
            ):
                break
        return last, "succeeded"

    async def _router(self, router: Router, path: str, scope: _Scope, outputs: Outputs) -> Outcome:
        route = str(self._evaluate(router.selector_check, path, scope, outputs))
        if route not in router.routes:
            known = ", ".join(sorted(router.routes))
            raise PermanentStepError(path, f"the selector chose {route!r}; routes: {known}")
        inner = _Scope(f"{path}/{route}", scope.previous, scope.iteration)
        steps = cast(Sequence[Node], router.routes[route])  # a tuple once the Router is built
        return await self._sequence(steps, inner, outputs), "succeeded"

    async def _condition(
        self, condition: Condition, path: str, scope: _Scope, outputs: Outputs
    ) -> Outcome:
        taken = self._holds(condition.when_check, path, scope, outputs)
        steps, branch = (condition.steps, "then") if taken else (condition.else_steps, "else")
        if not steps:
            return None, "skipped"
        inner = _Scope(f"{path}/{branch}", scope.previous, scope.iteration)
        return await self._sequence(steps, inner, outputs), "succeeded"

    def _holds(self, check: Check, path: str, scope: _Scope, outputs: Outputs) -> bool:
        return bool(self._evaluate(check, path, scope, outputs))

    def _evaluate(self, check: Check, path: str, scope: _Scope, outputs: Outputs) -> Any:
        try:
            return check(self._input(path, scope, outputs))
        except ConditionError as exc:
            raise PermanentStepError(path, f"its condition {exc}", exc) from exc

    # -- one step ----------------------------------------------------------------

    async def _step(
        self, step: Step, path: str, scope: _Scope, outputs: Outputs
    ) -> StepOutput | None:
        if path in self.done:
            cached = self.done[path]
            return None if cached is None else StepOutput.from_json(cached)
        tries = step.max_retries + 1
        for number in range(1, tries + 1):
            record = await self._start(path)
            try:
                output = await self._call(step, self._input(path, scope, outputs, record.attempt))
            except asyncio.CancelledError:
                await self._finish_cancelled(record)
                raise
            except Exception as exc:
                final = number == tries or isinstance(exc, PermanentJobError)
                status: StepStatus = "skipped" if final and step.optional else "failed"
                await self._finish(record, status, error=describe_error(exc))
                if not final:
                    await self._back_off(step, number, exc)
                    continue
                if step.optional:
                    return None
                raise _failure(path, exc) from exc
            await self._finish(record, "succeeded", output)
            return output
        raise AssertionError("unreachable: the last try returns or raises")

    async def _call(self, step: Step, step_input: StepInput) -> StepOutput:
        if step.fn is not None:
            output = await step.fn(step_input)
        else:
            assert step.agent is not None
            output = answer_output(
                await self.ask(render_prompt(step.agent, step_input), step_input)
            )
        if not isinstance(output, StepOutput):
            raise PermanentJobError(f"it returned {type(output).__name__}, not a StepOutput")
        try:
            output.check_json()
        except (TypeError, ValueError) as exc:
            raise PermanentJobError(f"its output data is not JSON: {exc}") from exc
        return output

    async def _back_off(self, step: Step, number: int, error: Exception) -> None:
        hint = error.retry_after if isinstance(error, TransientJobError) else None
        delay = (
            hint
            if hint is not None
            else backoff_seconds(number, step.backoff_s, BACKOFF_CAP_S, self.rng)
        )
        await self.clock.sleep_until(self.clock.now() + timedelta(seconds=delay))

    def _input(self, path: str, scope: _Scope, outputs: Outputs, attempt: int = 1) -> StepInput:
        return StepInput(
            input=self.input,
            previous=scope.previous,
            outputs=dict(outputs),
            context=self.ctx,
            path=path,
            attempt=attempt,
            iteration=scope.iteration,
        )

    # -- recording ---------------------------------------------------------------

    async def _start(self, path: str) -> StepRecord:
        return await self.store.start_step(self.ctx.run, path, self.clock.now())

    async def _finish(
        self,
        record: StepRecord,
        status: StepStatus,
        output: StepOutput | None = None,
        *,
        error: str | None = None,
    ) -> None:
        now = self.clock.now()
        observer = self.ctx.observer
        ours = await self.store.finish_step(
            record,
            now,
            status,
            summary=output.text if output is not None else None,
            output=output.to_json() if output is not None else None,
            error=observer.scrub(error)[:MAX_ERROR_CHARS] if error is not None else None,
        )
        if not ours:  # a newer attempt abandoned this try: this run is being replaced
            log.warning(
                "step %s ended after its run was taken over",
                record.path,
                extra={"action": "workflow.step.late", "run_id": self.ctx.run.id},
            )
            return
        seconds = (now - record.started_at).total_seconds()
        observer.step_finished(self.workflow.name, record.path, status, seconds)
        self._log(f"step {record.path} {status}", f"workflow.step.{status}", path=record.path)

    async def _finish_cancelled(self, record: StepRecord) -> None:
        """Record a cancelled try as failed if the store still answers; never raise."""
        try:
            await self._finish(record, "failed", error=CANCELLED)
        except Exception as exc:  # the next attempt abandons it instead
            self._log(f"could not record {record.path} as cancelled: {exc}", "workflow.step.lost")

    def _log(self, message: str, action: str, **extra: Any) -> None:
        log.info(
            "%s",
            message,
            extra={
                "action": action,
                "run_id": self.ctx.run.id,
                "schedule": self.ctx.schedule.name,
                "workflow": self.workflow.name,
                **extra,
            },
        )


def _failure(path: str, error: Exception) -> PermanentStepError | StepError:
    """The run's error for a step that failed for good, naming its path and why."""
    why = describe_error(error)
    if isinstance(error, PermanentJobError):
        return PermanentStepError(path, why, error)
    hint = error.retry_after if isinstance(error, TransientJobError) else None
    return StepError(path, why, error, hint)
