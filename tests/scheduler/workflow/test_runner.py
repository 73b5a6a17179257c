"""Running workflows, on SQLite and Postgres: what runs, what each step sees, what is recorded."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from scheduler.errors import PermanentJobError, TransientJobError
from scheduler.jobs import RunContext
from scheduler.store import Store
from scheduler.workflow import (
    Condition,
    Loop,
    Parallel,
    PermanentStepError,
    Router,
    Step,
    StepError,
    StepInput,
    StepOutput,
    Workflow,
    run_workflow,
)
from tests.scheduler.workflow.support import Effects, JumpClock, new_run, trace


@pytest.fixture
def clock() -> JumpClock:
    return JumpClock()


@pytest.fixture
def fx() -> Effects:
    return Effects()


async def run(
    store: Store, clock: JumpClock, workflow: Workflow, ctx: RunContext | None = None, **kw: Any
) -> tuple[StepOutput | None, RunContext]:
    ctx = ctx or await new_run(store)
    output = await run_workflow(workflow, ctx, store=store, clock=clock, **kw)
    return output, ctx


async def steps_of(store: Store, ctx: RunContext) -> list[tuple[str, str, int]]:
    return trace(await store.list_steps(root_run_id=ctx.run.root_id))


async def test_a_sequence_passes_each_output_to_the_next(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    flow = Workflow("seq", steps=[Step(n, fn=fx.step(n)) for n in ("a", "b", "c")])
    output, ctx = await run(store, clock, flow, input="hello")
    assert output == StepOutput(text="c")
    assert [fx.seen[n][0].previous for n in "abc"] == [None, StepOutput("a"), StepOutput("b")]
    seen = fx.seen["c"][0]
    assert (seen.input, seen.path, seen.attempt, seen.context) == ("hello", "c", 1, ctx)
    assert set(seen.outputs) == {"a", "b"}
    assert await steps_of(store, ctx) == [
        ("a", "succeeded", 1),
        ("b", "succeeded", 1),
        ("c", "succeeded", 1),
    ]


async def test_rows_record_paths_statuses_durations_and_outputs(
    store: Store, clock: JumpClock
) -> None:
    async def slow(step_input: StepInput) -> StepOutput:
        clock.tick(2.5)
        return StepOutput(text="x" * 900, data={"n": 1})

    flow = Workflow(
        "rows", steps=[Parallel("gather", Step("fetch_a", fn=slow), Step("fetch_b", fn=slow))]
    )
    _, ctx = await run(store, clock, flow)
    rows = {r.path: r for r in await store.list_steps(run_id=ctx.run.id)}
    assert list(rows) == ["gather", "gather/fetch_a", "gather/fetch_b"]
    fetch = rows["gather/fetch_a"]
    assert (fetch.status, fetch.attempt, fetch.run_id, fetch.root_run_id) == (
        "succeeded",
        1,
        ctx.run.id,
        ctx.run.id,
    )
    assert fetch.duration_ms == 2500 and fetch.finished_at is not None
    assert fetch.output == {"text": "x" * 900, "data": {"n": 1}, "stop": False}
    assert fetch.summary is not None and len(fetch.summary) == 500 and fetch.summary.endswith("…")
    assert rows["gather"].duration_ms == 5000  # the two ran one after the other on this clock
    assert rows["gather"].output["data"] == {
        "fetch_a": {"text": "x" * 900, "data": {"n": 1}},
        "fetch_b": {"text": "x" * 900, "data": {"n": 1}},
    }


async def test_parallel_gathers_results_by_name(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    flow = Workflow(
        "par",
        steps=[
            Step("start", fn=fx.step("start")),
            Parallel(
                "gather", Step("a", fn=fx.step("a", data=1)), Step("b", fn=fx.step("b", data=2))
            ),
            Step("after", fn=fx.step("after")),
        ],
    )
    output, _ = await run(store, clock, flow)
    assert output == StepOutput("after")
    assert fx.seen["a"][0].previous == fx.seen["b"][0].previous == StepOutput("start")
    assert fx.seen["a"][0].path == "gather/a"
    after = fx.seen["after"][0]
    assert after.previous == StepOutput(
        "a\n\nb", {"a": {"text": "a", "data": 1}, "b": {"text": "b", "data": 2}}
    )
    assert after.outputs["gather/b"] == after.outputs["b"] == StepOutput("b", 2)


async def test_a_failing_parallel_step_fails_the_group_after_its_siblings(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    fx.fail("a", RuntimeError("boom"))
    flow = Workflow(
        "par",
        steps=[
            Parallel("gather", Step("a", fn=fx.step("a")), Step("b", fn=fx.step("b"))),
            Step("after", fn=fx.step("after")),
        ],
    )
    with pytest.raises(StepError, match=r"step 'gather/a' failed: RuntimeError: boom") as caught:
        await run(store, clock, flow, ctx=(ctx := await new_run(store)))
    assert caught.value.path == "gather/a" and isinstance(caught.value.cause, RuntimeError)
    assert fx.calls == {"a": 1, "b": 1}
    assert await steps_of(store, ctx) == [
        ("gather", "failed", 1),
        ("gather/a", "failed", 1),
        ("gather/b", "succeeded", 1),
    ]
    group = (await store.list_steps(run_id=ctx.run.id))[0]
    assert group.error == "step 'gather/a' failed: RuntimeError: boom"


async def test_an_optional_parallel_step_may_fail(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    fx.fail("a", RuntimeError("down"))
    flow = Workflow(
        "par",
        steps=[
            Parallel(
                "gather", Step("a", fn=fx.step("a"), optional=True), Step("b", fn=fx.step("b"))
            ),
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput("b", {"b": {"text": "b", "data": None}})
    rows = {r.path: r for r in await store.list_steps(run_id=ctx.run.id)}
    assert (rows["gather/a"].status, rows["gather/a"].error) == ("skipped", "RuntimeError: down")
    assert rows["gather"].status == "succeeded"


async def test_an_optional_step_in_a_sequence_is_passed_over(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    fx.fail("b", PermanentJobError("no"))
    flow = Workflow(
        "seq",
        steps=[
            Step("a", fn=fx.step("a")),
            Step("b", fn=fx.step("b"), optional=True, max_retries=3),
            Step("c", fn=fx.step("c")),
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput("c")
    assert fx.seen["c"][0].previous == StepOutput("a") and "b" not in fx.seen["c"][0].outputs
    assert fx.calls["b"] == 1  # a permanent error is not tried again
    assert ("b", "skipped", 1) in await steps_of(store, ctx)


async def test_a_loop_ends_when_its_condition_holds(store: Store, clock: JumpClock) -> None:
    scores = iter([3, 6, 9, 10])

    async def review(step_input: StepInput) -> StepOutput:
        return StepOutput(text="review", data={"score": next(scores)})

    async def draft(step_input: StepInput) -> StepOutput:
        return StepOutput(text=f"draft {step_input.iteration}")

    flow = Workflow(
        "review",
        steps=[
            Loop(
                "draft_review",
                steps=[Step("draft", fn=draft), Step("review", fn=review)],
                until="outputs['review'].data['score'] >= 8",
                max_iterations=5,
            )
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput("review", {"score": 9})
    assert await steps_of(store, ctx) == [
        ("draft_review", "succeeded", 1),
        *[
            (f"draft_review/{i}/{s}", "succeeded", 1)
            for i in (1, 2, 3)
            for s in ("draft", "review")
        ],
    ]


async def test_a_loop_ends_when_its_iterations_run_out(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    flow = Workflow(
        "loop",
        steps=[
            Loop(
                "again",
                steps=[Step("try", fn=fx.step("try", data={"score": 1}))],
                until=lambda i: i.previous.data["score"] > 5,
                max_iterations=3,
            ),
            Step("post", fn=fx.step("post")),
        ],
    )
    output, _ = await run(store, clock, flow)
    assert output == StepOutput("post")
    assert fx.calls["try"] == 3
    assert [s.iteration for s in fx.seen["try"]] == [1, 2, 3]
    assert fx.seen["post"][0].previous == StepOutput("try", {"score": 1})


@pytest.mark.parametrize(
    ("forward", "expected"), [(True, ["in", "1", "2"]), (False, ["in", "in", "in"])]
)
async def test_forward_output_hands_each_iteration_the_last_ones_output(
    store: Store, clock: JumpClock, forward: bool, expected: list[str]
) -> None:
    seen: list[str] = []

    async def work(step_input: StepInput) -> StepOutput:
        seen.append(step_input.text)
        return StepOutput(text=str(step_input.iteration))

    flow = Workflow(
        "fwd",
        steps=[
            Step("start", fn=Effects().step("in")),
            Loop("l", steps=[Step("work", fn=work)], max_iterations=3, forward_output=forward),
        ],
    )
    output, _ = await run(store, clock, flow)
    assert seen == expected
    assert output == StepOutput("3")


@pytest.mark.parametrize(("kind", "ran"), [("bug", "file"), ("question", "answer")])
async def test_a_router_runs_the_route_its_selector_names(
    store: Store, clock: JumpClock, fx: Effects, kind: str, ran: str
) -> None:
    flow = Workflow(
        "triage",
        steps=[
            Step("classify", fn=fx.step("classify", data={"kind": kind})),
            Router(
                "route",
                selector="outputs['classify'].data['kind']",
                routes={
                    "bug": [Step("file", fn=fx.step("file"))],
                    "question": Step("answer", fn=fx.step("answer")),
                },
            ),
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput(ran)
    assert set(fx.calls) == {"classify", ran}
    assert (f"route/{kind}/{ran}", "succeeded", 1) in await steps_of(store, ctx)


async def test_a_router_with_no_such_route_fails_for_good(store: Store, clock: JumpClock) -> None:
    flow = Workflow(
        "triage",
        steps=[
            Router(
                "route", selector=lambda i: i.input, routes={"a": Step("x", fn=Effects().step("x"))}
            )
        ],
    )
    with pytest.raises(
        PermanentStepError, match=r"step 'route' failed: the selector chose 'zzz'; routes: a"
    ):
        await run(store, clock, flow, input="zzz")


@pytest.mark.parametrize(
    ("urgent", "ran", "path"),
    [(True, "page", "check/then/page"), (False, "note", "check/else/note")],
)
async def test_a_condition_takes_its_steps_or_its_else_steps(
    store: Store, clock: JumpClock, fx: Effects, urgent: bool, ran: str, path: str
) -> None:
    flow = Workflow(
        "alert",
        steps=[
            Condition(
                "check",
                when="input['urgent']",
                steps=[Step("page", fn=fx.step("page"))],
                else_steps=[Step("note", fn=fx.step("note"))],
            )
        ],
    )
    output, ctx = await run(store, clock, flow, input={"urgent": urgent})
    assert output == StepOutput(ran)
    assert await steps_of(store, ctx) == [("check", "succeeded", 1), (path, "succeeded", 1)]


async def test_a_condition_with_nothing_to_run_is_skipped(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    flow = Workflow(
        "alert",
        steps=[
            Step("a", fn=fx.step("a")),
            Condition(
                "check", when="previous.text == 'never'", steps=[Step("page", fn=fx.step("page"))]
            ),
            Step("b", fn=fx.step("b")),
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput("b")
    assert fx.seen["b"][0].previous == StepOutput("a")
    assert await steps_of(store, ctx) == [
        ("a", "succeeded", 1),
        ("check", "skipped", 1),
        ("b", "succeeded", 1),
    ]


async def test_a_stop_ends_the_workflow_from_any_depth(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    flow = Workflow(
        "stop",
        steps=[
            Loop(
                "l",
                steps=[
                    Step("a", fn=fx.step("a")),
                    Step("halt", fn=fx.step("halt", StepOutput("nothing new", stop=True))),
                    Step("b", fn=fx.step("b")),
                ],
                max_iterations=3,
            ),
            Step("post", fn=fx.step("post")),
        ],
    )
    output, ctx = await run(store, clock, flow)
    assert output == StepOutput("nothing new", stop=True)
    assert fx.calls == {"a": 1, "halt": 1}
    assert [p for p, _, _ in await steps_of(store, ctx)] == ["l", "l/1/a", "l/1/halt"]


async def test_a_step_is_retried_inside_the_run_with_backoff(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    fx.fail("flaky", RuntimeError("503"), TransientJobError("slow down", retry_after=7))
    flow = Workflow("retry", steps=[Step("flaky", fn=fx.step("flaky"), max_retries=2, backoff_s=2)])
    output, ctx = await run(store, clock, flow, rng=random.Random(1))
    assert output == StepOutput("flaky")
    assert [s.attempt for s in fx.seen["flaky"]] == [1, 2, 3]
    assert fx.seen["flaky"][1].outcome_unknown
    first = random.Random(1)
    assert clock.waits == [
        pytest.approx(1 + first.random()),
        7,
    ]  # 2 s with jitter above half, then the hint
    rows = await store.list_steps(run_id=ctx.run.id)
    assert [(r.status, r.error) for r in rows] == [
        ("failed", "RuntimeError: 503"),
        ("failed", "slow down"),
        ("succeeded", None),
    ]
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(rows)]
    assert gaps == pytest.approx(clock.waits)  # the tries waited on the run's clock


async def test_a_step_out_of_retries_fails_the_run_naming_it(
    store: Store, clock: JumpClock, fx: Effects
) -> None:
    fx.fail("flaky", *[RuntimeError("503")] * 3)
    flow = Workflow(
        "retry", steps=[Loop("l", steps=[Step("flaky", fn=fx.step("flaky"), max_retries=1)])]
    )
    with pytest.raises(StepError, match=r"^step 'l/1/flaky' failed: RuntimeError: 503$"):
        await run(store, clock, flow)
    assert fx.calls["flaky"] == 2


async def test_a_step_returning_no_step_output_fails_for_good(
    store: Store, clock: JumpClock
) -> None:
    async def sloppy(step_input: StepInput) -> Any:
        return "just text"

    async def not_json(step_input: StepInput) -> StepOutput:
        return StepOutput(data={"when": object()})

    for fn, why in (
        (sloppy, "it returned str, not a StepOutput"),
        (not_json, "its output data is not JSON"),
    ):
        flow = Workflow("bad", steps=[Step("s", fn=fn, max_retries=3)])
        with pytest.raises(PermanentStepError, match=f"step 's' failed: {why}"):
            await run(
                store, clock, flow, ctx=await new_run(store, name=fn.__name__.replace("_", "-"))
            )


async def test_a_failing_condition_fails_its_step_for_good(store: Store, clock: JumpClock) -> None:
    flow = Workflow(
        "cond",
        steps=[
            Condition(
                "check",
                when="outputs['missing'].data > 1",
                steps=[Step("x", fn=Effects().step("x"))],
            )
        ],
    )
    with pytest.raises(
        PermanentStepError,
        match=r"step 'check' failed: its condition `outputs\['missing'\].data > 1` failed: Key",
    ):
        await run(store, clock, flow)


async def test_agent_steps_ask_the_host_and_read_json_answers(
    store: Store, clock: JumpClock
) -> None:
    asked: list[tuple[str, str]] = []

    async def ask(prompt: str, step_input: StepInput) -> str:
        asked.append((prompt, step_input.path))
        return '{"score": 9}' if prompt.startswith("Score") else "A summary."

    flow = Workflow(
        "agents",
        steps=[
            Step("summarize", agent="Summarize: {input}"),
            Step("review", agent="Score this: {previous} (was: {summarize}; {unknown} stays)"),
        ],
    )
    output, _ = await run(store, clock, flow, input="the news", ask=ask)
    assert asked == [
        ("Summarize: the news", "summarize"),
        ("Score this: A summary. (was: A summary.; {unknown} stays)", "review"),
    ]
    assert output == StepOutput('{"score": 9}', {"score": 9})


async def test_without_an_ask_a_deterministic_stand_in_answers(
    store: Store, clock: JumpClock
) -> None:
    flow = Workflow("offline", steps=[Step("summarize", agent="Summarize: {input}")])
    output, _ = await run(store, clock, flow, input="the news")
    assert output == StepOutput("Summarize: the news")
