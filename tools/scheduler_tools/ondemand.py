"""Running a registered workflow once, now: "run the content pipeline now", `/tock run-workflow`.

A run needs a schedule to belong to (runs, steps and history hang off
schedules), so each workflow has one on-demand schedule per channel,
`<workflow>-<channel id>`: paused, so it never fires by itself, made or
found with the store's idempotent upsert, and each request adds a manual run
to it. It shows in listings like any schedule, with its history, and its
Run now button runs the workflow again.

Anyone may run a workflow into a channel they are in (or their own DM), as
anyone may create a schedule there; the run is audited as theirs.
"""

from __future__ import annotations

from scheduler.records import ScheduleSpec
from scheduler.store import AuditEntry
from scheduler.triggers import OnceTrigger
from tools.caller import Caller
from tools.scheduler_tools.args import RunWorkflowArgs
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
        schedule = await self.store.register_schedule(spec, now)
        audit = AuditEntry(team_id=caller.team_id, actor=caller.user_id, action="run")
        run = await self.store.add_manual_run(schedule, now, audit)
        return schedule_view(schedule) | {"run_id": run.id, "workflow": args.workflow}
