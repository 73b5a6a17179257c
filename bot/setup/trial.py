"""Running a workflow once from the command line (`tock workflows run NAME`), recorded.

Rules:
- The run belongs to the workflow's on-demand schedule, as a run-now from
  chat does (`<workflow>-<channel>`, paused; `<workflow>-local` when it posts
  nowhere; made with `source="cli"` when chat has not made it): a manual run
  row, its steps in `run_steps`, its outcome, shown by `tock runs` and the
  schedule's history. A schedule that only shares that name is refused.
- Without a Slack bot token nothing reaches Slack: `OfflineSteps` stand in
  for the Slack steps (a digest reads no messages, a post step posts nothing
  and passes its text on) and the final output is returned, not posted.
  With a token the caller passes the bot's own `workflow` job kind, which
  posts as the bot would.
- This process runs the run itself: it leases the new run (any other due run
  leased on the way is handed straight back), runs it under the schedule's
  timeout with a lease that outlasts it, records the outcome and never
  retries. Interrupted, it records the run as failed, so no replica retries
  it. If a running Tock leased the run first, that Tock runs it ("taken").
- `--input` is the workflow's input for this run only; it is not stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import openai

from bot.jobs.workflows import POSTED, SlackSteps, text_to_post
from scheduler.clock import Clock
from scheduler.engine import _describe as describe_error
from scheduler.errors import Conflict
from scheduler.jobs import Handler, RunContext
from scheduler.records import ClaimedRun, Run, Schedule, ScheduleSpec
from scheduler.store import AuditEntry, StepRecord, Store
from scheduler.triggers import OnceTrigger
from scheduler.workflow import Ask, StepInput, StepOutput, WorkflowRegistry, run_workflow
from scheduler.workflow import workflow_input as input_of
from tools.scheduler_tools.names import MAX_NAME, slugify
from tools.scheduler_tools.ondemand import _same_on_demand  # one rule for "is it the same"

ACTOR = "cli"
CLAIM_BATCH = 50
CLAIM_ROUNDS = 20  # batches of other due runs stepped over before giving up
LEASE_MARGIN_S = 60
INTERRUPTED = "cancelled: interrupted on the command line"


class OfflineSteps(SlackSteps):
    """The Slack steps with no Slack: nothing is read and nothing is posted."""

    def __init__(self, llm: openai.AsyncOpenAI | None = None, model: str = "") -> None:
        # No sender and no client: every method that would use them is replaced here.
        self.llm = llm
        self.model = model

    async def collect(self, step: StepInput) -> StepOutput:
        schedule = step.context.schedule
        source = str(schedule.action.get("source_channel") or schedule.channel_id or "")
        hours = max(1, int(schedule.action.get("window_hours") or 24))
        data = {"channel": source, "hours": hours, "messages": []}
        return StepOutput(text="0 messages (no Slack configured: nothing read)", data=data)

    async def post(self, step: StepInput) -> StepOutput:
        # Marked posted so nothing else tries to: the text is the run's output instead.
        return StepOutput(text=text_to_post(step), data={POSTED: True, "offline": True})


def offline_handler(
    workflows: WorkflowRegistry, store: Store, clock: Clock, ask: Ask | None
) -> Handler:
    """The `workflow` job kind without Slack: the final text is the output, never posted."""

    async def run(ctx: RunContext) -> str | None:
        chosen = workflows.get(str(ctx.schedule.action.get("workflow") or ""))
        output = await run_workflow(
            chosen, ctx, store=store, clock=clock, input=input_of(ctx), ask=ask
        )
        return output.text if output is not None else None

    return run


@dataclass(frozen=True)
class Trial:
    """What a command-line run did: its run row, outcome and steps."""

    run: Run
    schedule: Schedule
    status: str  # succeeded | failed | taken (a running Tock leased it first)
    output: str | None = None
    error: str | None = None
    steps: tuple[StepRecord, ...] = ()


async def run_trial(
    store: Store,
    clock: Clock,
    spec: ScheduleSpec,
    handler: Handler,
    *,
    owner: str,
    input_text: str | None = None,
) -> Trial:
    """Record a manual run on `spec`'s schedule and run it here (see the module docstring)."""
    now = clock.now()
    schedule = await _on_demand(store, spec, now)
    audit = AuditEntry(team_id=spec.team_id, actor=ACTOR, action="run")
    run = await store.add_manual_run(schedule, now, audit)
    lease = timedelta(seconds=schedule.timeout_s + LEASE_MARGIN_S)
    claimed = await _lease(store, clock, run, owner, lease)
    if claimed is None:
        return Trial(run, schedule, "taken")
    ctx = RunContext(run=claimed.run, schedule=_with_input(claimed.schedule, input_text), now=now)
    status, output, error = await _outcome(store, clock, ctx, handler, owner)
    steps = tuple(await store.list_steps(run_id=run.id))
    return Trial(await store.get_run(run.id), schedule, status, output, error, steps)


