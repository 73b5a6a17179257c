"""Running a registered workflow once, now: "run the content pipeline now", `/tock run-workflow`.

A run needs a schedule to belong to (runs, steps and history hang off
schedules), so each workflow has one on-demand schedule per channel,
`<workflow>-<channel id>`: paused, so it never fires by itself, made by the
first request (a unique name, so replicas racing make one) and found by the
later ones, and each request adds a manual run to it. It shows in listings
like any schedule, with its history, and its Run now button runs the
workflow again.

Anyone may run a workflow into a channel they are in (or their own DM), as
anyone may create a schedule there; the run is audited as theirs, and the
on-demand schedule stays its first requester's. A schedule that merely has
the on-demand name (someone's own, or an operator's) is never taken over:
the request is refused and that schedule left as it is.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.errors import Conflict
from scheduler.records import Schedule, ScheduleSpec
from scheduler.store import AuditEntry
from scheduler.triggers import OnceTrigger
from tools.caller import Caller
from tools.scheduler_tools.args import RunWorkflowArgs
from tools.scheduler_tools.errors import ToolError
from tools.scheduler_tools.names import MAX_NAME, slugify
from tools.scheduler_tools.policy import Policy
from tools.scheduler_tools.views import ToolResult, schedule_view


class OnDemand(Policy):
    """`run_workflow`: one run of a workflow, now, in a channel."""

    async def run_workflow(self, caller: Caller, args: RunWorkflowArgs) -> ToolResult:
        """Run a registered workflow once, right now, posting into a channel (default: the
        current one). For a workflow on a timetable, create a schedule with
        action=workflow instead."""
        self._check_workflow(args.workflow)
        target = await self._target(caller, args.channel)
        now = self.clock.now()
        spec = ScheduleSpec(
            team_id=caller.team_id,
            name=slugify(f"{args.workflow}-{target}")[:MAX_NAME],
            trigger=OnceTrigger(now, caller.timezone),  # never due: the schedule is paused
            action_kind="workflow",
            action={"text": "", "window_hours": None, "workflow": args.workflow},
            channel_id=target,
            created_by=caller.user_id,
            source=self.source,
            enabled=False,
        )
        schedule = await self._on_demand(spec, now)
        audit = AuditEntry(team_id=caller.team_id, actor=caller.user_id, action="run")
        run = await self.store.add_manual_run(schedule, now, audit)
        return schedule_view(schedule) | {"run_id": run.id, "workflow": args.workflow}

    async def _on_demand(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        """The on-demand schedule `spec` describes: made now, or the one made before."""
        for _ in range(2):  # it may be deleted between the failed insert and the lookup
            try:
                return await self.store.create_schedule(spec, now)
            except Conflict:
                found = await self._get(spec.team_id, spec.name)
            if found is not None:
                if _same_on_demand(found, spec):
                    return found
                raise ToolError(
                    f"a schedule named {spec.name!r} already exists, and it is not this "
                    "workflow's on-demand run",
                    "rename that schedule (update_schedule with new_name), "
                    "or run the workflow into another channel",
                )
        raise ToolError(f"{spec.name!r} was changed just now", "try again")


def _same_on_demand(schedule: Schedule, spec: ScheduleSpec) -> bool:
    """Whether `schedule` is the on-demand schedule `spec` would make (not one that
    only shares its name)."""
    return (
        schedule.action_kind == spec.action_kind
        and schedule.channel_id == spec.channel_id
        and schedule.action.get("workflow") == spec.action["workflow"]
        and not schedule.action.get("text")
    )
