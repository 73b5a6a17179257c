"""One recorded run from the command line: leased here, others left alone, posted with Slack."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator import SlackEmulator
from bot.jobs.workflows import builtin_workflows
from bot.setup.commands import workflows_run
from bot.setup.trial import (
    INTERRUPTED,
    OfflineSteps,
    _lease,
    offline_handler,
    on_demand_spec,
    run_trial,
)
from scheduler.clock import VirtualClock
from scheduler.jobs import RunContext
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from scheduler.workflow import WorkflowRegistry
from tests.bot.harness import bot_posts, bot_settings

LEASE = timedelta(minutes=10)


async def waiting_run(store: Store, clock: VirtualClock) -> int:
    """A run of someone else's schedule, due before ours, that nobody has started."""
    spec = ScheduleSpec(
        team_id="T1", name="other", trigger=CronTrigger("0 9 * * *", "UTC"), action_kind="message"
    )
    other = await store.create_schedule(spec, clock.now())
    run = await store.add_manual_run(other, clock.now())
    await clock.advance(seconds=1)
    return run.id


async def test_an_offline_run_is_recorded_and_other_runs_are_left_alone(
    store: Store, clock: VirtualClock
) -> None:
    other = await waiting_run(store, clock)
    workflows = WorkflowRegistry(builtin_workflows(OfflineSteps()))
    handler = offline_handler(workflows, store, clock, None)
    spec = on_demand_spec("T1", "heartbeat", None, clock.now())
    trial = await run_trial(store, clock, spec, handler, owner="cli-test", input_text=None)

    assert (trial.status, trial.schedule.name, trial.schedule.source) == (
        "succeeded",
        "heartbeat-local",
        "cli",
    )
    assert trial.output == ":gear: Workflow *heartbeat* ran for *heartbeat-local*."
    assert (trial.run.trigger, trial.run.status, trial.run.output) == (
        "manual",
        "succeeded",
        trial.output,
    )
    assert [(s.path, s.status) for s in trial.steps] == [
        ("beat", "succeeded"),
        ("post", "succeeded"),
    ]
    untouched = await store.get_run(other)
    assert (untouched.status, untouched.lease_owner, untouched.attempt) == ("pending", None, 1)
    again = await run_trial(store, clock, spec, handler, owner="cli-test")
    assert again.schedule.id == trial.schedule.id  # the same on-demand schedule, a new run
    assert again.run.id != trial.run.id


async def test_the_input_is_for_this_run_only(store: Store, clock: VirtualClock) -> None:
    workflows = WorkflowRegistry(builtin_workflows(OfflineSteps()))
    handler = offline_handler(workflows, store, clock, None)
    spec = on_demand_spec("T1", "draft-and-review", "C0ENG", clock.now())
    trial = await run_trial(store, clock, spec, handler, owner="cli", input_text="ship it")
    assert trial.output == "Ship it."
    assert (await store.get_schedule("T1", "draft-and-review-c0eng")).action["text"] == ""


async def test_a_run_a_running_tock_leased_first_is_left_to_it(
    store: Store, clock: VirtualClock
) -> None:
    spec = on_demand_spec("T1", "heartbeat", None, clock.now())
    schedule = await store.create_schedule(spec, clock.now())
    run = await store.add_manual_run(schedule, clock.now())
    [theirs] = await store.claim_runs("engine-a", clock.now(), LEASE, 10)
    assert theirs.run.id == run.id
    assert await _lease(store, clock, run, "cli", LEASE) is None
    assert (await store.get_run(run.id)).lease_owner == "engine-a"


async def test_an_interrupted_run_is_recorded_as_failed_so_none_retries_it(
    store: Store, clock: VirtualClock
) -> None:
    async def interrupted(ctx: RunContext) -> str:
        raise asyncio.CancelledError

    spec = on_demand_spec("T1", "heartbeat", None, clock.now())
    with pytest.raises(asyncio.CancelledError):
        await run_trial(store, clock, spec, interrupted, owner="cli")
    [(run, _)] = await store.list_runs(team_id="T1")
    assert (run.status, run.error, run.lease_owner) == ("failed", INTERRUPTED, "cli")
    assert await store.list_runs(status="pending") == []


async def test_a_name_that_is_not_the_on_demand_schedule_is_refused(
    store: Store, clock: VirtualClock
) -> None:
    mine = ScheduleSpec(
        team_id="T1",
        name="heartbeat-local",
        trigger=CronTrigger("0 9 * * *", "UTC"),
        action_kind="message",
        action={"text": "mine"},
        source="chat",
    )
    await store.create_schedule(mine, clock.now())
    workflows = WorkflowRegistry(builtin_workflows(OfflineSteps()))
    spec = on_demand_spec("T1", "heartbeat", None, clock.now())
    with pytest.raises(ValueError, match="already exists and is not this workflow's on-demand"):
        await run_trial(
            store, clock, spec, offline_handler(workflows, store, clock, None), owner="c"
        )
    assert await store.list_runs() == []


async def test_with_slack_configured_it_posts_as_the_bot(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    settings = bot_settings(emulator, tmp_path)
    general = emulator.channel("general").id
    out = io.StringIO()
    code = await workflows_run(
        settings, settings.database_url, "heartbeat", input_text=None, channel=general, out=out
    )
    assert code == 0, out.getvalue()
    [post] = bot_posts(emulator, "general")
    assert post.text == f":gear: Workflow *heartbeat* ran for *heartbeat-{general.lower()}*."
    first = out.getvalue().splitlines()[0]
    assert first == f"workflow heartbeat: run 1 of heartbeat-{general.lower()} (in {general})"

    with pytest.raises(ValueError, match="say where to post: --channel"):
        await workflows_run(
            settings, settings.database_url, "heartbeat", input_text=None, channel=None, out=out
        )
