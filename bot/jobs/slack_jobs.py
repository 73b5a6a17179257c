"""The job kinds that post into Slack: `message`, `agent`, `digest`, `workflow`.

A digest runs the built-in `channel-digest` workflow and a workflow schedule
its named workflow (`bot.jobs.workflows`), so both are traced step by step.

Every post goes through the one shared `Sender` with the run's idempotency
key, and asks Slack whether it already landed when an earlier attempt's
outcome is unknown, so a retried run never posts twice.

Failures:
- `PermanentDeliveryError` (channel gone, bot removed, archived, token
  revoked, ...): retrying cannot help and the next slot would fail the same
  way, so the schedule is paused (audited as actor "tock"), its owner gets a
  DM saying why and how to fix it, and the error is re-raised so this run
  fails without retries.
- anything transient is re-raised as is; the engine retries with backoff.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.health import Metrics
from bot.jobs.workflows import DIGEST, POSTED
from bot.slack.api import PermanentDeliveryError, TransientDeliveryError
from bot.slack.delivery import Sender
from bot.slack.ids import USER_ID
from scheduler.clock import Clock
from scheduler.errors import Conflict, NotFound, PermanentJobError
from scheduler.jobs import Handler, JobRegistry, RunContext
from scheduler.records import Schedule
from scheduler.store import AuditEntry, Store
from scheduler.workflow import (
    Ask,
    PermanentStepError,
    WorkflowRegistry,
    run_workflow,
    workflow_input,
)

if TYPE_CHECKING:
    from bot.agents.turn import Agent
    from bot.slack.directory import SlackDirectory

log = logging.getLogger(__name__)

KINDS = ("message", "agent", "digest", "workflow")
_PLACEHOLDER = re.compile(r"\{(date|time|weekday|schedule)\}")

_REMEDIES = {
    "not_in_channel": "Invite me there with `/invite @tock`",
    "channel_not_found": "The channel is gone or private to me: invite me, or move the "
    "schedule to another channel",
    "is_archived": "The channel is archived: unarchive it, or move the schedule to another channel",
    "invalid_auth": "My Slack token no longer works: an admin needs to reinstall the app",
    "token_revoked": "My Slack token was revoked: an admin needs to reinstall the app",
    "account_inactive": "My Slack token was deactivated: an admin needs to reinstall the app",
    "missing_scope": "I lack a Slack permission: reinstall the app from its manifest",
}


def render_placeholders(text: str, schedule: Schedule, at: datetime) -> str:
    """Fill `{date}`, `{time}`, `{weekday}`, `{schedule}` in the schedule's zone.

    Any other `{word}` stays as written: message text is the user's, and a
    stray brace must not fail a run.
    """
    local = at.astimezone(ZoneInfo(schedule.timezone))
    values = {
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "weekday": local.strftime("%A"),
        "schedule": schedule.name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def pause_notice(schedule: Schedule, code: str) -> str:
    """What the owner is told when a schedule is paused for a delivery error."""
    where = f"<#{schedule.channel_id}>" if schedule.channel_id else "its channel"
    remedy = _REMEDIES.get(code, "Slack refused the post")
    return (
        f":double_vertical_bar: I paused *{schedule.name}*: I could not post in {where} "
        f"(`{code}`). {remedy}, then `/tock resume {schedule.name}`."
    )


class SlackJobs:
    """Handlers for the Slack job kinds; `register` puts them on a registry."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        sender: Sender,
        directory: SlackDirectory,
        agent: Agent,
        workflows: WorkflowRegistry,
        ask: Ask | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.directory = directory
        self.agent = agent
        self.workflows = workflows
        self.ask = ask
        self.metrics = metrics

    def register(self, registry: JobRegistry) -> None:
        handlers: dict[str, Handler] = {
            "message": self.message,
            "agent": self.agent_prompt,
            "digest": self.digest,
            "workflow": self.workflow,
        }
        for kind, handler in handlers.items():
            registry.register(kind, self._pausing_on_permanent(handler))

    # ---- job kinds -----------------------------------------------------------

    async def message(self, ctx: RunContext) -> str | None:
        text = render_placeholders(str(ctx.schedule.action.get("text") or ""), *_slot(ctx))
        return await self._post(ctx, text)

    async def agent_prompt(self, ctx: RunContext) -> str | None:
        """Ask the agent, as the schedule's creator, and post its answer."""
        schedule = ctx.schedule
        prompt = render_placeholders(str(schedule.action.get("text") or ""), *_slot(ctx))
        if not prompt.strip():
            raise PermanentJobError("the agent schedule has no prompt")
        caller = await self.directory.caller(
            schedule.team_id, schedule.created_by, schedule.channel_id
        )
        turn = await self.agent.respond(caller, prompt, [])
        return await self._post(ctx, turn.reply.text, turn.reply.blocks)

    async def digest(self, ctx: RunContext) -> str | None:
        """A digest is the traced `channel-digest` workflow, with the schedule's window."""
        return await self._run_workflow(ctx, DIGEST)

    async def workflow(self, ctx: RunContext) -> str | None:
        return await self._run_workflow(ctx, str(ctx.schedule.action.get("workflow") or ""))

    async def _run_workflow(self, ctx: RunContext, name: str) -> str | None:
        """Run (or resume) workflow `name`; post its final text unless a step posted."""
        chosen, given = self.workflows.get(name), workflow_input(ctx)
        result = await run_workflow(
            chosen, ctx, store=self.store, clock=self.clock, input=given, ask=self.ask
        )
        if result is None:
            return None
        if isinstance(result.data, dict) and result.data.get(POSTED):
            return result.text
        return await self._post(ctx, result.text)

    # ---- posting and failing -------------------------------------------------

    async def _post(
        self, ctx: RunContext, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> str:
        channel = ctx.schedule.channel_id
        if not channel:
            raise PermanentJobError("the schedule has no channel to post in")
        if not text.strip() and not blocks:
            raise PermanentJobError("nothing to post: the message is empty")
        result = await self.sender.post(
            channel,
            text,
            blocks=blocks,
            idempotency_key=ctx.idempotency_key,
            check_existing=ctx.outcome_unknown,
            before_send=ctx.still_ours,  # a replica cut off from Postgres posts nothing
        )
        return result.permalink or f"{result.channel}/{result.ts}"

    def _pausing_on_permanent(self, handler: Handler) -> Handler:
        async def run(ctx: RunContext) -> str | None:
            try:
                return await handler(ctx)
            except (PermanentDeliveryError, PermanentStepError) as error:
                # Inside a workflow the delivery error is the failed step's cause.
                refused = getattr(error, "cause", error)
                if isinstance(refused, PermanentDeliveryError):
                    await self._pause_and_tell(ctx.schedule, refused.code)
                raise

        run.__name__ = getattr(handler, "__name__", "job")
        return run

    async def _pause_and_tell(self, schedule: Schedule, code: str) -> None:
        if schedule.channel_id:
            self.directory.forget_channel(schedule.channel_id)
        if not await self._pause(schedule, code):
            return
        if self.metrics is not None:
            self.metrics.job_pauses.labels(code).inc()
        owner = schedule.created_by
        if not USER_ID.fullmatch(owner):
            return  # a startup or CLI schedule has no person to tell
        try:
            # A user id as the channel lands in the app's DM with that person.
            await self.sender.post(owner, pause_notice(schedule, code))
        except (PermanentDeliveryError, TransientDeliveryError) as error:
            log.warning(
                "could not tell the owner of %s that it was paused: %s",
                schedule.name,
                error,
                extra={"action": "job.pause_notice", "schedule": schedule.name},
            )

    async def _pause(self, schedule: Schedule, code: str) -> bool:
        """Disable the schedule; False when it is gone or already paused."""
        now = self.clock.now()
        audit = AuditEntry(
            team_id=schedule.team_id,
            actor="tock",
            action="pause",
            schedule_id=schedule.id,
            schedule_name=schedule.name,
        )
        for _ in range(3):  # someone may edit it meanwhile: re-read and retry
            try:
                current = await self.store.get_schedule_by_id(schedule.id)
                if not current.enabled:
                    return False
                await self.store.update_schedule(current, {"enabled": False}, now, audit)
            except NotFound:
                return False
            except Conflict:
                continue
            log.warning(
                "paused %s after a permanent delivery error: %s",
                schedule.name,
                code,
                extra={"action": "job.paused", "schedule": schedule.name, "code": code},
            )
            return True
        return False


def _slot(ctx: RunContext) -> tuple[Schedule, datetime]:
    """The schedule and the instant its placeholders describe (the slot, not now)."""
    return ctx.schedule, ctx.run.scheduled_for
