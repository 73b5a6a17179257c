"""Errors of workflows, under the scheduler's one tree (`scheduler.errors`).

SchedulerError
 ├── WorkflowError            a workflow definition is not valid (raised when it is built)
 ├── ConditionError           a condition failed while running (a missing output, a wrong
 │                            type); the runner reports it as the PermanentStepError of
 │                            its step, since the same outputs would fail it again
 └── JobError
      ├── PermanentJobError
      │    └── PermanentStepError   a step failed for good: the run fails, no retry
      └── TransientJobError
           └── StepError            a step failed for now: the engine retries the run,
                                    which resumes at that step

A step error's message names the step's path and why ("step 'gather/fetch_a'
failed: TimeoutError: ..."); `.path` holds the path and `.cause` the step's own
exception (also its `__cause__`), so a host can still react to, say, a
delivery error raised inside a step.
"""

from __future__ import annotations

from scheduler.errors import PermanentJobError, SchedulerError, TransientJobError


class WorkflowError(SchedulerError, ValueError):
    """A workflow, step or condition is defined wrongly; the message says which and why."""


class PermanentStepError(PermanentJobError):
    """A step failed with an error retrying cannot fix."""

    def __init__(self, path: str, why: str, cause: BaseException | None = None) -> None:
        super().__init__(f"step {path!r} failed: {why}")
        self.path = path
        self.cause = cause


class StepError(TransientJobError):
    """A step failed with an error that may pass; a retried run resumes at it."""

    def __init__(
        self,
        path: str,
        why: str,
        cause: BaseException | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"step {path!r} failed: {why}", retry_after)
        self.path = path
        self.cause = cause


class ConditionError(SchedulerError):
    """A condition failed while running; the message quotes it and says why."""
