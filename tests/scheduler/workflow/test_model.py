"""Defining workflows: a bad definition is refused when it is built, saying why."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.workflow import (
    Condition,
    Loop,
    Parallel,
    Router,
    Step,
    StepInput,
    StepOutput,
    Workflow,
    WorkflowError,
)


async def noop(step_input: StepInput) -> StepOutput:
    return StepOutput()


def sync_fn(step_input: StepInput) -> StepOutput:
    return StepOutput()


def step(name: str = "s") -> Step:
    return Step(name, fn=noop)


REFUSED: list[tuple[str, Any, str]] = [
    ("a bad name", lambda: step("has/slash"), r"step name 'has/slash': use 1-60 letters"),
    ("an empty name", lambda: step(""), r"step name '': use"),
    ("both fn and agent", lambda: Step("s", fn=noop, agent="x"), r"give either fn or agent"),
    ("neither", lambda: Step("s"), r"give either fn or agent"),
    ("a sync fn", lambda: Step("s", fn=sync_fn), r"fn must be an async function"),  # type: ignore[arg-type]
    ("a blank prompt", lambda: Step("s", agent="  "), r"agent must be a non-empty prompt"),
    ("negative retries", lambda: Step("s", fn=noop, max_retries=-1), r"max_retries must be"),
    ("no steps", lambda: Workflow("w", steps=[]), r"workflow 'w': has no steps"),
    ("a non-step", lambda: Workflow("w", steps=["x"]), r"'x' is not a step"),
    ("duplicate siblings", lambda: Parallel("g", step("a"), step("a")), r"two steps are named 'a'"),
    ("zero iterations", lambda: Loop("l", steps=[step()], max_iterations=0), r"max_iterations"),
    ("no routes", lambda: Router("r", selector="input", routes={}), r"routes must map"),
    ("a bad route name", lambda: Router("r", "input", {"a/b": step()}), r"route name 'a/b'"),
    ("an async condition", lambda: Condition("c", when=noop, steps=[step()]), r"a plain function"),
    ("a bad expression", lambda: Loop("l", steps=[step()], until="x ="), r"not an expression"),
    (
        "a path too long",
        lambda: Workflow(
            "w",
            steps=[
                Loop(
                    "l" * 60,
                    steps=[
                        Loop(
                            "m" * 60,
                            steps=[Loop("n" * 60, steps=[Loop("o" * 60, steps=[step("p" * 60)])])],
                        )
                    ],
                )
            ],
        ),
        r"longer than 300 characters",
    ),
]


@pytest.mark.parametrize(("why", "build", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_it_refuses(why: str, build: Any, message: str) -> None:
    with pytest.raises(WorkflowError, match=message):
        build()


def test_steps_may_be_one_step_or_a_list_and_routes_either() -> None:
    router = Router("r", selector="input", routes={"a": step("x"), "b": [step("y"), step("z")]})
    assert router.routes == {"a": (step("x"),), "b": (step("y"), step("z"))}
    flow = Workflow("w", steps=[router, Condition("c", when="True", steps=step())])
    assert [n.name for n in flow.steps] == ["r", "c"]


def test_names_repeat_across_levels_and_branches() -> None:
    Workflow(
        "w",
        steps=[
            step("post"),
            Router("r", selector="input", routes={"a": step("post"), "b": step("post")}),
            Loop("post_loop", steps=[step("post")]),
        ],
    )
