"""What the engine and the workflow runner let their host see: events and log context.

- `Observer`: the engine calls `run_started` when a handler starts and
  `run_finished` once the outcome is recorded; the workflow runner calls
  `step_finished` for every recorded try of a step or group. `scrub` cleans
  every error text before it is stored (a host hides its secrets there). The
  base class does nothing: the engine works unobserved. Calls are inline on
  the hot path, so an implementation must be quick and must not raise.
- `log_scope()`: the run (and step) the current task works for, or None.
  The engine sets it around a run's handler and the runner around a step
  (`running`, `stepping`); a logging filter copies it onto every record, so
  no call threads `run_id` through its extras. Each run is its own task and
  asyncio copies the context into the tasks a run starts, so parallel steps
  each see their own step and nothing leaks between runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from scheduler.records import Run, Schedule


class Observer:
    """Hooks for the host (metrics, secrets); every one a no-op here."""

    def run_started(self, run: Run, schedule: Schedule, lateness_s: float) -> None:
        """A handler starts, `lateness_s` after the run fell due."""

    def run_finished(self, run: Run, schedule: Schedule, status: str, seconds: float) -> None:
        """The run's outcome was recorded (not called when its lease was lost)."""

    def step_finished(self, workflow: str, path: str, status: str, seconds: float) -> None:
        """A try of a workflow step (or group) was recorded as `status`."""

    def scrub(self, text: str) -> str:
        """The error text to store for a run or step."""
        return text


@dataclass(frozen=True)
class LogScope:
    """What every log line written for a run carries."""

    run_id: int
    schedule: str
    step: str | None = None


_scope: ContextVar[LogScope | None] = ContextVar("tock_log_scope", default=None)


def log_scope() -> LogScope | None:
    return _scope.get()


@contextmanager
def running(run: Run, schedule: Schedule) -> Iterator[None]:
    """Log lines inside carry this run's id and schedule."""
    token = _scope.set(LogScope(run.id, schedule.name))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def stepping(path: str) -> Iterator[None]:
    """Log lines inside also carry this step's path (outside a run: nothing changes)."""
    scope = _scope.get()
    if scope is None:
        yield
        return
    token = _scope.set(replace(scope, step=path))
    try:
        yield
    finally:
        _scope.reset(token)