async def _outcome(
    store: Store, clock: Clock, ctx: RunContext, handler: Handler, owner: str
) -> tuple[str, str | None, str | None]:
    output: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(ctx.schedule.timeout_s):
            output = await handler(ctx)
        status = "succeeded"
    except TimeoutError:
        status, error = "failed", f"timed out after {ctx.schedule.timeout_s}s"
    except Exception as exc:  # the outcome is printed and recorded, never retried
        status, error = "failed", describe_error(exc)
    except BaseException:  # Ctrl-C: record it, or a replica would retry the run later
        await store.finish_run(ctx.run, owner, clock.now(), "failed", error=INTERRUPTED)
        raise
    await store.finish_run(ctx.run, owner, clock.now(), status, error=error, output=output)
    return status, output, error


async def _lease(
    store: Store, clock: Clock, run: Run, owner: str, lease: timedelta
) -> ClaimedRun | None:
    """Lease `run` for this process; None when a running Tock has it (or it must wait).

    Claiming leases the earliest due runs first, so the runs due before ours
    that come with it are handed back at once, untouched.
    """
    others: list[int] = []
    mine: ClaimedRun | None = None
    try:
        for _ in range(CLAIM_ROUNDS):
            got = await store.claim_runs(owner, run.due_at, lease, CLAIM_BATCH)
            others += [item.run.id for item in got if item.run.id != run.id]
            mine = next((item for item in got if item.run.id == run.id), None)
            if mine is not None or len(got) < CLAIM_BATCH:
                break
    finally:  # held until the end, so a later round cannot lease them again
        await store.release_runs(owner, others, clock.now())
    return mine


def on_demand_spec(team_id: str, workflow: str, channel: str | None, now: datetime) -> ScheduleSpec:
    """The on-demand schedule a command-line run belongs to: chat's for that channel
    (`<workflow>-<channel>`, see `tools.scheduler_tools.ondemand`), or `<workflow>-local`."""
    return ScheduleSpec(
        team_id=team_id,
        name=slugify(f"{workflow}-{channel or 'local'}")[:MAX_NAME],
        trigger=OnceTrigger(now, "UTC"),  # never due: the schedule is paused
        action_kind="workflow",
        action={"text": "", "window_hours": None, "workflow": workflow},
        channel_id=channel,
        created_by=ACTOR,
        source="cli",
        enabled=False,
    )


async def _on_demand(store: Store, spec: ScheduleSpec, now: datetime) -> Schedule:
    """The on-demand schedule: made now, or the one made before; never another that
    only shares its name (ValueError: a one-line refusal)."""
    try:
        return await store.create_schedule(spec, now)
    except Conflict:
        found = await store.get_schedule(spec.team_id, spec.name)
    if not _same_on_demand(found, spec):
        raise ValueError(
            f"a schedule named {spec.name!r} already exists and is not this workflow's "
            "on-demand run: rename it, or pass another --channel"
        )
    return found


def _with_input(schedule: Schedule, input_text: str | None) -> Schedule:
    if input_text is None:
        return schedule
    return replace(schedule, action=schedule.action | {"text": input_text})
