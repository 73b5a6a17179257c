"""An example setup hook: `TOCK_APP=examples.tock_setup tock run`.

It gives Tock:
- the `oncall-handoff` workflow: a Python step picks this week's on-call
  person from a rotation, another writes the handoff note, and Tock posts
  the note into the schedule's channel (a workflow whose last step does not
  post has its final text posted);
- the `heartbeat-file` job kind: it writes the run's time to a file, for a
  watchdog outside Tock (a dead man's switch: alert when the file is older
  than ten minutes, and you learn that the scheduler stopped);
- two schedules, declared at every start and never duplicated: the handoff
  every Monday at 9:30 in Berlin, and the heartbeat every five minutes.

Settings it reads (the operator's own, not Tock's): ONCALL_CHANNEL (a channel
id, default C0123ONCALL), ONCALL_ROTATION (user ids, comma-separated) and
TOCK_HEARTBEAT_FILE (default /tmp/tock-heartbeat).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.setup.hook import Tock
from scheduler.jobs import RunContext
from scheduler.workflow import Step, StepInput, StepOutput, Workflow

DEFAULT_ROTATION = "U0123ALICE,U0123BOB,U0123CAROL"


def rotation_from_env() -> list[str]:
    return os.environ.get("ONCALL_ROTATION", DEFAULT_ROTATION).split(",")


async def pick_oncall(step: StepInput) -> StepOutput:
    """This week's person, by the ISO week of the run's slot (a retried run picks the same).

    The rotation is the workflow's input (`{"rotation": [...]}`); run from chat
    or `tock workflows run` without one, it is ONCALL_ROTATION's.
    """
    given = step.input.get("rotation") if isinstance(step.input, dict) else None
    rotation = given or rotation_from_env()
    week = step.context.run.scheduled_for.isocalendar().week
    person, previous = rotation[week % len(rotation)], rotation[(week - 1) % len(rotation)]
    return StepOutput(text=person, data={"oncall": person, "previous": previous, "week": week})


async def handoff_note(step: StepInput) -> StepOutput:
    """The note Tock posts: who is on call, and who hands over."""
    picked = step.outputs["pick"].data
    return StepOutput(
        text=f":pager: Week {picked['week']}: <@{picked['oncall']}> is on call, "
        f"taking over from <@{picked['previous']}>."
    )


ONCALL_HANDOFF = Workflow(
    "oncall-handoff",
    description="pick this week's on-call person → write the handoff note → post",
    steps=[Step("pick", fn=pick_oncall), Step("announce", fn=handoff_note)],
)


async def write_heartbeat(ctx: RunContext) -> str:
    """The `heartbeat-file` kind: the run's slot, written to `path` (off the event loop)."""
    path = Path(ctx.schedule.action["path"])
    stamp = ctx.run.scheduled_for.isoformat()
    await asyncio.to_thread(path.write_text, f"{stamp}\n", encoding="utf-8")
    return f"wrote {stamp} to {path}"


def setup(tock: Tock) -> None:
    """Tock calls this once at start, before its scheduler runs anything."""
    tock.workflow(ONCALL_HANDOFF)
    tock.job_kind("heartbeat-file", write_heartbeat)
    tock.register_schedule(
        "oncall-handoff",
        when="every monday at 9:30am",
        timezone="Europe/Berlin",
        channel=os.environ.get("ONCALL_CHANNEL", "C0123ONCALL"),
        action="workflow",
        workflow="oncall-handoff",
        input={"rotation": rotation_from_env()},
    )
    tock.register_schedule(
        "heartbeat-file",
        cron="*/5 * * * *",
        action="heartbeat-file",
        args={"path": os.environ.get("TOCK_HEARTBEAT_FILE", "/tmp/tock-heartbeat")},
        max_retries=0,  # the next beat is five minutes away anyway
        catch_up=False,  # after downtime, one late beat would only hide the gap
    )
