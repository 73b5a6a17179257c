"""The workflow registry and the `workflow` job kind's handler."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.errors import PermanentJobError
from scheduler.store import Store
from scheduler.workflow import (
    Condition,
    Step,
    StepInput,
    StepOutput,
    Workflow,
    WorkflowError,
    WorkflowRegistry,
    workflow_handler,
)
from tests.scheduler.workflow.support import T0, new_run


async def echo_input(step_input: StepInput) -> StepOutput:
    return StepOutput(text=f"got {step_input.text}", data=step_input.input)


ECHO = Workflow("echo", steps=[Step("echo", fn=echo_input)], description="says what it got")


def test_a_name_is_registered_once() -> None:
    registry = WorkflowRegistry([ECHO])
    with pytest.raises(WorkflowError, match="'echo' is already registered"):
        registry.register(Workflow("echo", steps=[Step("x", fn=echo_input)]))
    other = registry.register(Workflow("echo", steps=[Step("x", fn=echo_input)]), replace=True)
    assert registry.get("echo") is other
    assert "echo" in registry and len(registry) == 1


def test_an_unknown_workflow_is_permanent_and_names_the_known_ones() -> None:
    registry = WorkflowRegistry([ECHO, Workflow("digest", steps=[Step("x", agent="hi")])])
    assert registry.names() == ["digest", "echo"]
    with pytest.raises(
        PermanentJobError, match=r"unknown workflow 'nope' \(registered: digest, echo\)"
    ):
        registry.get("nope")
    with pytest.raises(PermanentJobError, match=r"registered: none"):
        WorkflowRegistry().get("nope")


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ({"workflow": "echo", "text": "the channel"}, "got the channel"),
        ({"workflow": "echo"}, "got "),
        ({"workflow": "echo", "text": "ignored", "input": {"n": 1}}, 'got {"n": 1}'),
    ],
)
async def test_the_handler_runs_the_schedules_workflow_on_its_input(
    store: Store, action: dict[str, Any], text: str
) -> None:
    handler = workflow_handler(WorkflowRegistry([ECHO]), store, VirtualClock(T0))
    assert await handler(await new_run(store, action)) == text


async def test_the_handler_refuses_an_unknown_workflow(store: Store) -> None:
    handler = workflow_handler(WorkflowRegistry([ECHO]), store, VirtualClock(T0))
    with pytest.raises(PermanentJobError, match=r"unknown workflow 'gone' \(registered: echo\)"):
        await handler(await new_run(store, {"workflow": "gone"}))


async def test_the_handler_returns_none_when_no_step_gave_an_output(store: Store) -> None:
    quiet = Workflow(
        "quiet", steps=[Condition("c", when="False", steps=[Step("x", fn=echo_input)])]
    )
    handler = workflow_handler(WorkflowRegistry([quiet]), store, VirtualClock(T0))
    assert await handler(await new_run(store, {"workflow": "quiet"})) is None


async def test_the_handler_passes_the_hosts_agent_on(store: Store) -> None:
    async def ask(prompt: str, step_input: StepInput) -> str:
        return prompt.upper()

    flow = Workflow("shout", steps=[Step("s", agent="say {input}")])
    handler = workflow_handler(WorkflowRegistry([flow]), store, VirtualClock(T0), ask)
    assert await handler(await new_run(store, {"workflow": "shout", "text": "hi"})) == "SAY HI"
