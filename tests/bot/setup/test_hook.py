"""Loading TOCK_APP's setup hook: what it registers, and each way it can fail in one line."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from bot.setup.errors import SetupError
from bot.setup.hook import Tock, load_app
from scheduler.jobs import RunContext
from scheduler.workflow import Step, StepInput, StepOutput, Workflow


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from `tmp_path`, as an operator runs tock next to their module."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the loader adds the current directory
    return tmp_path


def module(here: Path, source: str) -> str:
    """A fresh module in `here` (a new name each time: imports are cached)."""
    name = f"tock_setup_{uuid.uuid4().hex[:8]}"
    (here / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return name


async def failure(target: str) -> tuple[str, ...]:
    with pytest.raises(SetupError) as raised:
        await load_app(target)
    return raised.value.problems


async def beat(ctx: RunContext) -> str:
    return "beat"


async def step(_: StepInput) -> StepOutput:
    return StepOutput(text="done")


async def test_no_tock_app_is_an_empty_setup() -> None:
    assert (await load_app(None)).empty


async def test_the_hook_registers_workflows_kinds_and_schedules(here: Path) -> None:
    name = module(
        here,
        """
        from scheduler.workflow import Step, StepOutput, Workflow

        async def hello(step):
            return StepOutput(text="hello")

        async def beat(ctx):
            return "beat"

        def setup(tock):
            tock.workflow(Workflow("hello", steps=[Step("say", fn=hello)]))
            tock.job_kind("beat", beat)

            @tock.job_kind("other-beat")
            async def other(ctx):
                return "other"

            tock.register_schedule("beat", cron="*/5 * * * *", action="beat", args={"n": 1})
        """,
    )
    tock = await load_app(name)
    assert tock.where == f"setup hook {name}"
    assert [w.name for w in tock.workflows] == ["hello"]
    assert sorted(tock.job_kinds) == ["beat", "other-beat"]
    [schedule] = tock.schedules
    assert (schedule.name, schedule.cron, schedule.action, schedule.args) == (
        "beat",
        "*/5 * * * *",
        "beat",
        {"n": 1},
    )


async def test_an_async_setup_and_a_named_function(here: Path) -> None:
    name = module(
        here,
        """
        async def configure(tock):
            tock.register_schedule("hi", when="every day at 9am", channel="C0ENG", text="hi")
        """,
    )
    assert [s.name for s in (await load_app(f"{name}:configure")).schedules] == ["hi"]


async def test_a_missing_module_or_function(here: Path) -> None:
    [problem] = await failure("no_such_package.tock_setup")
    assert problem == (
        "TOCK_APP=no_such_package.tock_setup: there is no module named "
        "'no_such_package.tock_setup' (install it, or run tock from the directory that holds it)"
    )
    name = module(here, "x = 1\n")
    assert await failure(name) == (f"TOCK_APP={name}: {name} has no setup(tock) function",)
    assert await failure(f"{name}:x") == (f"TOCK_APP={name}:x: {name} has no x(tock) function",)
    assert "is not a module name" in (await failure("not a/module"))[0]


async def test_a_module_that_fails_to_import_says_what_and_where(here: Path) -> None:
    missing_dep = module(here, "import no_such_dependency\n")
    [problem] = await failure(missing_dep)
    assert problem.startswith(f"TOCK_APP={missing_dep}: importing it raised ModuleNotFoundError")
    assert "no_such_dependency" in problem and f"(at {missing_dep}.py:1)" in problem
    broken = module(here, "x = 1\nraise RuntimeError('bad config')\n")
    assert await failure(broken) == (
        f"TOCK_APP={broken}: importing it raised RuntimeError: bad config (at {broken}.py:2)",
    )


async def test_a_setup_that_raises_is_one_line_naming_its_line(here: Path) -> None:
    name = module(
        here,
        """
        import os

        def setup(tock):
            channel = os.environ["ONCALL_CHANNEL_FOR_A_TEST_THAT_IS_UNSET"]
        """,
    )
    [problem] = await failure(name)
    assert problem == (
        f"TOCK_APP={name}: setup(tock) raised KeyError: "
        f"'ONCALL_CHANNEL_FOR_A_TEST_THAT_IS_UNSET' (at {name}.py:5)"
    )


async def test_every_bad_declaration_is_listed_and_nothing_is_kept(here: Path) -> None:
    name = module(
        here,
        """
        def beat(ctx):
            return "not async"

        def setup(tock):
            tock.workflow("not a workflow")
            tock.job_kind("Beat Kind", beat)
            tock.job_kind("beat", beat)
            tock.register_schedule("Bad Name", when="every day at 9am", text="x")
            tock.register_schedule("ok", cron="0 9 * * *", when="every day at 9am")
            tock.register_schedule("typo", cron="0 9 * * *", chanel="C0ENG")
        """,
    )
    problems = await failure(name)
    where = f"setup hook {name}"
    assert problems[0] == f"{where}: tock.workflow() needs a Workflow, not 'not a workflow'"
    assert problems[1].startswith(f"{where}, job kind 'Beat Kind': use 1-60 lower-case")
    assert (
        problems[2]
        == f"{where}, job kind 'beat': the handler must be an async function (async def)"
    )
    assert problems[3].startswith(f"{where}, schedule 'Bad Name', `name`: use lower-case letters")
    assert "give exactly one of `when`" in problems[4]
    assert problems[5].startswith(f"{where}, schedule 'typo': unknown field `chanel`")
    assert len(problems) == 6


def test_the_tock_object_refuses_twice_the_same_name() -> None:
    tock = Tock("hook")
    flow = Workflow("w", steps=[Step("s", fn=step)])
    assert tock.workflow(flow) is flow
    tock.workflow(flow)
    tock.job_kind("beat", beat)
    tock.job_kind("beat", beat)
    tock.register_schedule("a", cron="0 9 * * *", action="beat")
    tock.register_schedule("a", cron="0 10 * * *", action="beat")
    assert tock.problems == [
        "hook: two workflows are named 'w'",
        "hook, job kind 'beat': registered twice",
        "hook, schedule 'a': declared twice",
    ]
    assert (len(tock.workflows), len(tock.job_kinds), len(tock.schedules)) == (1, 1, 1)
