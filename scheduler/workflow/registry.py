"""Registered workflows, and the `workflow` job kind's handler that runs them.

Rules:
- A name is registered once (WorkflowError on a second one, unless `replace`).
- A schedule names its workflow in `action["workflow"]`; an unknown name is a
  PermanentJobError listing the registered ones.
- The workflow's input is `action["input"]` when present (any JSON), else
  `action["text"]` (a string, "" when missing).
- The handler returns the final output's text (None when no step gave an
  output); delivering it (posting, say) is the host's business.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

from scheduler.clock import Clock
from scheduler.errors import PermanentJobError
from scheduler.jobs import Handler, RunContext
from scheduler.store import Store
from scheduler.workflow.agent import Ask
from scheduler.workflow.errors import WorkflowError
from scheduler.workflow.model import Workflow
from scheduler.workflow.runner import run_workflow


class WorkflowRegistry:
    """Workflows by name."""

    def __init__(self, workflows: Iterable[Workflow] = ()) -> None:
        self._workflows: dict[str, Workflow] = {}
        for workflow in workflows:
            self.register(workflow)

    def register(self, workflow: Workflow, *, replace: bool = False) -> Workflow:
        """Add `workflow` under its name; returns it."""
        if not isinstance(workflow, Workflow):
            raise WorkflowError(f"{workflow!r} is not a Workflow")
        if workflow.name in self._workflows and not replace:
            raise WorkflowError(f"a workflow named {workflow.name!r} is already registered")
        self._workflows[workflow.name] = workflow
        return workflow

    def get(self, name: str) -> Workflow:
        """The workflow `name`; PermanentJobError naming the registered ones if unknown."""
        try:
            return self._workflows[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise PermanentJobError(f"unknown workflow {name!r} (registered: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._workflows)

    def __contains__(self, name: object) -> bool:
        return name in self._workflows

    def __iter__(self) -> Iterator[str]:
        """The registered names, sorted: a registry is a live collection of names."""
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._workflows)


def workflow_input(ctx: RunContext) -> Any:
    """A schedule's workflow input: `action["input"]` (any JSON) if set, else its text."""
    action = ctx.schedule.action
    return action["input"] if "input" in action else str(action.get("text") or "")


def workflow_handler(
    registry: WorkflowRegistry,
    store: Store,
    clock: Clock,
    ask: Ask | None = None,
    *,
    rng: random.Random | None = None,
) -> Handler:
    """The `workflow` job kind: run the schedule's workflow, return its final text."""

    async def workflow(ctx: RunContext) -> str | None:
        chosen = registry.get(str(ctx.schedule.action.get("workflow") or ""))
        output = await run_workflow(
            chosen, ctx, store=store, clock=clock, input=workflow_input(ctx), ask=ask, rng=rng
        )
        return None if output is None else output.text

    return workflow
