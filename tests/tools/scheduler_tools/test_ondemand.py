"""run_workflow: a registered workflow once, now, as a manual run of its on-demand schedule."""

from __future__ import annotations

from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.tools.scheduler_tools.support import (
    ALICE,
    BOB,
    create,
    refused,
    snapshot,
    workspace_membership,
)
from tools.scheduler_tools import RunWorkflowArgs, SchedulerTools


def make(store: Store, clock: VirtualClock) -> SchedulerTools:
    return SchedulerTools(store, clock, workspace_membership(), workflows=("weekly-report",))


async def test_a_run_is_a_manual_run_of_a_paused_on_demand_schedule(
    store: Store, clock: VirtualClock
) -> None:
    tools = make(store, clock)
    first = await tools.run_workflow(ALICE, RunWorkflowArgs(workflow="weekly-report"))
    again = await tools.run_workflow(BOB, RunWorkflowArgs(workflow="weekly-report"))
    [schedule] = await store.list_schedules("T1")
    assert schedule.name == first["name"] == again["name"] == "weekly-report-ceng"
    assert (schedule.status, schedule.channel_id, schedule.action_kind) == (
        "paused",  # never fires by itself
        "CENG",
        "workflow",
    )
    runs = [run for run, _ in await store.list_runs(team_id="T1")]
    assert sorted(r.id for r in runs) == sorted([first["run_id"], again["run_id"]])
    assert {r.trigger for r in runs} == {"manual"}
    audit = await store.list_audit("T1")
    assert [(a["actor"], a["action"]) for a in audit[:2]] == [("UBOB", "run"), ("UALICE", "run")]


async def test_refusals_write_nothing(store: Store, clock: VirtualClock) -> None:
    tools = make(store, clock)
    unknown = await tools.call("run_workflow", ALICE, {"workflow": "nope"})
    assert "no workflow named 'nope'" in unknown["error"] and "weekly-report" in unknown["hint"]
    outside = await tools.call(
        "run_workflow", BOB, {"workflow": "weekly-report", "channel": "COPS"}
    )
    assert "not a member" in outside["error"]
    injected = await tools.call(
        "run_workflow", ALICE, {"workflow": "weekly-report", "user_id": "UADMIN"}
    )
    assert set(injected) == {"error", "hint"}
    assert await store.list_schedules("T1") == []
    assert await store.list_runs(team_id="T1") == []


async def test_the_on_demand_schedule_stays_its_first_requesters(
    store: Store, clock: VirtualClock
) -> None:
    tools = make(store, clock)
    await tools.run_workflow(ALICE, RunWorkflowArgs(workflow="weekly-report"))
    await tools.run_workflow(BOB, RunWorkflowArgs(workflow="weekly-report"))
    [schedule] = await store.list_schedules("T1")
    assert schedule.created_by == "UALICE"  # Bob's run does not make it his to delete


async def test_a_schedule_that_only_has_the_on_demand_name_is_not_taken_over(
    store: Store, clock: VirtualClock
) -> None:
    tools = make(store, clock)
    await create(tools, BOB, name="weekly-report-ceng", text="Bob's own")
    before = await snapshot(store)
    refusal = await refused(tools.run_workflow(ALICE, RunWorkflowArgs(workflow="weekly-report")))
    assert "weekly-report-ceng" in refusal.error and "rename" in refusal.hint
    assert await snapshot(store) == before  # Bob's schedule is still his, active, a message
